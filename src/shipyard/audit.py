"""Run every selected rule against a project checkout: the ``shipyard check`` command.

:func:`check` finds the files each rule family reads (today: pyproject.toml), runs the family's
rules
and returns the findings with paths relative to the checked directory.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from shipyard.config import Settings, load_settings
from shipyard.errors import InputError
from shipyard.findings import Findings, reaches
from shipyard.packaging import load_pyproject
from shipyard.rules import run_rules, selected_rules

__all__ = ["check", "fails"]


def check(
    path: Path | str = ".",
    *,
    settings: Settings | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> Findings:
    """Check a project directory, or one file in it, against the rules.

    Args:
        path: A project directory, or a pyproject.toml.
        settings: Settings to use; read from the project's pyproject.toml and the environment
            when omitted.
        select: Rule id prefixes to run, in addition to the settings' (all rules when both are
            empty).
        ignore: Rule ids to skip, in addition to the settings'.

    Returns:
        The findings, sorted by path and line.

    Raises:
        InputError: The path does not exist, or a file cannot be read or parsed.
        UnknownRuleError: A selected or ignored id matches no rule.
    """
    path = Path(path)
    if not path.exists():
        msg = "no such file or directory"
        raise InputError(msg, path=path, hint="Pass a project directory or its pyproject.toml.")
    root = path if path.is_dir() else path.parent
    if settings is None:
        settings = load_settings(root)
    rules = selected_rules([*settings.select, *select], [*settings.ignore, *ignore])
    pyproject = path if path.is_file() else root / "pyproject.toml"
    if path.is_file() and path.name != "pyproject.toml":
        msg = "Shipyard does not know how to check this kind of file"
        raise InputError(msg, path=path, hint="Pass a project directory or its pyproject.toml.")
    findings = []
    pkg_rules = [r for r in rules if r.family == "PKG"]
    if pkg_rules:
        if not (pyproject.exists() or pyproject.is_symlink()):
            msg = "no pyproject.toml in this directory"
            raise InputError(msg, path=root, hint="Run the check in the project's root directory.")
        findings += run_rules(pkg_rules, load_pyproject(pyproject), pyproject.name, settings)
    return Findings(findings)


def fails(findings: Iterable, threshold: str) -> bool:
    """Tell whether any finding reaches the failure threshold (``info``, ``warning``, ``error``)."""
    return any(reaches(f.severity, threshold) for f in findings)
