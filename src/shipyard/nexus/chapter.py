"""Chapter 01 in one call: the Nexus plan and the GitLab variables plan, for the CLI's face.

The notebook runs the steps one cell at a time; :func:`plan_setup` makes the same plans in the
same order (``shipyard setup plan|apply`` and ``shipyard sandbox start --setup`` use it): the
repository, role and deploy user, then the three ``NEXUS_PYPI_*`` variables. The deploy password
is the one already in use when it can be read back (see :mod:`shipyard.nexus.password`), so a
second run plans nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.config import Settings, load_settings
from shipyard.nexus.setup import DesiredState, connect, desired_state, plan_nexus

if TYPE_CHECKING:
    from shipyard.nexus.client import NexusClient
    from shipyard.plans import Plan
    from shipyard.sandbox import Sandbox

__all__ = ["SetupPlans", "plan_setup"]


@dataclass(frozen=True)
class SetupPlans:
    """The chapter's plans, in the order they apply, and what they set up.

    Attributes:
        plans: The Nexus plan, then (unless skipped) the GitLab variables plan.
        desired: The desired repository, role and user.
        upload_url: The repository's upload URL (twine's).
    """

    plans: tuple[Plan, ...]
    desired: DesiredState
    upload_url: str

    @property
    def is_empty(self) -> bool:
        """Whether applying would change nothing."""
        return all(plan.is_empty for plan in self.plans)


def plan_setup(
    settings: Settings | None = None,
    *,
    sandbox: Sandbox | None = None,
    repository: str = "",
    rotate_password: bool = False,
    with_gitlab: bool = True,
) -> SetupPlans:
    """Plan chapter 01 against the target in force: nothing changes until the plans are applied.

    Args:
        settings: The settings; read from ``pyproject.toml`` and ``SHIPYARD_*`` when omitted.
        sandbox: A running sandbox to use for both systems instead of the settings' targets.
        repository: The hosted PyPI repository; the ``nexus-repository`` setting by default.
        rotate_password: Give the deploy user a new password (and the CI variable with it).
        with_gitlab: Also plan the ``NEXUS_PYPI_*`` CI variables.

    Raises:
        ConfigError: A real target lacks a setting.
        OperationError: Nexus or GitLab refused a read or did not answer.
    """
    from shipyard import gitlab

    settings = settings or load_settings()
    admin: NexusClient = connect(settings, sandbox=sandbox)
    project = gitlab.connect(settings, sandbox=sandbox) if with_gitlab else None
    desired = desired_state(
        repository or settings.nexus_repository,
        keep_from=project,
        rotate=rotate_password,
        settings=settings,
    )
    upload_url = admin.repository_url(desired.repository.name)
    plans = [plan_nexus(desired, admin)]
    if project is not None:
        user = desired.user
        variables = gitlab.nexus_variables(upload_url, user.user_id, user.password)
        plans.append(gitlab.plan_variables(variables, project))
    return SetupPlans(tuple(plans), desired, upload_url)
