"""This repository's .gitlab-ci.yml is valid for GitLab: checked against GitLab's CI JSON schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

CHECK = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.gitlab-ci"]


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CHECK, str(path)], capture_output=True, text=True, check=False)


def test_gitlab_ci_matches_schema():
    result = validate(ROOT / ".gitlab-ci.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_pipeline(tmp_path):
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text(
        "test:\n  stage: test\n  script: 3\n  artifacts:\n    reports:\n      junit: {}\n"
    )
    assert validate(broken).returncode == 1


def test_pipeline_shape():
    import yaml

    pipeline = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())
    assert pipeline["stages"] == ["lint", "test", "docs", "pages"]
    assert pipeline["test"]["artifacts"]["reports"]["junit"]
    suites = pipeline["test"]["parallel"]["matrix"][0]["SUITE"]
    assert "tests/unit" in suites and len(suites) > 1  # the suites run side by side
    reports = pipeline["gates"]["artifacts"]["reports"]
    assert reports["coverage_report"]["coverage_format"] == "cobertura"
    assert pipeline["pages"]["artifacts"]["paths"] == ["public"]
    assert pipeline["pages"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]


def test_ci_run_calls_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quickstart", 1)[1].split("```", 2)[1]
    lines = [line for line in block.splitlines()[1:] if line.strip()]
    assert len(lines) == 2
    assert lines[1] in (ROOT / ".ci" / "run").read_text().splitlines()
