"""Provisioning: the micromamba command lines and ``.mambarc`` the runbook teaches, run or not.

:func:`micromamba_commands` renders them for a Nexus. :func:`provision` runs them when
``micromamba`` is on PATH; otherwise it says plainly that they were not run and installs the same
lock with py-rattler. :func:`ensure_conda_proxy` creates the Nexus conda proxy of conda-forge
with the Nexus client (:mod:`shipyard.nexus.client`), once; :func:`publish_wheel` builds and uploads
with :mod:`shipyard.packaging.publish`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.config import Secret
from shipyard.environments.lock import Lock
from shipyard.environments.solve import InstallResult, install_lock
from shipyard.errors import OperationError, redact

if TYPE_CHECKING:
    from shipyard.nexus.client import NexusClient
    from shipyard.runbook import CommandResult

__all__ = [
    "CONDA_PROXY",
    "Command",
    "Provisioning",
    "ensure_conda_proxy",
    "install_wheel",
    "mambarc",
    "micromamba_commands",
    "provision",
    "publish_wheel",
    "run_script",
]

CONDA_PROXY = "conda-forge"


def mambarc(nexus_url: str, *, style: str = "channel_alias", repository: str = CONDA_PROXY) -> str:
    """Return a ``.mambarc`` that sends channel names to the Nexus conda proxy.

    Args:
        nexus_url: Nexus's base URL.
        style: ``channel_alias`` (every name resolves under ``<nexus>/repository/``: one proxy
            per channel, named like it) or ``custom_channels`` (only the listed names).
        repository: The conda proxy's name.
    """
    base = nexus_url.rstrip("/")
    lines = ["# ~/.mambarc (or $MAMBA_ROOT_PREFIX/.mambarc): every channel through Nexus"]
    if style == "channel_alias":
        lines += [f"channel_alias: {base}/repository/"]
    else:
        lines += ["custom_channels:", f"  conda-forge: {base}/repository/{repository}"]
    lines += ["channels:", "  - conda-forge", "default_channels: []  # never Anaconda's defaults"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Command:
    """One command line of the runbook, and what it is for."""

    purpose: str
    argv: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join(_shell_word(a) for a in self.argv)


def _shell_word(word: str) -> str:
    """Quote a word for a shell, leaving ``$VARIABLES`` for the shell to expand."""
    if "$" not in word:
        return shlex.quote(word)
    if word.startswith("$") and " " not in word:
        return word
    name, equals, value = word.partition("=")
    return f'{name}="{value}"' if equals else f'"{word}"'


def micromamba_commands(
    nexus_url: str, *, name: str = "prod", environment: str = "environment.yml",
    lock: str = "environment-lock.yml", root_prefix: str = "$CI_PROJECT_DIR/.mamba",
) -> list[Command]:  # fmt: skip
    """Return the micromamba command lines a pipeline runs, for this Nexus."""
    base = nexus_url.rstrip("/")
    return [
        Command("where environments and the package cache live (cache .mamba/pkgs in CI)",
                ("export", f"MAMBA_ROOT_PREFIX={root_prefix}")),
        Command("log in to Nexus once; the password comes from a CI variable",
                ("micromamba", "auth", "login", base, "-u", "$NEXUS_CONDA_USERNAME",
                 "--password-stdin")),
        Command("create the environment from the lock: no solve, exact builds, hashes checked",
                ("micromamba", "create", "-y", "-n", name, "-f", lock)),
        Command("or solve from environment.yml and update in place, removing extras",
                ("micromamba", "env", "update", "-y", "-n", name, "-f", environment, "--prune")),
        Command("record what is installed, URL and md5 per package",
                ("micromamba", "env", "export", "-n", name, "--explicit")),
    ]  # fmt: skip


@dataclass(frozen=True)
class Provisioning:
    """What :func:`provision` did: the commands and whether they ran, and the install."""

    commands: tuple[Command, ...]
    ran: bool
    reason: str
    install: InstallResult | None = None
    outputs: tuple[str, ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        from shipyard.runbook import normalise

        lines = [f"$ {c}" for c in self.commands]
        lines.append(self.reason)
        if self.install is not None:
            lines.append(f"py-rattler installed the lock instead: {self.install!r}")
        return normalise("\n".join(lines))


def provision(
    lock: Lock, lock_path: Path | str, prefix: Path | str, *, nexus_url: str,
    platform: str = "linux-64", cache_dir: Path | None = None,
) -> Provisioning:  # fmt: skip
    """Create or update an environment from a lock, with micromamba when it is on PATH.

    Without micromamba, py-rattler installs the same lock into the same prefix, and the result
    says the micromamba commands were not run.
    """
    prefix = Path(prefix)
    commands = [
        Command("create or update the environment from the lock (no solve)",
                ("micromamba", "create", "-y", "-p", str(prefix), "-f", str(lock_path))),
        Command("record what is installed", ("micromamba", "env", "export", "-p", str(prefix),
                                             "--explicit")),
    ]  # fmt: skip
    micromamba = shutil.which("micromamba")
    if micromamba:
        outputs = []
        for command in commands:
            done = subprocess.run(command.argv, capture_output=True, text=True, check=False)
            if done.returncode:
                raise OperationError(str(command), status=None, server_message=done.stderr[-500:])
            outputs.append(redact(done.stdout))
        return Provisioning(tuple(commands), True, f"ran with {micromamba}", outputs=tuple(outputs))
    result = install_lock(lock, prefix, platform=platform, cache_dir=cache_dir)
    reason = "not run: micromamba is not on PATH here."
    return Provisioning(tuple(commands), False, reason, result)


def _client(nexus_url: str, auth: tuple[str, str]) -> NexusClient:
    from shipyard.nexus.client import NexusClient

    return NexusClient(nexus_url, auth[0], Secret(auth[1], name="the Nexus password"))


def ensure_conda_proxy(
    nexus_url: str, auth: tuple[str, str], *, name: str = CONDA_PROXY,
    remote: str = "https://conda.anaconda.org/conda-forge",
) -> str:  # fmt: skip
    """Create the Nexus conda proxy of conda-forge unless it exists; return its channel URL.

    Raises:
        OperationError: Nexus refused (e.g. 403 for a user without admin rights).
    """
    from shipyard.nexus.client import CondaProxy

    client = _client(nexus_url, auth)
    if client.get_conda_proxy(name) is None:
        client.create_conda_proxy(CondaProxy(name, remote))
    return client.repository_url(name)


def install_wheel(
    prefix: Path | str, index_url: str, requirement: str, *, python: str | None = None
) -> tuple[str, Path]:
    """Install the project from a Nexus PyPI index into the prefix, with ``--no-deps``.

    The dependencies come from the lock; ``--no-deps`` keeps pip from replacing them. With
    micromamba the environment's own pip runs (``micromamba run -p PREFIX pip install ...``); the
    sandbox channel's python is metadata only, so the running interpreter's pip installs with
    ``--prefix`` instead, and that is what the returned command shows.

    Returns:
        The command as shown to the reader, and the prefix's ``bin`` directory.
    """
    prefix = Path(prefix)
    argv = [python or sys.executable, "-m", "pip", "install", "--no-deps", "--no-cache-dir",
            "--disable-pip-version-check", "--prefix", str(prefix), "--index-url", index_url,
            requirement]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    shown = " ".join(["pip", *argv[3:]])
    if done.returncode:
        raise OperationError(f"pip install {requirement}", status=None, url=redact(index_url),
                             server_message=redact(done.stderr.strip()[-500:]))  # fmt: skip
    return redact(shown), prefix / "bin"


def site_packages(prefix: Path) -> list[str]:
    """Return the prefix's site-packages directories pip filled (for ``PYTHONPATH``)."""
    return [str(p) for p in sorted((prefix / "lib").glob("python*/site-packages"))]


