from shipyard.gates import radon

from ._helpers import context, write_project

BRANCHY = (
    '"""Branches."""\n\n\ndef pick(x):\n    """Pick."""\n'
    + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(12))
    + "    return -1\n"
)


def test_radon_passes_simple_code(tmp_path):
    result = radon.run(context(write_project(tmp_path)), jobs=1)
    assert result.status == "passed" and result.name == "radon"


def test_rad001_complex_function_at_its_first_line(tmp_path):
    result = radon.run(context(write_project(tmp_path, tiny__pick_py=BRANCHY)), jobs=1)
    assert result.status == "failed"
    (finding,) = [f for f in result.findings if f.rule_id == "RAD001"]
    assert (finding.path, finding.line) == ("tiny/pick.py", 4)
    assert "complexity 13 (rank C)" in finding.message
    assert finding.doc_url.endswith("/docs/reference/rules/rad001.html")


def test_complexity_threshold_from_configuration(tmp_path):
    root = write_project(tmp_path, tiny__pick_py=BRANCHY)
    (root / "pyproject.toml").write_text(
        '[tool.shipyard.gates]\npaths = ["tiny"]\ncomplexity-rank = "C"\n'
    )
    assert radon.run(context(root), jobs=1).status == "passed"


def test_rad002_unmaintainable_module(tmp_path):
    body = "".join(
        f"def f{i}(a, b):\n    if a > b and a < {i} or b == {i}:\n"
        f"        return a * b + {i} - a / (b + {i})\n    return a ** {i} + b // {i}\n\n\n"
        for i in range(1, 60)
    )
    result = radon.run(context(write_project(tmp_path, tiny__big_py=body)), jobs=1)
    assert [f for f in result.findings if f.rule_id == "RAD002" and f.path == "tiny/big.py"]


def test_unparsable_module_is_a_finding(tmp_path):
    result = radon.run(context(write_project(tmp_path, tiny__bad_py="def (:\n")), jobs=1)
    assert result.status == "failed"
    assert [f for f in result.findings if f.rule_id == "RAD002" and "measured" in f.message]
