"""Build a wheel, upload it with twine, install it with pip: the publish and deploy steps, for real.

Each function runs the tool a pipeline job runs (``pip wheel``, ``twine upload``, ``pip install``)
and returns a result object whose ``repr`` is stable from run to run: paths, ports and secrets are
replaced, timings left out. A refused upload is a result, not an exception: Nexus's write policy
refusing a second upload of a version is something the runbook shows and explains.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

from shipyard._tempdirs import temporary_directory
from shipyard.config import Secret
from shipyard.errors import redact

__all__ = ["BuildResult", "InstallResult", "UploadResult", "build_wheel", "install", "upload"]

_HTTP_ERROR = re.compile(
    r"HTTPError: (?P<status>\d{3}) (?P<phrase>.*?) from (?P<url>\S+)"
    r"(?P<detail>.*?)(?:$| WARNING| ERROR)"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _normalise(text: str, secrets: list[object] | None = None) -> str:
    from shipyard.runbook import normalise

    text = "\n".join(line.rstrip() for line in _ANSI.sub("", text).splitlines())
    return normalise(redact(text, secrets or []))


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment for a tool: no pip or twine settings of this machine leak into it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "TWINE_"))}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        NO_COLOR="1",
        PYTHONIOENCODING="utf-8",
        COLUMNS="400",
        **extra,
    )
    return env


@dataclass(frozen=True)
class BuildResult:
    """A built wheel.

    Attributes:
        wheel: Its path.
        ok: Whether the build succeeded.
        output: The build's output (normalised), shown when it failed.
    """

    wheel: Path | None
    ok: bool
    output: str = ""

    def __repr__(self) -> str:
        if not self.ok or self.wheel is None:
            return f"build failed:\n{self.output.rstrip()}"
        return f"built {_normalise(str(self.wheel))}"


def build_wheel(project: Path | str, out_dir: Path | str | None = None) -> BuildResult:
    """Build the project's wheel as CI's build job does: ``pip wheel --no-deps``.

    The build backend (hatchling for the sample) comes from this environment
    (``--no-build-isolation``), so the build needs no network.

    Args:
        project: The project directory.
        out_dir: Where the wheel goes; ``<project>/dist`` by default.
    """
    project = Path(project)
    out = Path(out_dir) if out_dir else project / "dist"
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.glob("*.whl"))
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-cache-dir",
        "--quiet",
        "--wheel-dir",
        str(out),
        str(project),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=_clean_env(), check=False)
    wheels = sorted(set(out.glob("*.whl")) - before) or sorted(out.glob("*.whl"))
    ok = done.returncode == 0 and bool(wheels)
    return BuildResult(wheels[-1] if ok else None, ok, _normalise(done.stdout + done.stderr))


@dataclass(frozen=True)
class UploadResult:
    """What became of one ``twine upload``.

    Attributes:
        file: The uploaded file's name.
        url: The repository URL (normalised).
        ok: Whether Nexus accepted it.
        status: The HTTP status of a refusal.
        reason: Nexus's reason for a refusal.
        hint: What to do about a refusal.
    """

    file: str
    url: str
    ok: bool
    status: int | None = None
    reason: str = ""
    hint: str = ""
    output: str = ""

    def __repr__(self) -> str:
        if self.ok:
            return f"uploaded {self.file} to {self.url}"
        status = f"HTTP {self.status}" if self.status else "failed"
        lines = [f"refused: {self.file} to {self.url}", f"  Nexus said: {status} {self.reason}"]
        if self.hint:
            lines.append(f"  fix: {self.hint}")
        if not self.status:
            lines.append(self.output.rstrip())
        return "\n".join(lines)


def upload(wheel: Path | str, repository_url: str, username: str, password: Secret) -> UploadResult:
    """Upload a file with the real twine CLI, credentials in ``TWINE_*`` variables only.

    Args:
        wheel: The file to upload.
        repository_url: The upload URL, ``https://nexus/repository/<name>/`` (not ``/simple/``).
        username: ``TWINE_USERNAME``.
        password: ``TWINE_PASSWORD``; never shown.
    """
    wheel = Path(wheel)
    command = [
        sys.executable,
        "-m",
        "twine",
        "--no-color",
        "upload",
        "--non-interactive",
        "--disable-progress-bar",
        "--repository-url",
        repository_url,
        str(wheel),
    ]
    env = _clean_env(TWINE_USERNAME=username, TWINE_PASSWORD=password.reveal())
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    output = _normalise(done.stdout + done.stderr, [password])
    url = _normalise(repository_url)
    if done.returncode == 0:
        return UploadResult(wheel.name, url, True, output=output)
    found = _HTTP_ERROR.search(" ".join(output.split()))
    status = int(found["status"]) if found else None
    reason = (found["detail"].strip() or found["phrase"]) if found else ""
    hint = ""
    if status == 400 and ("cannot be updated" in reason or "does not allow updating" in reason):
        hint = (
            "the repository's write policy (ALLOW_ONCE) keeps a released version forever: "
            "bump the version in pyproject.toml (and __version__), build and upload again"
        )
    elif status == 404:
        hint = "upload to the repository URL itself (…/repository/<name>/), not to …/simple/"
    elif status in (401, 403):
        hint = "check TWINE_USERNAME/TWINE_PASSWORD and that the user's role has the add privilege"
    return UploadResult(wheel.name, url, False, status, reason, hint, output)


@dataclass(frozen=True)
class InstallResult:
    """A package installed into a fresh virtual environment, and its command run.

    Attributes:
        requirement: What was installed, e.g. ``my_app==1.0.0``.
        index_url: The index it came from (normalised).
        installed: pip's ``Successfully installed ...`` line, or ``""``.
        command: The script run afterwards, if any.
        command_output: What the script printed.
        ok: Whether the install and the script succeeded.
        output: pip's full output (normalised), shown when it failed.
    """

    requirement: str
    index_url: str
    installed: str
    command: str
    command_output: str
    ok: bool
    output: str = ""

    def __repr__(self) -> str:
        lines = [f"$ pip install --index-url {self.index_url} --no-deps {self.requirement}"]
        lines.append(self.installed or self.output.rstrip())
        if self.command:
            lines += [f"$ {self.command}", self.command_output.rstrip()]
        return "\n".join(lines)


def install(
    requirement: str,
    index_url: str,
    *,
    script: str = "",
    venv_dir: Path | str | None = None,
) -> InstallResult:
    """Install ``requirement`` from ``index_url`` into a fresh venv, as the deploy job does.

    pip runs with ``--no-deps`` (the runtime comes from the micromamba environment) and with no
    configuration of this machine, so the index given is the only place it looks.

    Args:
        requirement: A requirement, e.g. ``my_app==1.0.0``.
        index_url: A ``/simple/`` URL.
        script: A console script of the package to run afterwards (e.g. ``my-app``).
        venv_dir: Where to create the environment; by default a new temporary directory, removed
            when the process exits.
    """
    target = Path(venv_dir) if venv_dir else temporary_directory("shipyard-venv-")
    venv.EnvBuilder(with_pip=False, clear=True).create(target)
    bindir = target / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    command = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--no-deps",
        "--no-cache-dir",
        "--index-url",
        index_url,
        requirement,
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=_clean_env(), check=False)
    output = _normalise(done.stdout + done.stderr)
    installed = next((line for line in output.splitlines() if line.startswith("Successfully")), "")
    shown_url = _normalise(index_url)
    if done.returncode != 0 or not script:
        return InstallResult(
            requirement, shown_url, installed, "", "", done.returncode == 0, output
        )
    ran = subprocess.run(
        [str(bindir / script)], capture_output=True, text=True, env=_clean_env(), check=False
    )
    return InstallResult(
        requirement,
        shown_url,
        installed,
        script,
        _normalise(ran.stdout + ran.stderr),
        ran.returncode == 0,
        output,
    )
