"""Read the files Shipyard checks, within bounds: every reader of user files goes through here.

A file Shipyard checks may be anything: truncated, binary, generated, hostile. Reading it must end
in a value or an :class:`~shipyard.errors.InputError` naming the file, the line and what to do,
quickly and in bounded memory. This module holds the bounds and the parsers' wrappers:

- a size limit per kind of file (:data:`SIZE_LIMITS`, in KiB), which ``max-file-size`` in
  ``[tool.shipyard]`` or ``SHIPYARD_MAX_FILE_SIZE`` raise or lower;
- a nesting limit (:data:`MAX_DEPTH` levels of tables, lists and mappings);
- YAML aliases: a document whose aliases would expand past :data:`MAX_NODES` values is refused,
  so a "billion laughs" document costs nothing;
- integers of more than :data:`MAX_DIGITS` digits are refused, so no later conversion raises;
- any exception a parser raises, documented or not (tomllib's and ruamel.yaml's
  ``RecursionError``, ``ValueError`` on long integers, ``KeyError`` on ``%YAML 2.0``), becomes
  an ``InputError``.

Messages are bounded by :class:`~shipyard.errors.ShipyardError` itself.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import warnings
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

from shipyard.errors import InputError, shorten

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_NODES",
    "SIZE_LIMITS",
    "decimal",
    "file_limits",
    "load_toml",
    "load_yaml",
    "read_bytes",
    "read_text",
    "size_limit",
]

#: The largest file of each kind Shipyard reads, in KiB. Real files are far smaller: the largest
#: public pyproject.toml files are tens of KiB, GitLab caps a CI configuration at a few MiB.
SIZE_LIMITS = {
    "pyproject": 512,
    "environment": 256,
    "gitlab-ci": 256,
    "dockerfile": 1024,
    "pip": 256,
    "pypirc": 256,
    "dockerignore": 1024,
    "lock": 16384,
}
#: Levels of nested tables, arrays, mappings and lists a document may have.
MAX_DEPTH = 64
#: Values a YAML document may hold once its aliases are expanded.
MAX_NODES = 200_000
#: Digits an integer may have (a 64-bit integer has 20).
MAX_DIGITS = 100
_MAX_BITS = int(MAX_DIGITS * 3.33)
_ENV = "SHIPYARD_MAX_FILE_SIZE"
_overrides: contextvars.ContextVar[Mapping[str, int] | None] = contextvars.ContextVar(
    "shipyard_file_limits", default=None
)


def _env_limits() -> dict[str, int]:
    """Return the limits ``SHIPYARD_MAX_FILE_SIZE`` sets (``dockerfile=2048,pyproject=512``)."""
    result = {}
    for item in os.environ.get(_ENV, "").split(","):
        kind, _, value = item.partition("=")
        number = decimal(value.strip())
        if kind.strip() in SIZE_LIMITS and number:
            result[kind.strip()] = number
    return result


def size_limit(kind: str) -> int:
    """Return the size limit of a kind of file, in bytes: the settings', else the default."""
    kib = {**SIZE_LIMITS, **_env_limits(), **(_overrides.get() or {})}.get(kind, 1024)
    return kib * 1024


@contextlib.contextmanager
def file_limits(limits: Mapping[str, int]) -> Generator[None]:
    """Apply size limits (kind -> KiB, from the ``max-file-size`` setting) while reading."""
    token = _overrides.set({**(_overrides.get() or {}), **limits})
    try:
        yield
    finally:
        _overrides.reset(token)


def decimal(text: str, max_digits: int = 18) -> int | None:
    """Return ``text`` as an integer if it is a plain ASCII decimal of a sane length, else None.

    Unlike ``int()``, this never raises: ``'²'.isdigit()`` is true but ``int('²')`` fails, and a
    5,000-digit number exceeds Python's conversion limit.
    """
    if not text or len(text) > max_digits or not (text.isascii() and text.isdecimal()):
        return None
    return int(text)


