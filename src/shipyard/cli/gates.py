"""``shipyard gates``: run the quality gates and render their GitLab jobs (chapter 05)."""

from __future__ import annotations

from pathlib import Path

import click

from shipyard.cli._common import format_option, split

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
@format_option(("text", "json"), "text: a summary table; json: every gate with its findings.")
def gates_run(
    path: Path, only: tuple[str, ...], report_dir: Path | None, output_format: str
) -> None:
    """Run the quality gates on the project at PATH; exit 1 when a gate fails.

    Thresholds come from [tool.shipyard.gates] in PATH/pyproject.toml. A gate whose tool is
    missing or cannot reach what it needs is 'not run', with the reason, and does not fail.
    """
    from rich.console import Console

    from shipyard.gates.runner import run_gates

    console = Console(highlight=False)
    progress_console = Console(stderr=True, highlight=False)

    def on_gate(name: str, result: object) -> None:
        if result is None and progress_console.is_terminal:
            status.update(f"running gate [bold]{name}[/] ...")

    with progress_console.status("running the gates ...") as status:
        reports = report_dir.resolve() if report_dir else None  # relative to the shell's cwd
        result = run_gates(path, only=split(only), report_dir=reports, on_gate=on_gate)
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
