"""Run the CI rules on ``.gitlab-ci.yml`` files: ``shipyard pipeline check`` and the notebooks."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from shipyard.config import Settings, load_settings
from shipyard.errors import UnknownRuleError
from shipyard.findings import Findings
from shipyard.pipeline.ciyaml import load
from shipyard.rules import run_rules, selected_rules

__all__ = ["check_pipeline"]


def check_pipeline(
    *files: Path | str,
    root: Path | str | None = None,
    settings: Settings | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> Findings:
    """Check GitLab CI files (any name: a ``.gitlab-ci.yml``, an included file, a component).

    Args:
        files: The files; findings name them as given.
        root: A directory the files are relative to (a project); its ``[tool.shipyard]``
            settings apply. The current directory when omitted.
        settings: Severity overrides and ignores; read from ``root`` when omitted.
        select: CI rule ids or prefixes to run (all CI rules when empty).
        ignore: Rule ids to skip.

    Raises:
        InputError: A file cannot be read.
        UnknownRuleError: ``select`` names no CI rule (the check would check nothing).
    """
    base = Path(root) if root is not None else Path()
    settings = settings or load_settings(base)
    rules = [r for r in selected_rules(list(select) or ["CI"], [*settings.ignore, *ignore])
             if r.family == "CI"]  # fmt: skip
    if not rules:
        msg = f"no CI rule is selected by {', '.join(select) or 'the settings'}"
        raise UnknownRuleError(msg, hint="`shipyard rules` lists the CI rules (CI001...).")
    findings = []
    for file in files:
        shown = Path(file).as_posix()
        findings += run_rules(rules, load(base / file, shown), shown, settings)
    return Findings(findings)
