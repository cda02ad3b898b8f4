"""Parse GitLab webhook payloads."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gitlab-my-lib")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0+unknown"


def event_kind(payload: dict) -> str:
    """Return the webhook's event kind, e.g. ``push`` or ``tag_push``."""
    return str(payload.get("object_kind", "unknown"))
