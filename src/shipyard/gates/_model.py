"""What a gate gets (:class:`Context`) and returns (:class:`GateResult`), and how it runs a tool."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from shipyard.findings import Finding
from shipyard.gates._settings import GateSettings

__all__ = [
    "FAILED", "NOT_RUN", "PASSED", "Context", "GateResult", "ToolError", "count", "run_tool",
]  # fmt: skip

PASSED, FAILED, NOT_RUN = "passed", "failed", "not run"


def count(number: int, singular: str, plural: str = "") -> str:
    """Return ``number`` with the noun it counts, e.g. ``1 dependency``, ``2 dependencies``."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


@dataclass(frozen=True)
class Context:
    """Everything a gate needs: the project, its thresholds and where reports go.

    Attributes:
        root: The project directory.
        settings: The gate thresholds.
        docs_url: Base URL of the runbook, for the findings' links.
        report_dir: Where report files go; ``None`` writes none.
    """

    root: Path
    settings: GateSettings
    docs_url: str = "https://shipyard.gitlab.io/shipyard"
    report_dir: Path | None = None

    @property
    def roots(self) -> list[str]:
        """Return the configured paths, relative to the root, before exclusions."""
        if self.settings.paths:
            return list(self.settings.paths)
        return ["src"] if (self.root / "src").is_dir() else ["."]

    @cached_property
    def paths(self) -> list[str]:
        """Return the paths the code gates check, relative to the root, ``/``-separated.

        A configured path that holds an excluded one is replaced by its other entries, so every
        tool gets the same explicit list and no tool-specific exclude option is needed. Computed
        once per run (one walk of the project), however many gates use it.
        """
        excluded = {Path(e).as_posix().strip("/") for e in self.settings.exclude}
        # Hidden directories (.git, .venv, a job's .mamba) are no one's code: the gates' own
        # walker skips them, and the tools get a list without them (bandit walks into them).
        excluded |= {_hidden for root in self.roots for _hidden in _hidden_dirs(self.root, root)}
        return [p for root in self.roots for p in _without(self.root, root, excluded)]

    def relative(self, path: str | Path) -> str:
        """Return ``path`` relative to the project root with ``/`` separators, when it is inside."""
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = self.root / candidate
        try:
            return candidate.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(path).as_posix()


@dataclass(frozen=True)
class GateResult:
    """The verdict of one gate.

    Attributes:
        name: The gate, e.g. ``radon``.
        threshold: What the gate requires, in words, e.g. ``MI rank >= A, CC rank <= B``.
        measured: What it measured, e.g. ``3 blocks over B``; for ``not run`` the reason.
        status: ``passed``, ``failed`` or ``not run``.
        findings: The problems found, each with the tool's id or a Shipyard rule id.
        reports: Report kind -> file written, e.g. ``{"cobertura": "reports/coverage.xml"}``.
        data: Numbers other code may use, e.g. ``{"coverage": 81.5}``.
    """

    name: str
    threshold: str
    measured: str
    status: str
    findings: list[Finding] = field(default_factory=list)
    reports: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        """``True`` or ``False``, or ``None`` when the gate did not run."""
        return None if self.status == NOT_RUN else self.status == PASSED

    def as_dict(self) -> dict[str, Any]:
        """Return the result with the keys of ``shipyard gates run --format json``."""
        return {
            "name": self.name,
            "threshold": self.threshold,
            "measured": self.measured,
            "passed": self.passed,
            "status": self.status,
            "findings": [f.as_dict() for f in self.findings],
        }


class ToolError(Exception):
    """A gate's tool is missing or could not do its job: the gate did not run."""


def tool_path(name: str) -> str:
    """Return the executable of a tool, preferring the running interpreter's environment.

    Raises:
        ToolError: The tool is not installed.
    """
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        msg = f"{name} is not installed (pip install 'shipyard[gates]')"
        raise ToolError(msg)
    return found


def run_tool(
    name: str, args: list[str], cwd: Path, *, env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """Run one of the gate tools and return its completed process (any exit status).

    Raises:
        ToolError: The tool is missing, or did not finish within ``timeout`` seconds.
    """
    command = [tool_path(name), *args]
    full_env = dict(os.environ, NO_COLOR="1", **(env or {}))
    try:
        return subprocess.run(  # noqa: S603 - a fixed tool with arguments Shipyard builds
            command, cwd=cwd, env=full_env, capture_output=True, text=True, check=False,
            timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        msg = f"{name} did not finish within {timeout} s"
        raise ToolError(msg) from None


def parse_json(name: str, text: str) -> Any:
    """Parse a tool's JSON output, or raise :class:`ToolError` quoting what it printed."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        snippet = " ".join(text.split())[:300] or "nothing"
        msg = f"{name} printed no JSON report: {snippet}"
        raise ToolError(msg) from None


def write_report(context: Context, name: str, text: str) -> str | None:
    """Write a report file into the report directory; return its path relative to the root."""
    if context.report_dir is None:
        return None
    context.report_dir.mkdir(parents=True, exist_ok=True)
    path = context.report_dir / name
    path.write_text(text, encoding="utf-8")
    return context.relative(path)


def _without(base: Path, path: str, excluded: set[str]) -> list[str]:
    """Return ``path``, or its entries minus the excluded ones when it holds an excluded path."""
    path = Path(path).as_posix().strip("/") or "."
    if path in excluded:
        return []
    prefix = "" if path == "." else f"{path}/"
    if not _holds_excluded(base / path, prefix, excluded):
        return [path]
    return [p for name in _entries(base / path) for p in _without(base, prefix + name, excluded)]


def _hidden_dirs(base: Path, root: str) -> list[str]:
    """Return the hidden directories directly under a root, relative to the base."""
    directory = base / root
    prefix = Path(root).as_posix().strip("/")
    prefix = "" if prefix in ("", ".") else f"{prefix}/"
    if not directory.is_dir():
        return []
    return [f"{prefix}{e.name}" for e in directory.iterdir() if e.is_dir() and e.name[:1] == "."]


def _holds_excluded(directory: Path, prefix: str, excluded: set[str]) -> bool:
    return directory.is_dir() and any(e.startswith(prefix) for e in excluded)


def _entries(directory: Path) -> list[str]:
    """Return the names of a directory's subdirectories and Python files, sorted."""
    return sorted(e.name for e in directory.iterdir() if e.is_dir() or e.suffix == ".py")
