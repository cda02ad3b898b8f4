"""The stand-in micromamba's command line: what it accepts, what it refuses, what it says."""

from __future__ import annotations

import subprocess

import pytest

from shipyard.environments.lock import LockedPackage
from shipyard.pipeline import _micromamba as mm


def _package(name: str, version: str, noarch: str = "", depends: tuple[str, ...] = ()):
    return LockedPackage("linux-64", name, version, "0", f"https://x/{name}.conda", "", "",
                         depends, noarch=noarch)  # fmt: skip


def test_parse_request_reads_micromambas_options():
    request = mm.parse_request(
        [
            "-y",
            "-n",
            "prod",
            "-f",
            "environment.yml",
            "--prune",
            "-c",
            "conda-forge",
            "--override-channels",
            "python=3.12",
        ]
    )
    assert (request.name, request.files, request.channels) == ("prod", ["environment.yml"],
                                                               ["conda-forge"])  # fmt: skip
    assert request.prune and request.override_channels and request.specs == ["python=3.12"]
    assert mm.parse_request(["--name=build", "--file=env.yml"]).files == ["env.yml"]


def test_an_option_it_does_not_implement_is_refused_not_ignored(capsys):
    assert mm.main(["create", "-n", "x", "--platform", "osx-64"]) == 2
    assert "option '--platform' is not implemented by the stand-in" in capsys.readouterr().err


def test_a_subcommand_it_does_not_implement_names_the_ones_it_does(capsys):
    assert mm.main(["repoquery", "depends", "numpy"]) == 2
    err = capsys.readouterr().err
    assert "'micromamba repoquery depends' is not implemented" in err and "shell hook" in err


def test_every_command_says_it_is_a_stand_in(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("MAMBA_ROOT_PREFIX", str(tmp_path))
    mm.main(["run", "-n", "missing", "true"])
    assert mm.NOTICE in capsys.readouterr().err
    assert mm.NOTICE in mm.shell_hook()


def test_the_shell_hook_activates_and_deactivates_in_bash(tmp_path):
    prefix = tmp_path / "envs" / "prod"
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "bin" / "tool").write_text("#!/bin/sh\necho from-prod\n", encoding="utf-8")
    (prefix / "bin" / "tool").chmod(0o755)
    script = """
        eval "$(micromamba shell hook -s bash)"
        micromamba activate prod
        echo "prefix=$CONDA_PREFIX"; tool
        micromamba deactivate
        command -v tool || echo gone
    """
    import sys

    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "micromamba").write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m shipyard.pipeline._micromamba "$@"\n'
    )
    (bindir / "micromamba").chmod(0o755)
    env = {
        "PATH": f"{bindir}:/usr/bin:/bin",
        "MAMBA_ROOT_PREFIX": str(tmp_path),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(["bash", "-ec", script], capture_output=True, text=True, env=env,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [f"prefix={prefix}", "from-prod", "gone"]
    assert mm.NOTICE in done.stderr


def test_python_libraries_are_mapped_to_their_pypi_names():
    packages = [
        _package("python", "3.12.5"), _package("pip", "24.2", "python"),
        _package("pytest", "9.1.1", "python", ("python >=3.9",)),
        _package("typing_extensions", "4.16.0", "python"),
        _package("numpy", "2.1.1", "", ("python_abi 3.12.* *_cp312",)),
        _package("libzlib", "1.3.1"),
    ]  # fmt: skip
    assert mm._python_libraries(packages) == [
        "pytest==9.1.1", "typing-extensions==4.16.0", "numpy==2.1.1"
    ]  # fmt: skip


def test_env_prefix():
    assert mm.env_prefix("prod", "", "/root").as_posix() == "/root/envs/prod"
    assert mm.env_prefix("base", "", "/root").as_posix() == "/root"
    with pytest.raises(mm.UsageError):
        mm.env_prefix("", "")


def test_auth_login_keeps_credentials_in_the_root_prefix_not_home(tmp_path, monkeypatch, capsys):
    import io
    import json

    monkeypatch.setenv("MAMBA_ROOT_PREFIX", str(tmp_path / "root"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-value\n"))
    assert mm.main(["auth", "login", "https://nexus.example", "-u", "ci", "--password-stdin"]) == 0
    stored = tmp_path / "root" / "auth" / "authentication.json"
    assert json.loads(stored.read_text())["https://nexus.example"]["user"] == "ci"
    assert stored.stat().st_mode & 0o077 == 0
    assert not (tmp_path / "home").exists()
    assert "s3cret-value" not in capsys.readouterr().err
