import json
import subprocess

import pytest

from shipyard.gates import pip_audit

from ._helpers import context, write_project


@pytest.fixture
def project(tmp_path):
    root = write_project(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "tiny"\nversion = "1"\ndependencies = ["click"]\n'
    )
    return root


def fake(monkeypatch, report):
    def run_tool(name, args, cwd, **kwargs):
        return subprocess.CompletedProcess([name], 0, json.dumps(report), "")

    monkeypatch.setattr(pip_audit, "run_tool", run_tool)


def test_all_skipped_is_not_run_never_passed(project, monkeypatch):
    fake(monkeypatch, {"dependencies": [{"name": "click", "skip_reason": "Connection refused"}]})
    result = pip_audit.run(context(project))
    assert result.status == "not run" and result.passed is None
    assert "Connection refused" in result.measured


def test_no_vulnerabilities_passes(project, monkeypatch):
    fake(monkeypatch, {"dependencies": [{"name": "click", "version": "8.1", "vulns": []}]})
    assert pip_audit.run(context(project)).status == "passed"


def test_vulnerability_fails(project, monkeypatch):
    vuln = {"id": "GHSA-xxxx", "fix_versions": ["8.2"], "aliases": [], "description": ""}
    fake(monkeypatch, {"dependencies": [{"name": "click", "version": "8.1", "vulns": [vuln]}]})
    (finding,) = pip_audit.run(context(project)).findings
    assert finding.rule_id == "GHSA-xxxx" and "fixed in 8.2" in finding.message


def test_real_pip_audit_offline_is_not_run(project):
    """Here no vulnerability service answers: pip-audit skips all, the gate must say so."""
    result = pip_audit.run(context(project))
    assert result.status in ("not run", "passed", "failed")
    if result.status == "not run":
        assert "0 of 1 dependency audited" in result.measured
