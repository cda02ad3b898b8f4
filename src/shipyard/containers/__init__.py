"""The daemonless container tools: buildah builds, podman runs, skopeo and podman move images.

No Docker daemon runs in a CI job (nor on this machine), so Shipyard builds with buildah
(``buildah bud --layers --isolation chroot``), runs with podman and copies with skopeo, the way a
GitLab job without Docker-in-Docker does. Two settings make them work in an unprivileged
container such as a CI job, both written to a ``containers.conf`` given by ``CONTAINERS_CONF``:

- ``runtime = "runc"``: podman's default runtime, crun, fails there ("setrlimit RLIMIT_NOFILE:
  Operation not permitted", then "cgroups in hybrid mode not supported");
- capped ``default_ulimits``, which the container may raise to and not beyond.

A ``registries.conf`` (``CONTAINERS_REGISTRIES_CONF``) can send Docker Hub and ghcr.io names to a
mirror, as a Nexus Docker proxy does: the sandbox's registry gives one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.errors import ShipyardError, redact

__all__ = ["APT_PACKAGES", "TOOLS", "Engine", "Mirror", "cache_dir", "missing_tools"]

#: The commands Shipyard's image builds run, and the Debian packages that provide them.
TOOLS = {"buildah": "buildah", "podman": "podman", "skopeo": "skopeo", "runc": "runc"}
APT_PACKAGES = ("buildah", "podman", "skopeo", "runc", "uidmap", "fuse-overlayfs")

_CONTAINERS_CONF = """\
# Written by Shipyard: podman and buildah in an unprivileged container (a CI job, this machine).
[containers]
# The container may raise its limits up to these, not beyond: crun's default fails here.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
"""


def cache_dir() -> Path:
    """Return Shipyard's cache directory: ``$XDG_CACHE_HOME/shipyard`` or ``~/.cache/shipyard``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shipyard"


def missing_tools() -> list[str]:
    """Return the builder commands that are not on ``PATH``."""
    return [command for command in TOOLS if shutil.which(command) is None]


@dataclass(frozen=True)
class Mirror:
    """Where image names resolve: registry prefixes sent to other locations (a Docker proxy).

    Attributes:
        locations: Prefix (``docker.io``, ``ghcr.io``) to location (``127.0.0.1:5000/hub``).
        insecure: Registries spoken to over plain HTTP (loopback stand-ins).
    """

    locations: Mapping[str, str] = field(default_factory=dict)
    insecure: tuple[str, ...] = ()

    def registries_conf(self) -> str:
        """Return the ``registries.conf`` text that sends each prefix to its location."""
        lines = ['unqualified-search-registries = ["docker.io"]', 'short-name-mode = "permissive"']
        for prefix, location in self.locations.items():
            insecure = any(location.startswith(host) for host in self.insecure)
            lines += [
                "",
                "[[registry]]",
                f'prefix = "{prefix}"',
                f'location = "{location}"',
                f"insecure = {'true' if insecure else 'false'}",
            ]
        for host in self.insecure:
            lines += ["", "[[registry]]", f'location = "{host}"', "insecure = true"]
        return "\n".join(lines) + "\n"


class Engine:
    """Run buildah, podman and skopeo with Shipyard's container settings.

    Args:
        config_dir: Where ``containers.conf`` (and ``registries.conf`` for a mirror) are written.
        mirror: Registry rewrites, e.g. the sandbox's Docker Hub stand-in; ``None`` keeps the
            machine's ``registries.conf``.
        secrets: Values masked in every error message built from a tool's output.

    Raises:
        ShipyardError: A builder tool is missing; the message gives the install line.
    """

    def __init__(
        self,
        config_dir: Path | None = None,
        *,
        mirror: Mirror | None = None,
        secrets: Sequence[str] = (),
    ) -> None:
        missing = missing_tools()
        if missing:
            msg = f"the image tools are missing: {', '.join(missing)} (not on PATH)"
            hint = f"Install them: sudo apt-get install -y {' '.join(APT_PACKAGES)}"
            raise ShipyardError(msg, hint=hint)
        self.config_dir = config_dir or cache_dir() / "containers"
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.mirror = mirror
        self.secrets = list(secrets)
        conf = self.config_dir / "containers.conf"
        if not conf.exists() or conf.read_text(encoding="utf-8") != _CONTAINERS_CONF:
            conf.write_text(_CONTAINERS_CONF, encoding="utf-8")
        self.env = dict(os.environ, CONTAINERS_CONF=str(conf))
        if mirror is not None:
            registries = self.config_dir / "registries.conf"
            registries.write_text(mirror.registries_conf(), encoding="utf-8")
            self.env["CONTAINERS_REGISTRIES_CONF"] = str(registries)

    def run(
        self, *command: str, timeout: float = 900, check: bool = True, what: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """Run a tool; a failure raises with its last lines, secrets masked.

        Raises:
            ShipyardError: The tool failed (``check``) or ran past ``timeout`` seconds.
        """
        try:
            result = subprocess.run(
                list(command),
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            msg = f"{what or command[0]} ran longer than {timeout:.0f} s and was stopped"
            raise ShipyardError(msg, hint="Look for a step waiting on the network.") from exc
        if check and result.returncode:
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
            msg = redact(
                f"{what or command[0]} failed (exit {result.returncode}):\n{tail}", self.secrets
            )
            shown = redact(" ".join(command[:3]), self.secrets)
            raise ShipyardError(
                msg, hint=f"The output above says why; the command was: {shown} ..."
            )
        return result

    def inspect(self, image: str) -> dict:
        """Return ``podman image inspect`` of a local image (config, layers, history, size)."""
        out = self.run("podman", "image", "inspect", image, what="podman image inspect").stdout
        return json.loads(out)[0]

    def exists(self, image: str) -> bool:
        """Tell whether a local image exists."""
        return self.run("podman", "image", "exists", image, check=False).returncode == 0
