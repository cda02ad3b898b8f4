"""Serve a WSGI app on a loopback port in a background thread, with credential-free logs.

The server is the standard library's :mod:`wsgiref` with one thread per connection. Why this
stack: it ships with Python (nothing to install or pin), binds and starts in milliseconds, and the
sandbox's load (one test run, one notebook) is far below what it handles. Its limits (HTTP/1.0,
no keep-alive, no chunked request bodies) do not matter to pip, twine or python-gitlab, which all
send ``Content-Length``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, MutableMapping
from socketserver import ThreadingMixIn
from typing import IO, Any, cast
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

__all__ = ["ServerThread"]

log = logging.getLogger("shipyard.sandbox")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _LogWriter:
    """A ``wsgi.errors`` stream that sends what it gets to the sandbox logger."""

    def write(self, text: str) -> int:
        if text.strip():
            log.error("%s", text.rstrip())
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Nothing to flush: every write is already logged."""


class _ServerHandler(ServerHandler):
    # wsgiref copies the whole process environment (snapshotted at import) into every WSGI
    # environ; that may hold SHIPYARD_SANDBOX_* secrets, so the apps get none of it.
    os_environ: MutableMapping[str, str] = {}
    request_handler: WSGIRequestHandler


class _RequestHandler(WSGIRequestHandler):
    """Keeps the raw path for routing and logs method, path and status only.

    The query string is left out of the log because a client may put a token there
    (``?private_token=``); headers, where credentials travel, are never logged.
    """

    @property
    def _server(self) -> _ThreadingServer:
        # socketserver types the server as any BaseServer; this handler serves only ours.
        return cast("_ThreadingServer", self.server)

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["shipyard.raw_path"] = self.path.split("?", 1)[0]
        return environ

    def get_stderr(self) -> Any:
        return _LogWriter()

    def handle(self) -> None:
        """Handle one request as wsgiref does, with a handler that leaks no process environment."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        # The socket's writer is a file of bytes, whatever class typeshed gives it.
        wfile = cast("IO[bytes]", self.wfile)
        handler = _ServerHandler(
            self.rfile, wfile, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self
        handler.run(self._server.wsgi_app())

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = getattr(self, "path", "").split("?", 1)[0]
        log.info("%s %s %s %s", self._server.name, self.command, path, code)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        log.debug("%s: %s", self._server.name, "connection-level message suppressed")


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    name = "server"

    def wsgi_app(self) -> WSGIApp:
        """Return the app to serve, which ``make_server`` sets before the first request."""
        app = self.get_app()
        if app is None:
            msg = f"{self.name}: no WSGI application to serve"
            raise RuntimeError(msg)
        return app

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-answer (pip, twine on retry) are normal; keep the log quiet.
        log.debug("%s: connection from %s dropped", self.name, client_address[0])


class ServerThread:
    """A WSGI server on ``host:port`` (port 0 picks a free one) running in a daemon thread.

    Args:
        name: A short name used in log lines (``nexus``, ``gitlab``).
        app: The WSGI application.
        host: The address to bind; the sandbox always uses loopback.
        port: The port; 0 lets the OS pick a free one.
    """

    def __init__(self, name: str, app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(
            host, port, app, server_class=_ThreadingServer, handler_class=_RequestHandler
        )
        self._server.name = name
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"shipyard-sandbox-{name}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        """Start answering requests."""
        self._thread.start()

    def stop(self) -> None:
        """Stop answering, close the socket and wait for the serving thread."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
