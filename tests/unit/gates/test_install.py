"""Gate jobs install Shipyard pinned from Nexus and the project's tests the way it declares them."""

from __future__ import annotations

import pytest

from shipyard import __version__
from shipyard.gates import ci
from shipyard.gates._install import install_for

PYPROJECT = '[project]\nname = "p"\nversion = "1"\n'
UV_EXPORT = (
    "uv export --frozen --no-hashes --no-emit-project --group test -o /tmp/requirements-test.txt"
)


def _project(tmp_path, pyproject=PYPROJECT, **files):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("pyproject", "files", "expected"),
    [
        (PYPROJECT, {}, "pip install -e ."),
        (PYPROJECT + '[project.optional-dependencies]\ntest = ["pytest"]\n', {},
         "pip install -e '.[test]'"),
        (PYPROJECT + '[dependency-groups]\ndev = ["pytest"]\ntest = ["pytest-cov"]\n', {},
         "pip install --group test --group dev -e ."),
        (PYPROJECT, {"requirements-dev.txt": "x\n"}, "pip install -r requirements-dev.txt -e ."),
        (PYPROJECT + '[tool.poetry.group.test.dependencies]\npytest = "*"\n', {"poetry.lock": ""},
         "POETRY_VIRTUALENVS_CREATE=false poetry install --no-interaction --with test"),
        (PYPROJECT + '[dependency-groups]\ntest = ["pytest"]\n', {"uv.lock": ""},
         UV_EXPORT),
    ],
)  # fmt: skip
def test_project_tests_installed_as_declared(tmp_path, pyproject, files, expected):
    step = install_for(_project(tmp_path, pyproject, **files))
    assert step.commands[0] == f'pip install "shipyard[gates]=={__version__}"'
    assert expected in step.commands
    assert step.variables == {"PIP_INDEX_URL": "${NEXUS_PYPI_GROUP_URL}simple/"}


def test_setup_py_only_project(tmp_path):
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup(name='p')\n")
    assert install_for(tmp_path).commands[1:] == ("pip install -e .",)


def test_rendered_jobs_never_invent_extras(tmp_path):
    text = ci.render_jobs(project=_project(tmp_path))
    assert "[gates,test]" not in text and "'.[" not in text
    assert f"shipyard[gates]=={__version__}" in text
    assert ci.check(text) == "valid"


def test_component_installs_pinned_shipyard():
    text = ci.render_component()
    assert f"shipyard[gates]=={__version__}" in text and "[gates,test]" not in text
    assert ci.check(text) == "valid"
