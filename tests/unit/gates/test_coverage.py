from xml.etree import ElementTree as ET

from shipyard.gates import coverage

from ._helpers import context, write_project

UNTESTED = (
    '"""M."""\n\n\ndef a(x):\n    """A."""\n'
    + "".join(f"    y{i} = x + {i}\n" for i in range(20))
    + "    return x\n"
)


def test_coverage_passes_and_writes_cobertura(tmp_path):
    root = write_project(tmp_path / "p")
    result = coverage.run(context(root, report_dir=root / "reports"))
    assert result.status == "passed" and result.data["coverage"] == 100.0
    assert result.reports == {"cobertura": "reports/coverage.xml"}
    xml = ET.parse(root / "reports" / "coverage.xml").getroot()
    assert xml.tag == "coverage" and float(xml.get("line-rate")) == 1.0
    assert xml.find("packages/package/classes/class").get("filename").endswith("__init__.py")


def test_coverage_below_threshold_fails(tmp_path):
    result = coverage.run(context(write_project(tmp_path, tiny__untested_py=UNTESTED)))
    assert result.status == "failed" and result.data["coverage"] < 75


def test_threshold_from_configuration_and_failing_tests(tmp_path):
    root = write_project(
        tmp_path,
        tiny__untested_py=UNTESTED,
        tests__test_more_py="def test_x():\n    assert False\n",
    )
    (root / "pyproject.toml").write_text(
        '[tool.shipyard.gates]\npaths = ["tiny"]\ncoverage-min = 10\n'
    )
    result = coverage.run(context(root))
    assert result.status == "failed" and "tests failed (1 failed, 1 passed" in result.measured
    assert "coverage >= 10 %" in result.threshold
