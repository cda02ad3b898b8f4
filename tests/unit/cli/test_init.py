"""`shipyard init` on three real layouts: created files pass `shipyard check`, a second run
writes nothing, a differing file is never replaced without --force."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shipyard import audit
from shipyard.cli import _init
from tests.unit.cli.test_cli import assert_clean_error, run

PROJECTS = Path(__file__).parents[2] / "projects"
CASES = ["init-hatchling-src", "init-poetry-flat", "init-setup-py"]


def _copy(case, tmp_path):
    target = tmp_path / case
    shutil.copytree(PROJECTS / case, target)
    return target


@pytest.mark.parametrize("case", CASES)
def test_init_force_then_check_then_nothing_to_write(case, tmp_path):
    root = _copy(case, tmp_path)
    before = {p.name for p in root.iterdir()}
    first = run("init", "--force", str(root))
    assert first.returncode == 0, first.stdout + first.stderr
    written = {p.name for p in root.iterdir()} - before
    assert {"Dockerfile", ".dockerignore", ".gitlab-ci.yml"} <= written
    assert [f for f in audit.check(root) if f.severity != "info"] == []
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    second = run("init", str(root))
    assert second.returncode == 0
    assert "Nothing to write" in second.stdout
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == snapshot


def test_derived_facts():
    hatch = _init.survey(PROJECTS / "init-hatchling-src")
    assert (hatch.name, hatch.variant, hatch.code) == ("hello-src", "micromamba", "src")
    poetry = _init.survey(PROJECTS / "init-poetry-flat")
    assert (poetry.python, poetry.lock, poetry.variant) == ("3.11", "poetry.lock", "poetry")
    legacy = _init.survey(PROJECTS / "init-setup-py")
    assert (legacy.name, legacy.python, legacy.backend) == (
        "legacy-tool", "3.10", "setuptools.build_meta")  # fmt: skip


def test_poetry_project_gets_no_environment_yml_and_installs_its_test_group(tmp_path):
    root = _copy("init-poetry-flat", tmp_path)
    planned = _init.plan_init(root)
    assert "environment.yml" not in planned.texts
    assert "poetry install --no-interaction --with test" in planned.texts[".gitlab-ci.yml"]
    assert "FROM python:3.11-slim-bookworm" in planned.texts["Dockerfile"]


def test_setup_py_project_keeps_its_metadata_in_setup_py(tmp_path):
    root = _copy("init-setup-py", tmp_path)
    text = _init.plan_init(root).texts["pyproject.toml"]
    assert 'name = "legacy-tool"' in text
    assert '"dependencies"' in text and '"version"' in text and '"scripts"' in text
    assert "setup.py" in text


def test_differing_file_is_not_replaced_without_force(tmp_path):
    root = _copy("init-hatchling-src", tmp_path)
    original = (root / "pyproject.toml").read_bytes()
    result = run("init", str(root))
    assert result.returncode == 1
    assert "--- pyproject.toml (yours)" in result.stdout
    assert "+[tool.shipyard.gates]" in result.stdout
    assert (root / "pyproject.toml").read_bytes() == original
    assert not (root / "pyproject.toml.orig").exists()
    assert (root / "Dockerfile").is_file()  # new files are written


def test_changed_file_survives_a_second_run_and_force_keeps_orig(tmp_path):
    root = _copy("init-setup-py", tmp_path)
    assert run("init", str(root)).returncode == 0
    mine = (root / "Dockerfile").read_text() + "# my own line\n"
    (root / "Dockerfile").write_text(mine)
    again = run("init", str(root))
    assert again.returncode == 1 and "-# my own line" in again.stdout
    assert (root / "Dockerfile").read_text() == mine
    forced = run("init", "--force", str(root))
    assert forced.returncode == 0 and "yours kept as Dockerfile.orig" in forced.stdout
    assert (root / "Dockerfile.orig").read_text() == mine
    assert "# my own line" not in (root / "Dockerfile").read_text()


def test_dry_run_changes_nothing(tmp_path):
    root = _copy("init-hatchling-src", tmp_path)
    before = sorted(p.name for p in root.iterdir())
    result = run("init", "--dry-run", str(root))
    assert result.returncode == 0
    assert "+ file Dockerfile" in result.stdout and "~ file pyproject.toml" in result.stdout
    assert "Plan: 4 to create, 1 to update, 0 to delete, 0 unchanged." in result.stdout
    assert "Dry run: nothing written." in result.stdout
    assert sorted(p.name for p in root.iterdir()) == before


def test_empty_directory_is_a_clean_error(tmp_path):
    assert_clean_error(run("init", str(tmp_path)), "no pyproject.toml and no setup.py")


def test_broken_setup_py_is_a_clean_error(tmp_path):
    (tmp_path / "setup.py").write_text("setup(name='x'\n")
    assert_clean_error(run("init", str(tmp_path)), "setup.py does not parse")
