"""The sandbox's container registry: a hosted repository and a Docker Hub proxy stand-in.

A company's Nexus serves two Docker repositories to a pipeline: a *hosted* one where the project
publishes its images, and a *proxy* of Docker Hub (and ghcr.io) the builds pull base images from.
Here both are Debian's ``docker-registry`` (the CNCF distribution registry, 2.8) serving on
127.0.0.1, one process each:

- ``hosted``: empty at start, kept in the sandbox's state directory;
- ``hub``: holds base images under ``docker.io/...`` and ``ghcr.io/...`` paths. Nothing upstream
  is reachable, so it is not a pull-through cache: it holds images built *here* from Debian's
  packages, under the names the reference Dockerfiles use. They stand in for the official
  images (see :data:`STAND_INS`, :data:`NOT_BUILT`). Its storage lives in Shipyard's cache
  directory, so the base images are built once per machine.

Build engines reach ``hub`` through a ``registries.conf`` that rewrites ``docker.io`` and
``ghcr.io`` to it (:meth:`Registry.mirror`), as a Docker proxy repository is configured.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

from shipyard.containers import Engine, Mirror, cache_dir
from shipyard.errors import ConfigError, ShipyardError

__all__ = ["NOT_BUILT", "STAND_INS", "Registry", "StandIn"]

log = logging.getLogger("shipyard.sandbox")

DEBIAN_MIRROR = "http://deb.debian.org/debian"
UV_VERSION = "0.13.8"
#: Bumped whenever the stand-ins are built differently: caches of an older revision are unused.
STAND_IN_REVISION = "r2"
#: Extra CA certificates this machine trusts (an egress proxy's), given to the Python stand-in.
EXTRA_CA_DIR = "/usr/local/share/ca-certificates"
STAND_IN_LABEL = "io.shipyard.stand-in"
_ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


@dataclass(frozen=True)
class StandIn:
    """A base image the Docker Hub stand-in holds, and what it really is.

    Attributes:
        name: The name Dockerfiles use, fully qualified (``docker.io/library/python:3.11-...``).
        what: What the image really contains, said wherever it is listed.
    """

    name: str
    what: str

    @property
    def path(self) -> str:
        """The repository and tag inside the stand-in registry (``docker.io/library/...:tag``)."""
        return self.name


STAND_INS = (
    StandIn(
        "docker.io/library/debian:bookworm-slim",
        "Debian bookworm from `debootstrap --variant=minbase`, slimmed as the official -slim "
        "images are (Debian's packages, not the official image's build)",
    ),
    StandIn(
        "docker.io/library/python:3.11-slim-bookworm",
        "the Debian stand-in plus Debian's python3 3.11, python3-venv, python3-pip "
        "(a Debian Python, not python.org's build under /usr/local), trusting this "
        "machine's CA certificates (SSL_CERT_FILE) as a company's base image trusts its proxy",
    ),
    StandIn(
        f"ghcr.io/astral-sh/uv:{UV_VERSION}",
        f"only /uv, the binary of PyPI's uv {UV_VERSION} wheel (the official image has uvx too)",
    ),
)

#: Base images the reference Dockerfiles may name that cannot be built here, and why.
NOT_BUILT = {
    "docker.io/mambaorg/micromamba:2.3.2": "micromamba is in no registry this machine reaches",
    "docker.io/library/python:3.12-slim-bookworm": "Debian bookworm ships Python 3.11 only",
    "docker.io/arm64v8/python:3.11-slim-bookworm": "another CPU architecture (arm64)",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config(storage: Path, port: int) -> str:
    return (
        "version: 0.1\nlog:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n  secret: {secrets.token_hex(16)}\n"
    )


class Registry:
    """Two real registries on loopback: ``hosted`` (the project's) and ``hub`` (the proxy stand-in).

    Args:
        state_dir: Where the hosted repository's storage, the configs and logs go.
        hub_storage: The Docker Hub stand-in's storage; default ``~/.cache/shipyard/registry/hub``,
            shared by every sandbox of the machine so base images are built once.
    """

    def __init__(self, state_dir: Path, *, hub_storage: Path | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.hub_storage = hub_storage or cache_dir() / "registry" / f"hub-{STAND_IN_REVISION}"
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._hosts: dict[str, str] = {}

    @property
    def hosted(self) -> str:
        """The hosted repository's host, ``127.0.0.1:PORT`` (images are pushed under it)."""
        return self._host("hosted")

    @property
    def hub(self) -> str:
        """The Docker Hub stand-in's host, ``127.0.0.1:PORT``."""
        return self._host("hub")

    def _host(self, name: str) -> str:
        if name not in self._hosts:
            msg = "the sandbox's registry is not running"
            raise ConfigError(msg, hint="Call sandbox.start_registry() first.")
        return self._hosts[name]

    def mirror(self) -> Mirror:
        """Return the rewrites that send Docker Hub and ghcr.io names to the stand-in."""
        return Mirror(
            locations={"docker.io": f"{self.hub}/docker.io", "ghcr.io": f"{self.hub}/ghcr.io"},
            insecure=(self.hosted, self.hub),
        )

    def start(self) -> Registry:
        """Start both registries and wait until they answer ``/v2/``.

        Raises:
            ShipyardError: ``docker-registry`` is not installed or does not answer.
        """
        if self._processes:
            return self
        binary = shutil.which("docker-registry")
        if binary is None:
            msg = "docker-registry is not installed: the sandbox's registry needs it"
            raise ShipyardError(msg, hint="Install it: sudo apt-get install -y docker-registry")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.hub_storage.mkdir(parents=True, exist_ok=True)
        storages = {"hosted": self.state_dir / "hosted", "hub": self.hub_storage}
        for name, storage in storages.items():
            port = _free_port()
            config = self.state_dir / f"{name}.yml"
            config.write_text(_config(storage, port), encoding="utf-8")
            with (self.state_dir / f"{name}.log").open("ab") as logfile:
                self._processes[name] = subprocess.Popen(  # noqa: S603 - a fixed command
                    [binary, "serve", str(config)],
                    stdout=logfile,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            self._hosts[name] = f"127.0.0.1:{port}"
        for name in storages:
            self._wait(name)
        log.info("sandbox: registry hosted at %s, Docker Hub stand-in at %s", self.hosted, self.hub)
        return self

    def _wait(self, name: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._processes[name].poll() is not None:
                break
            url = f"http://{self._hosts[name]}/v2/"
            # A loopback http:// URL this module builds (nosec: no file: or custom scheme).
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2):  # noqa: S310 # nosec B310
                return
            time.sleep(0.1)
        self.stop()
        logfile = self.state_dir / f"{name}.log"
        tail = logfile.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        msg = f"the sandbox's {name} registry did not answer: {' | '.join(tail) or 'no output'}"
        raise ShipyardError(msg, hint=f"See {logfile}.")

    def stop(self) -> None:
        """Stop both registries (the hub storage stays for the next run)."""
        processes, self._processes = self._processes, {}
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._hosts = {}

    def has(self, host: str, reference: str) -> bool:
        """Tell whether ``repository:tag`` (or ``@digest``) is in the registry at ``host``."""
        separator = "@" if "@" in reference else ":"
        repository, _, tag = reference.rpartition(separator)
        request = urllib.request.Request(  # noqa: S310 - loopback http
            f"http://{host}/v2/{repository}/manifests/{tag}",
            method="HEAD",
            headers={"Accept": _ACCEPT},
        )
        try:
            with urllib.request.urlopen(request, timeout=5):  # noqa: S310 # nosec B310
                return True
        except urllib.error.HTTPError:
            return False

    def describe(self) -> dict[str, object]:
        """Return where the registries are and what the Docker Hub stand-in holds."""
        return {
            "hosted": self.hosted,
            "hub": self.hub,
            "stand_ins": {s.name: s.what for s in STAND_INS},
            "not_built": dict(NOT_BUILT),
        }

    def ensure_base_images(self, say: Callable[[str], None] = log.info) -> list[str]:
        """Put the stand-in base images into the Docker Hub stand-in, building what is missing.

        Built once per machine: the hub storage and the Debian root filesystem stay in Shipyard's
        cache directory; a lock keeps two sandboxes from building them at once.

        Args:
            say: Called with a line for each image built or found.

        Returns:
            One line per stand-in: its name and what it really is.
        """
        engine = Engine(self.state_dir / "containers", mirror=self.mirror())
        lines = []
        with _locked(self.hub_storage.parent / "seed.lock"):
            builders = {
                STAND_INS[0].name: _debian,
                STAND_INS[1].name: _python,
                STAND_INS[2].name: _uv,
            }
            for stand_in in STAND_INS:
                if self.has(self.hub, stand_in.path):
                    state = "cached"
                else:
                    started = time.monotonic()
                    say(f"building the stand-in for {stand_in.name} (once per machine) ...")
                    builders[stand_in.name](engine, stand_in, f"{self.hub}/{stand_in.path}")
                    state = f"built in {time.monotonic() - started:.0f} s"
                say(f"{stand_in.name}: {state}")
                lines.append(f"{stand_in.name}: stand-in, {stand_in.what}")
        return lines


@contextlib.contextmanager
def _locked(path: Path) -> Generator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _label(stand_in: StandIn) -> str:
    return f"{STAND_IN_LABEL}=Shipyard stand-in for {stand_in.name}: {stand_in.what}"


def debian_rootfs() -> Path:
    """Return a tarball of a Debian bookworm minbase root filesystem, made once per machine.

    Raises:
        ShipyardError: debootstrap is missing or failed.
    """
    tarball = cache_dir() / "images" / f"debian-bookworm-minbase-slim-{STAND_IN_REVISION}.tar"
    if tarball.exists():
        return tarball
    if shutil.which("debootstrap") is None:
        msg = "debootstrap is not installed: the Debian base image is built with it"
        raise ShipyardError(msg, hint="Install it: sudo apt-get install -y debootstrap")
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tarball.parent) as tmp:
        rootfs = Path(tmp) / "rootfs"
        result = subprocess.run(  # noqa: S603 - fixed arguments
            ["debootstrap", "--variant=minbase", "bookworm", str(rootfs), DEBIAN_MIRROR],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode:
            tail = "\n".join(result.stdout.strip().splitlines()[-5:] + [result.stderr.strip()])
            msg = f"debootstrap failed (exit {result.returncode}):\n{tail}"
            raise ShipyardError(msg, hint=f"Is {DEBIAN_MIRROR} reachable?")
        slim(rootfs)
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True)  # noqa: S607
        partial.replace(tarball)
    return tarball


#: What Debian's official slim images leave out, and tell dpkg to leave out of later installs.
_SLIM_EXCLUDES = (
    "/usr/share/doc/*",
    "/usr/share/man/*",
    "/usr/share/info/*",
    "/usr/share/locale/*",
    "/usr/share/lintian/*",
    "/usr/share/groff/*",
)
_SLIM_INCLUDES = ("/usr/share/doc/*/copyright", "/usr/share/locale/locale.alias")


def slim(rootfs: Path) -> None:
    """Make a debootstrapped root filesystem slim, as the official ``-slim`` images are.

    Removes documentation, manual pages and translations (keeping the copyright files),
    package caches and lists, and writes the dpkg settings that keep later installs slim.
    """
    _remove_apt_leftovers(rootfs)
    for pattern in _SLIM_EXCLUDES:
        for item in rootfs.glob(pattern.lstrip("/")):
            _remove_excluded(item)
    _write_slim_config(rootfs)


def _remove_apt_leftovers(rootfs: Path) -> None:
    """Remove the files of apt's package cache and package lists."""
    for leftover in ("var/cache/apt/archives", "var/cache/apt", "var/lib/apt/lists"):
        for item in (rootfs / leftover).glob("*"):
            if item.is_file():
                item.unlink()


def _remove_excluded(item: Path) -> None:
    """Remove an excluded file, or a directory's files, keeping the copyright files."""
    if item.name == "locale.alias":
        return
    if item.is_dir() and not item.is_symlink():
        for child in sorted(item.rglob("*"), reverse=True):
            if child.name != "copyright" and (child.is_file() or child.is_symlink()):
                child.unlink()
    elif item.name != "copyright":
        item.unlink()


def _write_slim_config(rootfs: Path) -> None:
    """Write the dpkg and apt settings that keep later installs slim."""
    config = rootfs / "etc" / "dpkg" / "dpkg.cfg.d" / "shipyard-slim"
    config.write_text(
        "".join(
            [
                *(f"path-exclude {p}\n" for p in _SLIM_EXCLUDES),
                *(f"path-include {p}\n" for p in _SLIM_INCLUDES),
            ]
        )
    )
    # And, as in the official images, apt keeps neither the packages it downloaded nor its
    # binary caches once an install is done: a `RUN apt-get install` adds only the packages.
    (rootfs / "etc" / "apt" / "apt.conf.d" / "shipyard-slim").write_text(
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
        '/var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
        '/var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
    )


def _debian(engine: Engine, stand_in: StandIn, destination: str) -> None:
    local = "localhost/shipyard-stand-in/debian:bookworm-slim"
    engine.run(
        "podman",
        "import",
        "--change",
        'CMD ["bash"]',
        "--change",
        f"LABEL {_label(stand_in)!r}".replace("'", '"'),
        str(debian_rootfs()),
        local,
        what="podman import",
    )
    engine.run(
        "podman", "push", "--tls-verify=false", local, f"docker://{destination}", what="podman push"
    )


def _build_and_push(engine: Engine, context: Path, stand_in: StandIn, destination: str) -> None:
    local = "localhost/shipyard-stand-in/" + stand_in.name.rsplit("/", 1)[-1]
    engine.run(
        "buildah",
        "bud",
        "--pull",
        "--layers",
        "--isolation",
        "chroot",
        "--label",
        _label(stand_in),
        "-t",
        local,
        str(context),
        what="buildah bud",
    )
    engine.run(
        "podman", "push", "--tls-verify=false", local, f"docker://{destination}", what="podman push"
    )


def _python(engine: Engine, stand_in: StandIn, destination: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # This machine reaches PyPI through an egress proxy whose CA it trusts: so must the
        # image's pip and uv, as a company's base images trust its proxy.
        extra = sorted(Path(EXTRA_CA_DIR).glob("*.crt"))
        (Path(tmp) / "ca").mkdir()
        for cert in extra:
            shutil.copy(cert, Path(tmp) / "ca" / cert.name)
        # Debian marks its Python EXTERNALLY-MANAGED; the official image's pip installs freely.
        (Path(tmp) / "Dockerfile").write_text(
            "FROM docker.io/library/debian:bookworm-slim\n"
            "COPY ca/ /usr/local/share/ca-certificates/\n"
            "RUN apt-get update \\\n"
            " && apt-get install -y --no-install-recommends python3 python3-venv python3-pip \\\n"
            "    python-is-python3 ca-certificates \\\n"
            " && rm -rf /var/lib/apt/lists/* /usr/lib/python3.11/EXTERNALLY-MANAGED\n"
            + ("ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\n" if extra else "")
            + 'CMD ["python3"]\n',
            encoding="utf-8",
        )
        _build_and_push(engine, Path(tmp), stand_in, destination)


def _uv(engine: Engine, stand_in: StandIn, destination: str) -> None:
    wheels = cache_dir() / "images" / f"uv-{UV_VERSION}"
    if not any(wheels.glob("uv-*.whl")):
        subprocess.run(  # noqa: S603 - fixed arguments, PyPI through pip's own settings
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                f"uv=={UV_VERSION}",
                "-d",
                str(wheels),
            ],
            check=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
    wheel = next(wheels.glob("uv-*.whl"))
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".data/scripts/uv"))
        binary = Path(tmp) / "uv"
        binary.write_bytes(archive.read(member))
        binary.chmod(0o755)
        (Path(tmp) / "Dockerfile").write_text("FROM scratch\nCOPY uv /uv\n", encoding="utf-8")
        _build_and_push(engine, Path(tmp), stand_in, destination)
