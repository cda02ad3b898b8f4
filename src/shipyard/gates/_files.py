"""Find the files radon's CLI analyses: the same selection, in a sorted, repeatable order.

Radon (``radon.cli.tools.iter_filenames``) takes a file given by name when it is a Python file
and not excluded, and walks a directory with :func:`os.walk`, skipping directories whose name
matches an ignore pattern (hidden ones, ``.*``, always), files whose path matches an exclude
pattern, hidden files, and files that are not Python: a name ending in ``.py``, or a first line
that is a ``#!`` line naming python. Notebooks are left out, as radon leaves them out unless
``--include-ipynb`` is given. This module makes the same choices but sorts each directory's
entries, where radon follows the file system's order.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from shipyard.errors import InputError

__all__ = ["iter_python_files"]

_HIDDEN = ".*"


def iter_python_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    exclude: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Iterator[Path]:
    """Yield the Python files under ``paths`` that ``radon cc`` and ``radon mi`` analyse.

    Args:
        paths: Files and directories, in the order their files are wanted.
        exclude: Glob patterns matched against a file's path (radon's ``--exclude``).
        ignore: Glob patterns matched against a directory's name; matching directories are
            not entered (radon's ``--ignore``). Hidden directories are always ignored.

    Yields:
        Each file once, a directory's files sorted by name before its subdirectories'.

    Raises:
        InputError: A path does not exist (radon's CLI silently analyses nothing there, which
            would let a gate pass on a typo).
    """
    ignore_patterns = [_HIDDEN, *ignore]
    seen: set[str] = set()
    for path in paths:
        for name in _files_under(os.fspath(path), exclude, ignore_patterns):
            if name not in seen:
                seen.add(name)
                yield Path(name)


def _files_under(path: str, exclude: Sequence[str], ignore: Sequence[str]) -> Iterator[str]:
    """Yield radon's file names for one command-line path, sorted within each directory."""
    if not os.path.exists(path):
        msg = f"no such file or directory: {path!r}"
        raise InputError(
            msg, path=path, hint="Check the path; it is relative to the current directory."
        )
    if os.path.isfile(path):
        # A file named on the command line is taken as given: hidden or not, any extension
        # as long as it is Python; a file that is not Python is skipped, as radon does.
        if _is_python_file(path) and not _matches(path, exclude):
            yield path
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(name for name in dirs if not _matches(name, ignore))
        yield from _walked_files(root, files, exclude)


def _walked_files(root: str, files: list[str], exclude: Sequence[str]) -> Iterator[str]:
    """Yield the Python files of one walked directory that are neither hidden nor excluded."""
    for name in sorted(files):
        full = os.path.normpath(os.path.join(root, name))
        if not name.startswith(".") and not _matches(full, exclude) and _is_python_file(full):
            yield full


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _is_python_file(path: str) -> bool:
    """Tell whether radon treats ``path`` as Python: ``*.py`` or a ``#!...python`` first line."""
    if path.endswith(".py"):
        return True
    try:
        # Radon opens the file as text in the locale's encoding; a file that does not decode
        # is not Python to it.
        with open(path) as stream:
            first_line = stream.readline()
    except (OSError, UnicodeError, ValueError):
        return False
    return first_line.startswith("#!") and "python" in first_line
