"""``shipyard gates``: run the quality gates and render their GitLab jobs (chapter 05)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shipyard.cli._common import format_option, split

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["gates"]


@click.group()
def gates() -> None:
    """Run the quality gates (ruff, radon, ty, coverage, licenses, bandit, semgrep, SBOM, audit)."""


@gates.command("run")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--only", multiple=True, metavar="NAMES",
    help="Run only these gates (comma-separated, e.g. ruff,radon). Default: all.",
)  # fmt: skip
@click.option(
    "--report-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Write the reports GitLab reads here (Code Quality, JUnit, Cobertura, CycloneDX).",
)  # fmt: skip
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None,
    help="Gates at a time (default: the number of cores; 1 runs them one by one).",
)  # fmt: skip
@click.option(
    "--progress/--no-progress", default=None,
    help="Print a line on stderr as each gate finishes (default: when stderr is a terminal).",
)  # fmt: skip
@format_option(("text", "json"), "text: a summary table; json: every gate with its findings.")
def gates_run(
    path: Path,
    only: tuple[str, ...],
    report_dir: Path | None,
    jobs: int | None,
    progress: bool | None,
    output_format: str,
) -> None:
    """Run the quality gates on the project at PATH; exit 1 when a gate fails.

    Thresholds come from [tool.shipyard.gates] in PATH/pyproject.toml. A gate whose tool is
    missing or cannot reach what it needs is 'not run', with the reason, and does not fail.
    Independent gates run at the same time; each verdict is printed on stderr as it comes.
    """
    from rich.console import Console

    from shipyard.gates.runner import run_gates

    console = Console(highlight=False)
    progress_console = Console(stderr=True, highlight=False)
    on_gate = _progress(progress_console, progress)
    with progress_console.status("running the gates ..."):
        reports = report_dir.resolve() if report_dir else None  # relative to the shell's cwd
        result = run_gates(path, only=split(only), report_dir=reports, on_gate=on_gate, jobs=jobs)
    if output_format == "json":
        click.echo(result.to_json())
    else:
        from shipyard.findings import render_text

        for gate in result:
            if gate.findings:
                console.print(f"[bold]{gate.name}[/]: {gate.measured}")
                render_text(gate.findings, console)
        console.print(result)
        for report in result.reports:
            console.print(f"report: {report}")
    raise click.exceptions.Exit(0 if result.passed else 1)


def _progress(console: Console, wanted: bool | None) -> Callable[[str, object], None]:
    """Return the callback printing ``gate NAME: VERDICT in S s`` on stderr as each gate ends."""
    import sys
    import time

    # Not rich's is_terminal: it says yes under Jupyter, where the lines would reach the outputs.
    show = sys.stderr.isatty() if wanted is None else wanted
    started: dict[str, float] = {}

    def on_gate(name: str, result: object) -> None:
        now = time.perf_counter()
        if result is None:
            started[name] = now
        elif show:
            verdict = getattr(result, "status", "?")
            console.print(f"gate {name}: {verdict} in {now - started.get(name, now):.1f} s")

    return on_gate


@gates.command("jobs")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--component", is_flag=True,
    help="Render a CI/CD Catalog component (spec: inputs, then the jobs).",
)  # fmt: skip
def gates_jobs(path: Path, component: bool) -> None:
    """Print the GitLab CI jobs that run the gates of the project at PATH (or a component)."""
    from shipyard.gates import ci

    click.echo(ci.render_component() if component else ci.render_jobs(project=path), nl=False)
