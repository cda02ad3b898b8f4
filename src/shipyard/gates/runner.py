"""Run the quality gates on a project and show their verdicts: ``shipyard gates run``.

:func:`run_gates` runs the gates in the seed's order (lint, metrics, types, tests, licenses,
security, SBOM), each with the thresholds of ``[tool.shipyard.gates]``, and returns a
:class:`GateRun`: a summary table in a terminal and a notebook, JSON for tools, and the report
files GitLab reads when a report directory is given. A gate whose tool is missing or cannot do its
job is *not run*, with the reason, never *passed*.
"""

from __future__ import annotations

import importlib
import io
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shipyard.config import Settings, load_settings
from shipyard.errors import ConfigError, InputError, did_you_mean
from shipyard.findings import Findings
from shipyard.gates import _reports
from shipyard.gates._model import (
    FAILED,
    NOT_RUN,
    PASSED,
    Context,
    GateResult,
    ToolError,
    write_report,
)
from shipyard.gates._pool import available_cpus
from shipyard.gates._settings import GateSettings, load_gate_settings

__all__ = ["GATES", "GateRun", "run_gates"]

#: Gate name -> module, in the order they run.
GATES = {
    "ruff": "shipyard.gates.ruff",
    "radon": "shipyard.gates.radon",
    "ty": "shipyard.gates.ty",
    "coverage": "shipyard.gates.coverage",
    "licenses": "shipyard.gates.licenses",
    "bandit": "shipyard.gates.bandit",
    "semgrep": "shipyard.gates.semgrep",
    "sbom": "shipyard.gates.sbom",
    "pip-audit": "shipyard.gates.pip_audit",
}
_STYLE = {"passed": "green", "failed": "bold red", "not run": "yellow"}


class GateRun(Sequence[GateResult]):
    """The results of a gates run: a table in a notebook and a terminal.

    Args:
        results: One result per gate, in the order they ran.
        reports: Report files written, relative to the project.
    """

    def __init__(self, results: Iterable[GateResult], reports: Iterable[str] = ()) -> None:
        self._results = list(results)
        self.reports = sorted(reports)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - Sequence protocol
        return self._results[index]

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[GateResult]:
        return iter(self._results)

    @property
    def failed(self) -> list[str]:
        """Return the names of the gates that failed."""
        return [r.name for r in self._results if r.status == FAILED]

    @property
    def passed(self) -> bool:
        """Whether no gate failed (a gate that did not run does not fail the run)."""
        return not self.failed

    def result(self, name: str) -> GateResult:
        """Return the result of one gate by name."""
        for r in self._results:
            if r.name == name:
                return r
        raise KeyError(name)

    def findings(self) -> Findings:
        """Return the findings of every gate, as one table."""
        return Findings(f for r in self._results for f in r.findings)

    def to_json(self) -> str:
        """Return ``{"gates": [...]}`` as ``shipyard gates run --format json`` prints it."""
        return json.dumps({"gates": [r.as_dict() for r in self._results]}, indent=2)

    def summary(self) -> str:
        """Return a one-line count, e.g. ``2 passed, 1 failed, 1 not run``."""
        counts = [(s, sum(r.status == s for r in self._results)) for s in _STYLE]
        return ", ".join(f"{n} {s}" for s, n in counts if n) or "no gates ran"

    def __rich__(self):  # noqa: ANN204
        from rich.console import Group
        from rich.markup import escape
        from rich.table import Table

        table = Table(pad_edge=False)
        for column in ("gate", "threshold", "measured", "verdict"):
            table.add_column(column, overflow="fold")
        for r in self._results:
            table.add_row(r.name, escape(r.threshold), escape(r.measured),
                          f"[{_STYLE[r.status]}]{r.status}[/]")  # fmt: skip
        return Group(table, self.summary())

    def __repr__(self) -> str:
        from rich.console import Console

        buffer = io.StringIO()
        console = Console(
            width=100, file=buffer, highlight=False, force_jupyter=False, color_system=None
        )
        console.print(self)
        return buffer.getvalue().rstrip()

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td>{html.escape(r.name)}</td><td>{html.escape(r.threshold)}</td>"
            f"<td>{html.escape(r.measured)}</td>"
            f'<td class="shipyard-gate-{r.status.replace(" ", "-")}">{r.status}</td></tr>'
            for r in self._results
        )
        return (
            '<table class="shipyard-gates"><thead><tr><th>gate</th><th>threshold</th>'
            f"<th>measured</th><th>verdict</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p>{html.escape(self.summary())}</p>"
        )