def read_bytes(path: Path, kind: str) -> bytes:
    """Read a file of a kind, refusing one larger than its size limit.

    Raises:
        InputError: The file is missing, a directory, unreadable or too large.
    """
    limit = size_limit(kind)
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        msg = "no such file"
        raise InputError(msg, path=path, hint="Check the path.") from None
    except IsADirectoryError:
        msg = "is a directory, expected a file"
        raise InputError(msg, path=path, hint="Pass the file, or its directory.") from None
    except OSError as exc:
        msg = f"cannot read the file: {exc.strerror or exc}"
        raise InputError(msg, path=path, hint="Check the file's permissions.") from None
    if len(data) > limit:
        msg = f"the file is larger than {limit // 1024} KiB, the limit for {kind} files"
        setting = f"`max-file-size = {{{kind} = {2 * limit // 1024}}}` in [tool.shipyard] or "
        hint = (
            "Check it is the file you meant; to read it anyway, raise the limit: "
            # pyproject.toml holds [tool.shipyard]: its own limit comes from the environment.
            f"{setting if kind != 'pyproject' else ''}{_ENV}={kind}={2 * limit // 1024}."
        )
        raise InputError(msg, path=path, hint=hint)
    return data


def read_text(path: Path, kind: str, *, bom: bool = False) -> str:
    """Read a UTF-8 text file of a kind (a leading BOM dropped when ``bom``).

    Raises:
        InputError: As :func:`read_bytes`, or the file is not UTF-8 (with the line).
    """
    return decode(read_bytes(path, kind), path, bom=bom)


def decode(data: bytes, path: Path, *, bom: bool = False) -> str:
    """Decode UTF-8 bytes, naming the line of the first byte that is not.

    Raises:
        InputError: The bytes are not UTF-8.
    """
    try:
        return data.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = f"not UTF-8 text (byte 0x{data[exc.start]:02x})"
        raise InputError(msg, path=path, line=line, hint="Save the file as UTF-8.") from None


# -- TOML -----------------------------------------------------------------------------------------


def load_toml(text: str, path: Path, rule_id: str = "") -> dict[str, Any]:
    """Parse TOML within bounds.

    Raises:
        InputError: The text is not valid TOML, nests deeper than :data:`MAX_DEPTH` or holds an
            integer longer than :data:`MAX_DIGITS` digits.
    """
    import tomllib

    from shipyard._reading.toml import decode_error

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise decode_error(exc, path, rule_id, text) from None
    except RecursionError:
        raise _too_deep(path, _deep_line(text), rule_id) from None
    except Exception as exc:  # noqa: BLE001 - tomllib raises ValueError on long integers
        raise _parser_failed("TOML", exc, path, _long_number_line(text), rule_id) from None
    problem = _walk(data)
    if problem is not None:
        kind, _, _ = problem
        line = _deep_line(text) if kind == "depth" else _long_number_line(text)
        raise _tree_error(problem, path, line, rule_id)
    return data


# -- YAML -----------------------------------------------------------------------------------------


def load_yaml(
    text: str, path: Path, rule_id: str = "", hint: str = "", *, documents: bool = False
) -> Any:
    """Parse YAML within bounds, keeping positions (ruamel.yaml's round-trip loader).

    With ``documents``, return the list of every document in the stream (``---`` between them),
    each checked the same way.

    Raises:
        InputError: The text is not valid YAML, nests deeper than :data:`MAX_DEPTH`, expands its
            aliases past :data:`MAX_NODES` values, refers to itself, or holds an integer longer
            than :data:`MAX_DIGITS` digits; with the line when known.
    """
    from ruamel.yaml.error import ReusedAnchorWarning

    hint = hint or "Fix the YAML at that line; any YAML linter shows the same error."
    deep = _flow_too_deep(text)
    if deep is not None:
        raise _too_deep(path, deep, rule_id)
    try:
        with warnings.catch_warnings():
            # A redefined anchor is legal YAML; ruamel.yaml warns on stderr, the user's terminal.
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            loader = _bounded_yaml()
            data = list(loader.load_all(text)) if documents else loader.load(text)
    except Exception as exc:  # noqa: BLE001 - ruamel.yaml fails with KeyError, ValueError, ...
        raise _yaml_error(exc, text, path, rule_id, hint) from None
    problem = _walk(data)
    if problem is not None:
        raise _tree_error(problem, path, _yaml_line(problem[2]), rule_id)
    return data


