import json

from shipyard.gates import sbom

from ._helpers import context, write_project


def test_sbom_is_cyclonedx_with_the_dependency_closure(tmp_path):
    root = write_project(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "tiny"\nversion = "1"\ndependencies = ["click"]\n'
    )
    result = sbom.run(context(root, report_dir=root / "reports"))
    assert result.status == "passed", result.measured
    bom = json.loads((root / "reports" / "sbom.cdx.json").read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    assert [c["name"] for c in bom["components"]] == ["click"]
    assert bom["components"][0]["purl"].startswith("pkg:pypi/click@")
    assert result.reports == {"cyclonedx": "reports/sbom.cdx.json"}


def test_sbom_fails_when_a_dependency_is_missing(tmp_path):
    root = write_project(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "tiny"\nversion = "1"\ndependencies = ["surely-not-installed-xyz"]\n'
    )
    result = sbom.run(context(root))
    assert result.status == "failed"
    assert "surely-not-installed-xyz" in result.findings[0].message
