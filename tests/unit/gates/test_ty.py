from shipyard.gates import ty

from ._helpers import context, write_project


def test_ty_passes_typed_code(tmp_path):
    assert ty.run(context(write_project(tmp_path))).status == "passed"


def test_ty_reports_a_type_error(tmp_path):
    code = '"""M."""\n\n\ndef f() -> str:\n    """F."""\n    return 1\n'
    result = ty.run(context(write_project(tmp_path, tiny__bad_py=code)))
    assert result.status == "failed"
    (finding,) = result.findings
    assert (finding.path, finding.line, finding.rule_id) == (
        "tiny/bad.py",
        6,
        "invalid-explicit-return",
    )
