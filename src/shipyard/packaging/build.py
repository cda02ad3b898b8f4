"""Build a wheel and an sdist with the real ``build`` frontend, offline, and look inside them.

``python -m build`` installs the project's ``[build-system] requires`` into a fresh isolated
environment with pip. Here pip's only index is a hosted PyPI repository on the target Nexus that
holds the build backends (:func:`shipyard.nexus.backends.seed_build_backends`), so a build never
reaches public PyPI: the way a company's CI builds when its runners see Nexus and nothing else.
On a real Nexus that
repository is usually a proxy of pypi.org; the sandbox has hosted repositories only, so the
backends' wheels are uploaded into one with twine (pre-seeded), from the wheelhouse that pip
downloaded when the environment was set up (``python3 dev.py`` does it; see :func:`wheelhouse`).
"""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import parse_sdist_filename, parse_wheel_filename

from shipyard.errors import ConfigError
from shipyard.packaging.publish import _clean_env, _normalise

__all__ = [
    "BACKEND_REQUIREMENTS",
    "BuildOutput",
    "CheckResult",
    "Distribution",
    "build",
    "fill_wheelhouse",
    "open_distribution",
    "twine_check",
    "wheelhouse",
]

#: The chapter's build backends, hatch-vcs for git-tag versions, and their dependencies, pinned
#: so that the wheelhouse (and the chapter's output) is the same on every machine. Bump them
#: together.
BACKEND_REQUIREMENTS = (
    "hatchling==1.33.0",
    "hatch-vcs==0.5.0",
    "poetry-core==2.5.0",
    "packaging==26.4",
    "pathspec==1.1.1",
    "pluggy==1.7.0",
    "trove-classifiers==2026.9.21.13",
    "setuptools-scm==10.3.4",
    "vcs-versioning==2.6.0",
    "setuptools==84.2.1",
    "tomlkit==0.15.2",
    "editables==0.6",  # hatchling asks for it to build an editable install (pip install -e .)
)
WHEELHOUSE_ENV = "SHIPYARD_WHEELHOUSE"


def wheelhouse() -> Path:
    """Return the directory holding the build backends' wheels.

    ``SHIPYARD_WHEELHOUSE`` when set, else ``shipyard-wheelhouse`` in this environment's prefix
    (``.venv/shipyard-wheelhouse``), where ``python3 dev.py`` puts them.
    """
    configured = os.environ.get(WHEELHOUSE_ENV)
    return Path(configured) if configured else Path(sys.prefix) / "shipyard-wheelhouse"


def fill_wheelhouse(directory: Path | str | None = None) -> list[Path]:
    """Download the build backends and their dependencies as wheels (``pip download``).

    This is the one step that needs PyPI; run it when setting up the environment.

    Returns:
        The wheels in the directory afterwards.

    Raises:
        ConfigError: pip could not download them (no network, or no wheel for a dependency).
    """
    target = Path(directory) if directory else wheelhouse()
    target.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--only-binary=:all:",
        "--dest",
        str(target),
    ]
    command += BACKEND_REQUIREMENTS
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        msg = f"pip could not download the build backends into {target}:\n{done.stderr[-2000:]}"
        raise ConfigError(msg, hint="Run `python3 dev.py lint` once with access to PyPI.")
    return sorted(target.glob("*.whl"))


@dataclass(frozen=True)
class BuildOutput:
    """What ``python -m build`` made.

    Attributes:
        sdist: The source distribution, when built.
        wheel: The wheel, when built.
        ok: Whether the build succeeded.
        index_url: Where the isolated build environment got the backend (normalised).
        output: The frontend's output (normalised), shown on failure.
    """

    sdist: Path | None
    wheel: Path | None
    ok: bool
    index_url: str
    output: str = ""

    def __repr__(self) -> str:
        if not self.ok:
            return f"build failed (backends from {self.index_url}):\n{self.output.rstrip()}"
        lines = [f"$ python -m build  (isolated; build backend from {self.index_url})"]
        lines += [f"built {_normalise(str(p))}" for p in (self.sdist, self.wheel) if p]
        return "\n".join(lines)


