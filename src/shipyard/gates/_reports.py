"""Report files GitLab reads from a gates run: Code Quality JSON and JUnit XML of the verdicts.

The coverage gate writes its Cobertura XML and the SBOM gate its CycloneDX JSON themselves; this
module writes the two reports that span gates. See GitLab's ``artifacts:reports`` documentation:
https://docs.gitlab.com/ci/yaml/artifacts_reports/.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from shipyard.findings import to_codequality
from shipyard.gates._model import FAILED, NOT_RUN, GateResult

__all__ = ["CODEQUALITY_GATES", "codequality", "junit"]

#: Gates whose findings go into the Code Quality report (they point at lines of code).
CODEQUALITY_GATES = ("ruff", "radon", "ty", "bandit", "semgrep")


def codequality(results: Sequence[GateResult]) -> str:
    """Return the Code Quality report of the findings of the code gates."""
    return to_codequality(f for r in results if r.name in CODEQUALITY_GATES for f in r.findings)


def junit(results: Sequence[GateResult]) -> str:
    """Return a JUnit XML report with one test case per gate: passed, failed or skipped."""
    suite = ET.Element(
        "testsuite", name="shipyard gates", tests=str(len(results)),
        failures=str(sum(r.status == FAILED for r in results)),
        skipped=str(sum(r.status == NOT_RUN for r in results)), errors="0",
    )  # fmt: skip
    for result in results:
        case = ET.SubElement(suite, "testcase", classname="shipyard.gates", name=result.name)
        text = f"threshold: {result.threshold}\nmeasured: {result.measured}"
        if result.status == FAILED:
            lines = [f"{f.path}:{f.line}: {f.rule_id} {f.message}" for f in result.findings]
            failure = ET.SubElement(case, "failure", message=result.measured, type="gate")
            failure.text = "\n".join([text, *lines])
        elif result.status == NOT_RUN:
            ET.SubElement(case, "skipped", message=result.measured)
        else:
            ET.SubElement(case, "system-out").text = text
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
