"""Publish with the real ``poetry publish``, configured the way seed 001's deploy job would be.

Poetry reads a repository's URL and credentials from environment variables named after the
repository: ``POETRY_REPOSITORIES_<NAME>_URL`` and ``POETRY_HTTP_BASIC_<NAME>_USERNAME`` /
``_PASSWORD`` (https://python-poetry.org/docs/repositories/#configuring-credentials). A GitLab job
sets them from protected CI variables; here they are set for the one ``poetry`` process and no
configuration of this machine is read (fresh ``POETRY_CONFIG_DIR`` and ``POETRY_CACHE_DIR``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shipyard.config import Secret
from shipyard.errors import ConfigError
from shipyard.packaging.publish import _clean_env, _normalise

__all__ = ["PoetryResult", "poetry_env_names", "poetry_publish", "run_poetry"]

_PROGRESS = re.compile(r"^( - Uploading \S+) \d+%$")


def _progress_once(text: str) -> str:
    """Keep one line per uploaded file, no blank lines: Poetry's progress depends on timing."""
    lines: list[str] = []
    for line in re.sub(r"(\S) - Uploading ", r"\1\n - Uploading ", text).splitlines():
        line = _PROGRESS.sub(r"\1", line.rstrip())
        if line and not (line.startswith(" - Uploading ") and lines and lines[-1] == line):
            lines.append(line)
    return "\n".join(lines)


def poetry_env_names(repository: str) -> dict[str, str]:
    """Return the variables Poetry reads for ``repository``: role -> variable name."""
    key = re.sub(r"[^A-Z0-9]", "_", repository.upper())
    return {
        "url": f"POETRY_REPOSITORIES_{key}_URL",
        "username": f"POETRY_HTTP_BASIC_{key}_USERNAME",
        "password": f"POETRY_HTTP_BASIC_{key}_PASSWORD",
    }


@dataclass(frozen=True)
class PoetryResult:
    """One ``poetry`` command that ran: its arguments, exit status and output (normalised)."""

    command: str
    returncode: int
    output: str
    env: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether poetry exited with status 0."""
        return self.returncode == 0

    def __repr__(self) -> str:
        lines = [f"  {name}=…" for name in self.env]
        if lines:
            lines.insert(0, "environment (values not shown):")
        lines += [f"$ {self.command}", self.output.rstrip(), f"[exit status {self.returncode}]"]
        return "\n".join(lines)


def _poetry() -> list[str]:
    if shutil.which("poetry", path=str(Path(sys.executable).parent)):
        return [str(Path(sys.executable).parent / "poetry")]
    try:
        import poetry  # noqa: F401 - only asking whether it is installed
    except ImportError:
        msg = "poetry is not installed in this environment"
        raise ConfigError(msg, hint="pip install 'shipyard[publish]'") from None
    return [sys.executable, "-m", "poetry"]


def run_poetry(
    project: Path | str,
    *args: str,
    env: dict[str, str] | None = None,
    secrets: list[object] | tuple[object, ...] = (),
    timeout: float = 300,
) -> PoetryResult:
    """Run the real ``poetry`` in ``project`` with no configuration of this machine.

    Args:
        project: The project directory.
        *args: Poetry's arguments, e.g. ``"publish", "--build"``.
        env: Extra environment variables (their names are shown, never their values).
        secrets: Values to mask in the output.
        timeout: Seconds before giving up.

    Raises:
        ConfigError: Poetry is not installed, or did not finish in time.
    """
    with tempfile.TemporaryDirectory(prefix="shipyard-poetry-") as home:
        full_env = _clean_env(
            POETRY_CONFIG_DIR=f"{home}/config",
            POETRY_CACHE_DIR=f"{home}/cache",
            POETRY_DATA_DIR=f"{home}/data",
            POETRY_NO_INTERACTION="1",
            POETRY_VIRTUALENVS_CREATE="false",
            **(env or {}),
        )
        full_env.pop("VIRTUAL_ENV", None)
        # --no-interaction and no stdin: POETRY_NO_INTERACTION alone does not stop `publish
        # --build` from asking about files already in dist/, and without a terminal Poetry 2.5
        # asks again forever (measured here: 19 MB of prompts in 15 s).
        command = [*_poetry(), *args, "--no-ansi", "--no-interaction"]
        try:
            done = subprocess.run(
                command,
                cwd=project,
                env=full_env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            msg = f"poetry {' '.join(args)} did not finish in {timeout} s"
            raise ConfigError(msg, hint="Run it by hand to see what it waits for.") from None
    output = _progress_once(_normalise(done.stdout + done.stderr, list(secrets)))
    return PoetryResult("poetry " + " ".join(args), done.returncode, output, tuple(env or {}))


def poetry_publish(
    project: Path | str,
    repository_url: str,
    username: str,
    password: Secret,
    *,
    repository: str = "nexus",
    build: bool = True,
) -> PoetryResult:
    """Run ``poetry publish [--build] --repository <name>`` against a Nexus upload URL.

    The repository is configured only through ``POETRY_REPOSITORIES_<NAME>_URL`` and
    ``POETRY_HTTP_BASIC_<NAME>_USERNAME`` / ``_PASSWORD``, as a GitLab job would set them.

    Args:
        project: The Poetry project's directory.
        repository_url: The upload URL, ``https://nexus/repository/<name>/``.
        username: The deploy user.
        password: Its password; never shown.
        repository: The name the project publishes to (``--repository``).
        build: Build first (``--build``), as seed 001's job means to.
    """
    names = poetry_env_names(repository)
    env = {
        names["url"]: repository_url,
        names["username"]: username,
        names["password"]: password.reveal(),
    }
    args = ["publish", *(["--build"] if build else []), "--repository", repository]
    return run_poetry(project, *args, env=env, secrets=[password])
