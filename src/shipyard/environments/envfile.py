"""Read environment.yml with positions: a model of its name, channels, dependencies and pip section.

ruamel.yaml's round-trip loader keeps the line and column of every node, so every error and every
finding points at the place in the file. Conda match specs are parsed by py-rattler's
``MatchSpec``, the parser micromamba's own solver library uses; a spec it refuses is kept with its
error (rule ENV011 reports it) rather than stopping the load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.errors import InputError, shorten

__all__ = ["Channel", "Dependency", "EnvironmentFile", "PipLine", "load_environment"]

ENV_FILE_NAMES = ("environment.yml", "environment.yaml")
_HINT = (
    "Fix the YAML at the reported line and column; `micromamba create -f` reads it the same way."
)


@dataclass(frozen=True)
class Channel:
    """A channel as written in ``channels:`` (a name such as ``conda-forge``, or a URL)."""

    name: str
    line: int
    column: int

    @property
    def is_url(self) -> bool:
        """Tell whether the channel is written as a URL rather than a name."""
        return "://" in self.name


@dataclass(frozen=True)
class Dependency:
    """One conda dependency (a match spec such as ``numpy >=1.26,<2`` or ``python=3.12``).

    Attributes:
        text: The spec as written.
        line: 1-based line.
        column: 1-based column.
        name: The normalised package name, ``""`` when the spec does not parse.
        version: The version constraint as py-rattler normalises it, ``""`` when there is none.
        build: The build string constraint, ``""`` when there is none.
        error: Why the spec does not parse, ``""`` when it does.
    """

    text: str
    line: int
    column: int
    name: str = ""
    version: str = ""
    build: str = ""
    error: str = ""


@dataclass(frozen=True)
class PipLine:
    """One line of the ``pip:`` section: a requirement or a pip option."""

    text: str
    line: int
    column: int


@dataclass(frozen=True)
class EnvironmentFile:
    """What an environment.yml says, with where it says it.

    Attributes:
        path: The file.
        text: Its content.
        name: The ``name:`` value, ``""`` when absent.
        channels: The channels, in order.
        dependencies: The conda dependencies, in order.
        pip: The ``pip:`` section's lines; ``None`` when there is no pip section.
        pip_line: The line of the ``pip:`` key, 1 when there is none.
        project_name: ``[project].name`` of the pyproject.toml next to it, ``""`` when unknown.
        nexus_url: The Nexus every channel should go through, ``""`` when not configured.
    """

    path: Path
    text: str = field(repr=False)
    name: str = ""
    channels: tuple[Channel, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    pip: tuple[PipLine, ...] | None = None
    pip_line: int = 1
    project_name: str = ""
    nexus_url: str = ""
    channels_line: int = 1
    dependencies_line: int = 1
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def specs(self) -> list[str]:
        """Return the dependencies as match-spec strings, for a solve."""
        return [d.text for d in self.dependencies]

    def names(self) -> list[str]:
        """Return the normalised names of the dependencies that parse."""
        return [d.name for d in self.dependencies if d.name]


def _position(node: Any, key: Any = None, index: int | None = None) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None:
        return 1, 1
    try:
        if key is not None:
            line, column = lc.key(key)
        elif index is not None:
            line, column = lc.item(index)
        else:
            line, column = lc.line, lc.col
    except (KeyError, IndexError, TypeError):
        return 1, 1
    return line + 1, column + 1


def _fail(message: str, path: Path, position: tuple[int, int]) -> InputError:
    return InputError(
        message, path=path, line=position[0], column=position[1], hint=_HINT, rule_id="ENV001"
    )


def parse_spec(text: str, line: int = 1, column: int = 1) -> Dependency:
    """Parse one conda match spec with py-rattler, keeping its position and any error."""
    from rattler import MatchSpec

    try:
        spec = MatchSpec(text)
    except Exception as exc:  # noqa: BLE001 - py-rattler's InvalidMatchSpecError and friends
        reason = str(exc).splitlines()[0]
        return Dependency(text, line, column, error=reason)
    matcher = spec.name
    name = getattr(matcher, "normalized", None) or str(matcher or "")
    name = re.sub(r'^PackageNameMatcher\("([^"]+)".*$', r"\1", name)
    version = str(spec.version) if spec.version is not None else ""
    build = str(spec.build) if spec.build is not None else ""
    return Dependency(text, line, column, name.lower(), version, build)


def _strings(node: Any, key: str, path: Path, data: Any) -> list[tuple[str, int, int, int]]:
    if not isinstance(node, list):
        where = _position(data, key=key)
        msg = f"{key!r} must be a list, not {type(node).__name__}"
        raise _fail(msg, path, where)
    items = []
    for index, item in enumerate(node):
        line, column = _position(node, index=index)
        if isinstance(item, dict):
            items.append(("", line, column, index))  # a mapping; the caller decides (pip: ...)
            continue
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            msg = f"{key} entry {shorten(repr(item))} must be a string"
            raise _fail(msg, path, (line, column))
        items.append((str(item), line, column, index))
    return items


def parse_environment(
    text: str, path: Path | str = "environment.yml", *, project_name: str = "", nexus_url: str = ""
) -> EnvironmentFile:
    """Parse the text of an environment.yml.

    Args:
        text: The YAML document.
        path: Where it comes from, for messages.
        project_name: The project's own distribution name, for rule ENV002.
        nexus_url: The Nexus the channels should go through, for rule ENV007.

    Returns:
        The model.

    Raises:
        InputError: The YAML is malformed or not shaped like an environment file (rule ENV001),
            with the file, line and column.
    """
    path = Path(path)
    data = _load_yaml(text, path)
    name = data.get("name") or ""
    channels = tuple(
        Channel(value, line, column)
        for value, line, column, _ in _strings(data.get("channels", []), "channels", path, data)
        if value
    )
    dependencies, pip, pip_line = _dependencies(data, path)
    return EnvironmentFile(
        path=path,
        text=text,
        name=str(name),
        channels=channels,
        dependencies=dependencies,
        pip=pip,
        pip_line=pip_line,
        project_name=project_name,
        nexus_url=nexus_url,
        channels_line=_key_line(data, "channels"),
        dependencies_line=_key_line(data, "dependencies"),
    )


def _load_yaml(text: str, path: Path) -> Any:
    """Load the document with positions; an empty one is an empty mapping.

    Raises:
        InputError: The YAML is malformed or is not a mapping (rule ENV001).
    """
    from shipyard import _reading

    data = _reading.load_yaml(text, path, rule_id="ENV001", hint=_HINT)
    if data is None:
        return {}
    if not isinstance(data, dict):
        msg = f"the document must be a mapping with 'dependencies', not {type(data).__name__}"
        raise _fail(msg, path, (1, 1))
    return data


def _dependencies(
    data: Any, path: Path
) -> tuple[tuple[Dependency, ...], tuple[PipLine, ...] | None, int]:
    """Return the conda dependencies, the ``pip:`` section's lines (``None``: none) and its line.

    Raises:
        InputError: An entry is not a string, or a mapping other than ``pip:`` (rule ENV001).
    """
    dependencies: list[Dependency] = []
    pip: tuple[PipLine, ...] | None = None
    pip_line = 1
    deps_node = data.get("dependencies", [])
    for value, line, column, index in _strings(deps_node, "dependencies", path, data):
        if value:
            dependencies.append(parse_spec(value, line, column))
            continue
        pip, pip_line = _pip_section(deps_node[index], path, (line, column))
    return tuple(dependencies), pip, pip_line


def _pip_section(
    mapping: Any, path: Path, where: tuple[int, int]
) -> tuple[tuple[PipLine, ...], int]:
    """Return the lines of a ``- pip:`` entry of the dependencies, and the line of its key.

    Raises:
        InputError: The mapping has keys other than ``pip``, or a line is not a string.
    """
    if set(mapping) != {"pip"}:
        keys = ", ".join(repr(str(k)) for k in mapping)
        msg = f"a mapping in dependencies may only be 'pip:', not {keys}"
        raise _fail(msg, path, where)
    entries = _strings(mapping["pip"], "pip", path, mapping)
    lines = tuple(PipLine(v, ln, col) for v, ln, col, _ in entries if v)
    return lines, _position(mapping, key="pip")[0]


def _key_line(data: Any, key: str) -> int:
    """Return the line of a top-level key, 1 when the document has none."""
    return _position(data, key=key)[0] if key in data else 1


def load_environment(
    path: Path | str, *, project_name: str | None = None, nexus_url: str = ""
) -> EnvironmentFile:
    """Read and parse an environment.yml.

    Args:
        path: The file.
        project_name: The project's own name; read from the pyproject.toml next to the file when
            ``None``.
        nexus_url: The Nexus the channels should go through (``""``: not configured).

    Raises:
        InputError: The file is missing, unreadable or malformed (with line and column).
    """
    from shipyard import _reading

    path = Path(path)
    text = _reading.read_text(path, "environment")
    if project_name is None:
        project_name = _project_name(path.parent / "pyproject.toml")
    return parse_environment(text, path, project_name=project_name, nexus_url=nexus_url)


def _project_name(pyproject: Path) -> str:
    from shipyard._reading import toml as _toml

    if not pyproject.is_file():
        return ""
    try:
        _, data = _toml.load(pyproject)
    except InputError:
        return ""  # the PKG rules report an unreadable pyproject.toml
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) else ""
