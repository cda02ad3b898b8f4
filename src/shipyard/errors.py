"""Errors Shipyard raises, each saying what failed, where, and how to fix it.

The tree::

    ShipyardError
     ├── ConfigError        a setting in [tool.shipyard] or a SHIPYARD_* variable is wrong
     ├── InputError         a file Shipyard reads is missing, unreadable or malformed
     ├── UnknownRuleError   a rule id that the registry does not know
     └── OperationError     a remote system refused or failed an operation

Every error carries a ``hint`` (what to do) and may carry a ``doc_url``. The CLI turns any
:class:`ShipyardError` into one ``error: ...`` line plus the hint, never a traceback. Messages never
contain secrets: :func:`redact` removes them before an error is built from a remote answer.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "ConfigError",
    "InputError",
    "OperationError",
    "ShipyardError",
    "UnknownRuleError",
    "did_you_mean",
    "redact",
    "shorten",
]

#: The longest message an error shows; a file's content quoted in it is cut to fit.
MAX_MESSAGE = 1000


def shorten(text: str, limit: int = 200) -> str:
    """Return ``text`` cut to about ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


class ShipyardError(Exception):
    """Base class of every error Shipyard raises on purpose.

    Args:
        message: What failed, with the offending value quoted.
        hint: What the user can do about it.
        doc_url: A page that explains the subject, when there is one.
    """

    def __init__(self, message: str, *, hint: str = "", doc_url: str = "") -> None:
        # Bounded: a message may quote the file it is about, and the file may be huge.
        message = shorten(message, MAX_MESSAGE)
        super().__init__(message)
        self.message = message
        self.hint = shorten(hint, MAX_MESSAGE)
        self.doc_url = doc_url
        #: When the error stopped :func:`shipyard.plans.apply`: the changes made before it, and
        #: the ones not made (the failed one first), each as ``create role 'x'``.
        self.applied: tuple[str, ...] = ()
        self.not_applied: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.message

    def _lines(self) -> list[str]:
        """Return what a reader needs: the error, the hint, the docs link (no traceback)."""
        lines = [f"{type(self).__name__}: {self}"]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        if self.doc_url:
            lines.append(f"docs: {self.doc_url}")
        return lines

    def _render_traceback_(self) -> list[str]:
        """What IPython shows in place of a traceback: the message, the hint and the docs link.

        IPython (and so a notebook cell) calls this for an exception that has it; the frames of
        Shipyard's own code would only hide the hint.
        """
        return self._lines()

    def _repr_html_(self) -> str:
        """Show the error, its hint and its docs link when the error itself is displayed."""
        import html

        parts = [f"<strong>{html.escape(type(self).__name__)}</strong>: {html.escape(str(self))}"]
        if self.hint:
            parts.append(f"<em>hint</em>: {html.escape(self.hint)}")
        if self.doc_url:
            url = html.escape(self.doc_url, quote=True)
            parts.append(f'<em>docs</em>: <a href="{url}">{html.escape(self.doc_url)}</a>')
        return '<div class="shipyard-error">' + "<br>".join(parts) + "</div>"


class ConfigError(ShipyardError):
    """A setting is invalid: the message names the key, its source and the allowed values."""


class InputError(ShipyardError):
    """A file Shipyard reads is missing, unreadable or malformed.

    Args:
        message: What is wrong with the file's content.
        path: The file.
        line: 1-based line of the problem, when known.
        column: 1-based column of the problem, when known.
        hint: How to fix it.
        rule_id: The rule documenting the problem, when one does.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | str,
        line: int | None = None,
        column: int | None = None,
        hint: str = "",
        rule_id: str = "",
        doc_url: str = "",
    ) -> None:
        super().__init__(message, hint=hint, doc_url=doc_url)
        self.path = Path(path)
        self.line = line
        self.column = column
        self.rule_id = rule_id

    @property
    def location(self) -> str:
        """The ``file:line:column`` prefix, as far as it is known."""
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        suffix = f" [{self.rule_id}]" if self.rule_id else ""
        return f"{self.location}: {self.message}{suffix}"


class UnknownRuleError(ShipyardError):
    """A rule id or prefix that no registered rule has."""


class OperationError(ShipyardError):
    """A remote system refused or failed an operation.

    Args:
        operation: What Shipyard was doing, e.g. ``"create repository 'pypi-internal'"``.
        status: The HTTP status, or ``None`` when no answer came.
        server_message: What the server said, already redacted.
        url: The URL, with any credentials removed.
        hint: What to do next.
    """

    def __init__(
        self,
        operation: str,
        *,
        status: int | None,
        server_message: str = "",
        url: str = "",
        hint: str = "",
    ) -> None:
        status_text = f"HTTP {status}" if status is not None else "no answer"
        message = f"{operation} failed ({status_text})"
        if url:
            message += f" at {url}"
        if server_message:
            message += f": {server_message}"
        super().__init__(message, hint=hint)
        self.operation = operation
        self.status = status
        self.server_message = server_message
        self.url = url


_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]{0,31}://)[^/\s:@]+(?::[^/\s@]*)?@"
)
MASK = "****"


def redact(text: str, secrets: Iterable[object] = ()) -> str:
    """Return ``text`` with credentials in URLs and every given secret value masked.

    Args:
        text: Any text that may reach a user: a server's answer, a URL, a command line.
        secrets: Values to mask wherever they appear; :class:`shipyard.config.Secret` values and
            plain strings are both accepted. Empty values are ignored.

    Returns:
        The text with ``user:password@`` in URLs and every secret replaced by ``****``.
    """
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    values = []
    for secret in secrets:
        reveal = getattr(secret, "reveal", None)
        value = reveal() if callable(reveal) else secret
        if isinstance(value, str) and value:
            values.append(value)
    # Longest first, so a secret that contains another is masked whole.
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""`` when none is close."""
    matches = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""