def build(
    project: Path | str,
    index_url: str,
    *,
    out_dir: Path | str | None = None,
    sdist: bool = True,
    wheel: bool = True,
) -> BuildOutput:
    """Build with the real ``build`` frontend, its isolated environment filled from ``index_url``.

    With both ``sdist`` and ``wheel`` the wheel is built from the unpacked sdist, as
    ``python -m build`` does by default: a file the sdist misses breaks the wheel here, not after
    the release.

    Args:
        project: The project directory.
        index_url: The ``/simple/`` URL pip installs ``[build-system] requires`` from; nothing
            else is consulted (no pip configuration of this machine, no PyPI).
        out_dir: Where the files go; ``<project>/dist`` by default.
        sdist: Build the sdist.
        wheel: Build the wheel.
    """
    project = Path(project)
    out = Path(out_dir) if out_dir else project / "dist"
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.iterdir())
    flags = _build_flags(sdist=sdist, wheel=wheel)
    command = [sys.executable, "-m", "build", *flags, "--outdir", str(out), str(project)]
    env = _clean_env(PIP_INDEX_URL=index_url, PIP_NO_CACHE_DIR="1")
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    made = _made_files(out, before, done.stdout)
    found_sdist = next((p for p in made if p.name.endswith(".tar.gz")), None)
    found_wheel = next((p for p in made if p.suffix == ".whl"), None)
    ok = done.returncode == 0 and _found_if_wanted(found_sdist, wanted=sdist)
    ok = ok and _found_if_wanted(found_wheel, wanted=wheel)
    return BuildOutput(
        found_sdist,
        found_wheel,
        ok,
        _normalise(index_url),
        _normalise(done.stdout + done.stderr),
    )


def _build_flags(*, sdist: bool, wheel: bool) -> list[str]:
    """Return the ``python -m build`` flags that build the requested distributions.

    No flag builds the sdist, then the wheel from it; one flag builds that one from the tree.
    """
    if sdist and wheel:
        return []
    return ["--sdist" if sdist else "--wheel"]


def _made_files(out: Path, before: set[Path], stdout: str) -> list[Path]:
    """Return the files the build made in ``out``: those it names and those new since ``before``.

    "Successfully built a.tar.gz and a.whl": a file rebuilt under the same name is not new.
    """
    built = re.search(r"Successfully built (.+)$", stdout, re.MULTILINE)
    named = [out / n.strip() for n in built[1].split(" and ")] if built else []
    return sorted({*named, *(set(out.iterdir()) - before)})


def _found_if_wanted(found: Path | None, *, wanted: bool) -> bool:
    """Tell whether a distribution that was asked for was found (one not asked for never fails)."""
    return bool(found or not wanted)


@dataclass(frozen=True)
class CheckResult:
    """``twine check --strict`` on distributions: PASSED or what is wrong, per file."""

    results: tuple[tuple[str, str], ...]
    ok: bool
    output: str = field(default="", repr=False)

    def __repr__(self) -> str:
        lines = ["$ twine check --strict " + " ".join(name for name, _ in self.results)]
        lines += [f"  {name}: {verdict}" for name, verdict in self.results]
        return "\n".join(lines)


def twine_check(*paths: Path | str) -> CheckResult:
    """Run the real ``twine check --strict``: metadata valid, long description renders.

    Raises:
        ConfigError: No file was given (a check of nothing never passes).
    """
    if not paths:
        msg = "twine check needs at least one distribution"
        raise ConfigError(msg, hint="Build first: build(project, index_url).")
    files = [Path(p) for p in paths]
    command = [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, env=_clean_env(), check=False)
    output = _normalise(done.stdout + done.stderr)
    results = []
    for path in files:
        line = next((x for x in output.splitlines() if f"{path.name}:" in x), "")
        verdict = line.split(f"{path.name}:", 1)[1].strip() if line else "not checked"
        results.append((path.name, verdict))
    ok = done.returncode == 0 and all(v.startswith("PASSED") for _, v in results)
    return CheckResult(tuple(results), ok, output)


