"""The public face of :mod:`shipyard.sandbox`: the context manager, its attributes, its files."""

from __future__ import annotations

import logging
import sys
import time

import pytest
import requests

import shipyard.sandbox
from shipyard.config import Secret
from shipyard.errors import ConfigError
from shipyard.sandbox import Sandbox
from shipyard.sandbox._sandbox import _RedactingFilter
from shipyard.sandbox._server import ServerThread


def test_public_names():
    assert sorted(shipyard.sandbox.__all__) == [
        "Sandbox",
        "StandInGitLabIssuer",
        "StandInPyPI",
        "TrustedPublisher",
        "run_foreground",
    ]


def test_starts_fast_and_stops_cleanly(tmp_path, canary):
    started = time.perf_counter()
    with Sandbox(tmp_path / "state", admin_password=canary[0]) as sandbox:
        seconds = time.perf_counter() - started
        assert seconds < 2
        status = requests.get(f"{sandbox.nexus_url}/service/rest/v1/status", timeout=10)
        assert status.status_code == 200
        version = requests.get(
            f"{sandbox.gitlab_url}/api/v4/version",
            headers={"PRIVATE-TOKEN": sandbox.gitlab_token.reveal()},
            timeout=10,
        )
        assert version.status_code == 200
        nexus_url = sandbox.nexus_url
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{nexus_url}/service/rest/v1/status", timeout=2)
    with pytest.raises(ConfigError):
        _ = sandbox.nexus_url


def test_secrets_are_masked(tmp_path, canary):
    with Sandbox(tmp_path / "state", admin_password=canary[0]) as sandbox:
        assert sandbox.admin_password.reveal() == canary[0]
        for secret in (sandbox.admin_password, sandbox.gitlab_token):
            assert "****" in str(secret) and "****" in repr(secret)
            assert secret.reveal() not in f"{secret} {secret!r} {sandbox!r}"
        described = str(sandbox.describe())
        assert canary[0] not in described
        assert sandbox.gitlab_token.reveal() not in described
        assert (sandbox.state_dir / "admin.password").read_text() == canary[0]
    assert Secret("x") == Secret("x")


def test_generated_password_like_nexus(tmp_path):
    with Sandbox(tmp_path / "state") as sandbox:
        password = sandbox.admin_password.reveal()
        assert len(password) == 36  # a UUID, as Nexus writes to admin.password
        assert (sandbox.state_dir / "admin.password").read_text() == password
        answer = requests.get(
            f"{sandbox.nexus_url}/service/rest/v1/security/users",
            auth=("admin", password),
            timeout=10,
        )
        assert answer.status_code == 200
    with Sandbox(tmp_path / "state", admin_password="ignored-on-existing-state") as again:
        assert again.admin_password.reveal() == password


def test_temporary_state_is_removed(tmp_path):
    with Sandbox() as sandbox:
        state_dir = sandbox.state_dir
        assert (state_dir / "state.json").exists()
    assert not state_dir.exists()


def test_apps_never_see_the_process_environment():
    def echo(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ["\n".join(sorted(environ)).encode()]

    server = ServerThread("echo", echo)
    server.start()
    try:
        keys = requests.get(f"{server.url}/x", timeout=10).text.split()
    finally:
        server.stop()
    assert "PATH_INFO" in keys
    assert "PATH" not in keys and "HOME" not in keys


def test_log_filter_masks_secrets_in_messages_and_tracebacks(canary):
    try:
        raise RuntimeError(f"boom {canary[0]}")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s", (canary[1],), exc_info)
    assert _RedactingFilter([Secret(canary[0]), canary[1]]).filter(record)
    text = logging.Formatter().format(record)
    assert "boom ****" in text and "token ****" in text
    assert canary[0] not in text and canary[1] not in text
