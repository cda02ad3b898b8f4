"""The project's dependencies as installed: the closure of ``[project].dependencies``.

The license, SBOM and pip-audit gates look at what the project ships with, not at every
distribution in the environment (which also holds the gate tools themselves). The closure is read
from installed metadata, each requirement's markers evaluated for this interpreter.
"""

from __future__ import annotations

import importlib.metadata as metadata
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

__all__ = ["Dependency", "closure", "project_requirements", "requirements_text"]


@dataclass(frozen=True)
class Dependency:
    """One distribution the project depends on, directly or through another.

    Attributes:
        name: The canonical name.
        version: The installed version; empty when it is not installed.
        via: The direct dependency that brings it in (itself when direct).
        dist: The installed distribution, or ``None``.
    """

    name: str
    version: str
    via: str
    dist: metadata.Distribution | None = field(default=None, compare=False, repr=False)


def _index(search: list[str]) -> dict[str, metadata.Distribution]:
    found: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions(path=search):
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist)
    return found


def _wanted(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    try:
        return any(requirement.marker.evaluate({"extra": e}) for e in (extras or {""}))
    except UndefinedEnvironmentName:
        return False


def closure(
    requirements: list[str], project: str = "", extra_paths: list[Path] | None = None
) -> list[Dependency]:
    """Return every installed distribution the requirements pull in, sorted by name.

    Args:
        requirements: PEP 508 strings, e.g. ``[project].dependencies``.
        project: The project's own name, left out of the result.
        extra_paths: Directories of ``*.dist-info`` searched before ``sys.path``.

    Returns:
        The closure; a requirement that is not installed appears with an empty version.
    """
    dists = _index([*(str(p) for p in extra_paths or []), *sys.path])
    own = canonicalize_name(project) if project else ""
    result: dict[str, Dependency] = {}
    queue: list[tuple[str, str, set[str]]] = [
        (text, canonicalize_name(req.name), set(req.extras))
        for text, req in _wanted_requirements(requirements, set())
    ]
    seen: set[tuple[str, frozenset[str]]] = set()
    while queue:
        text, via, extras = queue.pop(0)
        name = canonicalize_name(Requirement(text).name)
        key = (name, frozenset(extras))
        if key in seen or name == own:
            continue
        seen.add(key)
        dist = dists.get(name)
        result.setdefault(name, Dependency(name, dist.version if dist else "", via, dist))
        queue += _children(dist, via, extras)
    return sorted(result.values(), key=lambda d: d.name)


def _children(
    dist: metadata.Distribution | None, via: str, extras: set[str]
) -> list[tuple[str, str, set[str]]]:
    """Return what an installed distribution requires (with ``extras``), to visit next."""
    if dist is None:
        return []
    wanted = _wanted_requirements(dist.requires or [], extras)
    return [(child, via, set(req.extras)) for child, req in wanted]


def _wanted_requirements(texts: list[str], extras: set[str]) -> list[tuple[str, Requirement]]:
    """Parse requirements, keeping those whose markers hold here; invalid ones are skipped."""
    wanted = []
    for text in texts:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if _wanted(requirement, extras):
            wanted.append((text, requirement))
    return wanted


def requirements_text(dependencies: list[Dependency]) -> str:
    """Return the installed closure as pinned requirements (``name==version``), one a line."""
    return "".join(f"{d.name}=={d.version}\n" for d in dependencies if d.version)


def project_requirements(root: Path) -> tuple[str, list[str]]:
    """Return the project's name and ``[project].dependencies`` from its pyproject.toml."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return "", []
    from shipyard._reading import toml as _toml

    _, data = _toml.load(pyproject, rule_id="PKG001")
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    deps = project.get("dependencies", [])
    name = project.get("name", "")
    return (name if isinstance(name, str) else ""), [d for d in deps if isinstance(d, str)]
