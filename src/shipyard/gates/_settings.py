"""Gate thresholds: ``[tool.shipyard.gates]`` in pyproject.toml, overridden by ``SHIPYARD_GATES_*``.

Every threshold is a field of :class:`GateSettings` whose help text lives here; the gates reference
page is generated from it. The defaults are the ones the runbook's seed pipeline uses: ruff
with ``D``, ``I`` and ``F`` and Google docstrings, maintainability A, complexity B, coverage 75 %,
no GPL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard._reading.tables import default_of, key_of, read_table, values_from
from shipyard.errors import ConfigError, did_you_mean

__all__ = ["RANKS", "GateSettings", "describe_gate_settings", "load_gate_settings"]

RANKS = ("A", "B", "C", "D", "E", "F")
BANDIT_LEVELS = ("low", "medium", "high")
CONVENTIONS = ("google", "numpy", "pep257")
# Permissive licenses a company can ship in a closed product; no GPL, LGPL or AGPL by default.
DEFAULT_ALLOWED_LICENSES = [
    "0BSD", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "CC0-1.0", "HPND", "ISC", "MIT",
    "MIT-0", "MIT-CMU", "MPL-2.0", "PSF-2.0", "Python-2.0", "Unlicense", "Zlib",
]  # fmt: skip


def _gate(default: Any, help: str, *, choices: tuple[str, ...] = ()) -> Any:
    meta = {"help": help, "choices": choices}
    if isinstance(default, list):
        return field(default_factory=default.copy, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class GateSettings:
    """Every gate threshold, after ``[tool.shipyard.gates]`` and the environment are merged."""

    paths: list[str] = _gate(
        [],
        "Files and directories the code gates (ruff, radon, ty, bandit, semgrep) check, relative "
        "to the project. Empty: `src` when it exists, else the project directory. The hidden "
        "directories directly under them (`.git`, `.venv`, a job's `.mamba`) are never checked.",
    )
    exclude: list[str] = _gate(
        [],
        "Files and directories under `paths` that no gate checks or measures, e.g. sample "
        "projects that fail on purpose. Relative to the project.",
    )
    ruff_select: list[str] = _gate(
        ["D", "I", "F"],
        "Ruff rule prefixes the gate adds to the project's own `[tool.ruff]` selection: "
        "docstrings, import order, pyflakes. Any finding fails the gate.",
    )
    docstring_convention: str = _gate(
        "google", "Docstring convention for ruff's `D` rules.", choices=CONVENTIONS
    )
    maintainability_rank: str = _gate(
        "A",
        "Lowest radon maintainability-index rank a module may have (A: MI > 19, B: > 9, C).",
        choices=RANKS[:3],
    )
    complexity_rank: str = _gate(
        "B",
        "Worst radon cyclomatic-complexity rank a function, method or class may have "
        "(A: 1-5, B: 6-10, C: 11-20, D: 21-30, E: 31-40, F: 41+).",
        choices=RANKS,
    )
    ty_error_on_warning: bool = _gate(
        False, "Whether ty's warnings fail the type-check gate too (errors always do)."
    )
    coverage_min: float = _gate(
        75.0, "Lowest line coverage, in percent, of the pytest run the coverage gate makes."
    )
    pytest_args: list[str] = _gate(
        [], 'Extra arguments for that pytest run, e.g. `["-m", "not slow"]`.'
    )
    licenses_allow: list[str] = _gate(
        DEFAULT_ALLOWED_LICENSES,
        "SPDX license ids a dependency may use; an expression passes when an `OR` branch is "
        "all allowed. The default allows permissive licenses only: no GPL, LGPL or AGPL.",
    )
    licenses_ignore: list[str] = _gate(
        [], "Distributions the license gate skips (reviewed by hand). Say why in a comment."
    )
    dependency_paths: list[str] = _gate(
        [],
        "Extra directories of installed distributions (`*.dist-info`), relative to the project, "
        "searched before the environment: a `pip install --target` or vendored packages.",
    )
    bandit_severity: str = _gate(
        "low", "Lowest bandit issue severity that fails the gate.", choices=BANDIT_LEVELS
    )
    bandit_confidence: str = _gate(
        "low", "Lowest bandit confidence an issue needs to count.", choices=BANDIT_LEVELS
    )
    semgrep_config: str = _gate(
        "",
        "Semgrep rules file the repository keeps, relative to the project. Empty: Shipyard's "
        "own rules. Semgrep runs offline with metrics off; registry configs are refused.",
    )
    audit_ignore: list[str] = _gate(
        [], "Vulnerability ids pip-audit ignores (e.g. `GHSA-...`). Say why in a comment."
    )


def _fields() -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(GateSettings)}


def _check(name: str, value: Any, source: str) -> Any:
    spec = _fields()[name]
    default = default_of(spec)
    help_text = spec.metadata["help"]
    value = _coerce(default, value)
    if not _has_type(value, default):
        kind = "list of strings" if isinstance(default, list) else type(default).__name__
        msg = f"{source}: {key_of(name)!r} must be a {kind}, not {type(value).__name__} {value!r}"
        raise ConfigError(msg, hint=help_text)
    choices = spec.metadata["choices"]
    if choices and value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        msg = f"{source}: {key_of(name)} = {value!r} is not one of {allowed}"
        raise ConfigError(msg + did_you_mean(str(value), choices), hint=help_text)
    if name == "coverage_min" and not 0 <= value <= 100:
        msg = f"{source}: coverage-min = {value!r} is not a percentage between 0 and 100"
        raise ConfigError(msg, hint=help_text)
    if name == "licenses_allow":
        _check_spdx(value, source)
    return value


_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _coerce(default: Any, value: Any) -> Any:
    """Convert a variable's text, or a TOML integer for a float, to the setting's type.

    A value that does not convert is returned as is, for the type check to report.
    """
    if isinstance(value, str):
        return _from_text(default, value)
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _from_text(default: Any, value: str) -> Any:
    """Read a list (comma-separated), a boolean or a number from text, by the default's type."""
    if isinstance(default, list):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(default, bool):
        return _BOOLEANS.get(value.lower(), value)
    if isinstance(default, float):
        with contextlib.suppress(ValueError):
            return float(value)
    return value


