"""A fault-injecting HTTP proxy on loopback, put between a client and the sandbox.

It forwards every request to the upstream (the sandbox's Nexus or GitLab) unless a :class:`Fault`
matches it; then, depending on the fault's kind, it:

- ``503``: answers ``503 Service Unavailable`` without forwarding (the request is not handled);
- ``reset``: resets the connection (TCP RST) without forwarding (not handled, no answer);
- ``timeout``: forwards the request (it IS handled) and then never answers, until the client
  gives up (the answer is lost);
- ``die``: forwards the request, then the whole proxy dies: the connection drops and the port
  refuses every later connection (the server went away mid-apply).

For each fault the proxy counts the requests it matched (``hits``) and how many of them reached
the upstream (``passed``), so a test can prove that a request that may have been handled was not
sent again (:func:`expected_tries` says what the retry policy allows). It never logs a request's
headers or body.
"""

from __future__ import annotations

import http.client
import re
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

__all__ = ["KINDS", "Fault", "FaultProxy", "expected_tries"]

KINDS = ("503", "reset", "timeout", "die")


@dataclass(frozen=True)
class Fault:
    """Which requests fail, and how.

    Attributes:
        kind: One of :data:`KINDS`.
        method: The HTTP method to match.
        path: A regular expression searched in the raw path (with its query).
        body: A substring the request body must contain (``""``: any body).
    """

    kind: str
    method: str
    path: str
    body: str = ""

    def matches(self, method: str, path: str, body: bytes) -> bool:
        return (
            method == self.method
            and re.search(self.path, path) is not None
            and self.body.encode() in body
        )


def expected_tries(kind: str, method: str, retries: int) -> tuple[int, int]:
    """Return how many requests a fault should see and pass on, under Shipyard's retry policy.

    A request that was not handled (503, reset before forwarding) may be sent again, a POST only
    after a 503; a request that was handled and lost its answer (timeout) only when idempotent;
    after ``die`` the port refuses, so the one request that killed it is all there is.
    """
    again = retries + 1
    once = method == "POST"
    return {
        "503": (again, 0),
        "reset": (1 if once else again, 0),
        "timeout": (1 if once else again,) * 2,
        "die": (1, 1),
    }[kind]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Log nothing: a request line may carry a secret in its query."""

    def _handle(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = proxy.fault_for(self.command, self.path, body)
        if fault is None:
            self._forward(body)
            return
        with proxy.lock:
            proxy.hits[fault] += 1
        if fault.kind == "503":
            self._answer(503, "Service Unavailable", b"Service Unavailable", "text/plain")
        elif fault.kind == "reset":
            self._reset()
        elif fault.kind == "timeout":
            self._forward(body, fault)
            proxy.released.wait(proxy.hold)
            self._reset()
        elif fault.kind == "die":
            self._forward(body, fault)
            proxy.die()
            self._reset()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    def _forward(self, body: bytes, fault: Fault | None = None) -> None:
        """Send the request upstream; answer the client only when no fault is in the way."""
        proxy = self.server.proxy
        connection = http.client.HTTPConnection(
            proxy.upstream_host, proxy.upstream_port, timeout=30
        )
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        headers["Host"] = f"{proxy.upstream_host}:{proxy.upstream_port}"
        try:
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        if fault is not None:
            with proxy.lock:
                proxy.passed[fault] += 1
            return
        self._answer(
            response.status,
            response.reason,
            content,
            response.getheader("Content-Type", "application/octet-stream"),
        )

    def _answer(self, status: int, reason: str, content: bytes, content_type: str) -> None:
        self.send_response(status, reason)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST, as a crashed server or a firewall does."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


class FaultProxy:
    """The proxy: :meth:`start` it, :meth:`arm` a fault, point a client at :attr:`url`.

    Args:
        upstream: The base URL requests are forwarded to (``http://127.0.0.1:<port>``).
        hold: The longest a ``timeout`` fault keeps a connection before dropping it, in seconds.
    """

    def __init__(self, upstream: str, hold: float = 5.0) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.hold = hold
        self.faults: list[Fault] = []
        self.hits: Counter[Fault] = Counter()
        self.passed: Counter[Fault] = Counter()
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.dead = False
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def arm(self, fault: Fault) -> None:
        """Fail every request ``fault`` matches from now on."""
        with self.lock:
            self.faults.append(fault)

    def disarm(self) -> None:
        """Remove the faults: every request is forwarded again (unless the proxy died)."""
        with self.lock:
            self.faults.clear()

    def fault_for(self, method: str, path: str, body: bytes) -> Fault | None:
        with self.lock:
            return next((f for f in self.faults if f.matches(method, path, body)), None)

    def die(self) -> None:
        """Stop listening: every later connection is refused."""
        with self.lock:
            if self.dead:
                return
            self.dead = True
        # shutdown() waits for serve_forever, which runs in another thread than this handler.
        threading.Thread(target=self._close, daemon=True).start()
        self._server.socket.close()

    def _close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def stop(self) -> None:
        self.released.set()
        if not self.dead:
            self.dead = True
            self._server.shutdown()
            self._server.server_close()
