"""environment.yml: check it, lock it against a Nexus conda proxy, provision it with micromamba.

The binary runtime (interpreter, compiled libraries) comes from conda-forge through Nexus; the
project itself comes from Nexus's PyPI repository, installed with ``pip install --no-deps``.

- :func:`load_environment` reads environment.yml into an :class:`EnvironmentFile` (positions kept,
  match specs parsed by py-rattler); :func:`check_environment` runs the ENV rules on it.
- :func:`lock` solves it for one or more platforms with py-rattler and returns a :class:`Lock`
  (conda-lock v1 YAML, which micromamba reads, plus ``@EXPLICIT`` specs); :func:`diff_locks` says
  what a change did; :func:`read_lock` reads one back.
- :func:`install_lock` makes a prefix hold exactly a lock's packages; :func:`provision` runs the
  micromamba commands when micromamba is on PATH and installs with py-rattler otherwise;
  :func:`micromamba_commands` and :func:`mambarc` render what the pipeline runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard._lazy import lazy_exports
from shipyard.config import Settings
from shipyard.findings import Findings

# The submodules load on first use (shipyard._lazy): reading environment.yml for the ENV rules
# does not import the solver, the Nexus client or the publishing code.
if TYPE_CHECKING:
    from shipyard.environments.envfile import (
        Channel,
        Dependency,
        EnvironmentFile,
        PipLine,
        load_environment,
        parse_environment,
    )
    from shipyard.environments.lock import (
        Lock,
        LockChange,
        LockDiff,
        LockedPackage,
        diff_locks,
        read_lock,
    )
    from shipyard.environments.provision import (
        CONDA_PROXY,
        Command,
        Provisioning,
        ensure_conda_proxy,
        install_wheel,
        mambarc,
        micromamba_commands,
        provision,
        publish_wheel,
        run_script,
    )
    from shipyard.environments.solve import (
        VIRTUAL_PACKAGES,
        InstallResult,
        SolveError,
        install_lock,
        resolve_channels,
    )

_EXPORTS = {
    "envfile": (
        "Channel",
        "Dependency",
        "EnvironmentFile",
        "PipLine",
        "load_environment",
        "parse_environment",
    ),
    "lock": ("Lock", "LockChange", "LockDiff", "LockedPackage", "diff_locks", "read_lock"),
    "provision": (
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
    ),
    "solve": (
        "VIRTUAL_PACKAGES",
        "InstallResult",
        "SolveError",
        "install_lock",
        "resolve_channels",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

#: The runbook chapter this package serves (``notebooks/<name>.ipynb``).
RUNBOOK_CHAPTER = "03_micromamba_provisioning"

__all__ = [
    "RUNBOOK_CHAPTER",
    "CONDA_PROXY",
    "ENV_NAMES",
    "Command",
    "VIRTUAL_PACKAGES",
    "Channel",
    "Dependency",
    "EnvironmentFile",
    "InstallResult",
    "Lock",
    "LockChange",
    "LockDiff",
    "LockedPackage",
    "PipLine",
    "Provisioning",
    "SolveError",
    "check_environment",
    "diff_locks",
    "ensure_conda_proxy",
    "install_lock",
    "install_wheel",
    "load_environment",
    "lock",
    "mambarc",
    "micromamba_commands",
    "parse_environment",
    "provision",
    "publish_wheel",
    "read_lock",
    "resolve_channels",
    "run_script",
]


#: The names micromamba and conda look for, in the order they prefer them.
ENV_NAMES = ("environment.yml", "environment.yaml")


def check_environment(
    path: Path | str,
    *,
    settings: Settings | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> Findings:
    """Run the ENV rules on one environment.yml (``shipyard env check``).

    Args:
        path: The file, or a project directory holding ``environment.yml`` (or ``.yaml``).
        settings: For severities, ignores and the Nexus URL; defaults when omitted.
        select: Rule id prefixes to run (default: every ENV rule).
        ignore: Rule ids to skip.

    Raises:
        InputError: The file is missing or malformed (rule ENV001), with line and column.
    """
    from shipyard._reading import file_limits
    from shipyard.environments.envfile import load_environment
    from shipyard.errors import InputError
    from shipyard.rules import run_rules, selected_rules

    path = Path(path)
    select = [*select] or ["ENV"]
    if path.is_dir():
        found = [path / name for name in ENV_NAMES if (path / name).exists()]
        if not found:
            msg = f"no {' or '.join(ENV_NAMES)} here"
            raise InputError(msg, path=path, hint="Pass the environment file itself.")
        path = found[0]
    settings = settings or Settings()
    rules = [r for r in selected_rules(select, ignore) if r.family == "ENV"]
    with file_limits(settings.max_file_size):
        env = load_environment(path, nexus_url=settings.nexus_url)
    return Findings(run_rules(rules, env, path.name, settings))


def lock(
    environment: EnvironmentFile | Path | str,
    *,
    channels: Sequence[str] = (),
    channel_alias: str = "",
    platforms: Sequence[str] = ("linux-64",),
    specs: Sequence[str] | None = None,
    cache_dir: Path | None = None,
) -> Lock:
    """Solve an environment file with py-rattler for each platform and return the lock.

    Args:
        environment: The environment file, or its path.
        channels: Channel names or URLs replacing the file's (``--channel``).
        channel_alias: Where channel names resolve, e.g. ``https://nexus/repository/``.
        platforms: Platforms to lock (``--platform``).
        specs: Match specs replacing the file's dependencies.
        cache_dir: py-rattler's repodata cache.

    Raises:
        SolveError: No packages satisfy the specs; the message is the solver's explanation.
        OperationError: A channel answers an error or nothing.
        InputError: The environment file is malformed.
    """
    from shipyard.environments.envfile import EnvironmentFile, load_environment
    from shipyard.environments.solve import solve_lock

    env = environment if isinstance(environment, EnvironmentFile) else load_environment(environment)
    return solve_lock(env, channels=channels, channel_alias=channel_alias, platforms=platforms,
                      specs=specs, cache_dir=cache_dir)  # fmt: skip
