"""The ``shipyard`` command: a thin face over the same functions the runbook notebooks call.

Exit status: 0 when nothing reaches the failure threshold, 1 when a finding does, 2 for a usage
error or input Shipyard cannot read. Expected errors print one ``error: ...`` line and a hint, never
a traceback; they are turned into output in one place, :func:`main`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from shipyard import __version__
from shipyard._cli_image import image
from shipyard.config import SEVERITIES

if TYPE_CHECKING:
    from shipyard.findings import Finding

__all__ = ["cli", "main", "report"]

FORMATS = ("text", "json", "codequality")


def report(result: Sequence[Finding], output_format: str, threshold: str) -> NoReturn:
    """Print findings as ``text``, ``json`` or ``codequality``; exit 1 if one reaches ``threshold``.

    Every command that checks files ends here, so they all print and exit the same way.
    """
    from shipyard import findings
    from shipyard.audit import fails

    if output_format == "json":
        click.echo(findings.to_json(result))
    elif output_format == "codequality":
        click.echo(findings.to_codequality(result))
    else:
        from rich.console import Console

        findings.render_text(result, Console(highlight=False))
    sys.exit(1 if fails(result, threshold) else 0)


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="shipyard")
def cli() -> None:
    """Check, set up and run the path that ships Python on GitLab with a private Nexus."""


@cli.command()
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
    help="text: a table; json: an array of findings; codequality: GitLab's Code Quality report.",
)  # fmt: skip
@click.option(
    "--select", multiple=True, metavar="PREFIXES",
    help="Run only rules whose id starts with one of these (comma-separated, e.g. PKG,IMG001).",
)  # fmt: skip
@click.option(
    "--ignore", multiple=True, metavar="IDS", help="Skip these rule ids (comma-separated)."
)
@click.option(
    "--fail-on", type=click.Choice(SEVERITIES), default=None,
    help="Lowest severity that fails the check (default: the fail-on setting, 'warning').",
)  # fmt: skip
def check(
    path: Path, output_format: str, select: tuple[str, ...], ignore: tuple[str, ...],
    fail_on: str | None,
) -> None:  # fmt: skip
    """Check the project at PATH (a directory or its pyproject.toml) against Shipyard's rules."""
    from shipyard import audit
    from shipyard.config import load_settings

    root = path if path.is_dir() else path.parent
    settings = load_settings(root) if path.exists() else None
    result = audit.check(path, settings=settings, select=_split(select), ignore=_split(ignore))
    report(result, output_format, fail_on or (settings.fail_on if settings else "warning"))


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def rules(output_format: str) -> None:
    """List every rule: id, severity and title."""
    import json

    from shipyard.rules import all_rules

    active = [r for r in all_rules() if not r.removed]
    if output_format == "json":
        rows = [{"id": r.id, "severity": r.severity, "title": r.title, "doc_url": r.doc_url()}
                for r in active]  # fmt: skip
        click.echo(json.dumps(rows, indent=2))
        return
    for r in active:
        click.echo(f"{r.id}  {r.severity:<7}  {r.title}")


def main(argv: list[str] | None = None) -> None:
    """Run the command line, turning Shipyard's errors into ``error: ...`` and exit status 2."""
    from shipyard.errors import ShipyardError

    try:
        cli.main(args=argv, prog_name="shipyard", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except ShipyardError as exc:
        click.echo(f"error: {exc}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        if exc.doc_url:
            click.echo(f"docs: {exc.doc_url}", err=True)
        sys.exit(2)


@cli.group()
def sandbox() -> None:
    """Run the local stand-ins for Nexus and GitLab (what the runbook uses by default)."""


@sandbox.command("start")
@click.option(
    "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Keep repositories, users, packages and variables here across restarts "
    "(default: a temporary directory, removed on exit).",
)  # fmt: skip
def sandbox_start(state_dir: Path | None) -> None:
    """Start the sandbox on 127.0.0.1 and run until interrupted.

    Prints one JSON line with nexus_url and gitlab_url once it is ready. The generated admin
    password is written to STATE_DIR/admin.password, as Nexus does, and never printed.
    """
    from shipyard.sandbox import run_foreground

    run_foreground(state_dir)


@cli.group("env")
def env_group() -> None:
    """Check and lock environment.yml (the micromamba runtime, through Nexus's conda proxy)."""


@env_group.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
    help="text: a table; json: an array of findings; codequality: GitLab's Code Quality report.",
)  # fmt: skip
@click.option(
    "--fail-on", type=click.Choice(SEVERITIES), default=None,
    help="Lowest severity that fails the check (default: the fail-on setting).",
)  # fmt: skip
def env_check(file: Path, output_format: str, fail_on: str | None) -> None:
    """Check FILE (an environment.yml) against the ENV rules; exit 1 on findings."""
    from shipyard import environments
    from shipyard.config import load_settings

    settings = load_settings(file.parent) if file.parent.exists() else None
    result = environments.check_environment(file, settings=settings)
    report(result, output_format, fail_on or (settings.fail_on if settings else "warning"))


@env_group.command("lock")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--channel", "-c", "channels", multiple=True, metavar="URL",
              help="Channel URL or name replacing the file's channels (repeatable).")  # fmt: skip
@click.option("--channel-alias", default="", metavar="URL",
              help="Where channel names resolve, e.g. https://nexus/repository/.")  # fmt: skip
@click.option("--platform", "-p", "platforms", multiple=True, metavar="P",
              help="Platform to lock (repeatable; default linux-64).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Lock file to write (default: environment-lock.yml next to FILE).")  # fmt: skip
def env_lock(
    file: Path, channels: tuple[str, ...], channel_alias: str, platforms: tuple[str, ...],
    output: Path | None,
) -> None:  # fmt: skip
    """Solve FILE with py-rattler and write a conda-lock file and explicit specs."""
    from shipyard import environments
    from shipyard.errors import redact

    result = environments.lock(file, channels=channels, channel_alias=channel_alias,
                               platforms=platforms or ("linux-64",))  # fmt: skip
    written = result.write(output or file.parent / "environment-lock.yml")
    click.echo(redact(repr(result)))
    for path in written:
        click.echo(f"wrote {path}")


cli.add_command(image)


@cli.group()
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
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="text: a summary table; json: every gate with its findings.",
)  # fmt: skip
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
        result = run_gates(path, only=_split(only), report_dir=reports, on_gate=on_gate)
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
    sys.exit(0 if result.passed else 1)


@gates.command("jobs")
@click.option(
    "--component", is_flag=True,
    help="Render a CI/CD Catalog component (spec: inputs, then the jobs).",
)  # fmt: skip
def gates_jobs(component: bool) -> None:
    """Print the GitLab CI jobs that run the gates, for .gitlab-ci.yml or a catalog component."""
    from shipyard.gates import ci

    click.echo(ci.render_component() if component else ci.render_jobs(), nl=False)
