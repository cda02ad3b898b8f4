"""The sandbox itself: start both stand-ins on free loopback ports, stop them, and the CLI body."""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from shipyard._tempdirs import temporary_directory
from shipyard.config import Secret
from shipyard.errors import ConfigError, redact

if TYPE_CHECKING:
    from collections.abc import Callable

    from shipyard.sandbox._state import StateStore

__all__ = ["ADMIN_PASSWORD_ENV", "GITLAB_TOKEN_ENV", "Sandbox", "run_foreground"]

log = logging.getLogger("shipyard.sandbox")

ADMIN_PASSWORD_ENV = "SHIPYARD_SANDBOX_ADMIN_PASSWORD"
GITLAB_TOKEN_ENV = "SHIPYARD_SANDBOX_GITLAB_TOKEN"
ADMIN_PASSWORD_FILE = "admin.password"
GITLAB_TOKEN_FILE = "gitlab.token"
GITLAB_PROJECT = "shipyard/demo"


class Sandbox:
    """A Nexus stand-in and a GitLab stand-in on free ``127.0.0.1`` ports, as a context manager.

    Everything they are told (repositories, roles, users, anonymous settings, uploaded packages,
    GitLab variables) is kept in ``state_dir``, so a sandbox started again on the same directory
    has it all. Like Nexus, a new state directory gets a generated admin password in
    ``STATE_DIR/admin.password``; the GitLab token is in ``STATE_DIR/gitlab.token``.

    Attributes:
        state_dir: The state directory (known once started).
        admin_password: Nexus's admin password as ``STATE_DIR/admin.password`` holds it; ``None``
            if that file is gone (Nexus removes it when admin's password changes) and no
            ``admin_password`` was given.
        gitlab_token: The token for ``PRIVATE-TOKEN``.
        gitlab_project: The project the GitLab stand-in serves (``group/path``).

    Args:
        state_dir: Where the state lives; ``None`` uses a new temporary directory that is removed
            when the sandbox stops.
        admin_password: Nexus's initial admin password, used only when the state is new
            (default: a random UUID, as Nexus generates).
        gitlab_token: The GitLab personal access token (default: the stored one, or a new one).
        nexus_port: The Nexus port; 0 picks a free one.
        gitlab_port: The GitLab port; 0 picks a free one.

    Example:
        >>> with Sandbox() as sandbox:  # doctest: +SKIP
        ...     requests.get(f"{sandbox.nexus_url}/service/rest/v1/status")
    """

    def __init__(
        self,
        state_dir: Path | str | None = None,
        *,
        admin_password: str | None = None,
        gitlab_token: str | None = None,
        nexus_port: int = 0,
        gitlab_port: int = 0,
    ) -> None:
        self._requested_dir = Path(state_dir) if state_dir is not None else None
        self._initial_password = admin_password
        self._requested_token = gitlab_token
        self._ports = (nexus_port, gitlab_port)
        self._servers: list[Any] = []
        self._registry: Any = None
        self._owns_dir = False
        self.state_dir: Path = self._requested_dir or Path()
        self.admin_password: Secret | None = None
        self.gitlab_token: Secret = Secret("")
        self.gitlab_project = GITLAB_PROJECT

    @property
    def nexus_url(self) -> str:
        """The Nexus base URL, e.g. ``http://127.0.0.1:41234`` (REST under ``/service/rest``)."""
        return self._url(0)

    @property
    def gitlab_url(self) -> str:
        """The GitLab base URL, e.g. ``http://127.0.0.1:41235`` (API under ``/api/v4``)."""
        return self._url(1)

    def _url(self, index: int) -> str:
        if not self._servers:
            msg = "the sandbox is not running"
            raise ConfigError(msg, hint="Use it inside `with Sandbox() as sandbox:`.")
        return self._servers[index].url

    def start(self) -> Sandbox:
        """Start both stand-ins; returns the sandbox, ready to answer."""
        from shipyard.sandbox._state import STATE_FILE, write_private_file

        if self._servers:
            return self
        self._prepare_state_dir()
        password_file = self.state_dir / ADMIN_PASSWORD_FILE
        token_file = self.state_dir / GITLAB_TOKEN_FILE
        password = self._initial_password or str(uuid.uuid4())
        if not (self.state_dir / STATE_FILE).exists():
            write_private_file(password_file, password)
        token = self._token(token_file)
        store = _open_store(self.state_dir, password, token)
        write_private_file(token_file, token)
        if password_file.exists():
            self.admin_password = Secret(password_file.read_text(encoding="utf-8").strip())
        elif self._initial_password:
            self.admin_password = Secret(self._initial_password)
        self.gitlab_token = Secret(token)
        self._listen(store)
        for server in self._servers:
            server.start()
        log.info("sandbox: nexus at %s, gitlab at %s", self.nexus_url, self.gitlab_url)
        return self

    def _prepare_state_dir(self) -> None:
        """Make a temporary state directory (removed on stop or at exit), or the requested one."""
        if self._requested_dir is None:
            self.state_dir = temporary_directory("shipyard-sandbox-")
            self._owns_dir = True
        else:
            self.state_dir = self._requested_dir.resolve()
            self.state_dir.mkdir(parents=True, exist_ok=True)

    def _token(self, token_file: Path) -> str:
        """Return the GitLab token: the requested one, else the saved one, else a new one."""
        if self._requested_token:
            return self._requested_token
        saved = token_file.read_text(encoding="utf-8").strip() if token_file.exists() else ""
        return saved or f"glpat-{secrets.token_urlsafe(15)}"

    def _listen(self, store: StateStore) -> None:
        """Bind a server for each stand-in (not started yet).

        Raises:
            ConfigError: A port is taken; the servers bound so far are stopped.
        """
        from shipyard.sandbox._gitlab_app import GitLabApp
        from shipyard.sandbox._nexus_app import NexusApp
        from shipyard.sandbox._server import ServerThread

        apps = [("nexus", NexusApp(store, self.state_dir)), ("gitlab", GitLabApp(store))]
        for (name, app), port in zip(apps, self._ports, strict=True):
            try:
                self._servers.append(ServerThread(name, app, port=port))
            except OSError as exc:
                self.stop()
                msg = f"the sandbox's {name} stand-in cannot listen on 127.0.0.1:{port}: {exc}"
                raise ConfigError(msg, hint="Pick another port, or 0 for a free one.") from exc

    def start_registry(self, *, base_images: bool = True) -> Any:
        """Start the container registry too (only on demand: it costs two processes).

        Args:
            base_images: Also make sure the Docker Hub stand-in holds its base images (built
                once per machine, several minutes the first time).

        Returns:
            The :class:`~shipyard.sandbox._registry.Registry`, running until the sandbox stops.
        """
        from shipyard.sandbox._registry import Registry

        self._url(0)  # the sandbox must be running
        if self._registry is None:
            self._registry = Registry(self.state_dir / "registry").start()
        if base_images:
            self._registry.ensure_base_images()
        return self._registry

    @property
    def registry(self) -> Any:
        """The running registry, or ``None`` when :meth:`start_registry` was not called."""
        return self._registry

    def stop(self) -> None:
        """Stop the stand-ins (and remove the state directory if the sandbox made it)."""
        registry, self._registry = self._registry, None
        if registry is not None:
            registry.stop()
        servers, self._servers = self._servers, []
        for server in servers:
            server.stop()
        if self._owns_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self._owns_dir = False

    @property
    def owns_state_dir(self) -> bool:
        """Whether the state directory is a temporary one, removed when the sandbox stops."""
        return self._owns_dir

    def describe(self) -> dict[str, Any]:
        """Return where things are, without any secret: URLs, state directory, secret files."""
        registry = {"registry": self._registry.describe()} if self._registry else {}
        return registry | {
            "nexus_url": self.nexus_url,
            "gitlab_url": self.gitlab_url,
            "state_dir": str(self.state_dir),
            "admin_username": "admin",
            "admin_password_file": str(self.state_dir / ADMIN_PASSWORD_FILE),
            "gitlab_token_file": str(self.state_dir / GITLAB_TOKEN_FILE),
            "gitlab_project": GITLAB_PROJECT,
            "pid": os.getpid(),
        }

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = f"{self.nexus_url}, {self.gitlab_url}" if self._servers else "stopped"
        return f"Sandbox({str(self.state_dir)!r}, {where})"


