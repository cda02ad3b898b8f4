from shipyard.gates import licenses
from shipyard.gates._deps import Dependency

from ._helpers import context, write_project


def dist_info(root, name, version, *headers):
    folder = root / "vendor" / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir(parents=True)
    meta = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}", *headers]
    (folder / "METADATA").write_text("\n".join(meta) + "\n")


def project(tmp_path, *deps):
    root = write_project(tmp_path)
    listed = ", ".join(f'"{d}"' for d in deps)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "tiny"\nversion = "1"\ndependencies = [{listed}]\n\n'
        '[tool.shipyard.gates]\ndependency-paths = ["vendor"]\n'
    )
    return root


def test_licenses_pass_with_permissive_dependencies(tmp_path):
    root = project(tmp_path, "alpha>=1")
    dist_info(root, "alpha", "1.0", "License-Expression: MIT", "Requires-Dist: beta")
    dist_info(root, "beta", "2.0", "License: BSD-3-Clause")
    result = licenses.run(context(root))
    assert result.status == "passed" and result.data["dependencies"] == 2


def test_lic001_gpl_dependency_even_indirect(tmp_path):
    root = project(tmp_path, "alpha>=1")
    dist_info(root, "alpha", "1.0", "License-Expression: MIT", "Requires-Dist: gamma")
    dist_info(
        root,
        "gamma",
        "3.0",
        "Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
    )
    result = licenses.run(context(root))
    (finding,) = result.findings
    assert finding.rule_id == "LIC001" and result.status == "failed"
    assert "gamma 3.0 is licensed 'GPL-3.0-only' (from classifiers)" in finding.message
    assert "required by alpha" in finding.message and finding.line == 4
    assert finding.doc_url.endswith("/docs/reference/rules/lic001.html")


def test_one_dependency_is_counted_in_the_singular(tmp_path):
    root = project(tmp_path, "alpha>=1")
    dist_info(root, "alpha", "1.0", "License-Expression: MIT")
    assert licenses.run(context(root)).measured.startswith("1 dependency, ")


def test_lic002_unknown_and_missing(tmp_path):
    root = project(tmp_path, "delta", "missing-one")
    dist_info(root, "delta", "1.0", "License: Copyright ACME, all rights reserved.\n  Long text")
    result = licenses.run(context(root))
    assert [f.rule_id for f in result.findings] == ["LIC002", "LIC002"]
    assert "not installed" in " ".join(f.message for f in result.findings)


def test_ignore_and_allow_from_configuration(tmp_path):
    root = project(tmp_path, "gamma")
    dist_info(root, "gamma", "3.0", "License-Expression: LGPL-3.0-or-later")
    assert licenses.run(context(root)).status == "failed"
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text + 'licenses-allow = ["LGPL-3.0-or-later"]\n')
    assert licenses.run(context(root)).status == "passed"


def test_spdx_expressions():
    allow = ["MIT", "Apache-2.0"]
    assert licenses.allowed("MIT OR GPL-2.0-only", allow)
    assert not licenses.allowed("MIT AND GPL-2.0-only", allow)
    assert licenses.allowed("(GPL-2.0-only OR MIT) AND Apache-2.0 WITH LLVM-exception", allow)
    assert not licenses.allowed("LicenseRef-Proprietary", allow)


def test_not_installed_dependency_has_no_license():
    assert licenses.license_of(Dependency("x", "", "x")) is None
