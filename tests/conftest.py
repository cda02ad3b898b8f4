"""Fixtures shared by every test: the sample projects of tests/projects, copied or varied."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

#: The repository's root directory.
ROOT = Path(__file__).resolve().parent.parent

#: The sample projects, one directory per case (see projects/README.md).
PROJECTS = ROOT / "tests" / "projects"


def project_file(case: str, name: str) -> str:
    """Return the text of one file of a sample project."""
    return (PROJECTS / case / name).read_text(encoding="utf-8")


def _files(case: str) -> dict[str, str]:
    folder = PROJECTS / case
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


#: The seed's hatchling project, fixed: its pyproject.toml and its other files.
GOOD_PYPROJECT = project_file("hatchling-app", "pyproject.toml")
GOOD_FILES = {k: v for k, v in _files("hatchling-app").items() if k != "pyproject.toml"}

MakeProject = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Return a function that writes a project: its pyproject.toml and other files."""

    def make(pyproject: str = GOOD_PYPROJECT, files: dict[str, str] | None = None) -> Path:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        (root / "pyproject.toml").write_text(textwrap.dedent(pyproject), encoding="utf-8")
        for name, text in (GOOD_FILES if files is None else files).items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    return make


@pytest.fixture
def copy_project(tmp_path: Path) -> Callable[[str], Path]:
    """Return a function that copies a sample project (``tests/projects/<case>``) and returns it."""

    def copy(case: str) -> Path:
        return Path(shutil.copytree(PROJECTS / case, tmp_path / case))

    return copy