def _yaml_error(exc: Exception, text: str, path: Path, rule_id: str, hint: str) -> InputError:
    """Return the error to raise for an exception of the YAML parser (or of its bounds)."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if isinstance(exc, _Refused):
        return _tree_error(exc.problem, path, exc.line, rule_id)
    if isinstance(exc, MarkedYAMLError):
        return _marked_yaml_error(exc, path, rule_id, hint)
    if isinstance(exc, YAMLError):
        msg = f"invalid YAML: {shorten(str(exc))}"
        return InputError(msg, path=path, hint=hint, rule_id=rule_id)
    if isinstance(exc, RecursionError):
        return _too_deep(path, _deep_line(text), rule_id)
    line = _long_number_line(text) if "integer" in str(exc) else _tag_line(text)
    return _parser_failed("YAML", exc, path, line, rule_id)


def _marked_yaml_error(exc: Any, path: Path, rule_id: str, hint: str) -> InputError:
    """Return the error for a YAML syntax error, at the line and column ruamel.yaml marks."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "malformed YAML"
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    msg = f"invalid YAML: {shorten(str(problem))}"
    return InputError(msg, path=path, line=line, column=column, hint=hint, rule_id=rule_id)


class _Refused(Exception):  # noqa: N818 - internal, never leaves this module
    """The composed document is out of bounds: refused before anything is built from it."""

    def __init__(self, problem: tuple[str, int, Any], line: int | None) -> None:
        super().__init__(problem[0])
        self.problem = problem
        self.line = line


def _bounded_yaml() -> Any:
    """Return a round-trip YAML loader that checks the composed nodes before building values.

    The check must come first: ruamel.yaml's constructor itself expands aliases, e.g. into the
    message about a duplicated key, which for an alias bomb never ends.
    """
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    constructor = yaml.constructor
    build = constructor.construct_document

    def checked(node: Any) -> Any:
        problem = _walk_nodes(node)
        if problem is not None:
            mark = getattr(problem[2], "start_mark", None)
            raise _Refused(problem, mark.line + 1 if mark is not None else None)
        return build(node)

    constructor.construct_document = checked
    return yaml


def _walk_nodes(root: Any) -> tuple[str, int, Any] | None:
    """Check a composed YAML node graph as :func:`_walk` checks values (aliases share nodes)."""
    walker = _Walker(root)
    while walker.stack:
        node, _, done = walker.stack.pop()
        children = _node_children(node)
        if done:
            size = 1 + sum(walker.sizes.get(id(c), 1) for c in children or ())
            problem = walker.close(node, size)
        elif children is None:
            problem = _long_int_node(node)
        else:
            problem = walker.open(node, None, children)
        if problem is not None:
            return problem
    return None


def _long_int_node(node: Any) -> tuple[str, int, Any] | None:
    """Return the ``number`` problem for a scalar node tagged integer of too many digits."""
    tag = str(getattr(node.tag, "value", node.tag) or "")
    if tag.endswith(":int") and len(str(node.value).lstrip("+-0xXoObB_")) > MAX_DIGITS:
        return ("number", 0, node)
    return None


def _node_children(node: Any) -> list[Any] | None:
    """Return a collection node's children (keys and values), or ``None`` for a scalar."""
    value = getattr(node, "value", None)
    if not isinstance(value, list):
        return None
    children: list[Any] = []
    for item in value:
        children += list(item) if isinstance(item, tuple) else [item]
    return children


