"""Chapter 01 against a target that keeps its state: the second run plans nothing.

The target is ``shipyard sandbox start --state-dir`` in its own process, reached through the
real-target settings (``SHIPYARD_NEXUS_URL`` and the rest), as a real Nexus and GitLab would be.
Before: every run generated a new deploy password, so the second run planned
``~ user deploy-ci password`` and ``~ CI variable NEXUS_PYPI_PASSWORD``.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbclient
import nbformat
import pytest

from tests.conftest import ROOT

CHAPTER = ROOT / "notebooks" / "01_nexus_setup.ipynb"
SHIPYARD = str(Path(sys.executable).parent / "shipyard")
SETTINGS = (
    "SHIPYARD_TARGET", "SHIPYARD_NEXUS_URL", "SHIPYARD_NEXUS_USERNAME", "SHIPYARD_NEXUS_PASSWORD",
    "SHIPYARD_GITLAB_URL", "SHIPYARD_GITLAB_TOKEN", "SHIPYARD_GITLAB_PROJECT",
    "SHIPYARD_DEPLOY_PASSWORD", "SHIPYARD_DEPLOY_PASSWORD_FILE",
)  # fmt: skip


class Started:
    """``shipyard sandbox start`` in a subprocess: its JSON line and what it said on stderr."""

    def __init__(self, state_dir: Path, *options: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
        self.stderr_path = state_dir.parent / f"{state_dir.name}.stderr"
        self._stderr = self.stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [SHIPYARD, "sandbox", "start", "--state-dir", str(state_dir), *options],
            stdout=subprocess.PIPE, stderr=self._stderr, env=env,
        )  # fmt: skip
        selector = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        if not selector.select(60):
            self.stop()
            pytest.fail(f"the sandbox printed nothing; stderr: {self.stderr_path.read_text()}")
        self.info = json.loads(self.proc.stdout.readline())

    def settings(self) -> dict[str, str]:
        """The real-target settings that reach this sandbox, as a user would export them."""
        info = self.info
        return {
            "SHIPYARD_NEXUS_URL": info["nexus_url"],
            "SHIPYARD_NEXUS_USERNAME": info["admin_username"],
            "SHIPYARD_NEXUS_PASSWORD": Path(info["admin_password_file"]).read_text().strip(),
            "SHIPYARD_GITLAB_URL": info["gitlab_url"],
            "SHIPYARD_GITLAB_TOKEN": Path(info["gitlab_token_file"]).read_text().strip(),
            "SHIPYARD_GITLAB_PROJECT": info["gitlab_project"],
        }

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        finally:
            self._stderr.close()
            if self.proc.stdout is not None:
                self.proc.stdout.close()


@pytest.fixture
def persistent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Started]:
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    started = Started(tmp_path / "state")
    for name, value in started.settings().items():
        monkeypatch.setenv(name, value)
    yield started
    assert started.stop() == 0


def _run_chapter(tmp_path: Path) -> list[str]:
    notebook = nbformat.read(CHAPTER, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=180, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()  # fmt: skip
    return [
        "".join(
            output.get("text", "") + output.get("data", {}).get("text/plain", "")
            for output in cell.get("outputs", [])
        )
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def _cell(outputs: list[str], starts: str) -> str:
    return next(text for text in outputs if text.startswith(starts))


def test_chapter_01_twice_against_a_persistent_target_plans_nothing(persistent, tmp_path):
    first = _run_chapter(tmp_path)
    assert "Target: real" in first[0]
    nexus_plan = _cell(first, "Target: Nexus at ")
    assert "Plan: 3 to create" in nexus_plan and "password generated" in nexus_plan
    assert "Plan: 3 to create" in _cell(first, "Target: GitLab project shipyard/demo")

    second = _run_chapter(tmp_path)
    nexus_plan = _cell(second, "Target: Nexus at ")
    ci_plan = _cell(second, "Target: GitLab project shipyard/demo")
    assert "No changes: 3 object(s) already as desired." in nexus_plan, nexus_plan
    assert "No changes: 3 object(s) already as desired." in ci_plan, ci_plan
    assert "~ user deploy-ci" not in "".join(second)
    assert "~ CI variable NEXUS_PYPI_PASSWORD" not in "".join(second)
    # The proofs still hold on the second run: the access report and the refused re-upload.
    assert "denied (HTTP 403)" in "".join(second) and "WRONG" not in "".join(second)
    assert "FAIL" not in "".join(second)
    assert "cannot be updated" in "".join(second)
    # Only rotating on purpose changes the password, in Nexus and in GitLab together.
    rotate = subprocess.run(
        [SHIPYARD, "setup", "apply", "--rotate-password"], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert rotate.returncode == 0, rotate.stderr
    assert "~ user deploy-ci" in rotate.stdout and "password rotated" in rotate.stdout
    assert "~ CI variable NEXUS_PYPI_PASSWORD" in rotate.stdout
    again = subprocess.run([SHIPYARD, "setup", "plan"], capture_output=True, text=True)
    assert again.stdout.rstrip().endswith("Nothing to do."), again.stdout + again.stderr


def test_setup_cli_plans_applies_then_has_nothing_to_do(persistent):
    plan = subprocess.run([SHIPYARD, "setup", "plan"], capture_output=True, text=True)
    assert plan.returncode == 0, plan.stderr
    assert "+ repository pypi-internal" in plan.stdout
    assert "+ CI variable NEXUS_PYPI_PASSWORD  value: ****" in plan.stdout
    assert "Run 'shipyard setup apply' to make these changes." in plan.stdout
    # plan changed nothing
    assert (
        "+ repository pypi-internal"
        in subprocess.run([SHIPYARD, "setup", "plan"], capture_output=True, text=True).stdout
    )

    applied = subprocess.run([SHIPYARD, "setup", "apply"], capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    assert "Applied 3 change(s)." in applied.stdout
    second = subprocess.run([SHIPYARD, "setup", "apply"], capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout.rstrip().endswith("Nothing to do."), second.stdout
    assert "No changes: 3 object(s) already as desired." in second.stdout
    password = persistent.settings()["SHIPYARD_NEXUS_PASSWORD"]
    assert password not in plan.stdout + applied.stdout + second.stdout


def test_setup_cli_error_is_one_line_and_a_hint(tmp_path, monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHIPYARD_NEXUS_URL", "https://nexus.invalid")
    done = subprocess.run([SHIPYARD, "setup", "plan", "--no-gitlab"], capture_output=True,
                          text=True, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert "error: the real Nexus needs SHIPYARD_NEXUS_USERNAME, SHIPYARD_NEXUS_PASSWORD" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


def test_sandbox_start_with_setup_says_how_to_use_it(tmp_path, monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    state = tmp_path / "state"
    started = Started(state, "--setup")
    try:
        password_file = state.resolve() / "deploy-ci.password"
        for name, value in started.settings().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("SHIPYARD_DEPLOY_PASSWORD_FILE", str(password_file))
        plan = subprocess.run([SHIPYARD, "setup", "plan"], capture_output=True, text=True)
        assert plan.stdout.rstrip().endswith("Nothing to do."), plan.stdout + plan.stderr
    finally:
        assert started.stop() == 0
    guide = started.stderr_path.read_text()
    assert "admin user: admin" in guide
    assert f"password in {state.resolve() / 'admin.password'}" in guide
    assert f"Deploy user deploy-ci: password in {password_file}" in guide
    assert started.info["nexus_url"] + "/repository/pypi-internal/simple/" in guide
    assert "shipyard setup plan" in guide and "export SHIPYARD_NEXUS_URL=" in guide
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    for secret in (password_file.read_text().strip(), (state / "admin.password").read_text()):
        assert secret.strip() not in guide
