"""The Nexus stand-in: the REST subset under ``/service/rest``, content under ``/repository/``.

REST resources implemented here: status (NP ``StatusResource``) and repositories (NP
``RepositoriesResource``, ``RepositoriesApiResource``, ``AbstractRepositoriesApiResource``); the
security resources are in :mod:`shipyard.sandbox._nexus_security_api`. Unknown paths answer a
bodiless 404, as Nexus's router does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from shipyard.errors import redact
from shipyard.sandbox import _nexus_repos as repos
from shipyard.sandbox import _nexus_security_api
from shipyard.sandbox._http import HttpError, Request, Response, Router
from shipyard.sandbox._nexus_content import ContentView
from shipyard.sandbox._nexus_rest import (
    NexusContext,
    empty,
    json_body,
    message_error,
    nexus_json,
    unexpected_error,
    validation_error,
)
from shipyard.sandbox._pypi import PypiIndexes
from shipyard.sandbox._security import default_security
from shipyard.sandbox._state import StateStore

__all__ = ["NexusApp", "default_nexus_state"]

log = logging.getLogger("shipyard.sandbox")
V1 = "/service/rest/v1"
_NAME = r"(?P<name>[^/]+)"
_RECIPE = r"(?P<format>[^/]+)/(?P<type>[^/]+)"


def default_nexus_state(admin_password: str) -> dict[str, Any]:
    """Return the Nexus section of a new state: no repositories, Nexus's default security."""
    return {"repositories": {}, "security": default_security(admin_password)}


