"""Solve, lock and install against the sandbox's conda-forge stand-in, for real, with py-rattler."""

from __future__ import annotations

import json

import pytest
import requests

from shipyard import environments
from shipyard.cli import main
from shipyard.errors import InputError, OperationError
from shipyard.sandbox import Sandbox

ENV = """\
name: prod
channels:
  - conda-forge
dependencies:
  - python=3.12
  - pip
  - numpy >=1.26,<3
"""


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as running:
        auth = ("admin", running.admin_password.reveal())
        environments.ensure_conda_proxy(running.nexus_url, auth)
        yield running


@pytest.fixture
def env_file(tmp_path):
    path = tmp_path / "environment.yml"
    path.write_text(ENV, encoding="utf-8")
    return path


def alias(sandbox):
    return f"{sandbox.nexus_url}/repository/"


def test_channel_is_served_with_matching_hashes(sandbox):
    import hashlib

    base = f"{sandbox.nexus_url}/repository/conda-forge"
    repodata = requests.get(f"{base}/noarch/repodata.json", timeout=10).json()
    name, record = next(iter(repodata["packages"].items()))
    archive = requests.get(f"{base}/noarch/{name}", timeout=10).content
    assert hashlib.sha256(archive).hexdigest() == record["sha256"]
    assert hashlib.md5(archive).hexdigest() == record["md5"]  # noqa: S324
    assert requests.get(f"{base}/noarch/repodata.json.zst", timeout=10).status_code == 404


def test_ensure_conda_proxy_is_idempotent(sandbox):
    auth = ("admin", sandbox.admin_password.reveal())
    url = environments.ensure_conda_proxy(sandbox.nexus_url, auth)
    assert url == f"{sandbox.nexus_url}/repository/conda-forge/"


def test_lock_two_platforms_and_explicit(sandbox, env_file, tmp_path):
    lock = environments.lock(env_file, channel_alias=alias(sandbox),
                             platforms=["linux-64", "osx-arm64"])  # fmt: skip
    names = {p.name for p in lock.for_platform("linux-64")}
    assert {"python", "pip", "numpy", "openssl", "python_abi"} <= names
    assert next(p for p in lock.packages if p.name == "python").version.startswith("3.12")
    written = lock.write(tmp_path / "environment-lock.yml")
    assert [p.name for p in written] == [
        "environment-lock.yml",
        "explicit-linux-64.txt",
        "explicit-osx-arm64.txt",
    ]
    explicit = written[1].read_text().splitlines()
    assert explicit[:2] == ["# platform: linux-64", "@EXPLICIT"]
    assert all("#" in line and line.startswith("http") for line in explicit[2:])
    back = environments.read_lock(written[0])
    assert not environments.diff_locks(lock, back)


def test_changed_pin_shows_in_the_diff(sandbox, env_file):
    before = environments.lock(env_file, channel_alias=alias(sandbox))
    after = environments.lock(env_file, channel_alias=alias(sandbox),
                              specs=["python=3.13", "pip", "numpy >=1.26,<3"])  # fmt: skip
    changes = {c.name: c for c in environments.diff_locks(before, after).changes}
    assert changes["python"].change == "upgraded"
    assert changes["python"].new.startswith("3.13")


def test_install_then_update_prunes(sandbox, env_file, tmp_path):
    lock = environments.lock(env_file, channel_alias=alias(sandbox))
    prefix = tmp_path / "prefix"
    first = environments.install_lock(lock, prefix)
    assert len(first.installed) == len(lock.for_platform("linux-64"))
    assert (prefix / "conda-meta").is_dir()
    again = environments.install_lock(lock, prefix)
    assert (again.installed, again.removed) == ((), ())
    smaller = environments.lock(env_file, channel_alias=alias(sandbox), specs=["python=3.12"])
    pruned = environments.install_lock(smaller, prefix)
    assert any(name.startswith("numpy-") for name in pruned.removed)


def test_unsatisfiable_spec_is_explained(sandbox, env_file):
    with pytest.raises(environments.SolveError) as info:
        environments.lock(
            env_file, channel_alias=alias(sandbox), specs=["python=3.12", "numpy=2.5"]
        )
    message = str(info.value)
    assert "cannot be solved for linux-64" in message
    assert "python_abi 3.13" in message and "conflicts" in message


def test_channel_404_is_a_clear_error(sandbox, env_file):
    with pytest.raises(OperationError) as info:
        environments.lock(env_file, channels=[f"{sandbox.nexus_url}/repository/nope/"])
    assert info.value.status == 404
    assert "/repository/nope/" in str(info.value)


def test_channel_that_answers_nothing(env_file):
    with pytest.raises(OperationError) as info:
        environments.lock(env_file, channels=["http://127.0.0.1:9/conda-forge/"])
    assert info.value.status is None
    assert "no answer" in str(info.value)


def test_malformed_yaml_has_file_line_column(tmp_path):
    path = tmp_path / "environment.yml"
    path.write_text("dependencies:\n  - python=3.12\n - pip\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        environments.load_environment(path)
    assert str(info.value).startswith(f"{path}:3:")


def test_micromamba_commands_and_mambarc():
    commands = [str(c) for c in environments.micromamba_commands("https://nexus.corp.local")]
    assert "micromamba env update -y -n prod -f environment.yml --prune" in commands
    assert "micromamba env export -n prod --explicit" in commands
    assert any(c.startswith("micromamba auth login https://nexus.corp.local") for c in commands)
    assert "channel_alias: https://nexus.corp.local/repository/" in environments.mambarc(
        "https://nexus.corp.local"
    )
    custom = environments.mambarc("https://nexus.corp.local", style="custom_channels")
    assert "conda-forge: https://nexus.corp.local/repository/conda-forge" in custom


def test_cli_env_check_formats_and_exit_codes(env_file, capsys):
    assert main(["env", "check", str(env_file), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    env_file.write_text(ENV.replace("python=3.12", "python"), encoding="utf-8")
    assert main(["env", "check", str(env_file), "--format", "codequality"]) == 1
    assert json.loads(capsys.readouterr().out)[0]["check_name"] == "ENV003"


def test_cli_env_lock(sandbox, env_file, capsys):
    channel = f"{sandbox.nexus_url}/repository/conda-forge/"
    out = env_file.parent / "custom-lock.yml"
    assert main(["env", "lock", str(env_file), "--channel", channel, "--platform", "linux-64",
                 "-o", str(out)]) == 0  # fmt: skip
    assert "linux-64:" in capsys.readouterr().out
    assert environments.read_lock(out).platforms == ("linux-64",)


def test_cli_env_lock_unsatisfiable_exits_2(sandbox, env_file, capsys):
    env_file.write_text(ENV.replace("numpy >=1.26,<3", "numpy=2.5"), encoding="utf-8")
    assert main(["env", "lock", str(env_file), "--channel-alias", alias(sandbox)]) == 2
    assert "cannot be solved" in capsys.readouterr().err