def _yaml_line(node: Any) -> int | None:
    lc = getattr(node, "lc", None)
    line = getattr(lc, "line", None)
    return line + 1 if isinstance(line, int) else None


# -- bounds on a parsed document ------------------------------------------------------------------


def _walk(data: Any) -> tuple[str, int, Any] | None:
    """Check a parsed document's depth, expanded size and integers, without recursion.

    Shared values (YAML aliases) are visited once and counted as often as they are referred to.

    Returns:
        ``None`` when it is within bounds, else (``depth``, ``size``, ``cycle`` or ``number``,
        the measure, the innermost container at fault).
    """
    walker = _Walker(data)
    while walker.stack:
        node, parent, done = walker.stack.pop()
        if done:
            size = 1 + sum(_size_of(child, walker.sizes) for child in _children(node))
            problem = walker.close(node, size)
        elif _is_long_int(node):
            problem = ("number", node.bit_length(), parent)
        elif isinstance(node, (dict, list, tuple, set)):
            problem = walker.open(node, parent, _children(node))
        else:
            problem = None
        if problem is not None:
            return problem
    return None


class _Walker:
    """The state of a depth-first walk without recursion, shared values visited once."""

    def __init__(self, root: Any) -> None:
        #: (node, parent, done): ``done`` once its children are all checked.
        self.stack: list[tuple[Any, Any, bool]] = [(root, None, False)]
        self.sizes: dict[int, int] = {}  # id -> expanded size, for containers seen whole
        self.open_ids: set[int] = set()
        self.depth = 0

    def open(self, node: Any, parent: Any, children: list[Any]) -> tuple[str, int, Any] | None:
        """Enter a collection not yet seen whole, pushing its children; return what is at fault."""
        if id(node) in self.sizes:
            return None
        if id(node) in self.open_ids:
            return ("cycle", 0, node)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            return ("depth", self.depth, node)
        self.open_ids.add(id(node))
        self.stack.append((node, parent, True))
        self.stack.extend((child, node, False) for child in children)
        return None

    def close(self, node: Any, size: int) -> tuple[str, int, Any] | None:
        """Leave a collection of an expanded size; return the ``size`` problem past the bound."""
        self.open_ids.discard(id(node))
        self.depth -= 1
        self.sizes[id(node)] = size
        if size > MAX_NODES:
            return ("size", size, node)
        return None


def _is_long_int(value: Any) -> bool:
    """Return whether a value is an integer (not a bool) of more than :data:`MAX_DIGITS` digits."""
    return isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_BITS


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [*node.keys(), *node.values()]
    if isinstance(node, (list, tuple, set)):
        return list(node)
    return []


def _size_of(child: Any, sizes: dict[int, int]) -> int:
    return sizes.get(id(child), 1) if isinstance(child, (dict, list, tuple, set)) else 1


def _tree_error(problem: tuple[str, int, Any], path: Path, line: int | None,
                rule_id: str) -> InputError:  # fmt: skip
    kind, measure, _ = problem
    if kind == "depth":
        return _too_deep(path, line, rule_id)
    if kind == "number":
        msg = f"an integer of more than {MAX_DIGITS} digits"
        hint = "Write it as a string, or check the file is not damaged."
    elif kind == "cycle":
        msg = "a YAML alias refers to the collection it is in"
        hint = "Repeat the values instead of referring to the enclosing anchor."
    else:
        msg = (
            f"the YAML aliases expand to more than {MAX_NODES:,} values ({measure:,} so far): "
            "an alias bomb, or a document far larger than any real one"
        )
        hint = "Refer to each anchor a few times only, or write the values out."
    return InputError(msg, path=path, line=line, hint=hint, rule_id=rule_id)


