"""The ``shipyard`` command: a thin face over the same functions the runbook notebooks call.

One module per command group (:mod:`~shipyard.cli.check`, :mod:`~shipyard.cli.env`,
:mod:`~shipyard.cli.image`, :mod:`~shipyard.cli.gates`, :mod:`~shipyard.cli.pipeline`,
:mod:`~shipyard.cli.sandbox`, :mod:`~shipyard.cli.setup`), the options they share defined once
in :mod:`~shipyard.cli._common`. Each command imports the chapter it drives only when it runs, so
``shipyard --help`` stays light.

Exit status: 0 when nothing reaches the failure threshold, 1 when a finding does, 2 for a usage
error or input Shipyard cannot read, 3 when Shipyard itself failed (a bug). Expected errors print
one ``error: ...`` line and a hint, never a traceback; they are turned into output in one place,
:func:`main`, which returns the status. A bug prints one line saying so and where to report it;
``--debug`` adds the traceback.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from shipyard import __version__
from shipyard.cli._common import report
from shipyard.cli.check import check, rules
from shipyard.cli.env import env
from shipyard.cli.gates import gates
from shipyard.cli.image import image
from shipyard.cli.init import init
from shipyard.cli.pipeline import pipeline
from shipyard.cli.sandbox import sandbox
from shipyard.cli.setup import setup

__all__ = ["BUG_STATUS", "cli", "main", "report"]

#: The exit status of an unexpected exception: Shipyard failed, not the checked project.
BUG_STATUS = 3
BUG_REPORT_URL = "https://gitlab.com/shipyard/shipyard/-/issues"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="shipyard")
@click.option("--debug", is_flag=True,
              help="On an internal error (exit status 3), print the traceback.")  # fmt: skip
def cli(debug: bool) -> None:
    """Check, set up and run the path that ships Python on GitLab with a private Nexus.

    Exit status: 0 passed, 1 findings, 2 usage error or unreadable input, 3 a bug in Shipyard.
    """


for _command in (check, rules, sandbox, setup, env, image, gates, pipeline, init):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Shipyard's own errors become ``error: ...``, a hint and a docs link on standard error, and
    status 2; the installed ``shipyard`` script passes the status to :func:`sys.exit`.
    """
    from shipyard.errors import ShipyardError

    try:
        with terminate_as_interrupt():
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
    except Exception as exc:  # noqa: BLE001 - the one place a bug is reported instead of a traceback
        _report_bug(exc, debug="--debug" in (sys.argv[1:] if argv is None else argv))
        return BUG_STATUS
    return status if isinstance(status, int) else 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (a cancelled CI job, ``kill``, a closed terminal's supervisor) as Ctrl-C.

    Python's default for SIGTERM ends the process at once: the sandbox's registries, the
    pipeline's temporary copy and gitlab-ci-local were left behind. As an interrupt, every
    ``finally`` and context manager on the way out stops and removes what the command started.
    """
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread (an embedding application's worker)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _report_bug(exc: Exception, *, debug: bool) -> None:
    """Say that Shipyard failed, where to report it, and (with ``--debug``) the traceback."""
    from shipyard.errors import redact, shorten

    if debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    what = redact(shorten(f"{type(exc).__name__}: {exc}", 300)).replace("\n", " ")
    more = "" if debug else "; rerun with --debug for the traceback"
    click.echo(
        f"internal error: Shipyard failed ({what}). This is a bug in Shipyard, not in your files: "
        f"please report it at {BUG_REPORT_URL} with the command{more}.",
        err=True,
    )
