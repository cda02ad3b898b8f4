import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from shipyard.errors import ConfigError
from shipyard.gates import _model, ci, run_gates

from ._helpers import write_project

CODEQUALITY_KEYS = {"description", "check_name", "fingerprint", "severity", "location"}


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    root = write_project(tmp_path_factory.mktemp("run"), tiny__mod_py="import os\n")
    return root, run_gates(root, only=["ruff", "radon", "licenses"], report_dir="reports")


def test_run_verdicts_and_json_shape(failing):
    _, run = failing
    assert [r.name for r in run] == ["ruff", "radon", "licenses"]
    assert run.failed == ["ruff"] and not run.passed
    data = json.loads(run.to_json())
    gate = data["gates"][0]
    assert {"name", "threshold", "measured", "passed", "findings"} <= set(gate)
    assert set(gate["findings"][0]) == {"rule_id", "severity", "path", "line", "message", "doc_url"}


def test_codequality_report_has_gitlabs_required_fields(failing):
    root, _ = failing
    issues = json.loads((root / "reports/gl-code-quality-report.json").read_text())
    assert issues and all(set(i) >= CODEQUALITY_KEYS for i in issues)
    assert all(i["location"]["path"] == "tiny/mod.py" for i in issues)
    assert all(i["severity"] in ("info", "minor", "major", "critical", "blocker") for i in issues)


def test_junit_report_parses(failing):
    root, _ = failing
    suite = ET.parse(root / "reports/gates-junit.xml").getroot().find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    assert [c.get("name") for c in suite.iter("testcase")] == ["ruff", "radon", "licenses"]


def test_missing_tool_is_not_run(tmp_path, monkeypatch):
    def missing(name):
        raise _model.ToolError(f"{name} is not installed")

    monkeypatch.setattr(_model, "tool_path", missing)
    run = run_gates(write_project(tmp_path), only=["bandit"])
    assert run[0].status == "not run" and "not installed" in run[0].measured and run.passed


def test_ignored_rule_ids_drop_findings(tmp_path):
    root = write_project(tmp_path, tiny__mod_py='"""M."""\nimport os\n')
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(
        text.replace(
            "[tool.shipyard.gates]", '[tool.shipyard]\nignore = ["F401"]\n\n[tool.shipyard.gates]'
        )
    )
    run = run_gates(root, only=["ruff"])
    assert run.passed, run[0].findings


def test_unknown_gate_suggests(tmp_path):
    with pytest.raises(ConfigError, match="did you mean 'radon'"):
        run_gates(write_project(tmp_path), only=["radno"])


def test_cli_exit_status_and_json(tmp_path):
    root = write_project(tmp_path, tiny__mod_py="import os\n")
    shipyard = str(Path(sys.executable).parent / "shipyard")
    cmd = [shipyard, "gates", "run", str(root), "--only", "ruff"]
    done = subprocess.run([*cmd, "--format", "json"], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["gates"][0]["passed"] is False


def test_rendered_jobs_and_component_match_gitlab_schema():
    assert ci.check(ci.render_jobs()) == "valid"
    assert ci.check(ci.render_component()) == "valid"


def test_schema_check_reports_a_broken_job():
    assert "document-1.yml" in ci.check("job:\n  script: 3\n")


def test_component_inputs_feed_the_thresholds():
    import yaml

    spec, jobs = ci.render_component().split("\n---\n")
    inputs = yaml.safe_load(spec)["spec"]["inputs"]
    assert inputs["coverage-min"]["default"] == 75.0 and inputs["complexity-rank"]["default"] == "B"
    variables = yaml.safe_load(jobs)[".shipyard-gate"]["variables"]
    assert variables["SHIPYARD_GATES_COVERAGE_MIN"] == "$[[ inputs.coverage-min ]]"
    reports = yaml.safe_load(jobs)["gate:coverage"]["artifacts"]["reports"]
    assert reports["coverage_report"]["coverage_format"] == "cobertura"
