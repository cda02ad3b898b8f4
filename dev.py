#!/usr/bin/env python3
"""Set up, build and test Shipyard with one command each; only Python 3.11+ is needed to start.

    python3 dev.py site       build the runbook site into public/, executing the notebooks
    python3 dev.py test       run every test (unit, CLI, notebooks, site, CI schema)
    python3 dev.py lint       ruff, the import contracts (import-linter), Shipyard's own check
    python3 dev.py generate   rewrite the reference pages generated from code
    python3 dev.py notebooks  execute the notebooks (in parallel, cached) and save their outputs
                              in place; --force executes again, --jobs N sets the parallelism
    python3 dev.py gates      run the quality gates on this repository, reports into reports/

Each command creates or reuses the virtual environment .venv at the repository root, installs
Shipyard into it with every extra (again only when pyproject.toml changed), installs the Debian
tools the tests use when they are missing, and is safe to run again. Extra arguments after
``test`` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".shipyard-installed"
# Debian packages the tests use, by the command that shows they are installed.
DEBIAN_TOOLS: dict[str, str] = {
    "chromium": "chromium",  # the site tests use a real browser
    # `shipyard pipeline run`: gitlab-ci-local syncs jobs with rsync; npm installs it and Node 22.
    "rsync": "rsync",
    "npm": "npm",
    # The image chapter builds, runs and pushes real images, daemonless (shipyard.containers):
    "buildah": "buildah",
    "podman": "podman",
    "skopeo": "skopeo",
    "runc": "runc",  # podman's default runtime, crun, cannot run in a CI job's container
    "newuidmap": "uidmap",
    "fuse-overlayfs": "fuse-overlayfs",
    "debootstrap": "debootstrap",  # the sandbox's base images come from Debian's packages
    "docker-registry": "docker-registry",  # the sandbox's registry
}


def say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


def run(*command: str | Path, **kwargs: object) -> None:
    result = subprocess.run([str(c) for c in command], cwd=ROOT, check=False, **kwargs)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("dev.py: Python 3.11 or newer is needed (this is %d.%d)" % sys.version_info[:2])
    if not PYTHON.exists():
        say("creating .venv")
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except subprocess.CalledProcessError:
            # Debian's python3 has no ensurepip until python3-venv is installed.
            ensure_debian_packages([f"python3.{sys.version_info[1]}-venv"])
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    say("installing shipyard[dev] into .venv")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    # The packaging chapter's offline builds get their backends from the sandbox Nexus, which is
    # pre-seeded from these wheels (shipyard.packaging.build.wheelhouse()): the one download
    # from PyPI.
    say("downloading the build backends' wheels into .venv/shipyard-wheelhouse")
    run(PYTHON, "-c", "from shipyard.packaging import build; build.fill_wheelhouse()")
    STAMP.write_text(wanted)


def ensure_debian_tools() -> None:
    missing = [package for command, package in DEBIAN_TOOLS.items() if not shutil.which(command)]
    if missing:
        ensure_debian_packages(missing)


def ensure_debian_packages(missing: list[str]) -> None:
    if os.geteuid() != 0 and not shutil.which("sudo"):
        sys.exit(f"dev.py: please install these Debian packages: {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    say(f"installing Debian packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(*sudo, "apt-get", "update", "-qq", env=env)
    run(*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)


def site() -> None:
    ensure_venv()
    run(BIN / "sphinx-build", "-nW", "--keep-going", "-q", "-b", "html", ".", "public")
    say(f"site built: open {ROOT / 'public' / 'index.html'}")


def test(args: list[str]) -> None:
    ensure_venv()
    ensure_debian_tools()
    run(PYTHON, "-m", "pytest", *args)


def lint() -> None:
    ensure_venv()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "lint-imports")
    run(BIN / "shipyard", "check", ".")


def generate() -> None:
    ensure_venv()
    run(PYTHON, "-m", "shipyard.site.docgen", ROOT)


def notebooks(args: list[str]) -> None:
    ensure_venv()
    run(PYTHON, ROOT / "tools" / "execute_notebooks.py", *args)


def gates(args: list[str]) -> None:
    ensure_venv()
    run(BIN / "shipyard", "gates", "run", ".", "--report-dir", "reports", "--progress", *args)


def main() -> None:
    command, *args = sys.argv[1:] or ["help"]
    if command == "site":
        site()
    elif command == "test":
        test(args)
    elif command == "lint":
        lint()
    elif command == "generate":
        generate()
    elif command == "notebooks":
        notebooks(args)
    elif command == "gates":
        gates(args)
    else:
        print(__doc__)
        sys.exit(0 if command in ("help", "-h", "--help") else 2)


if __name__ == "__main__":
    main()
