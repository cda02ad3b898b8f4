"""The pip-audit gate: no dependency has a known vulnerability (https://pypi.org/p/pip-audit).

pip-audit looks each pinned dependency up in the PyPI vulnerability service (OSV data) and lists
the advisories that affect the installed version. The gate audits the project's installed
dependency closure, pinned, without resolving anything (``--no-deps --disable-pip``).

Where the service cannot be reached, pip-audit skips every dependency and still prints "No known
vulnerabilities found". The gate reads the per-dependency skip reasons instead: when nothing was
audited it reports *not run* with the reason, never *passed*; when only some were skipped, it
fails and names them. The seed's grype is a Go binary with its own online database; it cannot be
installed from a package registry here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from shipyard.findings import Finding
from shipyard.gates._deps import closure, project_requirements, requirements_text
from shipyard.gates._model import (
    FAILED,
    NOT_RUN,
    PASSED,
    Context,
    GateResult,
    count,
    parse_json,
    run_tool,
)  # fmt: skip

__all__ = ["NAME", "run", "threshold"]

NAME = "pip-audit"


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    ignored = len(context.settings.audit_ignore)
    return "no known vulnerability" + (f" ({ignored} ignored)" if ignored else "")


def run(context: Context) -> GateResult:
    """Audit the project's pinned dependency closure."""
    pinned = _pinned(context)
    if not pinned:
        return GateResult(NAME, threshold(context), "no dependencies to audit", PASSED)
    report = _audit(context, pinned)
    entries = report.get("dependencies", [])
    skipped = [e for e in entries if e.get("skip_reason")]
    if entries and len(skipped) == len(entries):
        reason = skipped[0]["skip_reason"]
        measured = (
            f"0 of {count(len(entries), 'dependency', 'dependencies')} audited; "
            "pip-audit skipped every one, "
            f"e.g. {reason!r} (no vulnerability service reachable, or none knows them)"
        )
        return GateResult(NAME, threshold(context), measured, NOT_RUN)
    findings = [_vulnerability(e, vuln) for e in entries for vuln in e.get("vulns", [])]
    findings += [_not_audited(e) for e in skipped]
    audited = len(entries) - len(skipped)
    vulnerable = count(len(findings) - len(skipped), "vulnerability", "vulnerabilities")
    measured = f"{audited} audited, {vulnerable}"
    return GateResult(NAME, threshold(context), measured, FAILED if findings else PASSED,
                      sorted(findings))  # fmt: skip


def _pinned(context: Context) -> str:
    """Return the project's installed dependency closure as pinned requirements."""
    name, requirements = project_requirements(context.root)
    extra = [context.root / p for p in context.settings.dependency_paths]
    return requirements_text(closure(requirements, name, extra))


def _audit(context: Context, pinned: str) -> dict[str, Any]:
    """Run pip-audit on pinned requirements, without resolving them again; return its report."""
    with tempfile.TemporaryDirectory(prefix="shipyard-audit-") as tmp:
        pins = Path(tmp) / "requirements.txt"
        pins.write_text(pinned, encoding="utf-8")
        args = ["-r", str(pins), "--no-deps", "--disable-pip", "-f", "json",
                "--progress-spinner", "off", "--timeout", "10"]  # fmt: skip
        for vuln in context.settings.audit_ignore:
            args += ["--ignore-vuln", vuln]
        done = run_tool("pip-audit", args, context.root)
    return parse_json("pip-audit", done.stdout)


def _vulnerability(entry: dict[str, Any], vuln: dict[str, Any]) -> Finding:
    """Return the finding for one vulnerability of an audited dependency."""
    fixes = vuln.get("fix_versions")
    fixed = f"; fixed in {', '.join(fixes)}" if fixes else "; no fixed version yet"
    message = f"{entry['name']} {entry.get('version', '')} is affected by {vuln['id']}{fixed}"
    return Finding("pyproject.toml", 1, vuln["id"], "error", message,
                   f"https://osv.dev/vulnerability/{vuln['id']}")  # fmt: skip


def _not_audited(entry: dict[str, Any]) -> Finding:
    """Return the finding for a dependency pip-audit skipped, with its reason."""
    return Finding("pyproject.toml", 1, "pip-audit", "error",
                   f"not audited: {entry['skip_reason']}",
                   "https://pypi.org/project/pip-audit/")  # fmt: skip
