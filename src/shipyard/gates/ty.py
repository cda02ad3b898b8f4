"""The ty gate: static type checking with Astral's ty (https://docs.astral.sh/ty/).

ty checks that every call, return and assignment agrees with the annotations, resolving
third-party imports in the environment that runs the gate. Errors fail the gate; warnings do too
when ``ty-error-on-warning`` is set. Findings carry ty's rule name (``invalid-argument-type``).
"""

from __future__ import annotations

import sys
from typing import Any

from shipyard.findings import Finding
from shipyard.gates._model import (
    FAILED,
    PASSED,
    Context,
    GateResult,
    ToolError,
    count,
    parse_json,
    run_tool,
)

__all__ = ["NAME", "run", "threshold"]

NAME = "ty"
_SEVERITY = {"major": "error", "critical": "error", "blocker": "error", "minor": "warning"}


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    return "no errors or warnings" if context.settings.ty_error_on_warning else "no errors"


def run(context: Context) -> GateResult:
    """Run ``ty check`` on the gate's paths with the running interpreter's environment."""
    args = ["check", "--output-format", "gitlab", "--python", sys.executable]
    done = run_tool("ty", [*args, *context.paths], context.root)
    if done.returncode not in (0, 1):
        msg = f"ty failed (exit status {done.returncode}): {done.stderr.strip()[:300]}"
        raise ToolError(msg)
    findings = [_finding(context, item) for item in parse_json("ty", done.stdout or "[]")]
    errors = sum(1 for f in findings if f.severity == "error")
    measured = f"{count(errors, 'error')}, {count(len(findings) - errors, 'warning')}"
    strict = context.settings.ty_error_on_warning
    status = FAILED if any(_fails(f, strict=strict) for f in findings) else PASSED
    return GateResult(NAME, threshold(context), measured, status, sorted(findings))


def _finding(context: Context, item: dict[str, Any]) -> Finding:
    """Return the finding for one entry of ty's GitLab Code Quality report."""
    location = item.get("location", {})
    begin = location.get("positions", {}).get("begin", {}) or location.get("lines", {})
    line = begin.get("line") or begin.get("begin") or 1
    name = item.get("check_name", "ty")
    message = item.get("description", "").removeprefix(f"{name}: ")
    return Finding(context.relative(location.get("path", ".")), int(line), name,
                   _SEVERITY.get(item.get("severity", "major"), "info"), message,
                   f"https://docs.astral.sh/ty/reference/rules/#{name}")  # fmt: skip


def _fails(finding: Finding, *, strict: bool) -> bool:
    """Tell whether a finding fails the gate: an error, or a warning when ``strict``."""
    return finding.severity == "error" or (strict and finding.severity != "info")
