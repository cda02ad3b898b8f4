"""A few dozen lines of WSGI plumbing shared by the stand-ins: request, response, routing.

Routes match the *raw* request path (before percent-decoding), so that GitLab's URL-encoded
project paths (``shipyard%2Fdemo``) stay one path segment; captured groups are decoded afterwards.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote

__all__ = [
    "HttpError",
    "Request",
    "Response",
    "Router",
    "error_id",
    "json_response",
    "status_line",
]

log = logging.getLogger("shipyard.sandbox")

Handler = Callable[..., "Response"]


def status_line(status: int, reason: str | None = None) -> str:
    """Return a WSGI status line; a custom reason phrase is made header-safe."""
    if reason is None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
    reason = " ".join(reason.split()).encode("latin-1", "replace").decode("latin-1")
    return f"{status} {reason}"


@dataclass
class Response:
    """An HTTP answer: status, headers and body bytes, plus an optional reason phrase."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    reason: str | None = None

    def __call__(self, start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Send this response through a WSGI ``start_response``."""
        headers = [*self.headers, ("Content-Length", str(len(self.body)))]
        start_response(status_line(self.status, self.reason), headers)
        return [self.body]


def json_response(payload: Any, status: int = 200, *, indent: int | None = None) -> Response:
    """Return ``payload`` as ``application/json``."""
    body = json.dumps(payload, indent=indent).encode()
    return Response(status, body, [("Content-Type", "application/json")])


class HttpError(Exception):
    """Raised by a handler to answer with ``response`` instead of returning normally."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


class Request:
    """A parsed WSGI request.

    Args:
        environ: The WSGI environment.
        params: Path parameters captured by the router, already percent-decoded.
    """

    def __init__(self, environ: dict[str, Any], params: dict[str, str] | None = None) -> None:
        self.environ = environ
        self.method = environ["REQUEST_METHOD"].upper()
        self.raw_path = environ.get("shipyard.raw_path") or environ.get("PATH_INFO", "/")
        self.query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        self.params = params or {}
        self._body: bytes | None = None

    def header(self, name: str, default: str = "") -> str:
        """Return a request header by its HTTP name (``Content-Type``, ``PRIVATE-TOKEN``)."""
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            return self.environ.get(key, default)
        return self.environ.get(f"HTTP_{key}", default)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def base_url(self) -> str:
        """``scheme://host:port`` as the client addressed this server."""
        host = self.environ.get("HTTP_HOST") or (
            f"{self.environ['SERVER_NAME']}:{self.environ['SERVER_PORT']}"
        )
        return f"{self.environ.get('wsgi.url_scheme', 'http')}://{host}"

    @property
    def body(self) -> bytes:
        """The request body, read once."""
        if self._body is None:
            try:
                length = int(self.environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            self._body = self.environ["wsgi.input"].read(length) if length > 0 else b""
        return self._body

    def json(self, on_error: Callable[[str], Response]) -> Any:
        """Parse the body as JSON; answer ``on_error(reason)`` when it is not JSON."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise HttpError(on_error(f"malformed JSON: {exc}")) from None


class Router:
    """Dispatch on method and raw path with regular expressions.

    Args:
        not_found: Builds the answer for a path no route matches.
        method_not_allowed: Builds the answer for a known path with another method.
    """

    def __init__(
        self, not_found: Callable[[], Response], method_not_allowed: Callable[[], Response]
    ) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._not_found = not_found
        self._method_not_allowed = method_not_allowed

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler(request)`` for ``method`` (``GET``, ...) on ``^pattern$``."""
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def dispatch(self, environ: dict[str, Any]) -> Response:
        """Find the handler for a request and return its response."""
        request = Request(environ)
        path_matched = False
        for method, pattern, handler in self._routes:
            match = pattern.match(request.raw_path)
            if not match:
                continue
            path_matched = True
            if method != request.method and not (method == "GET" and request.method == "HEAD"):
                continue
            request.params = {k: unquote(v) for k, v in match.groupdict().items()}
            try:
                return handler(request)
            except HttpError as exc:
                return exc.response
        return self._method_not_allowed() if path_matched else self._not_found()


def error_id() -> str:
    """Return an id to correlate a 500 answer with the server log, as Nexus does."""
    return str(uuid.uuid4())
