"""The gate jobs' install lines, run for real on a project that has no test extras.

Shipyard's own line (``pip install "shipyard[gates]==<version>"``) is not run: the sandbox Nexus
holds the build backends, not Shipyard's dependencies. The project's lines run as the job runs
them, with ``PIP_INDEX_URL`` on the sandbox Nexus.
"""

from __future__ import annotations

import os
import subprocess
import venv

from ruamel.yaml import YAML

from shipyard.gates import ci

PLAIN = """\
[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "plain"
version = "1.0.0"
"""


def _run(line, bindir, index, cwd):
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
               PIP_INDEX_URL=index, PIP_CONFIG_FILE=os.devnull, PIP_NO_CACHE_DIR="1")  # fmt: skip
    env.pop("PIP_FIND_LINKS", None)
    return subprocess.run(line, shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)  # fmt: skip


def test_rendered_install_works_on_a_project_without_extras(release_target, tmp_path):
    project = tmp_path / "plain"
    (project / "plain").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PLAIN)
    (project / "plain" / "__init__.py").write_text("")
    jobs = YAML(typ="safe").load(ci.render_jobs(project=project))
    shipyard_line, *project_lines = jobs[".shipyard-gate"]["before_script"]
    assert shipyard_line.startswith('pip install "shipyard[gates]==')
    assert project_lines == ["pip install -e ."]
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    for line in project_lines:
        done = _run(line, env_dir / "bin", release_target.build_index, project)
        assert done.returncode == 0, done.stdout + done.stderr
    listed = _run("pip list --format=freeze", env_dir / "bin", "", project).stdout
    assert "plain==1.0.0" in listed


def test_the_old_install_line_leaves_shipyard_out(release_target, tmp_path):
    project = tmp_path / "plain"
    (project / "plain").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PLAIN)
    (project / "plain" / "__init__.py").write_text("")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    old = _run("pip install '.[gates,test]'", env_dir / "bin", release_target.build_index, project)
    assert "does not provide the extra 'gates'" in old.stdout + old.stderr
    assert not (env_dir / "bin" / "shipyard").exists()  # so `shipyard gates run` cannot run
