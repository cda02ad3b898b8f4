"""Solve an environment against channels and install a lock into a prefix, with py-rattler.

py-rattler is the library micromamba's successor tools (pixi, rattler-build) are built on; its
solver (resolvo) reads the same repodata micromamba reads. Both calls are async in py-rattler; the
functions here run them to completion, so notebooks and the CLI call them like any function.
py-rattler is imported inside them: ``import shipyard`` stays fast.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.environments.envfile import EnvironmentFile
from shipyard.environments.lock import Lock, LockedPackage, content_hash, lock_from_records
from shipyard.errors import OperationError, ShipyardError, redact

__all__ = [
    "VIRTUAL_PACKAGES",
    "InstallResult",
    "SolveError",
    "install_lock",
    "resolve_channels",
    "solve_lock",
]

#: The system a platform's packages may assume, as conda-lock assumes by default: the solve for
#: another platform cannot detect it, so it is declared.
VIRTUAL_PACKAGES: dict[str, list[tuple[str, str, str]]] = {
    "linux-64": [("__unix", "0", "0"), ("__linux", "5.10", "0"), ("__glibc", "2.28", "0"),
                 ("__archspec", "1", "x86_64")],
    "linux-aarch64": [("__unix", "0", "0"), ("__linux", "5.10", "0"), ("__glibc", "2.28", "0"),
                      ("__archspec", "1", "aarch64")],
    "osx-64": [("__unix", "0", "0"), ("__osx", "11.0", "0"), ("__archspec", "1", "x86_64")],
    "osx-arm64": [("__unix", "0", "0"), ("__osx", "11.0", "0"), ("__archspec", "1", "arm64")],
    "win-64": [("__win", "0", "0"), ("__archspec", "1", "x86_64")],
}  # fmt: skip
_STATUS = re.compile(r"HTTP status (?:client|server) error \((\d{3})[^)]*\) for url \(([^)]*)\)")


def _run(coroutine: Any) -> Any:
    """Run a py-rattler coroutine to completion, also under Jupyter's running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class SolveError(ShipyardError):
    """No set of packages satisfies the specs: the message is the solver's explanation."""


def resolve_channels(
    env: EnvironmentFile | None, channels: Sequence[str] = (), channel_alias: str = ""
) -> list[str]:
    """Return the channel URLs a solve uses, as micromamba would resolve them.

    Args:
        env: The environment file, whose ``channels`` are used when ``channels`` is empty.
        channels: Channel names or URLs that replace the file's (``-c`` with
            ``--override-channels``).
        channel_alias: Where channel names resolve, e.g. ``https://nexus/repository/`` (the
            ``channel_alias`` of ``.mambarc``); conda's default, ``https://conda.anaconda.org/``,
            when empty.
    """
    from rattler import Channel, ChannelConfig

    names = list(channels) or [c.name for c in (env.channels if env else ())] or ["conda-forge"]
    config = ChannelConfig(channel_alias=channel_alias) if channel_alias else ChannelConfig()
    return [Channel(name, config).base_url for name in names]


def _virtual_packages(platform: str) -> list[Any]:
    from rattler import BuildString, GenericVirtualPackage, PackageName, Version

    return [
        GenericVirtualPackage(PackageName(n), Version(v), BuildString(b))
        for n, v, b in VIRTUAL_PACKAGES.get(platform, [])
    ]


def _gateway(cache_dir: Path | None) -> Any:
    from rattler import Gateway, SourceConfig

    # Plain repodata.json only: a Nexus conda proxy serves it; the .zst, .bz2 and sharded
    # variants are newer than most proxies, and probing for them costs a round trip each.
    config = SourceConfig(zstd_enabled=False, bz2_enabled=False, sharded_enabled=False)
    return Gateway(cache_dir=cache_dir, default_config=config)


def _channel_error(exc: Exception, channels: Sequence[str]) -> OperationError:
    text = str(exc)
    match = _STATUS.search(text)
    status, url = (int(match.group(1)), match.group(2)) if match else (None, "")
    if not url:
        found = re.search(r"for url \(([^)]*)\)", text)
        url = found.group(1) if found else ", ".join(channels)
    reason = text.splitlines()[-1].removeprefix("Caused by: ").strip()
    hint = (
        "Check the channel URL: it should end in /repository/<conda proxy name>/ and the "
        "repository must exist (`<channel>/noarch/repodata.json` answers 200)."
        if status == 404
        else "Check that Nexus is running and reachable from here, and the URL's host and port."
    )
    return OperationError(
        "fetch the channel's repodata", status=status, server_message=redact(reason),
        url=redact(url), hint=hint,
    )  # fmt: skip