def run_script(prefix: Path | str, script: str, *args: str) -> CommandResult:
    """Run a console script pip installed into the prefix; return its status and output."""
    from shipyard.runbook import CommandResult, normalise

    prefix = Path(prefix)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(site_packages(prefix)))
    path = prefix / "bin" / script
    done = subprocess.run([str(path), *args], capture_output=True, text=True, env=env, check=False)
    return CommandResult(
        " ".join([script, *args]), done.returncode, normalise(done.stdout + done.stderr)
    )


def publish_wheel(
    project: Path | str, nexus_url: str, auth: tuple[str, str], *, repository: str = "pypi-internal"
) -> str:
    """Build a project's wheel and upload it with twine to a Nexus hosted PyPI repository.

    The packaging chapter teaches this step in full (:mod:`shipyard.packaging.publish`, which this
    calls); here it only puts the wheel where the deploy step finds it. The repository is created
    first when missing (write policy ALLOW_ONCE); a version already there is left as it is (Nexus
    answers 400 "cannot be updated").

    Returns:
        The repository's index URL for pip (``<nexus>/repository/<name>/simple``).

    Raises:
        OperationError: Nexus refused the repository or the upload, or the build failed.
    """
    import tempfile

    from shipyard.nexus.client import HostedRepository
    from shipyard.packaging import publish

    client = _client(nexus_url, auth)
    if client.get_repository(repository) is None:
        client.create_repository(HostedRepository(repository))
    with tempfile.TemporaryDirectory(prefix="shipyard-dist-") as dist:
        built = publish.build_wheel(project, dist)
        if not built.ok or built.wheel is None:
            raise OperationError("build the wheel", status=None, server_message=built.output[-500:])
        sent = publish.upload(
            built.wheel, client.repository_url(repository), auth[0], Secret(auth[1])
        )
    if not sent.ok and not (sent.status == 400 and "ALLOW_ONCE" in sent.hint):
        detail = sent.reason or sent.output[-500:]
        raise OperationError("upload the wheel", status=sent.status, server_message=detail)
    return f"{client.url}/repository/{repository}/simple"
