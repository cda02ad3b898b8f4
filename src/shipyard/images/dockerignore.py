"""``.dockerignore`` files: which paths of the build context they keep out.

The rules are BuildKit's (``moby/patternmatcher``): patterns are cleaned paths relative to the
context root, ``*`` and ``?`` stop at ``/``, ``**`` matches any number of directories, a leading
``!`` re-includes, the last matching pattern wins, and a pattern that matches a directory
excludes everything under it.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DockerIgnore", "find_dockerignore"]


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negated: bool
    text: str
    line: int


_WILDCARDS = {"*": "[^/]*", "?": "[^/]"}


def _regex(pattern: str) -> re.Pattern[str]:
    out, index = [], 0
    while index < len(pattern):
        piece, index = _translate(pattern, index)
        out.append(piece)
    return re.compile("".join(out))


def _translate(pattern: str, index: int) -> tuple[str, int]:
    """Translate the token at ``index``: return its regex and where the next token starts."""
    char = pattern[index]
    if pattern.startswith("**/", index):
        return "(?:.*/)?", index + 3
    if pattern.startswith("**", index):
        return ".*", index + 2
    if char in _WILDCARDS:
        return _WILDCARDS[char], index + 1
    if char == "[":
        return _character_class(pattern, index)
    if char == "\\" and index + 1 < len(pattern):
        return re.escape(pattern[index + 1]), index + 2
    return re.escape(char), index + 1


def _character_class(pattern: str, index: int) -> tuple[str, int]:
    """Translate ``[...]`` (``[!...]`` negated); a ``[`` that is never closed is literal."""
    end = pattern.find("]", index + 1)
    if end == -1:
        return re.escape("["), index + 1
    body = pattern[index + 1 : end].replace("\\", "\\\\")
    return f"[{'^' + body[1:] if body.startswith('!') else body}]", end + 1


class DockerIgnore:
    """The patterns of one ``.dockerignore``.

    Args:
        text: The file's text.
    """

    def __init__(self, text: str) -> None:
        self.patterns: list[_Pattern] = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            line = line[1:].strip() if negated else line
            cleaned = posixpath.normpath(line.replace("\\", "/")).lstrip("/")
            if cleaned in ("", "."):
                continue
            self.patterns.append(_Pattern(_regex(cleaned), negated, raw.strip(), number))

    def excludes(self, path: str) -> bool:
        """Tell whether ``path`` (relative to the context, ``/`` separators) is left out."""
        path = posixpath.normpath(path).lstrip("/")
        parts = path.split("/")
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for pattern in self.patterns:
            if any(pattern.regex.fullmatch(candidate) for candidate in candidates):
                excluded = not pattern.negated
        return excluded


def find_dockerignore(dockerfile: Path, root: Path) -> Path | None:
    """Find the ignore file a build of ``dockerfile`` uses.

    BuildKit reads ``<Dockerfile name>.dockerignore`` beside the Dockerfile first, then
    ``.dockerignore`` at the root of the context; the context is taken to be the Dockerfile's
    directory or a directory above it, up to ``root``.
    """
    own = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if own.is_file():
        return own
    directory = dockerfile.parent.resolve()
    top = root.resolve()
    while True:
        candidate = directory / ".dockerignore"
        if candidate.is_file():
            return candidate
        if directory == top or directory.parent == directory or top not in directory.parents:
            return None
        directory = directory.parent
