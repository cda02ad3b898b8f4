"""Look for the canaries everywhere a secret could leak: errors, logs, reports, public objects."""

from __future__ import annotations

import dataclasses
import io
import logging
import traceback
from typing import Any

from .conftest import CANARIES

__all__ = [
    "assert_no_canary",
    "assert_no_canary_in_error",
    "assert_no_canary_in_logs",
    "public_objects",
]

_LEAVES = (str, bytes, int, float, bool, type(None))


def _children(obj: Any) -> list[Any]:
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)
    if not type(obj).__module__.startswith("shipyard"):
        return []  # a library's object (a requests session, a python-gitlab client) is not ours
    names = set()
    if dataclasses.is_dataclass(obj):
        names |= {f.name for f in dataclasses.fields(obj)}
    names |= set(getattr(obj, "__dict__", {}))
    for klass in type(obj).__mro__:
        names |= set(getattr(klass, "__slots__", ()))
    # Public attributes only: what a user can reach without a leading underscore.
    return [getattr(obj, name) for name in sorted(names) if not name.startswith("_")]


def public_objects(*roots: Any, depth: int = 4) -> list[Any]:
    """Return ``roots`` and every object reachable from them through public attributes."""
    found: list[Any] = []
    seen: set[int] = set()
    stack = [(root, depth) for root in roots]
    while stack:
        obj, left = stack.pop()
        if id(obj) in seen or left < 0 or callable(obj) and not hasattr(obj, "__dict__"):
            continue
        seen.add(id(obj))
        found.append(obj)
        if not isinstance(obj, _LEAVES):
            stack.extend((child, left - 1) for child in _children(obj))
    return found


def _shown(obj: Any) -> str:
    """Everything ``obj`` shows of itself: ``repr``, ``str``, its HTML and rich renderings."""
    parts = [repr(obj), str(obj)]
    if hasattr(obj, "_repr_html_"):
        parts.append(obj._repr_html_())
    if hasattr(obj, "__rich__"):
        from rich.console import Console

        console = Console(width=200, record=True, file=io.StringIO())
        console.print(obj)
        parts.append(console.export_text())
    return "\n".join(parts)


def assert_no_canary(*texts_or_objects: Any) -> int:
    """Fail when a canary is in any text given, or in what any object given shows of itself.

    Returns:
        How many objects were looked at (so a caller can check the walk found something).
    """
    objects = public_objects(*texts_or_objects)
    for obj in objects:
        shown = _shown(obj)
        for canary in CANARIES:
            assert canary not in shown, f"a canary is in {type(obj).__name__}: {shown[:300]}"
    return len(objects)


def assert_no_canary_in_error(exc: BaseException) -> None:
    """Fail when a canary is in the error: message, hint, fields, traceback, chained errors."""
    texts = [
        "".join(traceback.format_exception(exc)),
        repr(exc.args),
        repr(exc.__context__),
        str(exc.__context__),
        repr(exc.__cause__),
    ]
    for name in ("hint", "message", "server_message", "url", "applied", "not_applied"):
        texts.append(repr(getattr(exc, name, "")))
    if hasattr(exc, "_lines"):
        texts.extend(exc._lines())
    if hasattr(exc, "_repr_html_"):
        texts.append(exc._repr_html_())
    for text in texts:
        for canary in CANARIES:
            assert canary not in text, f"a canary is in the error: {text[:300]}"


def assert_no_canary_in_logs(records: list[logging.LogRecord], *outputs: str) -> None:
    """Fail when a canary is in a log record (message or arguments) or in an output."""
    assert records, "nothing was logged: the log check would prove nothing"
    for record in records:
        for canary in CANARIES:
            assert canary not in record.getMessage() and canary not in repr(record.args)
    for output in outputs:
        for canary in CANARIES:
            assert canary not in output