def _select(only: Iterable[str] | None) -> list[str]:
    names = [n.strip() for n in only or () if n.strip()]
    for name in names:
        if name not in GATES:
            msg = f"unknown gate {name!r}{did_you_mean(name, GATES)}"
            raise ConfigError(msg, hint="Gates: " + ", ".join(GATES))
    return [n for n in GATES if not names or n in names]


def _run_one(name: str, context: Context) -> GateResult:
    module = importlib.import_module(GATES[name])
    try:
        return module.run(context)
    except ToolError as exc:
        return GateResult(name, module.threshold(context), str(exc), NOT_RUN)


def _ignored(result: GateResult, settings: Settings) -> GateResult:
    ignore = {i.upper() for i in settings.ignore}
    kept = [f for f in result.findings if f.rule_id.upper() not in ignore]
    if len(kept) == len(result.findings):
        return result
    from dataclasses import replace

    dropped = len(result.findings) - len(kept)
    status = result.status
    if status == FAILED and not kept and result.name != "coverage":
        status = PASSED  # the findings were the failure, and every one is ignored
    measured = f"{result.measured} ({dropped} ignored)"
    return replace(result, findings=kept, status=status, measured=measured)


def run_gates(
    path: Path | str = ".",
    *,
    only: Iterable[str] | None = None,
    report_dir: Path | str | None = None,
    gate_settings: GateSettings | None = None,
    on_gate: Callable[[str, GateResult | None], None] | None = None,
    jobs: int | None = None,
) -> GateRun:
    """Run the quality gates on a project, independent gates at the same time.

    The gates do not depend on each other (each reads the project and writes its own reports),
    so up to ``jobs`` of them run at once, in threads: most of a gate's time is its tool's
    process (ruff, ty, bandit, semgrep, pytest), and radon's engine spreads over processes
    itself. The results come back in the seed's order whatever order the gates finish in.

    Args:
        path: The project directory (with its pyproject.toml).
        only: Names of the gates to run (all when empty), e.g. ``["ruff", "radon"]``.
        report_dir: Where to write the reports GitLab reads (Code Quality, JUnit, Cobertura,
            CycloneDX); relative paths are relative to the project. ``None`` writes none.
        gate_settings: Thresholds to use; read from the project when omitted.
        on_gate: Called with a gate's name before it runs (``None``), then with its result as
            soon as that gate finishes; one call at a time.
        jobs: Gates at a time; the number of usable cores when omitted, ``1`` for one by one.

    Returns:
        The results, in the order the gates ran.

    Raises:
        InputError: The path is not a directory.
        ConfigError: An unknown gate name, or an invalid ``[tool.shipyard.gates]`` setting.
    """
    root = Path(path).resolve()
    if not root.is_dir():
        msg = "not a project directory"
        raise InputError(msg, path=path, hint="Pass the directory that holds pyproject.toml.")
    names = _select(only)
    settings = load_settings(root)
    reports = None if report_dir is None else root / report_dir
    context = Context(root, gate_settings or load_gate_settings(root), settings.docs_url, reports)
    results = _run_all(names, context, settings, on_gate, jobs)
    written = [p for r in results for p in r.reports.values()]
    if reports is not None:
        written += _write_reports(context, results)
    return GateRun(results, written)


def _run_all(
    names: list[str],
    context: Context,
    settings: Settings,
    on_gate: Callable[[str, GateResult | None], None] | None,
    jobs: int | None,
) -> list[GateResult]:
    """Run the gates in up to ``jobs`` threads; return their results in the order of ``names``."""
    lock = threading.Lock()

    def tell(name: str, result: GateResult | None) -> None:
        if on_gate:
            with lock:
                on_gate(name, result)

    context.paths  # noqa: B018 - walk the project once, before the gates share the list
    workers = max(1, min(jobs or available_cpus(), len(names) or 1))
    with ThreadPoolExecutor(workers, thread_name_prefix="gate") as pool:
        running = [pool.submit(_run_reported, n, context, settings, tell) for n in names]
        return [future.result() for future in running]


def _run_reported(
    name: str,
    context: Context,
    settings: Settings,
    tell: Callable[[str, GateResult | None], None],
) -> GateResult:
    """Run one gate, dropping ignored findings, and tell before and after."""
    tell(name, None)
    result = _ignored(_run_one(name, context), settings)
    tell(name, result)
    return result


def _write_reports(context: Context, results: list[GateResult]) -> list[str]:
    """Write the Code Quality and JUnit reports of every gate; return their paths."""
    return [
        write_report(context, name, text) or name
        for name, text in (("gl-code-quality-report.json", _reports.codequality(results)),
                           ("gates-junit.xml", _reports.junit(results)))
    ]  # fmt: skip
