"""``shipyard pipeline``: render a project's .gitlab-ci.yml, check any GitLab CI file, run it here.

A thin face over :mod:`shipyard.pipeline`; registered on the main command group in
:mod:`shipyard.cli`, whose ``main`` turns Shipyard's errors into ``error: ...`` and exit status 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from shipyard.cli._common import (
    fail_on_option,
    format_option,
    ignore_option,
    report,
    select_option,
    split,
)

__all__ = ["pipeline", "run_command"]


@click.group("pipeline")
def pipeline() -> None:
    """Render, check and run the GitLab pipeline (.gitlab-ci.yml)."""


@pipeline.command("render")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the pipeline to this file ('-' or omitted: print it).")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the output file when it exists.")
@click.option(
    "--publish-from", type=click.Choice(["default-branch", "tags"]), default="default-branch",
    show_default=True,
    help="default-branch: publish and deploy from the default branch and release tags (seed "
    "000); tags: from release tags only (seed 001).",
)  # fmt: skip
def pipeline_render(path: Path, output: Path | None, force: bool, publish_from: str) -> None:
    """Render the .gitlab-ci.yml of the project at PATH from what it has."""
    from shipyard.pipeline import render_pipeline, write_pipeline

    if output is None or str(output) == "-":
        click.echo(render_pipeline(path, publish_from=publish_from).text, nl=False)
        return
    written = write_pipeline(path, output, force=force, publish_from=publish_from)
    click.echo(f"wrote {written}")


@pipeline.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option()
@select_option("Run only these CI rules (comma-separated, e.g. CI001,CI003).")
@ignore_option()
@fail_on_option()
def pipeline_check(
    files: tuple[Path, ...], output_format: str, select: tuple[str, ...],
    ignore: tuple[str, ...], fail_on: str | None,
) -> None:  # fmt: skip
    """Check FILES (.gitlab-ci.yml, included files, components) against the CI rules.

    Settings ([tool.shipyard]: ignore, severity, fail-on) come from the current directory.
    """
    from shipyard.config import load_settings
    from shipyard.pipeline import check_pipeline

    settings = load_settings(".")
    result = check_pipeline(*files, settings=settings, select=split(select), ignore=split(ignore))
    report(result, output_format, fail_on or settings.fail_on)


@pipeline.command("run")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--job", default=None, metavar="NAME", help="Run only this job and the jobs it needs."
)
@format_option(
    ("text", "json"),
    'text: the job table, and the logs of failed jobs; json: {"status", "jobs": [...]}.',
)
@click.option(
    "--tag", default=None, metavar="TAG",
    help="Run the pipeline a tag push starts ($CI_COMMIT_TAG set) instead of one for main.",
)  # fmt: skip
@click.option("--logs", is_flag=True, help="Show every job's log in text output, not only failed.")
def run_command(
    path: Path, job: str | None, output_format: str, tag: str | None, logs: bool
) -> None:
    """Run the pipeline of the project at PATH here, against the target; exit 1 if a job fails.

    The project's .gitlab-ci.yml runs with gitlab-ci-local (shell executor) in a temporary copy;
    Nexus and GitLab are set up first (repository, deploy user, CI variables, proxies). Job logs
    are shown with every secret masked.
    """
    from shipyard.pipeline.run import run_pipeline

    click.echo("running the pipeline with gitlab-ci-local ...", err=True)
    result = run_pipeline(path, job=job, tag=tag)
    if output_format == "json":
        click.echo(result.to_json())
    else:
        click.echo(result.table())
        shown = result.logs(failed_only=not logs)
        if shown:
            click.echo(shown)
    raise click.exceptions.Exit(0 if result.ok else 1)
