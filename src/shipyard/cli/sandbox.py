"""``shipyard sandbox``: the local stand-ins for Nexus and GitLab the runbook uses by default."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["sandbox"]


@click.group()
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
