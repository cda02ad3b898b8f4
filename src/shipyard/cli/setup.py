"""``shipyard setup plan|apply``: chapter 01 (Nexus repository, deploy user, CI variables).

The same plans the notebook shows, printed in the same format. ``plan`` only reads; ``apply``
plans, then makes the pending changes; a second ``apply`` has nothing to do. The target is the one
the settings choose (``SHIPYARD_NEXUS_URL``, ``SHIPYARD_GITLAB_URL``, ...), system by system.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from shipyard.nexus.chapter import SetupPlans
    from shipyard.sandbox import Sandbox

__all__ = ["apply_setup", "setup"]


def _options(function):  # noqa: ANN001, ANN202 - a click decorator stack
    function = click.option(
        "--repository", default="", metavar="NAME",
        help="The hosted PyPI repository (default: the nexus-repository setting).",
    )(function)  # fmt: skip
    function = click.option(
        "--rotate-password", is_flag=True,
        help="Give the deploy user a new password (and update NEXUS_PYPI_PASSWORD with it).",
    )(function)  # fmt: skip
    return click.option(
        "--no-gitlab", is_flag=True, help="Only Nexus: leave the GitLab CI variables alone."
    )(function)


@click.group("setup")
def setup() -> None:
    """Plan or apply chapter 01: the Nexus repository, deploy role and user, CI variables."""


@setup.command("plan")
@_options
def setup_plan(repository: str, rotate_password: bool, no_gitlab: bool) -> None:
    """Show what 'shipyard setup apply' would change; change nothing."""
    from shipyard.nexus.chapter import plan_setup

    planned = plan_setup(
        repository=repository, rotate_password=rotate_password, with_gitlab=not no_gitlab
    )
    for plan in planned.plans:
        click.echo(repr(plan))
    if planned.is_empty:
        click.echo("Nothing to do.")
    else:
        click.echo("Run 'shipyard setup apply' to make these changes.")


@setup.command("apply")
@_options
def setup_apply(repository: str, rotate_password: bool, no_gitlab: bool) -> None:
    """Plan, then make the pending changes; with nothing pending, say so and change nothing."""
    from shipyard.nexus.chapter import plan_setup

    apply_setup(
        plan_setup(
            repository=repository, rotate_password=rotate_password, with_gitlab=not no_gitlab
        )
    )


def apply_setup(planned: SetupPlans, echo=click.echo) -> None:  # noqa: ANN001
    """Apply the chapter's plans in order, printing each one, or "Nothing to do"."""
    from shipyard.plans import apply

    if planned.is_empty:
        for plan in planned.plans:
            echo(f"{plan.target}: {plan.summary()}")
        echo("Nothing to do.")
        return
    for plan in planned.plans:
        if plan.is_empty:
            echo(f"{plan.target}: {plan.summary()}")
            continue
        done = apply(plan)
        echo(repr(done).replace(done.summary(), f"Applied {len(done)} change(s)."))


def setup_sandbox(sandbox: Sandbox, echo=click.echo) -> str:  # noqa: ANN001
    """Set up chapter 01 on a running sandbox; return the deploy password file's path.

    The password is kept in ``STATE_DIR/deploy-ci.password`` (mode 0600), so a restart on the
    same state directory plans nothing.
    """
    import dataclasses

    from shipyard.config import load_settings
    from shipyard.nexus.chapter import plan_setup

    password_file = sandbox.state_dir / "deploy-ci.password"
    settings = dataclasses.replace(
        load_settings(), target="sandbox", deploy_password_file=str(password_file)
    )
    apply_setup(plan_setup(settings, sandbox=sandbox), echo)
    return str(password_file)
