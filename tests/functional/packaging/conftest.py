"""One sandbox for the packaging tests, with the build backends seeded and a deploy user."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from shipyard import nexus, plans
from shipyard.config import Secret
from shipyard.nexus import backends
from shipyard.sandbox import Sandbox

CANARY = f"canary-deploy-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def release_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """A sandbox with pypi-build (the backends) and pypi-internal (ALLOW_ONCE) and deploy-ci."""
    with Sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox:
        admin = nexus.connect(sandbox=sandbox)
        seeded = backends.seed_build_backends(admin)
        desired = nexus.desired_state("pypi-internal", password=Secret(CANARY))
        plans.apply(nexus.plan_nexus(desired, admin))
        yield SimpleNamespace(
            admin=admin,
            seeded=seeded,
            build_index=admin.repository_url("pypi-build") + "simple/",
            upload_url=admin.repository_url("pypi-internal"),
            user=desired.user,
        )
