"""Chapter 01, Nexus setup: the repository, the deploy role and user, and what consumers need.

- ``shipyard.nexus.setup``: the desired state (hosted PyPI repository with ``ALLOW_ONCE``, a
  least-privilege deploy role, the deploy user), planned with :func:`plan_nexus` and applied with
  :func:`shipyard.plans.apply`; :func:`verify_deploy_access` proves the role's limits.
- ``shipyard.nexus.password``: the deploy password, kept between runs (environment, password file
  or the CI variable an earlier run wrote), generated once, rotated only when asked.
- ``shipyard.nexus.chapter``: the chapter's plans in one call, for ``shipyard setup plan|apply``
  and ``shipyard sandbox start --setup``.
- ``shipyard.nexus.client``: the Nexus 3 REST client those plans use.
- ``shipyard.nexus.consumers``: pip, twine and uv configuration for the repository.
- ``shipyard.nexus.indexconf``: readers of pip.conf and .pypirc, for the NEX rules
  (``shipyard.nexus.rules``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard._lazy import lazy_exports

# The submodules load on first use (shipyard._lazy): the NEX rules read pip.conf and .pypirc
# (shipyard.nexus.indexconf) without importing the REST client and its HTTP stack.
if TYPE_CHECKING:
    from shipyard.nexus import consumers
    from shipyard.nexus.client import CondaProxy
    from shipyard.nexus.setup import (
        DEPLOY_ACTIONS,
        DEPLOY_PASSWORD_ENV,
        AccessCheck,
        AccessReport,
        DesiredState,
        HostedRepository,
        NexusClient,
        Role,
        User,
        connect,
        deploy_privileges,
        desired_state,
        generate_password,
        plan_nexus,
        verify_deploy_access,
    )

_EXPORTS = {
    "client": ("CondaProxy",),
    "setup": (
        "DEPLOY_ACTIONS", "DEPLOY_PASSWORD_ENV", "AccessCheck", "AccessReport", "DesiredState",
        "HostedRepository", "NexusClient", "Role", "User", "connect", "deploy_privileges",
        "desired_state", "generate_password", "plan_nexus", "verify_deploy_access",
    ),
}  # fmt: skip
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), modules=["consumers"])

#: The runbook chapter this package serves (``notebooks/<name>.ipynb``).
RUNBOOK_CHAPTER = "01_nexus_setup"

__all__ = [
    "RUNBOOK_CHAPTER",
    "DEPLOY_ACTIONS",
    "DEPLOY_PASSWORD_ENV",
    "AccessCheck",
    "AccessReport",
    "CondaProxy",
    "DesiredState",
    "HostedRepository",
    "NexusClient",
    "Role",
    "User",
    "connect",
    "consumers",
    "deploy_privileges",
    "desired_state",
    "generate_password",
    "plan_nexus",
    "verify_deploy_access",
]
