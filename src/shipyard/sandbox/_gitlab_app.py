"""The GitLab stand-in: the ``/api/v4`` subset python-gitlab needs for the runbook, unchanged.

Implemented: ``/version``, ``/user``, ``/projects/:id`` (numeric id or URL-encoded path), project
CI variables CRUD (GLD ``doc/api/project_level_variables.md``) and project CI lint
(``doc/api/lint.md``); the global ``/ci/lint`` answers 410 as since GitLab 16.0. Authentication is
a personal access token in ``PRIVATE-TOKEN`` (or ``private_token=``, or ``Authorization: Bearer``).
Errors use GitLab's bodies: ``{"message": "404 Project Not Found"}``, ``{"error": "key is
missing"}`` for parameter errors, ``{"message": {"field": ["..."]}}`` for model validation.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlencode

from shipyard.errors import redact
from shipyard.sandbox._gitlab_variables import VariableError, find, new_variable, render, update
from shipyard.sandbox._http import HttpError, Request, Response, Router, json_response
from shipyard.sandbox._state import StateStore, check_password, hash_password

__all__ = ["GITLAB_VERSION", "GitLabApp", "default_gitlab_state"]

log = logging.getLogger("shipyard.sandbox")
GITLAB_VERSION = "17.9.0"
API = "/api/v4"
_PROJECT = r"/projects/(?P<project>[^/]+)"
_CREATED = "2024-01-01T00:00:00.000Z"


def default_gitlab_state(token: str) -> dict[str, Any]:
    """Return the GitLab section of a new state: the token's digest and the seeded project."""
    project = {"id": 1, "namespace": "shipyard", "path": "demo", "name": "demo",
               "description": "Shipyard sandbox project", "default_branch": "main",
               "variables": [], "next_variable_id": 1}  # fmt: skip
    return {"token": hash_password(token), "projects": {"1": project}}


def _message(status: int, message: Any) -> HttpError:
    return HttpError(json_response({"message": message}, status))


