"""Parse GitLab webhooks."""
