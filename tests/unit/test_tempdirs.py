"""Temporary workspaces are removed when the process that made them ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD = """
import sys
from shipyard import runbook
from shipyard._tempdirs import temporary_directory

project = runbook.sample_project("my_app")
scratch = temporary_directory("shipyard-venv-")
print(project.path.parent, scratch, sep="\\n")
assert (project.path / "pyproject.toml").is_file() and scratch.is_dir()
"""


def test_sample_workspaces_are_removed_when_the_process_exits():
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.split()]
    assert len(paths) == 2 and all(p.name.startswith("shipyard-") for p in paths)
    assert not [p for p in paths if p.exists()]


def test_a_directory_the_caller_names_is_kept(tmp_path):
    child = f"from shipyard import runbook; runbook.sample_project('my_app', {str(tmp_path)!r})"
    subprocess.run([sys.executable, "-c", child], check=True, timeout=60)
    assert (tmp_path / "my_app" / "pyproject.toml").is_file()