class GitLabApp:
    """The GitLab stand-in as a WSGI application.

    Args:
        store: The persistent state, with a ``gitlab`` section.
    """

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.router = Router(
            not_found=lambda: json_response({"error": "404 Not Found"}, 404),
            method_not_allowed=lambda: json_response({"error": "405 Not Allowed"}, 405),
        )
        add = self.router.add
        add("GET", f"{API}/version", self._authed(self.version))
        add("GET", f"{API}/user", self._authed(self.user))
        add("POST", f"{API}/ci/lint", self._authed(self.global_lint))
        add("GET", f"{API}{_PROJECT}", self._authed(self.project))
        add("GET", f"{API}{_PROJECT}/variables", self._authed(self.list_variables))
        add("POST", f"{API}{_PROJECT}/variables", self._authed(self.create_variable))
        key = f"{API}{_PROJECT}/variables/(?P<key>[^/]+)"
        add("GET", key, self._authed(self.get_variable))
        add("PUT", key, self._authed(self.update_variable))
        add("DELETE", key, self._authed(self.delete_variable))
        add("POST", f"{API}{_PROJECT}/ci/lint", self._authed(self.lint))
        add("GET", f"{API}{_PROJECT}/ci/lint", self._authed(self.lint))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer one request; an unexpected failure becomes a 500 without details."""
        environ.setdefault("shipyard.raw_path", environ.get("PATH_INFO", "/"))
        try:
            response = self.router.dispatch(environ)
        except Exception as exc:  # noqa: BLE001 (the server must answer whatever happens)
            log.error("gitlab: unexpected %s", redact(f"{type(exc).__name__}: {exc}"))
            response = json_response({"message": "500 Internal Server Error"}, 500)
        if environ["REQUEST_METHOD"].upper() == "HEAD":
            response.body = b""
        return response(start_response)

    def _authed(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def guarded(request: Request) -> Response:
            token = request.header("PRIVATE-TOKEN") or request.arg("private_token") or ""
            scheme, _, bearer = request.header("Authorization").partition(" ")
            if not token and scheme.lower() == "bearer":
                token = bearer.strip()
            with self.store.read("gitlab") as gitlab:
                valid = bool(token) and check_password(token, gitlab["token"])
            if not valid:
                raise _message(401, "401 Unauthorized")
            return handler(request)

        return guarded

    # -- instance -------------------------------------------------------------------------------

    def version(self, request: Request) -> Response:
        """``GET /version``."""
        return json_response(
            {"version": GITLAB_VERSION, "revision": "sandbox", "enterprise": False}
        )

    def user(self, request: Request) -> Response:
        """``GET /user``: the token's owner, the instance administrator."""
        return json_response({"id": 1, "username": "root", "name": "Administrator",
                              "state": "active", "is_admin": True, "bot": False,
                              "web_url": f"{request.base_url}/root"})  # fmt: skip

    def global_lint(self, request: Request) -> Response:
        """``POST /ci/lint``: removed in GitLab 16.0."""
        return json_response({"error": "410 Gone"}, 410)

    # -- projects -------------------------------------------------------------------------------

    def _find_project(self, gitlab: dict[str, Any], ident: str) -> dict[str, Any]:
        for project in gitlab["projects"].values():
            if ident in (str(project["id"]), f"{project['namespace']}/{project['path']}"):
                return project
        raise _message(404, "404 Project Not Found")

    def project(self, request: Request) -> Response:
        """``GET /projects/:id``."""
        with self.store.read("gitlab") as gitlab:
            project = self._find_project(gitlab, request.params["project"])
            return json_response(_render_project(project, request.base_url))

    # -- variables ------------------------------------------------------------------------------

    def list_variables(self, request: Request) -> Response:
        """``GET /projects/:id/variables``, paginated as GitLab does (``page``, ``per_page``)."""
        with self.store.read("gitlab") as gitlab:
            items = [
                render(v)
                for v in self._find_project(gitlab, request.params["project"])["variables"]
            ]
        return _paginated(request, items)

    def get_variable(self, request: Request) -> Response:
        """``GET /projects/:id/variables/:key`` (``filter[environment_scope]`` picks a scope)."""
        with self.store.read("gitlab") as gitlab:
            project = self._find_project(gitlab, request.params["project"])
            return json_response(render(self._one(request, project)))

    def create_variable(self, request: Request) -> Response:
        """``POST /projects/:id/variables``: 201 with the variable."""
        params = _params(request)
        with self.store.write("gitlab") as gitlab:
            project = self._find_project(gitlab, request.params["project"])
            try:
                variable = new_variable(project["variables"], params, project["next_variable_id"])
            except VariableError as exc:
                raise HttpError(json_response(exc.body, 400)) from None
            project["variables"].append(variable)
            project["next_variable_id"] += 1
        log.info(
            "gitlab: created variable %r (scope %r)", variable["key"], variable["environment_scope"]
        )
        return json_response(render(variable), 201)

    def update_variable(self, request: Request) -> Response:
        """``PUT /projects/:id/variables/:key``: 200 with the variable."""
        params = _params(request)
        with self.store.write("gitlab") as gitlab:
            project = self._find_project(gitlab, request.params["project"])
            variable = self._one(request, project)
            try:
                update(project["variables"], variable, params)
            except VariableError as exc:
                raise HttpError(json_response(exc.body, 400)) from None
            return json_response(render(variable))

    def delete_variable(self, request: Request) -> Response:
        """``DELETE /projects/:id/variables/:key``: 204."""
        with self.store.write("gitlab") as gitlab:
            project = self._find_project(gitlab, request.params["project"])
            project["variables"].remove(self._one(request, project))
        return Response(204)

    def _one(self, request: Request, project: dict[str, Any]) -> dict[str, Any]:
        scope = request.arg("filter[environment_scope]")
        try:
            return find(project["variables"], request.params["key"], scope)
        except VariableError as exc:
            raise HttpError(json_response(exc.body, exc.status)) from None

    # -- CI lint --------------------------------------------------------------------------------

    def lint(self, request: Request) -> Response:
        """``POST /projects/:id/ci/lint`` (``GET`` lints the project's file: it has none)."""
        from shipyard.sandbox._gitlab_lint import lint  # jsonschema and the schema load lazily

        with self.store.read("gitlab") as gitlab:
            self._find_project(gitlab, request.params["project"])
        params = _params(request) if request.method == "POST" else {}
        if request.method == "POST" and "content" not in params:
            raise HttpError(json_response({"error": "content is missing"}, 400))
        include_jobs = _truthy(params.get("include_jobs", request.arg("include_jobs")))
        return json_response(lint(str(params.get("content") or ""), include_jobs=include_jobs))


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