def _open_store(state_dir: Path, password: str, token: str) -> StateStore:
    """Open the stand-ins' state, made with these credentials when new; store the token's hash."""
    from shipyard.sandbox._gitlab_app import default_gitlab_state
    from shipyard.sandbox._nexus_app import default_nexus_state
    from shipyard.sandbox._state import StateStore, hash_password

    store = StateStore(
        state_dir,
        {
            "nexus": lambda: default_nexus_state(password),
            "gitlab": lambda: default_gitlab_state(token),
        },
    )
    with store.write("gitlab") as gitlab:
        gitlab["token"] = hash_password(token)
    return store


class _RedactingFilter(logging.Filter):
    """Mask the sandbox's secrets in every log record, whatever logged it."""

    def __init__(self, secrets_: list[Any]) -> None:
        super().__init__()
        self._secrets = secrets_

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:
            # A traceback ends with the exception's message: mask it like the rest.
            text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_info = record.exc_text = None
        record.msg = redact(text, self._secrets)
        record.args = None
        return True


def run_foreground(
    state_dir: Path | None = None,
    on_ready: Callable[[Sandbox], None] | None = None,
    *,
    registry: bool = False,
) -> None:
    """Run the sandbox until SIGINT or SIGTERM: the body of ``shipyard sandbox start``.

    Prints one JSON line on stdout once both stand-ins answer, with ``nexus_url``,
    ``gitlab_url``, ``state_dir`` and the paths of the files holding the admin password and the
    GitLab token (never the secrets themselves). Logs go to stderr, secrets masked. The initial
    admin password and the GitLab token can be set with ``SHIPYARD_SANDBOX_ADMIN_PASSWORD`` and
    ``SHIPYARD_SANDBOX_GITLAB_TOKEN``.

    Args:
        state_dir: The state directory; ``None`` uses a temporary one, removed on exit.
        on_ready: Called with the running sandbox once the JSON line is printed (the CLI sets up
            repositories and prints how to use them); its errors stop the sandbox.
        registry: Also start the container registry (its hosts are in the JSON line).
    """
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # Masked in every log line: the secrets from the environment now, the sandbox's once known.
    masked: list[Any] = [
        os.environ.get(ADMIN_PASSWORD_ENV, ""),
        os.environ.get(GITLAB_TOKEN_ENV, ""),
    ]
    handler.addFilter(_RedactingFilter(masked))
    loggers = [logging.getLogger("shipyard.sandbox"), logging.getLogger("pypiserver")]
    for logger in loggers:
        logger.addHandler(handler)
    loggers[0].setLevel(logging.INFO)
    started = time.perf_counter()
    sandbox = Sandbox(
        state_dir,
        admin_password=os.environ.get(ADMIN_PASSWORD_ENV) or None,
        gitlab_token=os.environ.get(GITLAB_TOKEN_ENV) or None,
    )
    try:
        with sandbox:
            masked.extend([sandbox.admin_password, sandbox.gitlab_token])
            if registry:
                sandbox.start_registry()
            info = sandbox.describe() | {"startup_seconds": round(time.perf_counter() - started, 3)}
            print(json.dumps(info), flush=True)
            if on_ready is not None:
                on_ready(sandbox)
            while not stop.wait(0.5):
                pass
            log.info("sandbox: stopping")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        for sig, old in previous.items():
            signal.signal(sig, old)
