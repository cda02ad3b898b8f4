"""Tiny projects the gate tests run on, written into a temporary directory."""

from __future__ import annotations

import textwrap
from pathlib import Path

from shipyard.gates._model import Context
from shipyard.gates._settings import load_gate_settings

CLEAN = {
    "pyproject.toml": """\
        [project]
        name = "tiny"
        version = "1.0"
        dependencies = []

        [tool.shipyard.gates]
        paths = ["tiny"]
    """,
    "tiny/__init__.py": '''\
        """A tiny package."""


        def double(value: int) -> int:
            """Return twice the value."""
            return value * 2
    ''',
    "tests/test_tiny.py": """\
        from tiny import double


        def test_double():
            assert double(2) == 4
    """,
}


def write_project(root: Path, files: dict[str, str] | None = None, **changes: str) -> Path:
    """Write the clean project, with some files replaced or added (``a/b.py`` as ``a__b_py``)."""
    contents = dict(CLEAN if files is None else files)
    for key, text in changes.items():
        contents[key.replace("__", "/").replace("_py", ".py").replace("_toml", ".toml")] = text
    for name, text in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def context(root: Path, report_dir: Path | None = None) -> Context:
    """Return a gate context for a project with its own settings."""
    return Context(root.resolve(), load_gate_settings(root), report_dir=report_dir)
