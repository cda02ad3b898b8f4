"""pyproject.toml: load it with positions, for the PKG rules and the packaging chapter.

:func:`load_pyproject` reads a project's ``pyproject.toml`` once into a :class:`Pyproject`: the
text,
the parsed document, and where each key is written, so that every finding can name its line.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from shipyard._reading import toml as _toml

__all__ = [
    "Pyproject",
    "hatch_default_candidates",
    "hatch_names",
    "hatch_selects_files",
    "load_pyproject",
    "resolve_target",
    "script_targets",
    "table",
]


def table(data: Any, *keys: str) -> dict[str, Any]:
    """Return the table at ``keys`` in ``data``, or ``{}`` when it is missing or not a table.

    Checks use this so that a value of the wrong type (a schema error, reported by its own rule)
    never makes another check crash.
    """
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


@dataclass
class Pyproject:
    """A parsed pyproject.toml and the project directory around it.

    Attributes:
        root: The project directory.
        path: The file.
        text: Its text.
        data: The parsed document.
    """

    root: Path
    path: Path
    text: str
    data: dict[str, Any]
    _lines: _toml.KeyLines = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._lines = _toml.KeyLines(self.text)

    def line(self, *key: str) -> int:
        """Return the line ``key`` is written on, else its nearest parent's, else 1."""
        return self._lines.line(*key) or 1

    @property
    def project(self) -> dict[str, Any]:
        """The ``[project]`` table, or ``{}``."""
        return table(self.data, "project")

    @property
    def build_system(self) -> dict[str, Any]:
        """The ``[build-system]`` table, or ``{}``."""
        return table(self.data, "build-system")

    @property
    def poetry(self) -> dict[str, Any]:
        """The ``[tool.poetry]`` table, or ``{}``."""
        return table(self.data, "tool", "poetry")

    @property
    def backend(self) -> str:
        """The build backend named in ``[build-system]``, or ``""``."""
        backend = self.build_system.get("build-backend")
        return backend if isinstance(backend, str) else ""

    @property
    def requires(self) -> list[str]:
        """The build requirements, as strings (non-strings dropped)."""
        requires = self.build_system.get("requires")
        return [r for r in requires if isinstance(r, str)] if isinstance(requires, list) else []


def load_pyproject(path: Path | str) -> Pyproject:
    """Read a project's pyproject.toml.

    Args:
        path: The file, or the project directory that holds it.

    Raises:
        InputError: The file is missing, unreadable, not UTF-8, or not valid TOML (rule PKG001).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "pyproject.toml"
    text, data = _toml.load(path, rule_id="PKG001")
    return Pyproject(root=path.parent, path=path, text=text, data=data)


def script_targets(pp: Pyproject) -> list[tuple[tuple[str, ...], str]]:
    """Return ``(key path, target)`` for every console and GUI script, PEP 621 and Poetry."""
    targets = []
    for group in ("scripts", "gui-scripts"):
        for name, target in table(pp.project, group).items():
            if isinstance(target, str):
                targets.append((("project", group, name), target))
    for name, target in table(pp.poetry, "scripts").items():
        if isinstance(target, dict):
            target = target.get("reference") if target.get("type", "console") == "console" else None
        if isinstance(target, str):
            targets.append((("tool", "poetry", "scripts", name), target))
    return targets


def _source_roots(pp: Pyproject) -> list[Path]:
    roots = [pp.root, pp.root / "src"]
    for base in (
        table(pp.data, "tool", "hatch", "build"),
        table(pp.data, "tool", "hatch", "build", "targets", "wheel"),
    ):
        for package in base.get("packages", []) if isinstance(base.get("packages"), list) else []:
            if isinstance(package, str):
                roots.append((pp.root / package).parent)
    packages = pp.poetry.get("packages")
    for entry in packages if isinstance(packages, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("from"), str):
            roots.append(pp.root / entry["from"])
    return list(dict.fromkeys(roots))


def _defines(tree: ast.Module, name: str) -> bool:
    """Tell whether ``name`` is bound at the top level of a module (including in if/try blocks)."""
    body = list(tree.body)
    while body:
        node = body.pop()
        if _binds(node, name):
            return True
        body.extend(_nested_statements(node))
    return False


def _binds(node: ast.stmt, name: str) -> bool:
    """Tell whether a statement defines, imports or assigns ``name`` (``import *`` may)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return any(_imports(alias, name) for alias in node.names)
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return _assigns(node, name)
    return False


