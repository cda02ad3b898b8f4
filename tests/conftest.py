"""Fixtures shared by every test: tiny projects written on the fly."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

#: The repository's root directory.
ROOT = Path(__file__).resolve().parent.parent

GOOD_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "my_app"
version = "1.0.0"
description = "Awesome thing that lives in GitLab"
readme = "README.md"
license = "MIT"
requires-python = ">=3.10"
dependencies = ["requests>=2.32,<3"]

[project.scripts]
my-app = "my_app.__main__:cli"
"""

GOOD_FILES = {
    "README.md": "# my_app\n",
    "my_app/__init__.py": '__version__ = "1.0.0"\n',
    "my_app/__main__.py": "def cli():\n    print('hi')\n",
}

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