def _params(request: Request) -> dict[str, Any]:
    """Merge query, form or JSON body parameters, as Grape does."""
    params: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
    content_type = request.header("Content-Type").split(";")[0].strip().lower()
    if content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            raise HttpError(json_response({"error": "The provided content-type 'application/json' "
                                           "did not match the body"}, 400)) from None  # fmt: skip
        if isinstance(body, dict):
            params.update(body)
    elif content_type == "application/x-www-form-urlencoded":
        params.update({k: v[0] for k, v in parse_qs(request.body.decode()).items()})
    return params


def _paginated(request: Request, items: list[dict[str, Any]]) -> Response:
    try:
        page = max(1, int(request.arg("page", "1") or 1))
        per_page = min(100, max(1, int(request.arg("per_page", "20") or 20)))
    except ValueError:
        page, per_page = 1, 20
    total_pages = max(1, -(-len(items) // per_page))
    response = json_response(items[(page - 1) * per_page : page * per_page])
    query = {k: v[0] for k, v in request.query.items()}

    def link(number: int) -> str:
        return f"{request.base_url}{request.raw_path}?{urlencode({**query, 'page': number})}"

    links = [f'<{link(page + 1)}>; rel="next"'] if page < total_pages else []
    links += [f'<{link(page - 1)}>; rel="prev"'] if page > 1 else []
    links += [f'<{link(1)}>; rel="first"', f'<{link(total_pages)}>; rel="last"']
    response.headers += [
        ("X-Page", str(page)),
        ("X-Per-Page", str(per_page)),
        ("X-Total", str(len(items))),
        ("X-Total-Pages", str(total_pages)),
        ("X-Next-Page", str(page + 1) if page < total_pages else ""),
        ("X-Prev-Page", str(page - 1) if page > 1 else ""),
        ("Link", ", ".join(links)),
    ]
    return response


def _render_project(project: dict[str, Any], base_url: str) -> dict[str, Any]:
    full_path = f"{project['namespace']}/{project['path']}"
    host = re.sub(r"^https?://", "", base_url)
    return {
        "id": project["id"],
        "description": project["description"],
        "name": project["name"],
        "name_with_namespace": f"{project['namespace']} / {project['name']}",
        "path": project["path"],
        "path_with_namespace": full_path,
        "created_at": _CREATED,
        "last_activity_at": _CREATED,
        "default_branch": project["default_branch"],
        "visibility": "private",
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": f"git@{host.split(':')[0]}:{full_path}.git",
        "http_url_to_repo": f"{base_url}/{full_path}.git",
        "web_url": f"{base_url}/{full_path}",
        "readme_url": None,
        "avatar_url": None,
        "forks_count": 0,
        "star_count": 0,
        "pages_access_level": "private",
        "namespace": {
            "id": 1,
            "name": project["namespace"],
            "path": project["namespace"],
            "kind": "group",
            "full_path": project["namespace"],
            "parent_id": None,
            "avatar_url": None,
            "web_url": f"{base_url}/groups/{project['namespace']}",
        },  # fmt: skip
    }
