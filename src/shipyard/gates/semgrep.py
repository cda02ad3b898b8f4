"""The semgrep gate: pattern rules the repository keeps, run offline (https://semgrep.dev/docs/).

Semgrep matches code patterns (a call with ``shell=True``, ``verify=False``, a hard-coded token)
across the code. The rules are a file in the repository, so a merge request changes them like code
and the gate needs no network: semgrep runs with ``--metrics=off`` and never with a registry config
(``auto``, ``p/...``). Without ``semgrep-config``, Shipyard's own rules
(``shipyard/gates/semgrep_rules.yml``) apply. Any finding of severity ``WARNING`` or ``ERROR``
fails the gate. Findings carry the rule's id.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from shipyard.errors import ConfigError
from shipyard.findings import Finding
from shipyard.gates._model import (
    FAILED,
    PASSED,
    Context,
    GateResult,
    ToolError,
    parse_json,
    run_tool,
)

__all__ = ["NAME", "rules_file", "run", "threshold"]

NAME = "semgrep"
_SEVERITY = {"ERROR": "error", "WARNING": "warning", "INFO": "info"}
_DOCS = "https://semgrep.dev/docs/writing-rules/rule-syntax"


def rules_file(context: Context) -> Path:
    """Return the rules file the gate uses: the project's, or Shipyard's own.

    Raises:
        ConfigError: ``semgrep-config`` names a registry config or a file that does not exist.
    """
    config = context.settings.semgrep_config
    if not config:
        return Path(str(resources.files("shipyard.gates") / "semgrep_rules.yml"))
    if config in ("auto", "r2c") or config.startswith(("p/", "r/", "s/", "http:", "https:")):
        msg = f"semgrep-config = {config!r} is a registry config; the gate runs offline"
        raise ConfigError(msg, hint="Commit a rules file and name it, e.g. '.semgrep.yml'.")
    path = context.root / config
    if not path.is_file():
        msg = f"semgrep-config = {config!r}: no such file in {context.root}"
        raise ConfigError(msg, hint="Name a rules file relative to the project directory.")
    return path


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    name = context.settings.semgrep_config or "Shipyard's rules"
    return f"no WARNING or ERROR finding ({name})"


def run(context: Context) -> GateResult:
    """Run ``semgrep scan`` offline with the repository's rules on the gate's paths."""
    args = ["scan", "--config", str(rules_file(context)), "--json", "--metrics=off",
            "--disable-version-check", "--quiet", "--no-git-ignore"]  # fmt: skip
    env = {"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    done = run_tool("semgrep", [*args, *context.paths], context.root, env=env)
    report = parse_json("semgrep", done.stdout)
    _check_ran(done.returncode, done.stderr, report)
    findings = [_finding(context, item) for item in report.get("results", [])]
    counted = [f for f in findings if f.severity != "info"]
    count = len(findings)
    measured = f"{count} finding{'' if count == 1 else 's'}"
    return GateResult(NAME, threshold(context), measured, FAILED if counted else PASSED,
                      sorted(findings))  # fmt: skip


def _check_ran(returncode: int, stderr: str, report: dict[str, Any]) -> None:
    """Check that semgrep scanned: exit status 0 or 1 (findings), and no error-level error.

    Raises:
        ToolError: It failed, with its first error or what it printed.
    """
    errors = [e for e in report.get("errors", []) if e.get("level") == "error"]
    if returncode in (0, 1) and not errors:
        return
    detail = (errors[0].get("message") if errors else stderr.strip()) or "no detail"
    msg = f"semgrep failed (exit status {returncode}): {' '.join(detail.split())[:300]}"
    raise ToolError(msg)


def _finding(context: Context, item: dict[str, Any]) -> Finding:
    """Return the finding for one semgrep result."""
    extra = item["extra"]
    return Finding(context.relative(item["path"]), int(item["start"]["line"]),
                   item["check_id"].rsplit(".", 1)[-1],  # semgrep prefixes the file's path
                   _SEVERITY.get(extra.get("severity", "WARNING"), "warning"),
                   " ".join(extra.get("message", "").split()), _DOCS)  # fmt: skip
