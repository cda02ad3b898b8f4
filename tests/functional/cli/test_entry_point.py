"""The installed ``shipyard`` script, run as a user runs it: one subprocess per kind of exit.

The commands themselves are tested in-process (``tests/unit/cli``); this proves the entry point
passes :func:`shipyard.cli.main`'s status to the shell: 0, 1 for findings, 2 for a clean error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import shipyard
from tests.conftest import GOOD_FILES

SHIPYARD = str(Path(sys.executable).parent / "shipyard")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPYARD_")}
    return subprocess.run(
        [SHIPYARD, *args], capture_output=True, text=True, env=env, check=False, timeout=120
    )


def test_version_exits_0():
    result = run("--version")
    assert result.returncode == 0 and shipyard.__version__ in result.stdout


def test_finding_exits_1(make_project):
    root = make_project(files={k: v for k, v in GOOD_FILES.items() if k != "README.md"})
    result = run("check", str(root))
    assert result.returncode == 1 and "PKG008" in result.stdout


def test_clean_error_exits_2_without_traceback(tmp_path):
    result = run("check", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
