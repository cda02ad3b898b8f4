"""Fixtures for the pipeline runs: one sandbox per module, a canary deploy password, the tools."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from shipyard.pipeline.run import Tools, ensure_tools
from shipyard.sandbox import Sandbox

CANARY = f"canary-deploy-{uuid.uuid4().hex}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pipeline: runs a pipeline with gitlab-ci-local (seconds)")
    config.addinivalue_line(
        "markers", "pipeline_e2e: runs the sample project's whole pipeline (a few minutes)"
    )


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture(scope="session")
def tools() -> Tools:
    """gitlab-ci-local and Node 22, installed with npm into the cache the first time."""
    return ensure_tools()


@pytest.fixture
def canary(monkeypatch: pytest.MonkeyPatch) -> str:
    """The deploy user's password for this test: it must never appear in any output."""
    monkeypatch.setenv("SHIPYARD_DEPLOY_PASSWORD", CANARY)
    return CANARY
