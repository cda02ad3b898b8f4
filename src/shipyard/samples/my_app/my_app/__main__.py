"""The `my-app` command."""

from my_app import __version__


def cli() -> None:
    """Say which version is running: the deploy job's smoke test."""
    print(f"my_app {__version__} is running")


if __name__ == "__main__":
    cli()
