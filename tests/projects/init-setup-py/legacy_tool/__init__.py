"""An older tool."""


def main() -> None:
    """Run the tool."""
    print("legacy")
