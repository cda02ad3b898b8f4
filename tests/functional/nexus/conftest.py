"""Fixtures for the Nexus and GitLab client tests: an in-process sandbox with a canary password."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard import nexus
from shipyard.sandbox import Sandbox

CANARY = f"canary-admin-{uuid.uuid4().hex}"
TOKEN = f"glpat-canary{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def canary() -> str:
    return CANARY


@pytest.fixture(scope="session", autouse=True)
def _no_canary_in_logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every log line of the session (sandbox, clients, urllib3) must be free of the canary."""
    path = tmp_path_factory.mktemp("logs") / "all.log"
    handler = logging.FileHandler(path)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield
    root.removeHandler(handler)
    root.setLevel(old)
    handler.close()
    text = path.read_text(errors="replace")
    assert text, "nothing was logged: the check would prove nothing"
    assert CANARY not in text and TOKEN not in text


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def sandbox(state_dir: Path) -> Iterator[Sandbox]:
    with Sandbox(state_dir, admin_password=CANARY, gitlab_token=TOKEN) as running:
        yield running


@pytest.fixture
def admin(sandbox: Sandbox) -> nexus.NexusClient:
    client = nexus.connect(sandbox=sandbox)
    client.http.retry.backoff = 0.0
    return client
