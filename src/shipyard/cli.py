"""The ``shipyard`` command: a thin face over the same functions the runbook notebooks call.

Exit status: 0 when nothing reaches the failure threshold, 1 when a finding does, 2 for a usage
error or input Shipyard cannot read. Expected errors print one ``error: ...`` line and a hint, never
a traceback; they are turned into output in one place, :func:`main`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from shipyard import __version__
from shipyard.config import SEVERITIES

__all__ = ["cli", "main"]

FORMATS = ("text", "json", "codequality")


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
    from shipyard import audit, findings
    from shipyard.config import load_settings

    root = path if path.is_dir() else path.parent
    settings = load_settings(root) if path.exists() else None
    result = audit.check(path, settings=settings, select=_split(select), ignore=_split(ignore))
    if output_format == "json":
        click.echo(findings.to_json(result))
    elif output_format == "codequality":
        click.echo(findings.to_codequality(result))
    else:
        from rich.console import Console

        findings.render_text(result, Console(highlight=False))
    threshold = fail_on or (settings.fail_on if settings else "warning")
    sys.exit(1 if audit.fails(result, threshold) else 0)


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
