"""Contract tests of the PyPI index behind hosted repositories (api-facts.md section 2), with the
real twine CLI and real pip, and of what survives a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WHEEL_010 = "shipyard_sandbox_demo-0.1.0-py3-none-any.whl"
STORED_010 = f"packages/shipyard-sandbox-demo/0.1.0/{WHEEL_010}"


@pytest.fixture(scope="module")
def deployer(sandbox, admin, deploy_setup):
    """``pypi-internal`` (ALLOW_ONCE) with a deploy user holding add/read/browse on it only."""
    return deploy_setup(sandbox.nexus, admin, "pypi-internal", "ci-deployer")


@pytest.fixture(scope="module")
def uploaded(sandbox, deployer, wheels, twine_upload):
    started = time.perf_counter()
    result = twine_upload(f"{sandbox.nexus}/repository/pypi-internal/", wheels["0.1.0"], *deployer)
    assert result.returncode == 0, result.stdout + result.stderr
    return time.perf_counter() - started


def _pip_install(index_url: str, venv: Path, *requirements: str) -> subprocess.CompletedProcess:
    """Install with real pip into a fresh venv, ignoring any pip configuration of the machine."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--isolated",
               "--no-cache-dir", "--disable-pip-version-check", "--index-url", index_url,
               *requirements]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_twine_upload_stores_with_nexus_layout(sandbox, uploaded):
    stored = sandbox.state_dir / "repositories" / "pypi-internal" / STORED_010
    assert stored.is_file()


def test_index_pages(http, sandbox, uploaded):
    base = f"{sandbox.nexus}/repository/pypi-internal"
    root = http.get(f"{base}/simple/")
    assert root.status_code == 200
    assert 'href="shipyard-sandbox-demo/"' in root.text
    for path in ("simple/shipyard-sandbox-demo", "simple/shipyard-sandbox-demo/"):
        page = http.get(f"{base}/{path}", allow_redirects=False)
        assert page.status_code == 200
        assert f"/repository/pypi-internal/{STORED_010}#md5=" in page.text
    wheel = http.get(f"{base}/{STORED_010}")
    assert wheel.status_code == 200
    assert wheel.content[:2] == b"PK"
    assert http.get(f"{base}/simple/no-such-project/").status_code == 404


def test_pip_installs_from_simple_into_a_fresh_venv(sandbox, uploaded, deployer, tmp_path):
    user, password = deployer
    netloc = sandbox.nexus.removeprefix("http://")
    index = f"http://{user}:{password}@{netloc}/repository/pypi-internal/simple/"
    started = time.perf_counter()
    result = _pip_install(index, tmp_path / "venv", "shipyard-sandbox-demo==0.1.0")
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    code = "import shipyard_sandbox_demo as m; print(m.__version__)"
    python = tmp_path / "venv" / "bin" / "python"
    version = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "0.1.0"
    print(f"twine upload {uploaded:.2f}s + pip install {seconds:.2f}s")


def test_allow_once_reupload_is_refused_with_nexus_message(
    http, sandbox, uploaded, deployer, wheels, twine_upload
):
    url = f"{sandbox.nexus}/repository/pypi-internal/"
    result = twine_upload(url, wheels["0.1.0"], *deployer)
    assert result.returncode != 0
    message = f"pypi-internal/{STORED_010} cannot be updated"
    output = "".join((result.stdout + result.stderr).split())  # twine wraps long lines
    assert "400" in output
    assert "".join(message.split()) in output
    with wheels["0.1.0"].open("rb") as handle:
        answer = http.post(
            url,
            data={":action": "file_upload", "name": "shipyard-sandbox-demo", "version": "0.1.0"},
            files={"content": (WHEEL_010, handle)},
            auth=deployer,
        )
    assert (answer.status_code, answer.reason) == (400, message)
    # another version is a new asset: allowed once
    assert twine_upload(url, wheels["0.2.0"], *deployer).returncode == 0


