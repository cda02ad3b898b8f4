"""How a gate job installs its tools and the project: Shipyard pinned from Nexus, tests as declared.

The gate jobs run ``shipyard gates run``, so they need Shipyard and the gate tools
(``shipyard[gates]``, which brings ruff, radon, ty, bandit, semgrep, pytest, coverage, ...) at the
version that rendered them, from the company's Nexus (``PIP_INDEX_URL``: the ``simple/`` index
of the Nexus PyPI group that holds Shipyard and proxies PyPI). Then the project itself with its
own test dependencies, installed the way the project declares them: a uv lock, a Poetry lock,
PEP 735 dependency groups, extras, or requirements files. Extras a project does not have are never
invented (``pip install '.[gates,test]'`` fails on a project without them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["INDEX_VARIABLE", "Install", "TEST_NAMES", "install_for"]

#: The CI variable holding the Nexus PyPI group (hosted + PyPI proxy), ending in ``/``: the same
#: one the pipeline chapter's jobs install from (``shipyard.pipeline.CI_VARIABLES``).
INDEX_VARIABLE = "NEXUS_PYPI_GROUP_URL"
#: Names of groups and extras that hold test dependencies, in order of preference.
TEST_NAMES = ("test", "tests", "testing", "dev")
_REQUIREMENTS = (
    "requirements-test.txt",
    "requirements-dev.txt",
    "test-requirements.txt",
    "requirements/test.txt",
    "requirements/dev.txt",
)


@dataclass(frozen=True)
class Install:
    """The install step of a gate job.

    Attributes:
        commands: The ``before_script`` lines.
        variables: Job variables they need.
        how: In words: where the test dependencies come from.
    """

    commands: tuple[str, ...]
    variables: dict[str, str]
    how: str


def _shipyard_line(version: str) -> str:
    return f'pip install "shipyard[gates]=={version}"'


def _load(root: Path) -> dict[str, Any]:
    from shipyard._reading import toml as _toml

    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    return _toml.load(path, rule_id="PKG001")[1]


def _names(table: object) -> list[str]:
    return [n for n in TEST_NAMES if isinstance(table, dict) and n in table]


def _table(data: object, key: str) -> dict[str, Any]:
    """Return ``data[key]`` when both are tables, or an empty table."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _uv_lines(groups: list[str], extras: list[str]) -> tuple[list[str], str]:
    """Return the commands that install a uv-locked project's test dependencies, and how."""
    export = ["uv export --frozen --no-hashes --no-emit-project"]
    export += [f"--group {g}" for g in groups] + [f"--extra {e}" for e in extras]
    return [
        'pip install "uv>=0.9"',
        " ".join([*export, "-o /tmp/requirements-test.txt"]),
        "pip install -r /tmp/requirements-test.txt -e .",
    ], "uv.lock (uv export --frozen), then the project, editable"


def _poetry_lines(poetry_groups: list[str]) -> tuple[list[str], str]:
    """Return the commands that install a Poetry-locked project with its test groups, and how."""
    with_groups = f" --with {','.join(poetry_groups)}" if poetry_groups else ""
    return [
        'pip install "poetry>=2"',
        f"POETRY_VIRTUALENVS_CREATE=false poetry install --no-interaction{with_groups}",
    ], "poetry.lock (poetry install into the job's Python)"


def _unlocked_lines(root: Path, groups: list[str], extras: list[str]) -> tuple[list[str], str]:
    """Return the commands that install a project without a lock file, and how."""
    if groups:
        return [
            'pip install "pip>=25.1"',  # pip install --group (PEP 735) is new in pip 25.1
            f"pip install {' '.join(f'--group {g}' for g in groups)} -e .",
        ], f"the dependency group(s) {', '.join(groups)} (PEP 735)"
    if extras:
        return [f"pip install -e '.[{','.join(extras)}]'"], f"the extra(s) {', '.join(extras)}"
    for name in _REQUIREMENTS:
        if (root / name).is_file():
            return [f"pip install -r {name} -e ."], name
    return ["pip install -e ."], "none declared: the project alone"


def _project_lines(root: Path, data: dict[str, Any]) -> tuple[list[str], str]:
    """Return the commands that install the project and its test dependencies, and how."""
    groups = _names(data.get("dependency-groups"))
    extras = _names(_table(data, "project").get("optional-dependencies"))
    if (root / "uv.lock").is_file():
        return _uv_lines(groups, extras)
    if (root / "poetry.lock").is_file():
        return _poetry_lines(_names(_table(_table(_table(data, "tool"), "poetry"), "group")))
    return _unlocked_lines(root, groups, extras)


def install_for(project: Path | str | None, shipyard_version: str | None = None) -> Install:
    """Return the install step for a project's gate jobs.

    Args:
        project: The project directory; ``None`` for a project without declared test
            dependencies (the jobs install it with ``pip install -e .``).
        shipyard_version: The Shipyard version to pin; this one by default.

    Raises:
        InputError: The project's pyproject.toml is not valid TOML.
    """
    from shipyard import __version__

    lines, how = (
        _project_lines(Path(project), _load(Path(project)))
        if project is not None
        else (["pip install -e ."], "none declared: the project alone")
    )
    return Install(
        (_shipyard_line(shipyard_version or __version__), *lines),
        {"PIP_INDEX_URL": f"${{{INDEX_VARIABLE}}}simple/"},
        how,
    )