@dataclass(frozen=True)
class Distribution:
    """A wheel or sdist opened: its files and its core metadata.

    Attributes:
        filename: The file's name.
        kind: ``wheel`` or ``sdist``.
        files: The archive's members (sdist: relative to its top directory).
        metadata: Core metadata fields, multi-valued ones one value a line.
    """

    filename: str
    kind: str
    files: tuple[str, ...]
    metadata: dict[str, str]

    @property
    def version(self) -> str:
        """The ``Version`` field."""
        return self.metadata.get("Version", "")

    def __repr__(self) -> str:
        shown = ("Metadata-Version", "Name", "Version", "Summary", "License-Expression",
                 "Requires-Python", "Requires-Dist", "Description-Content-Type")  # fmt: skip
        lines = [f"{self.kind} {self.filename}", "  files:"]
        lines += [f"    {name}" for name in self.files]
        lines.append("  metadata:")
        for key in (k for k in shown if k in self.metadata):
            lines += [f"    {key}: {value}" for value in self.metadata[key].split("\n")]
        return "\n".join(lines)


def _parse_metadata(text: str) -> dict[str, str]:
    message = email.parser.Parser().parsestr(text, headersonly=True)
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key, []).append(str(value))
    return {k: "\n".join(v) for k, v in fields.items()}


def open_distribution(path: Path | str) -> Distribution:
    """Open a wheel or an sdist and read its file list and metadata (``METADATA``/``PKG-INFO``).

    Raises:
        ConfigError: The file is neither a wheel nor an sdist, or has no metadata.
    """
    path = Path(path)
    kind = _distribution_kind(path)
    files, text = _READERS[kind](path)
    if not text:
        msg = f"{path.name} has no core metadata (METADATA / PKG-INFO)"
        raise ConfigError(msg, hint="Rebuild it with a standard build backend.")
    return Distribution(path.name, kind, tuple(files), _parse_metadata(text))


def _distribution_kind(path: Path) -> str:
    """Return ``wheel`` or ``sdist`` from the file's name.

    Raises:
        ConfigError: The file is neither a wheel nor an sdist.
    """
    if path.suffix == ".whl":
        return "wheel"
    if path.name.endswith(".tar.gz"):
        return "sdist"
    msg = f"{path.name!r} is neither a wheel (.whl) nor an sdist (.tar.gz)"
    raise ConfigError(msg, hint="Pass a file from dist/.")


def _read_wheel(path: Path) -> tuple[list[str], str]:
    """Return a wheel's members and its ``METADATA`` text (empty when it has none)."""
    parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as archive:
        files = sorted(archive.namelist())
        meta = next((f for f in files if f.endswith(".dist-info/METADATA")), None)
        text = archive.read(meta).decode("utf-8") if meta else ""
    return files, text


def _read_sdist(path: Path) -> tuple[list[str], str]:
    """Return an sdist's files below its top directory and its ``PKG-INFO`` text (or empty)."""
    parse_sdist_filename(path.name)
    with tarfile.open(path) as archive:
        members = [m.name for m in archive.getmembers() if m.isfile()]
        top = members[0].split("/", 1)[0] if members else ""
        files = sorted(m.split("/", 1)[1] for m in members if "/" in m)
        info = archive.extractfile(f"{top}/PKG-INFO") if f"{top}/PKG-INFO" in members else None
        text = info.read().decode("utf-8") if info else ""
    return files, text


_READERS = {"wheel": _read_wheel, "sdist": _read_sdist}
