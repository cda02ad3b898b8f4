"""Fixtures for the sandbox's contract tests: a sandbox process, sample wheels, HTTP helpers.

The sandbox runs as ``shipyard sandbox start`` itself, the installed command, in a subprocess,
with a canary admin password. Every HTTP answer the tests receive is recorded, and at the end of
the session neither the canary nor the GitLab token may appear in any answer or server log line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

CANARY_PASSWORD = f"canary-{uuid.uuid4().hex}"
CANARY_TOKEN = f"glpat-canary{uuid.uuid4().hex[:12]}"
PACKAGE = "shipyard_sandbox_demo"
_RECORDED: list[str] = []
_LOGS: list[Path] = []


class SandboxProcess:
    """``shipyard sandbox start --state-dir DIR`` in a subprocess, as a user runs it."""

    def __init__(self, state_dir: Path, log_path: Path) -> None:
        self.state_dir = state_dir
        self.log_path = log_path
        env = dict(os.environ)
        env["SHIPYARD_SANDBOX_ADMIN_PASSWORD"] = CANARY_PASSWORD
        env["SHIPYARD_SANDBOX_GITLAB_TOKEN"] = CANARY_TOKEN
        command = [str(Path(sys.executable).parent / "shipyard"), "sandbox", "start",
                   "--state-dir", str(state_dir)]  # fmt: skip
        started = time.perf_counter()
        self._log = log_path.open("ab")
        _LOGS.append(log_path)
        self.proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
        )
        self.first_line = self._read_line(timeout=20)
        self.seconds_to_ready = time.perf_counter() - started
        self.info: dict[str, Any] = json.loads(self.first_line)
        self.nexus = self.info["nexus_url"]
        self.gitlab = self.info["gitlab_url"]

    def _read_line(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            self.proc.kill()
            pytest.fail(f"sandbox printed nothing in {timeout}s; log: {self.log_path}")
        line = self.proc.stdout.readline().decode()
        if not line:
            pytest.fail(f"sandbox exited with {self.proc.wait()}; log: {self.log_path}")
        return line

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the process and return its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=10)
        finally:
            self._log.close()
            if self.proc.stdout is not None:
                self.proc.stdout.close()


def _record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    _RECORDED.append(f"{response.status_code} {response.reason}\n{headers}\n{response.text}")


@pytest.fixture(scope="session")
def http() -> Iterator[requests.Session]:
    """A requests session that records every answer for the canary check."""
    session = requests.Session()
    session.hooks["response"].append(_record)
    yield session
    session.close()


@pytest.fixture(scope="session")
def recorder() -> Any:
    """The response hook that records answers for the canary check (for other HTTP clients)."""
    return _record


@pytest.fixture(scope="session", autouse=True)
def _no_secret_leaks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # In-process sandboxes log through these loggers; capture them for the check too.
    log_path = tmp_path_factory.mktemp("in-process") / "sandbox.log"
    handler = logging.FileHandler(log_path)
    loggers = [logging.getLogger("shipyard.sandbox"), logging.getLogger("pypiserver")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
    loggers[0].setLevel(logging.INFO)
    _LOGS.append(log_path)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)
    handler.close()
    answers = "\n".join(_RECORDED)
    logs = "\n".join(p.read_text(errors="replace") for p in _LOGS if p.exists())
    for secret in (CANARY_PASSWORD, CANARY_TOKEN):
        assert secret not in answers, "a secret appeared in an HTTP answer"
        assert secret not in logs, "a secret appeared in a server log line"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """The sandbox process shared by the contract tests."""
    root = tmp_path_factory.mktemp("sandbox")
    process = SandboxProcess(root / "state", root / "sandbox.log")
    yield process
    assert process.stop() == 0


@pytest.fixture(scope="session")
def admin() -> tuple[str, str]:
    """Admin's credentials (the canary password)."""
    return ("admin", CANARY_PASSWORD)