def _imports(alias: ast.alias, name: str) -> bool:
    """Tell whether an import binds ``name`` (``import a.b`` binds ``a``; ``*`` may bind any)."""
    return alias.name == "*" or (alias.asname or alias.name.split(".")[0]) == name


def _assigns(node: ast.Assign | ast.AnnAssign | ast.AugAssign, name: str) -> bool:
    """Tell whether an assignment binds ``name``, also by unpacking."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t))


def _nested_statements(node: ast.stmt) -> list[ast.stmt]:
    """Return the statements of an if, try or with block, which still run at the top level."""
    if not isinstance(node, (ast.If, ast.Try, ast.With)):
        return []
    nested = [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])]
    for handler in getattr(node, "handlers", []):
        nested.extend(handler.body)
    return nested


def resolve_target(pp: Pyproject, target: str) -> str:
    """Find a ``module:attr`` entry-point target in the project's source tree.

    Returns:
        ``""`` when the module exists and defines the name at its top level, else what is wrong.
    """
    target = target.split("[", 1)[0].strip()  # Entry points may carry "[extra]" markers.
    if ":" not in target:
        return f"target {target!r} is not 'module:function'"
    module, _, attr = target.partition(":")
    parts = module.strip().split(".")
    for root in _source_roots(pp):
        for candidate in (
            root.joinpath(*parts).with_suffix(".py"),
            root.joinpath(*parts, "__init__.py"),
        ):
            if candidate.is_file():
                return _check_attr(candidate, attr.strip().split(".")[0], pp.root)
    where = " or ".join(sorted({_relative(r, pp.root) for r in _source_roots(pp)}))
    return f"module {module!r} not found under {where}"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() + "/" if path != root else "./"
    except ValueError:
        return path.as_posix()


def _check_attr(path: Path, name: str, root: Path) -> str:
    shown = _relative(path, root).rstrip("/")
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as exc:
        return f"{shown} does not parse ({exc.__class__.__name__}: {getattr(exc, 'msg', exc)})"
    except OSError as exc:
        return f"{shown} cannot be read ({exc.strerror})"
    if _defines(tree, name):
        return ""
    return f"{name!r} is not defined at the top level of {shown}"


def hatch_selects_files(pp: Pyproject) -> bool:
    """Tell whether the project configures hatchling's wheel file selection itself."""
    keys = ("include", "packages", "only-include", "force-include")
    build = table(pp.data, "tool", "hatch", "build")
    wheel = table(build, "targets", "wheel")
    return any(key in build or key in wheel for key in keys)


def hatch_names(name: str) -> set[str]:
    """Return the directory names hatchling tries for a project name (raw and normalised)."""
    raw = re.sub(r"[^\w\d.]+", "_", name, flags=re.UNICODE)
    normal = re.sub(r"[^\w\d.]+", "_", canonicalize_name(name), flags=re.UNICODE)
    return {raw, normal}


def hatch_default_candidates(root: Path, name: str) -> list[Path]:
    """Return what hatchling's default file selection would ship for ``name`` (empty: nothing)."""
    found = []
    for candidate in sorted(hatch_names(name)):
        found += [
            p
            for p in (
                root / candidate / "__init__.py",
                root / "src" / candidate / "__init__.py",
                root / f"{candidate}.py",
            )
            if p.is_file()
        ]
        namespaced = list(root.glob(f"*/{candidate}/__init__.py"))
        if len(namespaced) == 1:
            found += namespaced
    return found
