"""The bandit gate: security linting of the code's syntax tree (https://bandit.readthedocs.io/).

Bandit flags calls and patterns with known risks: ``eval``, ``subprocess`` with ``shell=True``,
``yaml.load``, hard-coded passwords, weak hashes. An issue at or above ``bandit-severity`` (with at
least ``bandit-confidence``) fails the gate. Findings carry bandit's test id (``B602``); silence a
reviewed line with ``# nosec B602`` and a reason. Unless the project configures bandit
(``[tool.bandit]``), the asserts of test files (``test_*.py``, ``*_test.py``, ``conftest.py``)
are not issues: they are how pytest tests check.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from shipyard.findings import Finding
from shipyard.gates._model import FAILED, PASSED, Context, GateResult, parse_json, run_tool

__all__ = ["NAME", "run", "threshold"]

NAME = "bandit"
_SEVERITY = {"LOW": "info", "MEDIUM": "warning", "HIGH": "error"}
# Without a [tool.bandit] of the project's own: asserts are fine in test files (bandit's docs,
# "B101: assert_used"), and nowhere else.
_TESTS_ASSERT = (
    "assert_used:\n  skips: ['*/test_*.py', 'test_*.py', '*_test.py', '*/conftest.py']\n"
)


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    s = context.settings
    return f"no issue of severity >= {s.bandit_severity} (confidence >= {s.bandit_confidence})"


def run(context: Context) -> GateResult:
    """Run bandit recursively on the gate's paths."""
    s = context.settings
    args = ["-q", "-f", "json", "-r", "--severity-level", s.bandit_severity,
            "--confidence-level", s.bandit_confidence]  # fmt: skip
    pyproject = context.root / "pyproject.toml"
    with tempfile.TemporaryDirectory(prefix="shipyard-bandit-") as tmp:
        if pyproject.is_file() and "[tool.bandit" in pyproject.read_text(encoding="utf-8"):
            args += ["-c", "pyproject.toml"]
        else:
            # pytest's tests are asserts: bandit's own docs skip B101 (assert_used) in them.
            config = Path(tmp) / "bandit.yaml"
            config.write_text(_TESTS_ASSERT, encoding="utf-8")
            args += ["-c", str(config)]
        done = run_tool("bandit", [*args, *context.paths], context.root)
    report = parse_json("bandit", done.stdout)
    findings = [
        Finding(context.relative(item["filename"]), int(item["line_number"]), item["test_id"],
                _SEVERITY.get(item["issue_severity"], "warning"),
                f"{item['issue_text']} (severity {item['issue_severity'].lower()}, "
                f"confidence {item['issue_confidence'].lower()})",
                item.get("more_info") or "https://bandit.readthedocs.io/")
        for item in report.get("results", [])
    ]  # fmt: skip
    findings += [
        Finding(context.relative(item.get("filename", ".")), 1, "bandit", "error",
                f"bandit could not scan the file: {item.get('reason', 'unknown error')}",
                "https://bandit.readthedocs.io/")
        for item in report.get("errors", [])
    ]  # fmt: skip
    count = len(findings)
    measured = f"{count} issue{'' if count == 1 else 's'}"
    return GateResult(NAME, threshold(context), measured, FAILED if findings else PASSED,
                      sorted(findings))  # fmt: skip
