"""``shipyard sandbox``: the local stand-ins for Nexus and GitLab the runbook uses by default."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from shipyard.sandbox import Sandbox

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
@click.option(
    "--setup", "with_setup", is_flag=True,
    help="Also set up chapter 01 on it (repository pypi-internal, deploy role and user, CI "
    "variables), keeping the deploy password in STATE_DIR/deploy-ci.password.",
)  # fmt: skip
@click.option("--registry", is_flag=True,
              help="Also start the container registry (hosted + Docker Hub stand-in); its base "
              "images are built once per machine.")  # fmt: skip
def sandbox_start(state_dir: Path | None, with_setup: bool, registry: bool) -> None:
    """Start the sandbox on 127.0.0.1 and run until interrupted.

    Prints one JSON line with nexus_url and gitlab_url (and the registry's hosts with
    --registry) once it is ready, then (on standard error)
    how to use it: the admin user, the URLs, where the password files are, the next steps. The
    generated admin password is written to STATE_DIR/admin.password, as Nexus does, and never
    printed; nor is the deploy user's.
    """
    from shipyard.sandbox import run_foreground

    def ready(running: Sandbox) -> None:
        password_file = ""
        if with_setup:
            from shipyard.cli.setup import setup_sandbox

            password_file = setup_sandbox(running, echo=_err)
        _err(guide(running, password_file))

    run_foreground(state_dir, on_ready=ready, registry=registry)


def _err(text: str) -> None:
    click.echo(text, err=True)
    sys.stderr.flush()


def guide(running: Sandbox, password_file: str = "") -> str:
    """Say how to use a running sandbox: who, where, which files, what next (no secret)."""
    info = running.describe()
    state = info["state_dir"]
    lines = [
        "Sandbox ready: stand-ins for Nexus and GitLab on 127.0.0.1 (Ctrl-C stops it).",
        f"  Nexus   {info['nexus_url']}  admin user: {info['admin_username']}, "
        f"password in {info['admin_password_file']}",
        f"  GitLab  {info['gitlab_url']}  project {info['gitlab_project']}, "
        f"token in {info['gitlab_token_file']}",
    ]
    if password_file:
        lines += [
            f"  Repository pypi-internal: upload to {info['nexus_url']}/repository/pypi-internal/,"
            f" install from {info['nexus_url']}/repository/pypi-internal/simple/",
            f"  Deploy user deploy-ci: password in {password_file}",
        ]
    lines += [
        "Next steps, in another shell, to reach it as a real target:",
        f"  export SHIPYARD_NEXUS_URL={info['nexus_url']} SHIPYARD_NEXUS_USERNAME=admin",
        f'  export SHIPYARD_NEXUS_PASSWORD="$(cat {info["admin_password_file"]})"',
        f"  export SHIPYARD_GITLAB_URL={info['gitlab_url']} "
        f"SHIPYARD_GITLAB_PROJECT={info['gitlab_project']}",
        f'  export SHIPYARD_GITLAB_TOKEN="$(cat {info["gitlab_token_file"]})"',
        f"  export SHIPYARD_DEPLOY_PASSWORD_FILE={password_file or state + '/deploy-ci.password'}",
        "  shipyard setup plan     # what chapter 01 would change"
        + (" (nothing: it is set up)" if password_file else ""),
        "  shipyard setup apply    # make those changes",
    ]
    if running.owns_state_dir:
        lines.append("The state directory is temporary: it is removed when the sandbox stops.")
    return "\n".join(lines)
