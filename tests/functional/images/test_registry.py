"""The sandbox's registry: optional, real (/v2/ answers), and stopped with the sandbox."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from shipyard.sandbox import Sandbox


def _answers(host: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}/v2/", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_registry_starts_only_when_asked() -> None:
    with Sandbox() as sandbox:
        assert sandbox.registry is None
        assert "registry" not in sandbox.describe()
        registry = sandbox.start_registry(base_images=False)
        assert _answers(registry.hosted) and _answers(registry.hub)
        assert sandbox.describe()["registry"]["hosted"] == registry.hosted
        hosts = (registry.hosted, registry.hub)
    assert not any(_answers(host) for host in hosts)


def test_registry_needs_a_running_sandbox() -> None:
    from shipyard.errors import ConfigError

    with pytest.raises(ConfigError):
        Sandbox().start_registry()


def test_cli_sandbox_start_with_registry(registry_sandbox: Sandbox) -> None:
    """`shipyard sandbox start --registry` prints the registry's hosts; SIGTERM stops it all.

    Uses the session's sandbox only so that the base images are in the machine's cache.
    """
    shipyard = str(Path(sys.executable).parent / "shipyard")
    process = subprocess.Popen(  # noqa: S603
        [shipyard, "sandbox", "start", "--registry"], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        info = json.loads(process.stdout.readline())
        hosted = info["registry"]["hosted"]
        assert _answers(hosted)
        assert "docker.io/library/python:3.11-slim-bookworm" in info["registry"]["stand_ins"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert not _answers(hosted)
