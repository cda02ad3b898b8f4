"""``shipyard init [PATH] [--dry-run] [--force]``: the command; the logic is in ``_init``."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["init"]


@click.command("init")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the plan and the diffs; write nothing.")
@click.option(
    "--force", is_flag=True,
    help="Also replace files that differ, keeping each as <name>.orig.",
)  # fmt: skip
def init(path: Path, dry_run: bool, force: bool) -> None:
    """Write what the runbook teaches into the project at PATH, derived from what is there.

    pyproject.toml fixes, environment.yml, Dockerfile and .dockerignore, [tool.shipyard.gates]
    and the gate jobs in .gitlab-ci.yml. New files are written; a file that differs is never
    replaced without --force: its diff is shown and the exit status is 1.
    """
    from shipyard.cli import _init

    planned = _init.plan_init(path)
    click.echo(repr(planned.survey))
    click.echo("")
    click.echo(repr(planned.plan))
    differing = [c.name for c in planned.plan if c.action == "update"]
    diffs = planned.diffs()
    if dry_run:
        if diffs:
            click.echo("\n" + diffs, nl=False)
        click.echo("Dry run: nothing written.")
        return
    if planned.plan.is_empty:
        click.echo("Nothing to write: every file is already as `shipyard init` writes it.")
        return
    written = _init.apply_init(planned, force=force)
    for change in written:
        kept = f" (yours kept as {change.name}.orig)" if change.action == "update" else ""
        click.echo(f"wrote {change.name}{kept}")
    if differing and not force:
        click.echo("\n" + diffs, nl=False)
        click.echo(f"Not replaced, they differ: {', '.join(differing)}. "
                   "Review the diff; --force replaces them and keeps .orig copies.")  # fmt: skip
        raise click.exceptions.Exit(1)
