"""A ``python`` image's job runs in a virtual environment of its own, not in this machine's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from shipyard.pipeline.run import run_pipeline

pytestmark = pytest.mark.pipeline


def _canary_wheel(into: Path, name: str) -> Path:
    """Build a one-module wheel whose name nothing on this machine has (hatchling, offline)."""
    source = into / "canary-src"
    (source / name).mkdir(parents=True)
    (source / name / "__init__.py").write_text("", encoding="utf-8")
    (source / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"
        [project]
        name = "{name}"
        version = "1.0"
        """), encoding="utf-8")  # fmt: skip
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(into), str(source)], check=True)  # fmt: skip
    return next(into.glob(f"{name}-*.whl"))


def _imports(python: str, module: str) -> bool:
    code = f"import importlib.util, sys; sys.exit(0 if importlib.util.find_spec({module!r}) else 1)"
    return subprocess.run([python, "-c", code], check=False).returncode == 0


def test_a_python_image_jobs_pip_installs_into_its_own_environment(tmp_path, sandbox, tools):
    name = f"shipyard_canary_{uuid.uuid4().hex[:12]}"
    project = tmp_path / "project"
    project.mkdir()
    wheel = _canary_wheel(project, name)
    (project / ".gitlab-ci.yml").write_text(textwrap.dedent(f"""\
        .setup:
          before_script:
            - echo "the template's before_script ran"
        install:
          image: python:3.12-slim-bookworm
          extends: .setup
          script:
            - pip install --no-index {wheel.name}
            - python -c "import {name}; print('imported from', {name}.__file__)"
        bare:
          script:
            - pip install --no-index {wheel.name}
        """), encoding="utf-8")  # fmt: skip
    result = run_pipeline(project, sandbox=sandbox, tools=tools)
    jobs = {job.name: job for job in result.jobs}
    assert jobs["install"].status == "success", jobs["install"].log
    log = jobs["install"].log
    assert "python:3.12-slim-bookworm: a stand-in from Shipyard" in log
    assert "the template's before_script ran" in log  # the job's own before_script still runs
    assert "Python 3.12" in log
    assert "imported from <run>/private/python-envs/install/" in log  # outside the project
    # Without an image the job has no environment: pip refuses (PIP_REQUIRE_VIRTUALENV).
    assert jobs["bare"].status == "failed"
    assert "virtualenv" in jobs["bare"].log
    for python in {sys.executable, getattr(sys, "_base_executable", sys.executable), "python3"}:
        assert not _imports(python, name), f"{python} can import the canary"
    assert not (project / ".shipyard-python").exists()  # the user's checkout is untouched
