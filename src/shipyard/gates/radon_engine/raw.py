r"""Radon's raw metrics (LOC, LLOC, SLOC, comments, multi, blank) in linear time.

Why this module exists: :func:`radon.raw.analyze` is quadratic in the length of a statement.
It strips every line, then grows a buffer one line at a time and re-tokenizes the whole buffer
after each line until the tokenizer stops complaining (``_get_all_tokens``). A statement of
*k* lines is tokenized ``k * (k + 1) / 2`` line-times: the 607-line dict in
``pygments/lexers/_mapping.py`` costs 4.6 million tokens and 15 s, the 17,000-line table in
``idna/uts46data.py`` 12 minutes, for files that :func:`ast.parse` reads in milliseconds.

This module keeps radon's definitions and changes only how radon's groups of lines (the
shortest runs of lines that tokenize on their own) are found. Read from a group's first line,
the tokenizer reaches the group's end at the first ``NEWLINE`` token, or ``NL`` token outside
brackets: no bracket, string or backslash continuation is open there, the very condition radon
tests by re-tokenizing. One quirk of radon's is kept: an empty line at the end of radon's buffer
is invisible to the tokenizer, so an empty line that ends a backslash continuation does not end
radon's group. Each group's tokens are counted by radon's own helpers
(:func:`radon.raw._logical`, :func:`radon.raw.is_single_token`).

Three lines in four need no tokenizer at all: empty lines, comment lines and "plain" one-line
statements (no string, comment, continuation or semicolon; brackets closed), for which the only
count that depends on tokens, two logical lines when a colon is not the last token, is read
with a regular expression.

Where the tokenizer reports an ``ERRORTOKEN`` (identifiers the pure-Python tokenizer does not
know, such as a letter with a combining accent; a string split by a character that
:meth:`str.splitlines` treats as a line break) or a ``TokenError``, radon's buffer never becomes
complete and radon raises ``SyntaxError('SyntaxError at line: N')`` with *N* the first line of
that group. :func:`analyze` raises the same error, without spending the quadratic time first.

Checked against radon's own analysis on the 20,000 modules of the standard library and the
installed packages (Python 3.11; the standard library again on 3.12 and 3.13), and on random
mixes of awkward lines in ``tests/unit/gates/test_complexity.py``.
"""

from __future__ import annotations

import re
import tokenize
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import NoReturn

from radon import raw as radon_raw
from radon.raw import Module, _logical, is_single_token

__all__ = ["TokenizerError", "analyze"]

_COMMENT = tokenize.COMMENT
_STRING = tokenize.STRING
_NEWLINE = tokenize.NEWLINE
_NL = tokenize.NL
_OP = tokenize.OP
_ERRORTOKEN = tokenize.ERRORTOKEN
# Radon tokenizes each group on its own, so each group's token list ends with ENDMARKER;
# _logical relies on it (a colon is "last" when it precedes the ENDMARKER).
_END = tokenize.TokenInfo(tokenize.ENDMARKER, "", (0, 0), (0, 0), "")
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")

# A "plain" line: only characters that tokenize without error, and none that can start a
# string, a comment, a continuation or a second statement (quotes, ``#``, a backslash, ``;``).
_PLAIN = re.compile(r"(?:[\w \t\f.,=+\-*/%&|^~<>@:()\[\]{}]|!=)*")
_NOT_BRACKET = re.compile(r"[^()\[\]{}]+")
_DEPTH_STEP = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}
_COLON = re.compile(r":(?!=)")  # a ``:`` token; ``:=`` is another operator


class TokenizerError(SyntaxError):
    """Radon's error for a group of lines its tokenizer never completes, with radon's message.

    Attributes:
        first_line: The group's first line, 1-based, which radon's message names.
    """

    def __init__(self, first_line: int) -> None:
        super().__init__(f"SyntaxError at line: {first_line}")
        self.first_line = first_line


class _Unbalanced(Exception):
    """A closing bracket without an opening one: only in code that ast.parse rejects."""


class _Counts:
    """The running totals of :func:`radon.raw.analyze`, updated one group at a time."""

    __slots__ = ("blank", "comments", "lloc", "multi", "single_comments", "sloc")

    def __init__(self) -> None:
        self.lloc = self.comments = self.single_comments = 0
        self.multi = self.blank = self.sloc = 0

    def add(self, tokens: list[tokenize.TokenInfo], lines: list[str]) -> None:
        """Count one group: its tokens (ending with ENDMARKER) and its stripped lines.

        This is the body of radon's loop in :func:`radon.raw.analyze`, statement for statement.
        """
        self.comments += sum(1 for token in tokens if token[0] == _COMMENT)
        nonempty = sum(1 for line in lines if line)
        if is_single_token(_COMMENT, tokens):
            self.single_comments += 1
        elif is_single_token(_STRING, tokens):
            first = tokens[0]
            if first.start[0] == first.end[0]:
                self.single_comments += 1
            else:
                self.multi += nonempty
                self.blank += len(lines) - nonempty
        else:
            self.sloc += nonempty
            self.blank += len(lines) - nonempty
        self.lloc += _logical(tokens)

    def module(self) -> Module:
        """Return the totals as radon's ``Module`` named tuple."""
        loc = self.sloc + self.blank + self.multi + self.single_comments
        return Module(
            loc, self.lloc, self.sloc, self.comments, self.multi, self.blank, self.single_comments
        )


