"""``shipyard pipeline run``: run the project's pipeline here with gitlab-ci-local.

A thin face over :func:`shipyard.pipeline.run.run_pipeline`. ``run_command`` joins the
``pipeline`` group (with ``render`` and ``check``) in ``cli/pipeline.py``; until then this module
registers a ``pipeline`` group holding it. :func:`shipyard.cli.main` turns Shipyard's errors into
``error: ...`` and exit status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["pipeline", "run_command"]


@click.command("run")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--job", default=None, metavar="NAME", help="Run only this job and the jobs it needs."
)
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True,
    help='text: the job table, and the logs of failed jobs; json: {"status", "jobs": [...]}.',
)  # fmt: skip
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
    sys.exit(0 if result.ok else 1)


@click.group("pipeline")
def pipeline() -> None:
    """Run the project's .gitlab-ci.yml here, against the target, before pushing it."""


pipeline.add_command(run_command)