def _too_deep(path: Path, line: int | None, rule_id: str) -> InputError:
    msg = f"nested more than {MAX_DEPTH} levels deep"
    hint = "Flatten the structure; no tool's configuration needs that much nesting."
    return InputError(msg, path=path, line=line, hint=hint, rule_id=rule_id)


def _parser_failed(
    language: str, exc: BaseException, path: Path, line: int | None, rule_id: str
) -> InputError:
    reason = shorten(str(exc) or type(exc).__name__)
    if "integer string conversion" in reason:
        reason = f"an integer of more than {MAX_DIGITS} digits"
    msg = f"invalid {language}: the parser failed on it ({type(exc).__name__}: {reason})"
    hint = f"Check the file is {language} and not damaged; write unusual values as strings."
    return InputError(msg, path=path, line=line, hint=hint, rule_id=rule_id)


def _deep_line(text: str) -> int | None:
    """Return the first line where brackets or indentation nest past :data:`MAX_DEPTH`.

    A rough count (quoted brackets count too), only used to point at the place.
    """
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" -")
        block = (len(line) - len(stripped)) // 2
        for char in line:
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth = max(depth - 1, 0)
            if depth > MAX_DEPTH:
                return number
        if block > MAX_DEPTH:
            return number
    return None


def _flow_too_deep(text: str) -> int | None:
    """Return the line where ``[`` and ``{`` collections nest past :data:`MAX_DEPTH`, if any.

    Checked before parsing: ruamel.yaml's scanner takes time quadratic in the flow nesting
    (5,000 levels: 30 s) before its composer would fail. Quoted scalars and comments are
    skipped; a bracket inside a plain scalar in block context does not open a collection.
    """
    scan = _FlowScan()
    for number, line in enumerate(text.splitlines(), start=1):
        if scan.too_deep(line):
            return number
    return None


class _FlowScan:
    """The state of :func:`_flow_too_deep` across lines: the flow depth and the open quote."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote = ""
        self.on_line = 0

    def too_deep(self, line: str) -> bool:
        """Scan a line; return whether its brackets nest past :data:`MAX_DEPTH`."""
        previous, index, self.on_line = " ", 0, 0
        while index < len(line):
            char = line[index]
            if self.quote:
                index += self._quoted(char)
            elif char == "#" and previous in " \t":
                return False
            elif char in "'\"[{]}" and self._too_deep_at(char, previous):
                return True
            previous = char
            index += 1
        return False

    def _quoted(self, char: str) -> int:
        """Read a character of a quoted scalar; return 1 if it escapes the next one, else 0."""
        if char == "\\" and self.quote == '"':
            return 1
        if char == self.quote:
            self.quote = ""
        return 0

    def _too_deep_at(self, char: str, previous: str) -> bool:
        """Read a character outside quotes; return whether the flow nests past the bound."""
        if char in "'\"" and (self.depth or previous in " \t:-[{,"):
            self.quote = char
        elif char in "[{":
            # Any bracket on one line counts (``&anchor{{{`` opens flows too); across lines
            # only those that surely open a collection, so brackets in plain scalars of
            # many lines do not add up.
            self.on_line += 1
            self.depth += 1 if self.depth or previous in " \t:-?" else 0
            return self.depth > MAX_DEPTH or self.on_line > MAX_DEPTH
        elif char in "]}":
            self.on_line = max(self.on_line - 1, 0)
            self.depth = max(self.depth - 1, 0)
        return False


def _tag_line(text: str) -> int | None:
    """Return the first line with a YAML tag (``!!float``) or directive: what ruamel fails on."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("%") or "!" in line.split("#", 1)[0]:
            return number
    return None


def _long_number_line(text: str) -> int | None:
    """Return the first line holding a run of more than :data:`MAX_DIGITS` digits."""
    for number, line in enumerate(text.splitlines(), start=1):
        run = 0
        for char in line:
            run = run + 1 if char.isalnum() or char == "_" else 0
            if run > MAX_DIGITS:
                return number
    return None