def analyze(source: str) -> Module:
    """Return the raw metrics :func:`radon.raw.analyze` returns for ``source``.

    Linear for every module :func:`ast.parse` accepts. Text with an unmatched closing bracket
    (which radon's tokenizer, restarted at each group, forgets) goes to radon's own analysis.

    Args:
        source: The module's text, as read by radon's CLI (UTF-8, universal newlines).

    Returns:
        Radon's ``Module(loc, lloc, sloc, comments, multi, blank, single_comments)``.

    Raises:
        TokenizerError: Where radon raises ``SyntaxError('SyntaxError at line: N')``.
    """
    lines = [line.strip() for line in source.splitlines()]
    counts = _Counts()
    index = 0
    try:
        while index < len(lines):
            line = lines[index]
            # Complete groups on their own, whose tokens are known without tokenizing.
            if not line:
                counts.blank += 1
            elif line[0] == "#":
                counts.comments += 1
                counts.single_comments += 1
            elif _PLAIN.fullmatch(line) and _balanced(line):
                counts.sloc += 1
                counts.lloc += _plain_logical_lines(line)
            else:
                index = _tokenized_group(lines, index, counts)
                continue
            index += 1
    except _Unbalanced:
        # Radon restarts the tokenizer's bracket count at each group; after an unmatched
        # closing bracket a single pass cannot follow that. Radon's own analysis is exact.
        return radon_raw.analyze(source)
    return counts.module()


def _balanced(line: str) -> bool:
    """Tell whether the brackets of a plain line all close, none before it opens."""
    brackets = _NOT_BRACKET.sub("", line)
    if not brackets:
        return True
    depths = list(accumulate(map(_DEPTH_STEP.__getitem__, brackets)))
    return depths[-1] == 0 and min(depths) >= 0


def _plain_logical_lines(line: str) -> int:
    """Return radon's ``_logical`` count for a plain line: 2 when a colon is not its last token.

    Radon counts ``if x: y`` as two logical lines, and so also ``d = {1: 2}`` and ``x[1:]``.
    """
    if line.endswith(":") or not _COLON.search(line):
        return 1
    return 2


def _tokenized_group(lines: list[str], start: int, counts: _Counts) -> int:
    r"""Tokenize radon's group of lines starting at ``start``, count it, return where it ends.

    The tokenizer reads the lines as radon's buffer holds them (stripped, ``\n`` between),
    starting in the clean state every group starts in, and stops at the group's end.
    """
    group: list[tokenize.TokenInfo] = []
    try:
        end = _read_group(lines, start, group)
    except tokenize.TokenError:
        _fail(start)
    if end is None:
        if not group:
            _fail(start)
        # The text ended inside the group without a NEWLINE: a backslash continuation followed
        # by a comment on the last line, or by two empty lines (the tokenizer does not see the
        # last one). Radon's buffer is complete there.
        last = group[-1]
        end = start + last.end[0] + (last[0] == _NEWLINE)
    counts.add([*group, _END], lines[start:end])
    return end


def _read_group(lines: list[str], start: int, group: list[tokenize.TokenInfo]) -> int | None:
    """Append the group's tokens to ``group``; return its end line, ``None`` if the text ends."""
    depth = 0  # bracket depth, as the tokenizer's own ``parenlev``
    for token in tokenize.generate_tokens(_reader(lines, start)):
        if token[0] == tokenize.ENDMARKER:
            return None
        if token[0] == _ERRORTOKEN:
            _fail(start)
        depth = _depth_after(token, depth)
        group.append(token)
        end = _group_end(token, depth, lines, start)
        if end is not None:
            return end
    return None


def _depth_after(token: tokenize.TokenInfo, depth: int) -> int:
    """Return the bracket depth after ``token``."""
    if token[0] != _OP:
        return depth
    if token.string in _OPENING:
        return depth + 1
    if token.string in _CLOSING:
        if depth == 0:
            raise _Unbalanced
        return depth - 1
    return depth


def _group_end(token: tokenize.TokenInfo, depth: int, lines: list[str], start: int) -> int | None:
    """Return the line where the group ends at ``token``, or ``None`` when it goes on."""
    kind = token[0]
    if kind != _NEWLINE and (kind != _NL or depth):
        return None
    end = start + token.start[0]
    if not lines[end - 1] and lines[end - 2].endswith("\\"):
        # An empty line ending a backslash continuation (a NEWLINE token, or an NL on Python
        # 3.12+ when nothing precedes the backslash). As the last line of radon's buffer it is
        # invisible ("a\\\n" + "\n" + "" tokenizes as "a\\\n"), so the group goes on. The
        # group's first line is not empty, so the line before is in the group.
        return None
    return end


def _reader(lines: list[str], start: int) -> Callable[[], str]:
    """Return a ``readline`` over ``lines[start:]`` as radon joins them (no final newline)."""
    return _read(lines, start).__next__


def _read(lines: list[str], start: int) -> Iterator[str]:
    last = len(lines) - 1
    for index in range(start, last):
        yield lines[index] + "\n"
    yield lines[last]


def _fail(start: int) -> NoReturn:
    """Raise the error radon raises when the group starting at ``lines[start]`` never ends."""
    raise TokenizerError(start + 1)
