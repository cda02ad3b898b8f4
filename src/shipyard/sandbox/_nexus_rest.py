"""What every Nexus REST resource of the stand-in shares: answers in Nexus's shapes, and the guard.

Nexus's error bodies come in four shapes (api-facts.md, section 1): ``{"id": "*", "message": ...}``
from ``WebApplicationMessageException``, its message wrapped in literal double quotes; a
validation list ``[{"id", "message"}]``; a ``text/plain`` ``ERROR: (ID <uuid>) <exception>`` for
unhandled exceptions; and bodiless 401/403/404 from the security filter and the router. JSON is
indented, as Nexus's Jackson mapper does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.sandbox._http import HttpError, Request, Response, error_id
from shipyard.sandbox._nexus_content import challenge
from shipyard.sandbox._pypi import PypiIndexes
from shipyard.sandbox._security import AuthenticationFailed, Subject, authenticate
from shipyard.sandbox._state import StateStore

__all__ = [
    "NexusContext",
    "empty",
    "json_body",
    "message_error",
    "nexus_json",
    "unexpected_error",
    "validation_error",
]


def nexus_json(payload: Any, status: int = 200) -> Response:
    """Return ``payload`` as Nexus does: indented JSON with Jackson's ``" : "`` separator."""
    body = json.dumps(payload, indent=2, separators=(",", " : ")).encode()
    return Response(status, body, [("Content-Type", "application/json")])


def empty(status: int) -> Response:
    """Return a bodiless answer (201, 204, and the security filter's 401/403)."""
    return Response(status)


def message_error(status: int, message: str) -> HttpError:
    """Return ``WebApplicationMessageException``'s answer; ``message`` gets Nexus's quotes."""
    return HttpError(nexus_json({"id": "*", "message": f'"{message}"'}, status))


def validation_error(errors: list[dict[str, str]] | dict[str, str], status: int = 400) -> HttpError:
    """Return a validation failure: a list of ``{"id", "message"}`` (or one ``"*"`` object)."""
    return HttpError(nexus_json(errors, status))


def json_body(request: Request) -> Any:
    """Parse a JSON request body as a resource that ``@Consumes(APPLICATION_JSON)`` does.

    Another content type answers 415; malformed JSON answers Jackson's 400 list.
    """
    content_type = request.header("Content-Type").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HttpError(empty(415))

    def malformed(reason: str) -> Response:
        return nexus_json([{"id": "*", "message": reason}], 400)

    return request.json(malformed)


def unexpected_error(exception: str) -> HttpError:
    """Return what Nexus answers for an unhandled exception (``ExceptionMapperSupport``)."""
    body = f"ERROR: (ID {error_id()}) {exception}".encode()
    return HttpError(Response(500, body, [("Content-Type", "text/plain")]))


@dataclass
class NexusContext:
    """The stand-in's shared parts, handed to every REST resource.

    Args:
        store: The persistent state.
        indexes: The pypiserver apps, to drop a deleted repository's content.
        admin_password_file: ``STATE_DIR/admin.password``, removed when admin's password changes.
    """

    store: StateStore
    indexes: PypiIndexes
    admin_password_file: Path

    def subject(self, request: Request) -> Subject:
        """Return who is asking; wrong credentials answer 401 wherever they are sent."""
        with self.store.read("nexus") as nexus:
            try:
                return authenticate(nexus, request.header("Authorization"))
            except AuthenticationFailed:
                raise HttpError(challenge(empty(401))) from None

    def require(self, request: Request, permission: str | None = None) -> Subject:
        """Enforce ``@RequiresAuthentication`` and, when given, ``@RequiresPermissions``.

        Anonymous callers get 401 with the Basic challenge; authenticated callers without the
        permission get 403 (NP ``NexusBasicHttpAuthenticationFilter``,
        ``AuthorizationExceptionMapper``).
        """
        subject = self.subject(request)
        if not subject.authenticated:
            raise HttpError(challenge(empty(401)))
        if permission is not None and not subject.can(permission):
            raise HttpError(empty(403))
        return subject

    def permit(self, subject: Subject, permission: str) -> None:
        """Check a permission for a subject already known (401 if anonymous, else 403)."""
        if subject.can(permission):
            return
        if not subject.authenticated:
            raise HttpError(challenge(empty(401)))
        raise HttpError(empty(403))