def write_wheel(dest: Path, version: str, name: str = PACKAGE) -> Path:
    """Write a minimal valid pure-Python wheel (PEP 427) and return its path."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{dist}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n"
            "Summary: A wheel for the sandbox tests\nRequires-Python: >=3.8\n"
        ).encode(),
        f"{dist}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: shipyard-tests\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    files[f"{dist}/RECORD"] = ("\n".join([*record, f"{dist}/RECORD,,"]) + "\n").encode()
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample package in two versions, built once per session."""
    dest = tmp_path_factory.mktemp("dist")
    return {version: write_wheel(dest, version) for version in ("0.1.0", "0.2.0")}


def _twine_upload(
    url: str, wheel: Path, user: str, password: str
) -> subprocess.CompletedProcess[str]:
    """Run the real twine CLI; credentials go through the environment, not the command line."""
    env = dict(os.environ, TWINE_USERNAME=user, TWINE_PASSWORD=password)
    command = [sys.executable, "-m", "twine", "upload", "--non-interactive"]
    command += ["--disable-progress-bar", "--repository-url", url, str(wheel)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert password not in result.stdout + result.stderr, "twine printed the password"
    return result


def _hosted_body(name: str, write_policy: str = "ALLOW_ONCE", **extra: Any) -> dict[str, Any]:
    """The documented ``pypi/hosted`` create body."""
    storage = {"blobStoreName": "default", "strictContentTypeValidation": True}
    return {
        "name": name,
        "online": True,
        "storage": storage | {"writePolicy": write_policy},
    } | extra


def _deploy_setup(
    http: requests.Session, nexus: str, auth: tuple[str, str], repo: str, user: str
) -> tuple[str, str]:
    """Create a hosted repo, a least-privilege deploy role and user; return their credentials."""
    base = f"{nexus}/service/rest/v1"
    created = http.post(f"{base}/repositories/pypi/hosted", json=_hosted_body(repo), auth=auth)
    assert created.status_code == 201, created.text
    privileges = [f"nx-repository-view-pypi-{repo}-{a}" for a in ("add", "read", "browse")]
    role = {"id": f"{user}-role", "name": f"{user}-role", "privileges": privileges, "roles": []}
    assert http.post(f"{base}/security/roles", json=role, auth=auth).status_code == 200
    password = f"pw-{uuid.uuid4().hex[:10]}"
    new_user = {"userId": user, "firstName": "CI", "lastName": "Deploy", "status": "active",
                "emailAddress": f"{user}@example.org", "password": password,
                "roles": [role["id"]]}  # fmt: skip
    answer = http.post(f"{base}/security/users", json=new_user, auth=auth)
    assert answer.status_code == 200, answer.text
    return user, password


@pytest.fixture(scope="session")
def twine_upload() -> Any:
    """``twine_upload(url, wheel, user, password)``: the real twine CLI."""
    return _twine_upload


@pytest.fixture(scope="session")
def hosted_body() -> Any:
    """``hosted_body(name, write_policy="ALLOW_ONCE", **extra)``: a ``pypi/hosted`` create body."""
    return _hosted_body


@pytest.fixture(scope="session")
def deploy_setup(http: requests.Session) -> Any:
    """``deploy_setup(nexus, admin, repo, user)``: hosted repo + deploy role/user -> credentials."""

    def setup(nexus: str, auth: tuple[str, str], repo: str, user: str) -> tuple[str, str]:
        return _deploy_setup(http, nexus, auth, repo, user)

    return setup


@pytest.fixture(scope="session")
def canary() -> tuple[str, str]:
    """The canary admin password and GitLab token the sandbox processes run with."""
    return CANARY_PASSWORD, CANARY_TOKEN


@pytest.fixture(scope="session")
def start_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``start_sandbox(state_dir)``: another sandbox process (the caller stops it)."""

    def start(state_dir: Path) -> SandboxProcess:
        log = tmp_path_factory.mktemp("logs") / "sandbox.log"
        return SandboxProcess(state_dir, log)

    return start
