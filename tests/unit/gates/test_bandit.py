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


def test_asserts_are_issues_in_code_not_in_tests(tmp_path):
    code = '"""M."""\n\n\ndef f(x):\n    """F."""\n    assert x\n'
    test = "def test_f():\n    assert 1\n"
    root = write_project(tmp_path, tiny__run_py=code)
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / "test_run.py").write_text(test, encoding="utf-8")
    (root / "pyproject.toml").write_text('[tool.shipyard.gates]\npaths = ["tiny", "tests"]\n')
    result = bandit.run(context(root))
    assert {(f.path, f.rule_id) for f in result.findings if f.rule_id == "B101"} == {
        ("tiny/run.py", "B101")
    }
