"""The ``shipyard`` command: a thin face over the same functions the runbook notebooks call.

One module per command group (:mod:`~shipyard.cli.check`, :mod:`~shipyard.cli.env`,
:mod:`~shipyard.cli.image`, :mod:`~shipyard.cli.gates`, :mod:`~shipyard.cli.pipeline`,
:mod:`~shipyard.cli.sandbox`, :mod:`~shipyard.cli.setup`), the options they share defined once
in :mod:`~shipyard.cli._common`. Each command imports the chapter it drives only when it runs, so
``shipyard --help`` stays light.

Exit status: 0 when nothing reaches the failure threshold, 1 when a finding does, 2 for a usage
error or input Shipyard cannot read. Expected errors print one ``error: ...`` line and a hint, never
a traceback; they are turned into output in one place, :func:`main`, which returns the status.
"""

from __future__ import annotations

import click

from shipyard import __version__
from shipyard.cli._common import report
from shipyard.cli.check import check, rules
from shipyard.cli.env import env
from shipyard.cli.gates import gates
from shipyard.cli.image import image
from shipyard.cli.pipeline import pipeline
from shipyard.cli.sandbox import sandbox
from shipyard.cli.setup import setup

__all__ = ["cli", "main", "report"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="shipyard")
def cli() -> None:
    """Check, set up and run the path that ships Python on GitLab with a private Nexus."""


for _command in (check, rules, sandbox, setup, env, image, gates, pipeline):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Shipyard's own errors become ``error: ...``, a hint and a docs link on standard error, and
    status 2; the installed ``shipyard`` script passes the status to :func:`sys.exit`.
    """
    from shipyard.errors import ShipyardError

    try:
        status = cli.main(args=argv, prog_name="shipyard", standalone_mode=False)
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2 if isinstance(exc, click.UsageError) else exc.exit_code
    except ShipyardError as exc:
        click.echo(f"error: {exc}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        if exc.doc_url:
            click.echo(f"docs: {exc.doc_url}", err=True)
        return 2
    return status if isinstance(status, int) else 0
