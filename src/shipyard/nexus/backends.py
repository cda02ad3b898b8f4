"""Put the build backends on Nexus, so that builds never reach public PyPI (chapter 02).

``python -m build`` installs a project's ``[build-system] requires`` into an isolated
environment; in CI, pip's only index for it is a repository on Nexus. On a real Nexus that is a
proxy of pypi.org. The sandbox has hosted repositories only, so :func:`seed_build_backends`
creates a hosted one and uploads the backends' wheels into it with twine (pre-seeded), from the
wheelhouse pip downloaded when the environment was set up
(:func:`shipyard.packaging.build.wheelhouse`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename

from shipyard.config import Secret
from shipyard.errors import ConfigError
from shipyard.nexus import consumers
from shipyard.nexus.client import HostedRepository, NexusClient
from shipyard.packaging import publish
from shipyard.packaging.build import wheelhouse
from shipyard.packaging.publish import _normalise

__all__ = ["SeedResult", "seed_build_backends"]


@dataclass(frozen=True)
class SeedResult:
    """The build backends put on a Nexus repository.

    Attributes:
        repository: The repository's name.
        index_url: Its ``/simple/`` URL, pip's index for builds (normalised).
        uploaded: Files uploaded now.
        present: Files that were already there (an ALLOW_ONCE repository keeps them).
        source: Where the wheels came from.
    """

    repository: str
    index_url: str
    uploaded: tuple[str, ...]
    present: tuple[str, ...]
    source: str

    def __repr__(self) -> str:
        lines = [
            f"build backends on {self.repository} ({self.index_url}), "
            f"pre-seeded from {self.source}:",
        ]
        lines += [f"  + {name}" for name in self.uploaded]
        lines += [f"  = {name} (already there)" for name in self.present]
        return "\n".join(lines)


def _project_files(index_url: str, project: str) -> set[str]:
    """Return the file names the index lists for ``project`` (none when it does not know it)."""
    import re

    import requests

    answer = requests.get(f"{index_url}{canonicalize_name(project)}/", timeout=30)
    if answer.status_code == 404:
        return set()
    answer.raise_for_status()
    return {m.split("#")[0].rsplit("/", 1)[-1] for m in re.findall(r'href="([^"]+)"', answer.text)}


def seed_build_backends(
    client: NexusClient,
    repository: str = "pypi-build",
    *,
    source: Path | str | None = None,
) -> SeedResult:
    """Create a hosted repository for build backends and upload their wheels with twine.

    Args:
        client: An administrator's :class:`~shipyard.nexus.client.NexusClient`.
        repository: The repository to create (if missing) and fill.
        source: The wheelhouse; :func:`shipyard.packaging.build.wheelhouse` by default.

    Raises:
        ConfigError: The wheelhouse is empty, or an upload is refused.
    """
    folder = Path(source) if source else wheelhouse()
    wheels = sorted(folder.glob("*.whl"))
    if not wheels:
        msg = f"no wheels in {folder}: the build backends have not been downloaded"
        raise ConfigError(msg, hint="Run `python3 dev.py lint` (it downloads them) once online.")
    if client.get_repository(repository) is None:
        client.create_repository(HostedRepository(repository, "ALLOW_ONCE"))
    upload_url = client.repository_url(repository)
    index = consumers.index_url(upload_url)
    uploaded, present = [], []
    password = client.http._password  # noqa: SLF001 - the admin's own Secret, never shown
    for wheel in wheels:
        name = parse_wheel_filename(wheel.name)[0]
        if wheel.name in _project_files(index, name):
            present.append(wheel.name)
            continue
        result = publish.upload(wheel, upload_url, client.username, password or Secret(""))
        if not result.ok:
            msg = f"could not seed {wheel.name} into {repository}: {result!r}"
            raise ConfigError(msg, hint="Check the admin credentials and the repository.")
        uploaded.append(wheel.name)
    shown = "the wheels pip downloaded from PyPI at setup (" + _shown_folder(folder) + ")"
    return SeedResult(repository, _normalise(index), tuple(uploaded), tuple(present), shown)


def _shown_folder(folder: Path) -> str:
    try:
        return "<venv>/" + folder.resolve().relative_to(Path(sys.prefix).resolve()).as_posix()
    except ValueError:
        return _normalise(str(folder))