def test_allow_and_deny_write_policies(http, sandbox, admin, hosted_body, wheels, twine_upload):
    v1 = f"{sandbox.nexus}/service/rest/v1"
    for name, policy in (("pypi-allow", "ALLOW"), ("pypi-deny", "DENY")):
        body = hosted_body(name, policy)
        assert http.post(f"{v1}/repositories/pypi/hosted", json=body, auth=admin).status_code == 201
    allow = f"{sandbox.nexus}/repository/pypi-allow/"
    assert twine_upload(allow, wheels["0.1.0"], *admin).returncode == 0
    assert twine_upload(allow, wheels["0.1.0"], *admin).returncode == 0
    with wheels["0.1.0"].open("rb") as handle:
        denied = http.post(
            f"{sandbox.nexus}/repository/pypi-deny/",
            data={":action": "file_upload"},
            files={"content": (WHEEL_010, handle)},
            auth=admin,
        )
    assert (denied.status_code, denied.reason) == (400, f"pypi-deny/{STORED_010} is read-only")


def test_privileges_on_content(
    http, sandbox, uploaded, deployer, admin, hosted_body, wheels, twine_upload
):
    v1 = f"{sandbox.nexus}/service/rest/v1"
    http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body("pypi-other"), auth=admin)
    # the deploy user may upload to and read pypi-internal only
    other = twine_upload(f"{sandbox.nexus}/repository/pypi-other/", wheels["0.1.0"], *deployer)
    assert other.returncode != 0
    assert "403" in other.stdout + other.stderr
    page = f"{sandbox.nexus}/repository/pypi-internal/simple/shipyard-sandbox-demo/"
    assert http.get(page, auth=deployer).status_code == 200
    # and nothing else: not the repository itself, not the admin API
    assert http.delete(f"{v1}/repositories/pypi-internal", auth=deployer).status_code == 403
    assert http.get(f"{v1}/security/roles", auth=deployer).status_code == 403
    assert (
        http.get(f"{v1}/repositories/pypi/hosted/pypi-internal", auth=deployer).status_code == 404
    )
    # anonymous may read (nx-anonymous) but not upload: 401 with the challenge
    anonymous = http.post(
        f"{sandbox.nexus}/repository/pypi-internal/", data={":action": "file_upload"}
    )
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("BASIC realm=")
    assert http.get(page).status_code == 200


def test_routes_follow_nexus(http, sandbox, uploaded, admin, wheels, twine_upload):
    base = f"{sandbox.nexus}/repository"
    no_slash = http.get(f"{base}/pypi-internal")
    assert no_slash.status_code == 400
    assert no_slash.reason == "Repository path must have another '/' after initial '/'"
    assert http.get(f"{base}/pypi-internal/simple", allow_redirects=False).status_code == 404
    assert http.get(f"{base}/pypi-internal/whatever").status_code == 404
    missing = http.get(f"{base}/no-such-repo/simple/")
    assert (missing.status_code, missing.reason) == (404, "Repository not found")
    # twine pointed at /simple/ gets 404 (the upload route is exactly /)
    wrong = twine_upload(f"{base}/pypi-internal/simple/", wheels["0.1.0"], *admin)
    assert wrong.returncode != 0
    assert "404" in wrong.stdout + wrong.stderr


def test_offline_repository_is_503(http, sandbox, admin, hosted_body):
    v1 = f"{sandbox.nexus}/service/rest/v1"
    body = hosted_body("pypi-offline") | {"online": False}
    http.post(f"{v1}/repositories/pypi/hosted", json=body, auth=admin)
    answer = http.get(f"{sandbox.nexus}/repository/pypi-offline/simple/")
    assert (answer.status_code, answer.reason) == (503, "Repository offline")


