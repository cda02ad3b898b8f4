"""The hello command."""


def main() -> None:
    """Print a greeting."""
    print("hello")