def solve_lock(
    env: EnvironmentFile,
    *,
    channels: Sequence[str] = (),
    channel_alias: str = "",
    platforms: Sequence[str] = ("linux-64",),
    specs: Sequence[str] | None = None,
    cache_dir: Path | None = None,
) -> Lock:
    """Solve an environment file for each platform and return the lock.

    Args:
        env: The environment file (its dependencies are the specs, its channels the sources).
        channels: Channel names or URLs replacing the file's.
        channel_alias: Where channel names resolve (``.mambarc``'s ``channel_alias``).
        platforms: The platforms to lock, e.g. ``("linux-64", "osx-arm64")``.
        specs: Match specs replacing the file's dependencies.
        cache_dir: py-rattler's repodata cache; a temporary one when omitted.

    Returns:
        The lock: every package per platform with URL, md5 and sha256.

    Raises:
        SolveError: The specs cannot be satisfied on a platform; the message explains why.
        OperationError: A channel answers an error (e.g. 404) or nothing at all.
    """
    from rattler import Channel
    from rattler.exceptions import GatewayError, SolverError

    urls = resolve_channels(env, channels, channel_alias)
    specs = list(env.specs() if specs is None else specs)
    gateway = _gateway(cache_dir)
    records: dict[str, list[Any]] = {}
    for platform in platforms:
        try:
            solved = _run(
                _solve(Channel, urls, specs, gateway, platform, _virtual_packages(platform))
            )
        except SolverError as exc:
            msg = f"{env.path.name} cannot be solved for {platform}:\n{_explain(exc)}"
            hint = "Loosen or change the constraints the explanation names, then lock again."
            raise SolveError(msg, hint=hint) from None
        except GatewayError as exc:
            raise _channel_error(exc, urls) from None
        records[platform] = sorted(solved, key=lambda r: r.name.normalized)
    return lock_from_records(
        records, channels=tuple(urls), platforms=tuple(platforms), source=env.path.name,
        content_hash={p: content_hash(specs, urls, p) for p in platforms},
    )  # fmt: skip


async def _solve(channel: Any, urls, specs, gateway, platform, virtual) -> list[Any]:  # noqa: ANN001
    from rattler import solve

    return await solve(
        sources=[channel(url) for url in urls], specs=specs, gateway=gateway,
        platforms=[platform, "noarch"], virtual_packages=virtual,
    )  # fmt: skip


def _explain(exc: Exception) -> str:
    text = str(exc).strip()
    text = text.replace("Cannot solve the request because of: ", "")
    return redact(text.rstrip())


@dataclass(frozen=True)
class InstallResult:
    """What an install did to a prefix."""

    prefix: Path
    platform: str
    installed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    seconds: float

    def __repr__(self) -> str:
        from shipyard.runbook import normalise

        return (
            f"{normalise(str(self.prefix))} ({self.platform}): {len(self.installed)} installed, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged"
        )


def _record(package: LockedPackage) -> Any:
    from rattler import BuildString, NoArchType, PackageRecord, RepoDataRecord

    noarch = NoArchType(package.noarch) if package.noarch else None
    record = PackageRecord(
        name=package.name, version=package.version, build=BuildString(package.build),
        build_number=package.build_number, subdir=package.subdir or package.platform,
        depends=list(package.depends), md5=bytes.fromhex(package.md5) if package.md5 else None,
        sha256=bytes.fromhex(package.sha256) if package.sha256 else None, noarch=noarch,
    )  # fmt: skip
    channel = package.url.rsplit("/", 2)[0] + "/"
    return RepoDataRecord(record, package.file_name, package.url, channel)


def _installed(prefix: Path) -> list[Any]:
    from rattler import PrefixRecord

    meta = prefix / "conda-meta"
    return [PrefixRecord.from_path(p) for p in sorted(meta.glob("*.json"))] if meta.is_dir() else []


def install_lock(
    lock: Lock, prefix: Path | str, *, platform: str = "linux-64", cache_dir: Path | None = None
) -> InstallResult:
    """Make a prefix hold exactly the lock's packages for one platform (``env update --prune``).

    Packages already there at the locked build stay; others are downloaded (hashes checked),
    linked or removed.

    Args:
        lock: The lock to install.
        prefix: The environment's directory (created when missing).
        platform: The lock's platform to install; it must be the machine's.
        cache_dir: The package cache (``$MAMBA_ROOT_PREFIX/pkgs`` for micromamba).

    Raises:
        ShipyardError: The lock has no packages for this platform.
        OperationError: A package cannot be downloaded or its hash does not match.
    """
    from rattler import install

    prefix = Path(prefix)
    packages = lock.for_platform(platform)
    if not packages:
        msg = f"the lock has no packages for {platform!r} (it has {', '.join(lock.platforms)})"
        raise ShipyardError(msg, hint="Lock again with --platform for this machine.")
    before = {p.file_name for p in _installed(prefix)}
    wanted = {p.file_name for p in packages}
    started = time.perf_counter()
    try:
        _run(
            install([_record(p) for p in packages], target_prefix=prefix, cache_dir=cache_dir,
                    installed_packages=_installed(prefix), show_progress=False)
        )  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - py-rattler raises several exception types here
        raise OperationError(
            "install the lock", status=None, server_message=redact(str(exc).splitlines()[0]),
            hint="Check that the channel still serves the locked packages.",
        ) from None  # fmt: skip
    seconds = time.perf_counter() - started
    return InstallResult(
        prefix, platform, tuple(sorted(wanted - before)), tuple(sorted(before - wanted)),
        len(wanted & before), seconds,
    )  # fmt: skip
