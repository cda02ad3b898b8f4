"""Fixtures for the fault tests: a sandbox with canary credentials, and a fault proxy before it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard.sandbox import Sandbox

from .proxy import FaultProxy

#: The canaries: Nexus's admin password, the deploy user's password, the GitLab token. Each one
#: is really used (the sandbox refuses anything else), so finding none of them proves something.
ADMIN = f"canary-admin-{uuid.uuid4().hex}"
DEPLOY = f"canary-deploy-{uuid.uuid4().hex}"
TOKEN = f"glpat-canary{uuid.uuid4().hex[:12]}"
CANARIES = (ADMIN, DEPLOY, TOKEN)
#: How long a faulty client waits for an answer, and how many times it retries (no backoff).
TIMEOUT = 0.5
RETRIES = 2


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(tmp_path / "state", admin_password=ADMIN, gitlab_token=TOKEN) as running:
        yield running


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record at DEBUG, Shipyard's and its libraries' (requests, urllib3, gitlab)."""
    caplog.set_level(logging.DEBUG)
    for name in ("shipyard", "urllib3", "requests", "gitlab", "http.client"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def nexus_proxy(sandbox: Sandbox) -> Iterator[FaultProxy]:
    proxy = FaultProxy(sandbox.nexus_url, hold=TIMEOUT + 2).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def gitlab_proxy(sandbox: Sandbox) -> Iterator[FaultProxy]:
    proxy = FaultProxy(sandbox.gitlab_url, hold=TIMEOUT + 2).start()
    yield proxy
    proxy.stop()