def _has_type(value: Any, default: Any) -> bool:
    """Tell whether ``value`` has the default's type (a list: of strings only)."""
    if not isinstance(value, type(default)):
        return False
    return not isinstance(value, list) or all(isinstance(v, str) for v in value)


def _check_spdx(ids: list[str], source: str) -> None:
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    for item in ids:
        try:
            canonical = canonicalize_license_expression(item)
        except InvalidLicenseExpression:
            canonical = ""
        if canonical != item or " " in item:
            msg = f"{source}: licenses-allow has {item!r}, which is not a canonical SPDX id"
            hint = f"Write {canonical!r}." if canonical and " " not in canonical else ""
            raise ConfigError(msg, hint=hint or "Use ids from https://spdx.org/licenses/.")


def load_gate_settings(
    project_dir: Path | str = ".", environ: Mapping[str, str] | None = None
) -> GateSettings:
    """Read a project's gate thresholds: ``[tool.shipyard.gates]``, then ``SHIPYARD_GATES_*``.

    Args:
        project_dir: Directory holding ``pyproject.toml``; a missing file means all defaults.
        environ: The environment to read; ``os.environ`` when omitted.

    Returns:
        The merged, validated thresholds.

    Raises:
        ConfigError: A key is unknown, or a value has the wrong type or is not an allowed choice;
            the message names the key and the allowed values.
        InputError: pyproject.toml exists but cannot be parsed.
    """
    environ = os.environ if environ is None else environ
    pyproject = Path(project_dir) / "pyproject.toml"
    fields = _fields()
    table = read_table(pyproject, "tool", "shipyard", "gates")
    values = values_from(fields, table, f"{pyproject} [tool.shipyard.gates]", _check)
    for name in fields:
        env = f"SHIPYARD_GATES_{name.upper()}"
        if environ.get(env):
            values[name] = _check(name, environ[env], env)
    return GateSettings(**values)


def describe_gate_settings() -> list[dict[str, str]]:
    """Return a row per threshold (key, environment variable, default, help, choices)."""
    rows = []
    for name, spec in _fields().items():
        default = default_of(spec)
        if isinstance(default, bool):
            shown = str(default).lower()
        elif isinstance(default, list):
            shown = "[" + ", ".join(f'"{v}"' for v in default) + "]" if default else "[]"
        elif isinstance(default, float):
            shown = f"{default:g}"
        else:
            shown = f'"{default}"'
        rows.append(
            {
                "key": key_of(name),
                "env": f"SHIPYARD_GATES_{name.upper()}",
                "default": shown,
                "help": spec.metadata["help"],
                "choices": ", ".join(f"`{c}`" for c in spec.metadata["choices"]),
            }
        )
    return rows
