"""The HTTP client the REST modules share: timeouts, bounded retries, errors naming the operation.

Every call names the operation it is part of (``"create repository 'pypi-internal'"``). A
transient failure (connection refused, 502, 503, 504) is retried a few times with exponential
backoff, but a request that is not idempotent (a ``POST``) only when it surely was not handled: a
refused connection or a 503; never after a lost answer, a timeout or a gateway's 502/504, which it
may have outlived. Any other failure, and a transient one that outlives the retries, becomes an
:class:`~shipyard.errors.OperationError` carrying the status and the server's own message, with
every secret the client knows redacted. No ``requests`` exception escapes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

from shipyard.config import Secret
from shipyard.errors import OperationError, redact

__all__ = ["HttpClient", "RetryPolicy", "never_sent", "reason", "server_message"]

RETRY_STATUSES = (502, 503, 504)
#: The statuses that say the request was not handled at all, so even a POST may be sent again
#: (a 502 or 504 comes from a gateway whose server may have handled it before failing).
NOT_HANDLED_STATUSES = (503,)
# Methods that are safe to send again after a timeout: the first attempt may have been applied.
_IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}
_TAG = re.compile(r"<[^<>]+>")  # not [^>]: that rescans the text from every "<"


@dataclass
class RetryPolicy:
    """When a client tries again, and how long it waits: the one policy Nexus and GitLab share.

    A transient failure (no connection, 502, 503, 504) is tried again at most ``retries`` times,
    after ``backoff`` seconds, doubled before each next try; so a call ends after at most
    ``retries + 1`` tries and :attr:`total_backoff` seconds of waiting. A request that is not
    idempotent (``POST``) is sent again only when it surely was not handled
    (:meth:`retry_status`, :meth:`resend`): never twice into the server.

    Attributes:
        retries: How many times a transient failure is retried (so at most ``retries + 1`` tries).
        backoff: Seconds before the first retry; doubled before each next one.
        sleep: The function that waits (replaced in tests).
        statuses: The HTTP statuses that mean "try again later".
    """

    retries: int = 3
    backoff: float = 0.2
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    statuses: tuple[int, ...] = RETRY_STATUSES

    @property
    def total_backoff(self) -> float:
        """The longest a call waits between its tries, in seconds (the timeouts come on top)."""
        return sum(self.backoff * (2**attempt) for attempt in range(self.retries))

    def retry_status(self, method: str, status: int) -> bool:
        """Tell whether an answer with ``status`` to a ``method`` request may be tried again."""
        if method.upper() in _IDEMPOTENT:
            return status in self.statuses
        return status in self.statuses and status in NOT_HANDLED_STATUSES

    def resend(self, method: str, exc: requests.RequestException) -> bool:
        """Tell whether a ``method`` request that got no answer (``exc``) may be sent again.

        A refused connection was never sent; a dropped one may have been applied already, and
        so may a request that timed out, so only idempotent requests are sent again after those.
        """
        return method.upper() in _IDEMPOTENT or never_sent(exc)

    def again(self, attempt: int) -> bool:
        """Wait before the next try and return True, or return False once the retries are spent."""
        if attempt >= self.retries:
            return False
        self.sleep(self.backoff * (2**attempt))
        return True


def server_message(response: requests.Response, limit: int = 300) -> str:
    r"""Return what a server said in an error answer, in one line.

    Understands Nexus's shapes (``{"id": "*", "message": "\\"...\\""}``, a validation list, the
    ``text/plain`` ``ERROR: ...`` line, an HTML error page with the reason phrase) and GitLab's
    ``{"message": ...}`` / ``{"error": ...}``.
    """
    text = response.text.strip()
    message = " ".join(_body_message(response, text).split()) or response.reason or ""
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _body_message(response: requests.Response, text: str) -> str:
    """Return the message in an error answer's body, by the body's shape."""
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        return _object_message(body)
    if isinstance(body, list):
        return "; ".join(_item_message(item) for item in body if isinstance(item, dict))
    if text.lower().startswith("<"):
        return response.reason or _TAG.sub(" ", text)
    return text


def _object_message(body: dict[str, Any]) -> str:
    """Return the ``message`` (or ``error``) of a JSON error object."""
    value = body.get("message", body.get("error", ""))
    if not isinstance(value, str):
        return json.dumps(value, sort_keys=True)
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]  # Nexus quotes WebApplicationMessageException messages
    return value


def _item_message(item: dict[str, Any]) -> str:
    """Return one entry of a Nexus validation list, prefixed with the field it is about."""
    where = str(item.get("id", "")).removeprefix("PARAMETER ")
    prefix = f"{where}: " if where and where != "*" else ""
    return f"{prefix}{item.get('message', '')}"


class HttpClient:
    """A JSON-over-HTTP client for one base URL, with credentials and retries.

    Args:
        base_url: The server's base URL, e.g. ``https://nexus.corp.local``.
        username: The user for Basic authentication, or ``""`` for anonymous calls.
        password: That user's password.
        timeout: Seconds to wait for a connection and for an answer.
        retries: How many times a transient failure is retried (so at most ``retries + 1`` tries).
        backoff: Seconds before the first retry; doubled before each next one.
        sleep: The function that waits (replaced in tests).

    Attributes:
        retry: The :class:`RetryPolicy` built from ``retries``, ``backoff`` and ``sleep``.
    """

    def __init__(
        self,
        base_url: str,
        username: str = "",
        password: Secret | None = None,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.timeout = timeout
        self.retry = RetryPolicy(retries, backoff, sleep)
        self._session = requests.Session()
        # Never pick up credentials from ~/.netrc or proxies from the environment by surprise.
        self._session.trust_env = False
        self.calls = 0

    @property
    def secrets(self) -> list[Secret]:
        """The secrets to redact from anything this client reports."""
        return [self._password] if self._password else []

    def _auth(self) -> tuple[str, str] | None:
        if not self.username or self._password is None:
            return None
        return (self.username, self._password.reveal())

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        expect: Iterable[int] = (200, 201, 204),
        allow: Iterable[int] = (),
        hint: str = "",
        secrets: Iterable[object] = (),
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request and return the answer when its status is expected or allowed.

        Args:
            method: The HTTP method.
            path: The path under the base URL, starting with ``/``.
            operation: What this call does, for error messages.
            expect: Statuses that mean success.
            allow: Other statuses the caller handles itself (e.g. 404 for "not there yet").
            hint: What to do when the call fails.
            secrets: More values to redact (e.g. a password being sent).
            **kwargs: Passed to :meth:`requests.Session.request` (``json``, ``data``, ...).

        Raises:
            OperationError: Any other status, or no answer after the retries.
        """
        url = f"{self.base_url}{path}"
        masked = [*self.secrets, *secrets]
        shown_url = redact(url, masked)
        accepted = {*expect, *allow}
        attempt = 0
        while True:
            self.calls += 1
            try:
                response = self._session.request(
                    method, url, auth=self._auth(), timeout=self.timeout, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if self.retry.resend(method, exc) and self.retry.again(attempt):
                    attempt += 1
                    continue
                raise self._transport_error(exc, operation, shown_url, masked, hint) from None
            retry = self.retry.retry_status(method, response.status_code)
            if retry and self.retry.again(attempt):
                attempt += 1
                continue
            if response.status_code in accepted:
                return response
            raise OperationError(
                operation,
                status=response.status_code,
                server_message=redact(server_message(response), masked),
                url=shown_url,
                hint=hint or _default_hint(response.status_code),
            )

    def _transport_error(
        self,
        exc: requests.RequestException,
        operation: str,
        url: str,
        masked: Iterable[object],
        hint: str,
    ) -> OperationError:
        """Return the error for a request that got no answer."""
        if isinstance(exc, requests.ConnectionError):
            return OperationError(
                operation,
                status=None,
                server_message=redact(reason(exc), masked),
                url=url,
                hint=hint
                or "Check that the server is running and the URL is right; "
                "then run the same step again: it only does what is still missing.",
            )
        return OperationError(
            operation,
            status=None,
            server_message=f"no answer within {self.timeout:g} s",
            url=url,
            hint=hint or "Run the same step again: it only does what is still missing.",
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()


def never_sent(exc: requests.RequestException) -> bool:
    """Tell whether a failed request surely never reached the server (so any method may resend)."""
    if not isinstance(exc, requests.ConnectionError):
        return False
    return isinstance(exc, requests.ConnectTimeout) or reason(exc) == "connection refused"


def reason(exc: requests.RequestException) -> str:
    """Return why a request got no answer, in a few words (``connection refused``, ...)."""
    text = str(exc)
    for known in (
        "Connection refused",
        "Name or service not known",
        "timed out",
        "Connection reset",
        "Remote end closed connection",
    ):
        if known.lower() in text.lower():
            return known.lower()
    return type(exc).__name__


def _default_hint(status: int) -> str:
    if status == 401:
        return "The credentials were refused: check the user name and password."
    if status == 403:
        return "The user is authenticated but lacks the privilege for this operation."
    if status in RETRY_STATUSES:
        return "The server is unavailable; run the same step again once it is back."
    return ""
