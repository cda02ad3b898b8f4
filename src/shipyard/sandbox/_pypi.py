"""The real PyPI index behind each hosted repository: pypiserver, with Nexus's storage layout.

Each hosted repository gets its own pypiserver WSGI app over ``STATE_DIR/repositories/<name>/``.
Files are stored as Nexus stores them, ``packages/<normalized name>/<version>/<file>`` (NP31
``PyPiHostedFacet.createPackagePath``), so pypiserver's links read
``../../packages/<n>/<v>/<file>#md5=...`` like Nexus's project pages (which carry md5 too). A group
repository gets an app over its hosted members' directories. Authentication, privileges, write
policy and Nexus's routing live in front, in :mod:`shipyard.sandbox._nexus_content`; pypiserver is
configured to trust everything that reaches it.
"""

from __future__ import annotations

import logging
import shutil
import threading
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO, cast

with warnings.catch_warnings():
    # pypiserver's vendored bottle imports the stdlib ``cgi`` module, deprecated since 3.11.
    warnings.simplefilter("ignore", DeprecationWarning)
    import pypiserver
    from pypiserver.backend import BackendProxy, SimpleFileBackend, write_file
    from pypiserver.bottle_wrapper import BaseRequest
    from pypiserver.pkg_helpers import guess_pkgname_and_version, normalize_pkgname

__all__ = ["PypiIndexes", "UploadForm", "asset_path", "read_upload_form"]

# pypiserver logs every request and response at INFO; the sandbox logs its own access lines.
logging.getLogger("pypiserver").setLevel(logging.WARNING)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def asset_path(filename: str) -> str | None:
    """Return Nexus's storage path ``packages/<name>/<version>/<file>``, or None if unparseable."""
    guessed = guess_pkgname_and_version(filename)
    if guessed is None or "/" in filename or filename.startswith("."):
        return None
    name, version = guessed
    return f"packages/{normalize_pkgname(name)}/{version}/{filename}"


class _NexusLayoutBackend(SimpleFileBackend):
    """pypiserver's file backend, writing ``<name>/<version>/<file>`` under the packages dir."""

    def add_package(self, filename: str, stream: BinaryIO) -> None:
        relative = asset_path(filename)
        if relative is None:  # pypiserver validated the name before; this is a safety net
            msg = f"not a package file name: {filename!r}"
            raise ValueError(msg)
        destination = self.roots[0] / relative.removeprefix("packages/")
        destination.parent.mkdir(parents=True, exist_ok=True)
        write_file(stream, destination)

    def exists(self, filename: str) -> bool:
        relative = asset_path(filename)
        return relative is not None and any(
            (root / relative.removeprefix("packages/")).is_file() for root in self.roots
        )


class UploadForm:
    """The fields of a twine upload the front app needs to decide before pypiserver stores it."""

    def __init__(self, action: str, filename: str | None) -> None:
        self.action = action
        self.filename = filename


def read_upload_form(environ: dict[str, Any]) -> UploadForm:
    """Parse a multipart upload once; pypiserver reuses the parse cached in ``environ``.

    Bottle keeps the body and the parsed form under ``bottle.request.*`` keys of the environ, so
    parsing here with the same bottle that pypiserver uses costs nothing later.
    """
    request = BaseRequest(environ)
    content = request.files.get("content")
    filename = content.raw_filename if content is not None else None
    return UploadForm(request.forms.get(":action", ""), filename)


class PypiIndexes:
    """One pypiserver app per repository, built on first use and rebuilt when members change.

    Args:
        root: ``STATE_DIR/repositories``; each hosted repository owns ``root/<name>/packages``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._apps: dict[str, tuple[tuple[Path, ...], WSGIApp]] = {}
        self._lock = threading.Lock()

    def package_dir(self, repository: str) -> Path:
        """Return (and create) the directory holding a hosted repository's ``packages/``."""
        path = self.root / repository / "packages"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def has_asset(self, repository: str, relative: str) -> bool:
        """Return whether a hosted repository stores ``packages/<n>/<v>/<file>``."""
        return (self.root / repository / relative).is_file()

    def app(self, repository: str, members: Iterable[str]) -> WSGIApp:
        """Return the pypiserver app serving ``repository`` from its members' packages.

        Args:
            repository: The repository the app is mounted for.
            members: Hosted repositories whose packages it serves: the repository itself for a
                hosted one, the hosted members for a group.
        """
        roots = tuple(self.package_dir(name) for name in members)
        with self._lock:
            cached = self._apps.get(repository)
            if cached is None or cached[0] != roots:
                cached = (roots, _make_app(roots))
                self._apps[repository] = cached
            return cached[1]

    def remove(self, repository: str) -> None:
        """Forget a deleted repository and delete its packages, as Nexus deletes its content."""
        with self._lock:
            self._apps.pop(repository, None)
        shutil.rmtree(self.root / repository, ignore_errors=True)


def _make_app(roots: tuple[Path, ...]) -> WSGIApp:
    app = pypiserver.app(
        roots=list(roots) or [Path("/nonexistent")],
        authenticate=[],
        password_file=".",
        disable_fallback=True,  # a project missing here is a 404, never a redirect to pypi.org
        overwrite=True,  # the write policy is Nexus's, enforced in front
        hash_algo="md5",  # Nexus's index links carry #md5=
        backend_arg="simple-dir",
        log_req_frmt="request",
        log_res_frmt="%(status)s",
        log_err_frmt="%(body)s",
    )
    # pypiserver keeps its config on the app for embedders and tests (set at run time, so no type
    # checker knows it); swap in the Nexus layout.
    config = cast("Any", app)._pypiserver_config
    config.backend = BackendProxy(_NexusLayoutBackend(config))
    return app
