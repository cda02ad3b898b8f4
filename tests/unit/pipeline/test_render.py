"""The rendered pipeline: valid for GitLab, clean under the CI rules, built from the project."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from shipyard.cli import cli
from shipyard.config import Settings
from shipyard.errors import InputError
from shipyard.pipeline import check_pipeline, parse, render_pipeline, write_pipeline
from shipyard.rules import all_rules, run_rules

CHECK = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.gitlab-ci"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    with resources.as_file(resources.files("shipyard") / "samples" / "my_app") as sample:
        shutil.copytree(sample, tmp_path / "my_app")
    return tmp_path / "my_app"


def full(project: Path) -> Path:
    (project / "tests").mkdir()
    (project / "Dockerfile").write_text("FROM python:3.12-slim\n", encoding="utf-8")
    (project / "environment.yml").write_text(
        "name: prod\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - pip\n"
    )
    (project / "docs").mkdir()
    (project / "docs" / "conf.py").write_text("project = 'x'\n", encoding="utf-8")
    return project


@pytest.mark.parametrize("shape", ["bare", "full"])
@pytest.mark.parametrize("publish_from", ["default-branch", "tags"])
def test_rendered_pipeline_is_valid_and_clean(project, tmp_path, shape, publish_from):
    if shape == "full":
        full(project)
    text = render_pipeline(project, publish_from=publish_from).text
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([*CHECK, str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    rules = [r for r in all_rules() if r.family in ("CI", "NEX")]
    assert run_rules([r for r in rules if r.family == "CI"], parse(text), "x", Settings()) == []
    from shipyard import audit

    assert [f for f in audit.check(path, select=["NEX", "CI"])] == []


def test_render_follows_the_project(project):
    bare = render_pipeline(project).text
    assert "image_build:" not in bare and "pdoc" in bare and "- my-app" in bare
    assert "python=3.11 pip" not in bare or "no environment.yml" in bare
    text = render_pipeline(full(project)).text
    assert "image_build:" in text and "buildah push" in text
    assert "-f environment.yml" in text and "pytest -q tests" in text
    assert "sphinx-build" in text and '"my_app==$APP_VERSION"' in text
    assert 'PYTHON_VERSION: ["3.10", "3.11", "3.12", "3.13"]' in text
    ci = parse(text)
    names = {j.name for j in ci.jobs()}
    assert {"clear-cache", "build_wheel", "test", "publish_wheel", "deploy_prod", "pages"} <= names
    assert {"gate:ruff", "gate:coverage", "release_tag"} <= names
    assert ci.job("clear-cache").get("stage") == ".pre"


def test_every_fix_is_explained(project):
    text = render_pipeline(project).text
    for fix in ("//simple", "my_app==1.0.0", "TWINE_PASSWORD here", "`create`, not",
                "environments do not travel", "top-level `image:`"):  # fmt: skip
        assert fix in text, fix
    assert text.count("# fix:") >= 6


def test_write_does_not_replace(project):
    written = write_pipeline(project)
    with pytest.raises(InputError, match="exists"):
        write_pipeline(project)
    assert write_pipeline(project, force=True) == written


def test_render_needs_a_pyproject(tmp_path):
    with pytest.raises(InputError, match="no pyproject.toml"):
        render_pipeline(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid TOML"):
        render_pipeline(tmp_path)


def test_cli_render_and_check(project, tmp_path):
    runner = CliRunner()
    out = tmp_path / "ci.yml"
    result = runner.invoke(cli, ["pipeline", "render", str(project), "-o", str(out)])
    assert result.exit_code == 0 and out.exists()
    result = runner.invoke(cli, ["pipeline", "check", str(out), "--format", "json"])
    assert result.exit_code == 0 and result.output.strip() == "[]"
    bad = tmp_path / "bad.yml"
    bad.write_text("p:\n  script: [twine upload x]\n", encoding="utf-8")
    result = runner.invoke(cli, ["pipeline", "check", str(bad), "--format", "codequality"])
    assert result.exit_code == 1 and '"check_name": "CI003"' in result.output


def test_check_pipeline_reports_the_path_as_given(tmp_path):
    bad = tmp_path / "x.yml"
    bad.write_text("j:\n  image: alpine\n  script: [x]\n", encoding="utf-8")
    found = check_pipeline(bad, settings=Settings())
    assert [(f.rule_id, f.line) for f in found] == [("CI004", 2)]


def test_without_a_test_extra_pytest_is_installed(project):
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    head = text.split("[project.optional-dependencies]")[0]
    (project / "pyproject.toml").write_text(head, encoding="utf-8")
    rendered = render_pipeline(project).text
    assert 'my_app-*.whl)" pytest' in rendered and "[dev]" not in rendered


def test_a_selection_without_ci_rules_is_an_error_not_a_pass(tmp_path):
    from shipyard.errors import UnknownRuleError

    path = tmp_path / "x.yml"
    path.write_text("j:\n  script: [x]\n", encoding="utf-8")
    with pytest.raises(UnknownRuleError, match="no CI rule"):
        check_pipeline(path, settings=Settings(), select=["PKG"])
    assert list(check_pipeline(path, settings=Settings(), select=["CI004"])) == []
    result = CliRunner().invoke(cli, ["pipeline", "check", str(path), "--select", "CI9"])
    assert result.exit_code != 0


def test_unreadable_inputs_and_unwritable_outputs_are_input_errors(project, tmp_path):
    (project / "environment.yml").write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(InputError, match="cannot read"):
        render_pipeline(project)
    (project / "environment.yml").unlink()
    with pytest.raises(InputError, match="cannot write"):
        write_pipeline(project, tmp_path / "missing" / "ci.yml")


def test_tools_come_from_pypi_and_the_runtime_from_conda(project):
    text = render_pipeline(project).text
    assert (
        "micromamba create -y -n build python=3.10 pip\n" in text and "- pip install build" in text
    )
    assert "micromamba create -y -n publish python=3.10 pip\n" in text
    assert "- pip install twine" in text and "conda gives the" in text


def test_the_matrix_keeps_only_the_channels_pythons(project):
    text = render_pipeline(project, pythons=["3.10", "3.12", "3.13"]).text
    assert 'PYTHON_VERSION: ["3.10", "3.12", "3.13"]' in text
    assert "# Left out: Python 3.11: the conda channel" in text
    assert "Left out" not in render_pipeline(project).text  # unknown channel: every version
    with pytest.raises(InputError, match="provides none of Python 3.10, 3.11, 3.12, 3.13"):
        render_pipeline(project, pythons=["3.9"])