def test_group_serves_its_hosted_members(http, sandbox, uploaded, admin):
    v1 = f"{sandbox.nexus}/service/rest/v1"
    group = {
        "name": "pypi-group",
        "online": True,
        "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
        "group": {"memberNames": ["pypi-internal"]},
    }
    assert http.post(f"{v1}/repositories/pypi/group", json=group, auth=admin).status_code == 201
    page = http.get(f"{sandbox.nexus}/repository/pypi-group/simple/shipyard-sandbox-demo/")
    assert page.status_code == 200
    assert WHEEL_010 in page.text
    upload = http.post(
        f"{sandbox.nexus}/repository/pypi-group/", data={":action": "file_upload"}, auth=admin
    )
    assert upload.status_code == 404


def test_run_foreground_prints_one_json_line_without_secrets(sandbox, canary):
    assert sandbox.seconds_to_ready < 10
    assert {"nexus_url", "gitlab_url", "state_dir"} <= set(sandbox.info)
    assert Path(sandbox.info["state_dir"]) == sandbox.state_dir.resolve()
    for secret in canary:
        assert secret not in sandbox.first_line
    assert sandbox.state_dir.joinpath("admin.password").read_text() == canary[0]
    assert canary[0] not in sandbox.state_dir.joinpath("state.json").read_text()
    assert oct(sandbox.state_dir.joinpath("admin.password").stat().st_mode & 0o777) == "0o600"


def test_restart_keeps_everything(
    http, tmp_path, start_sandbox, admin, deploy_setup, wheels, twine_upload, canary
):
    import gitlab

    state = tmp_path / "state"
    first = start_sandbox(state)
    v1 = f"{first.nexus}/service/rest/v1"
    user = deploy_setup(first.nexus, admin, "keep-repo", "keep-deployer")
    anonymous_off = {"enabled": False, "userId": "anonymous", "realmName": "NexusAuthorizingRealm"}
    assert http.put(f"{v1}/security/anonymous", json=anonymous_off, auth=admin).status_code == 200
    assert (
        twine_upload(f"{first.nexus}/repository/keep-repo/", wheels["0.1.0"], *user).returncode == 0
    )
    project = gitlab.Gitlab(first.gitlab, private_token=canary[1]).projects.get("shipyard/demo")
    project.variables.create({"key": "KEPT", "value": "still-here-1", "masked": True})
    assert first.stop(signal.SIGTERM) == 0

    second = start_sandbox(state)
    try:
        v1 = f"{second.nexus}/service/rest/v1"
        assert http.get(f"{v1}/repositories/pypi/hosted/keep-repo", auth=admin).status_code == 200
        assert http.get(f"{v1}/security/roles/keep-deployer-role", auth=admin).status_code == 200
        assert http.get(f"{v1}/security/anonymous", auth=admin).json() == anonymous_off
        page = f"{second.nexus}/repository/keep-repo/simple/shipyard-sandbox-demo/"
        assert http.get(page).status_code == 401
        assert WHEEL_010 in http.get(page, auth=user).text
        again = twine_upload(f"{second.nexus}/repository/keep-repo/", wheels["0.1.0"], *user)
        assert again.returncode != 0  # ALLOW_ONCE still knows the file
        project = gitlab.Gitlab(second.gitlab, private_token=canary[1]).projects.get(1)
        assert project.variables.get("KEPT").value == "still-here-1"
        # Changing admin's password removes admin.password, as Nexus does.
        url = f"{v1}/security/users/admin/change-password"
        headers = {"Content-Type": "text/plain"}
        assert http.put(url, data="changed-Pw-1", headers=headers, auth=admin).status_code == 204
        assert not (state / "admin.password").exists()
        assert http.get(f"{v1}/security/users", auth=("admin", "changed-Pw-1")).status_code == 200
    finally:
        assert second.stop(signal.SIGINT) == 0
    log = second.log_path.read_text()
    assert "stopping" in log
    assert "Traceback" not in log


def test_state_files_hold_no_secret(sandbox, canary):
    text = json.dumps(json.loads((sandbox.state_dir / "state.json").read_text()))
    for secret in canary:
        assert secret not in text
    assert os.stat(sandbox.state_dir / "gitlab.token").st_mode & 0o077 == 0
