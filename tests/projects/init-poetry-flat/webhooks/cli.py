"""The webhooks command."""


def main() -> None:
    """Print the event kinds this library knows."""
    print("push tag_push merge_request")
