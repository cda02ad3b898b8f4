"""Say hello."""
