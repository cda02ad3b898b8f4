from __future__ import annotations

import json

from rich.console import Console

from shipyard.findings import Finding, Findings, reaches, render_text, to_codequality, to_json

F1 = Finding("pyproject.toml", 9, "PKG008", "error", "readme file 'README.md' does not exist",
             "https://docs/reference/rules/pkg008.html")  # fmt: skip
F2 = Finding("pyproject.toml", 2, "PKG006", "warning", "no requires-python <b>", "https://d/pkg006")


def test_json_keys_exactly():
    (item, _) = json.loads(to_json([F1, F2]))
    assert list(item) == ["rule_id", "severity", "path", "line", "message", "doc_url"]
    assert item["line"] == 9


def test_codequality_required_fields():
    issues = json.loads(to_codequality([F1, F2]))
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert issues[0]["location"]["path"] == "pyproject.toml"
    assert len({i["fingerprint"] for i in issues}) == 2


def test_fingerprint_ignores_line():
    moved = Finding(F1.path, 40, F1.rule_id, F1.severity, F1.message, F1.doc_url)
    assert moved.fingerprint() == F1.fingerprint()


def test_threshold():
    assert reaches("error", "warning") and reaches("warning", "warning")
    assert not reaches("info", "warning")


def test_findings_sorted_and_html_escaped():
    findings = Findings([F1, F2])
    assert [f.rule_id for f in findings] == ["PKG006", "PKG008"]
    assert "&lt;b&gt;" in findings._repr_html_()
    assert findings.rule_ids() == ["PKG006", "PKG008"]
    assert repr(findings).endswith("1 error, 1 warning")
    assert Findings()._repr_html_() == "<p>No findings.</p>"


def test_render_text():
    console = Console(record=True, width=120)
    render_text(Findings([F1]), console)
    text = console.export_text()
    assert "pyproject.toml:9" in text and "PKG008" in text and "1 error" in text


def test_a_long_location_is_not_folded_in_a_narrow_table():
    # "x.yml:1" over "9" reads as line 1: the message column wraps instead
    long = Finding("tmp/realci/GNOME-glib.gitlab-ci.yml", 19, "CI009", "warning",
                   "job cross-android_api21_arm64: artifacts without expire_in", "u")  # fmt: skip
    console = Console(record=True, width=80)
    render_text(Findings([long]), console)
    lines = console.export_text().splitlines()
    assert "tmp/realci/GNOME-glib.gitlab-ci.yml:19" in lines[3]
    assert max(len(line) for line in lines) <= 80
