from shipyard.gates import bandit

from ._helpers import context, write_project

SHELL = (
    '"""M."""\nimport subprocess\n\n\ndef f(x):\n    """F."""\n    subprocess.run(x, shell=True)\n'
)


def test_bandit_passes_clean_code(tmp_path):
    assert bandit.run(context(write_project(tmp_path))).status == "passed"


def test_bandit_reports_shell_true(tmp_path):
    result = bandit.run(context(write_project(tmp_path, tiny__run_py=SHELL)))
    assert result.status == "failed"
    ids = {(f.rule_id, f.line) for f in result.findings}
    assert ("B602", 7) in ids and ("B404", 2) in ids


def test_severity_threshold_from_configuration(tmp_path):
    code = '"""M."""\nimport subprocess  # only a low-severity issue\n'
    root = write_project(tmp_path, tiny__run_py=code)
    assert bandit.run(context(root)).status == "failed"
    (root / "pyproject.toml").write_text(
        '[tool.shipyard.gates]\npaths = ["tiny"]\nbandit-severity = "medium"\n'
    )
    assert bandit.run(context(root)).status == "passed"
