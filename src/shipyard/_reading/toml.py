"""TOML helpers: parse with file:line:column errors, and find the line a key is written on.

``tomllib`` gives values but no positions. :class:`KeyLines` scans the text once to map each key
path
(``("project", "scripts", "my-app")``) to the line it is written on, so findings can point at it. It
understands table headers, arrays of tables, dotted keys, quoted keys and inline tables written on
one line; values that span lines (arrays, multi-line strings) are skipped over.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from shipyard.errors import InputError

_POSITION = re.compile(r"\(at line (?P<line>\d+), column (?P<column>\d+)\)")
_BARE_KEY = r"[A-Za-z0-9_-]+"
_KEY_PART = rf'(?:{_BARE_KEY}|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*(?P<key>{_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*(?P<key>{_DOTTED})\s*=")
_INLINE_KEY = re.compile(rf"[{{,]\s*(?P<key>{_DOTTED})\s*=")


def decode_error(
    exc: tomllib.TOMLDecodeError, path: Path, rule_id: str = "", source: str = ""
) -> InputError:
    """Turn a ``TOMLDecodeError`` into an :class:`InputError` with line and column.

    Args:
        exc: The parser's error.
        path: The file that was parsed.
        rule_id: The rule that documents the problem, if any.
        source: The document, to place errors reported "at end of document".
    """
    text = str(exc)
    match = _POSITION.search(text)
    line = int(match["line"]) if match else getattr(exc, "lineno", None)
    column = int(match["column"]) if match else getattr(exc, "colno", None)
    message = _POSITION.sub("", text).strip() if match else text
    if not match and "(at end of document)" in text:
        message = text.replace("(at end of document)", "").strip() + " at the end of the file"
        line = max(source.count("\n") + (0 if source.endswith("\n") else 1), 1)
    return InputError(
        f"invalid TOML: {message}",
        path=path,
        line=line,
        column=column,
        hint="Fix the syntax at that position; `python -m tomllib` is not needed, any TOML editor "
        "shows the same error.",
        rule_id=rule_id,
    )


def load(path: Path, rule_id: str = "") -> tuple[str, dict[str, Any]]:
    """Read and parse a TOML file, within the bounds of :mod:`shipyard._reading`.

    Returns:
        The text and the parsed document.

    Raises:
        InputError: The file is missing, unreadable, too large, not UTF-8 or not valid TOML.
    """
    from shipyard import _reading

    text = _reading.read_text(path, "pyproject")
    return text, _reading.load_toml(text, path, rule_id)


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = re.findall(_KEY_PART, dotted)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


class KeyLines:
    """Where each key of a TOML document is written.

    Args:
        text: The document.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        in_multiline: str | None = None
        depth = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            if depth > 0:
                depth += _bracket_balance(line)
                continue
            table, value = self._record(table, line, number)
            if value is None:
                continue
            in_multiline = _opened_multiline(value)
            depth = 0 if in_multiline else _bracket_balance(value)

    def _record(
        self, table: tuple[str, ...], line: str, number: int
    ) -> tuple[tuple[str, ...], str | None]:
        """Record the keys a line writes.

        Returns:
            The table the next lines are in, and the value the line assigns (``None`` if none).
        """
        header = _HEADER.match(line)
        assign = _ASSIGN.match(line)
        if header and not assign:
            table = _split_key(header["key"])
            self._lines.setdefault(table, number)
            return table, None
        if not assign:
            return table, None
        key = table + _split_key(assign["key"])
        self._lines.setdefault(key, number)
        value = line[assign.end() :]
        for inline in _INLINE_KEY.finditer(value):
            self._lines.setdefault(key + _split_key(inline["key"]), number)
        return table, value

    def line(self, *key: str) -> int | None:
        """Return the line of ``key``, else of its nearest written parent, else ``None``."""
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return None


def _opened_multiline(value: str) -> str | None:
    """Return the quotes of a multi-line string that ``value`` opens and leaves open, if any."""
    opened = None
    for quote in ('"""', "'''"):
        if value.count(quote) % 2 == 1:
            opened = quote
    return opened


def _bracket_balance(text: str) -> int:
    # Strings may hold brackets; drop them before counting. Comments too.
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", text).split("#", 1)[0]
    return stripped.count("[") + stripped.count("{") - stripped.count("]") - stripped.count("}")
