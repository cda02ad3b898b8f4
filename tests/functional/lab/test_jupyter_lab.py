"""The README's way to run the chapters step by step works: `.venv/bin/jupyter lab notebooks/`.

The test runs that command (headless, on a free loopback port, with a token of its own), waits for
the server's API, checks it serves JupyterLab and the chapters, starts a kernel on a chapter as
opening it in the browser does, and stops the server. Every wait is bounded.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT

STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    jupyter = Path(sys.executable).parent / "jupyter"
    assert jupyter.exists(), "jupyter is missing from the environment: pip install -e '.[lab]'"
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"))  # fmt: skip
    command = [str(jupyter), "lab", "notebooks/", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}"]  # fmt: skip
    if os.geteuid() == 0:  # Jupyter refuses root without it; the README says so
        command.append("--allow-root")
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    session = requests.Session()
    session.headers["Authorization"] = f"token {token}"
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
            try:
                if session.get(f"{base}/api/status", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "lab.log").read_text()[-3000:]
            time.sleep(0.5)
        yield base, session
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def test_jupyter_lab_serves_the_chapters_and_runs_a_kernel(lab):
    base, session = lab
    assert requests.get(f"{base}/api/contents", timeout=10).status_code == 403  # no token
    # JupyterLab itself, not only a Jupyter server
    assert session.get(f"{base}/lab", timeout=10).status_code == 200
    listing = session.get(f"{base}/api/contents", timeout=10).json()
    names = {item["name"] for item in listing["content"]}
    assert "00_quickstart.ipynb" in names, names
    opened = session.post(f"{base}/api/sessions", timeout=60, json={
        "path": "00_quickstart.ipynb", "type": "notebook", "kernel": {"name": "python3"},
    })  # fmt: skip
    assert opened.status_code == 201, opened.text
    kernel = opened.json()["kernel"]
    try:
        state = session.get(f"{base}/api/kernels/{kernel['id']}", timeout=10).json()
        assert state["name"] == "python3"
        assert state["execution_state"] in ("starting", "idle", "busy")
    finally:
        session.delete(f"{base}/api/sessions/{opened.json()['id']}", timeout=30)