class NexusApp:
    """The Nexus stand-in as a WSGI application.

    Args:
        store: The persistent state, with a ``nexus`` section.
        state_dir: The state directory (repository content lives under ``repositories/``).
    """

    def __init__(self, store: StateStore, state_dir: Path) -> None:
        indexes = PypiIndexes(state_dir / "repositories")
        self.ctx = NexusContext(store, indexes, state_dir / "admin.password")
        self.content = ContentView(store, indexes)
        self.router = Router(not_found=lambda: empty(404), method_not_allowed=lambda: empty(405))
        add = self.router.add
        add("GET", f"{V1}/status", lambda r: empty(200))
        add("GET", f"{V1}/status/writable", lambda r: empty(200))
        add("GET", f"{V1}/status/check", self.status_check)
        add("GET", f"{V1}/repositories", self.list_repositories)
        add("DELETE", f"{V1}/repositories/{_NAME}", self.delete_repository)
        add("POST", f"{V1}/repositories/{_RECIPE}", self.create_repository)
        add("GET", f"{V1}/repositories/{_RECIPE}/{_NAME}", self.get_repository)
        add("PUT", f"{V1}/repositories/{_RECIPE}/{_NAME}", self.update_repository)
        _nexus_security_api.register(self.router, self.ctx)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer one request; an unexpected failure becomes Nexus's 500, never a traceback."""
        environ.setdefault("shipyard.raw_path", environ.get("PATH_INFO", "/"))
        try:
            if environ["shipyard.raw_path"].startswith("/repository/"):
                body: Iterable[bytes] = self.content(environ, start_response)
            else:
                body = self.router.dispatch(environ)(start_response)
        except Exception as exc:  # noqa: BLE001 (the server must answer whatever happens)
            log.exception("nexus: unexpected error")
            text = redact(f"{type(exc).__name__}: {exc}")
            return unexpected_error(text).response(start_response)
        if environ["REQUEST_METHOD"].upper() == "HEAD":
            close = getattr(body, "close", None)
            if close is not None:
                close()
            return [b""]
        return body

    # -- status ---------------------------------------------------------------------------------

    def status_check(self, request: Request) -> Response:
        """``GET /v1/status/check``: the health checks, for callers with ``nexus:metrics:read``."""
        self.ctx.require(request, "nexus:metrics:read")
        checks = (
            "Blob Stores",
            "Default Admin Credentials",
            "File Descriptors",
            "Read-Only Detector",
        )
        return nexus_json(
            {
                name: {
                    "healthy": True,
                    "message": None,
                    "error": None,
                    "details": None,
                    "time": 0,
                    "duration": 0,
                    "timestamp": None,
                }
                for name in checks
            }  # fmt: skip
        )

    # -- repositories ---------------------------------------------------------------------------

    def list_repositories(self, request: Request) -> Response:
        """``GET /v1/repositories``: the repositories the caller may browse, read or administer."""
        subject = self.ctx.subject(request)
        with self.ctx.store.read("nexus") as nexus:
            listed = [
                repos.list_item(repo, request.base_url)
                for name, repo in sorted(nexus["repositories"].items())
                if any(
                    subject.can(f"nexus:repository-{kind}:{repo['format']}:{name}:{action}")
                    for kind, action in (("view", "browse"), ("view", "read"), ("admin", "read"))
                )
            ]
        return nexus_json(listed)

    def get_repository(self, request: Request) -> Response:
        """``GET /v1/repositories/{format}/{type}/{name}``; 404 also without admin read."""
        subject = self.ctx.require(request)
        fmt, repo_type, name = (request.params[k] for k in ("format", "type", "name"))
        with self.ctx.store.read("nexus") as nexus:
            repo = nexus["repositories"].get(name)
            if (
                repo is None
                or (repo["format"], repo["type"]) != (fmt, repo_type)
                or not subject.can(f"nexus:repository-admin:{fmt}:{name}:read")
            ):
                raise message_error(404, "Repository not found")
            return nexus_json(repos.render(repo, request.base_url))

    def create_repository(self, request: Request) -> Response:
        """``POST /v1/repositories/{format}/{type}``: 201 with no body."""
        fmt, repo_type = self._recipe(request)
        subject = self.ctx.require(request)
        body = self._validated(request, repo_type)
        name = body["name"]
        self.ctx.permit(subject, f"nexus:repository-admin:{fmt}:{name}:add")
        with self.ctx.store.write("nexus") as nexus:
            if any(existing.lower() == name.lower() for existing in nexus["repositories"]):
                # No explicit check in the REST resource; a current Nexus was observed answering
                # this list for a duplicate POST (api-facts.md calls the H2/PostgreSQL text
                # UNCONFIRMED; the OrientDB "Cannot index record" text is from an old backend).
                message = "Name is already used, must be unique (ignoring case)"
                raise validation_error([{"id": "PARAMETER name", "message": message}])
            self._check_references(nexus, fmt, repo_type, body)
            nexus["repositories"][name] = repos.stored(fmt, repo_type, body)
        log.info("nexus: created %s/%s repository %r", fmt, repo_type, name)
        return empty(201)

    def update_repository(self, request: Request) -> Response:
        """``PUT /v1/repositories/{format}/{type}/{name}``: 204, or 404 when nothing matched."""
        fmt, repo_type = self._recipe(request)
        subject = self.ctx.require(request)
        body = self._validated(request, repo_type)
        if body["name"] != request.params["name"]:
            message = "Renaming a repository is not supported"
            raise validation_error([{"id": "name", "message": message}])
        name = body["name"]
        with self.ctx.store.write("nexus") as nexus:
            current = nexus["repositories"].get(name)
            if current is None or (current["format"], current["type"]) != (fmt, repo_type):
                return empty(404)
            self.ctx.permit(subject, f"nexus:repository-admin:{fmt}:{name}:edit")
            if body["storage"]["blobStoreName"] != current["storage"]["blobStoreName"]:
                # Nexus refuses to move a repository to another blob store; message UNCONFIRMED.
                message = "Blob store cannot be changed for an existing repository"
                raise validation_error([{"id": "storage.blobStoreName", "message": message}])
            self._check_references(nexus, fmt, repo_type, body)
            nexus["repositories"][name] = repos.stored(fmt, repo_type, body)
        return empty(204)

    def delete_repository(self, request: Request) -> Response:
        """``DELETE /v1/repositories/{name}``: 204, or 404; the content goes with it."""
        subject = self.ctx.require(request)
        name = request.params["name"]
        with self.ctx.store.write("nexus") as nexus:
            repo = nexus["repositories"].get(name)
            if repo is None:
                return empty(404)
            self.ctx.permit(subject, f"nexus:repository-admin:{repo['format']}:{name}:delete")
            del nexus["repositories"][name]
        self.ctx.indexes.remove(name)
        log.info("nexus: deleted repository %r", name)
        return empty(204)

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _recipe(request: Request) -> tuple[str, str]:
        recipe = (request.params["format"], request.params["type"])
        if recipe not in repos.RECIPES:
            raise HttpError(empty(404))  # no such resource in this Nexus (or in the sandbox)
        return recipe

    @staticmethod
    def _validated(request: Request, repo_type: str) -> dict[str, Any]:
        body = json_body(request)
        try:
            repos.validate(repo_type, body)
        except repos.RequestProblem as problem:
            raise validation_error(problem.body, problem.status) from None
        return body

    @staticmethod
    def _check_references(nexus: dict[str, Any], fmt: str, repo_type: str, body: dict) -> None:
        blob_store = body["storage"]["blobStoreName"]
        if blob_store not in repos.BLOB_STORES:
            # Message UNCONFIRMED; the reference says only "refused with a 400 validation list".
            message = f"Blob store '{blob_store}' does not exist"
            raise validation_error([{"id": "storage.blobStoreName", "message": message}])
        if repo_type == "group":
            for member in body["group"]["memberNames"]:
                found = nexus["repositories"].get(member)
                if found is None or found["format"] != fmt or member == body["name"]:
                    # A RepositoryManager failure wrapped as {"id": "*"}; wording UNCONFIRMED.
                    raise message_error(400, f"Group member '{member}' is not a {fmt} repository")
