"""The target the clients connect to: the sandbox, started once on demand, or the real systems.

:func:`shared_sandbox` starts one :class:`~shipyard.sandbox.Sandbox` per process the first time a
chapter needs it and stops it when the process ends, so every cell of a notebook (and every
module: Nexus, GitLab) talks to the same stand-ins. ``SHIPYARD_SANDBOX_ADMIN_PASSWORD`` sets its
initial admin password, as for ``shipyard sandbox start``.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from shipyard.config import Secret, Settings, load_settings
from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from shipyard.sandbox import Sandbox

__all__ = ["admin_password", "require", "resolve", "shared_sandbox"]

_LOCK = threading.Lock()
_SANDBOX: list[Sandbox] = []


def shared_sandbox() -> Sandbox:
    """Return this process's sandbox, starting it the first time."""
    with _LOCK:
        if not _SANDBOX:
            from shipyard.sandbox import Sandbox
            from shipyard.sandbox._sandbox import ADMIN_PASSWORD_ENV, GITLAB_TOKEN_ENV

            sandbox = Sandbox(
                admin_password=os.environ.get(ADMIN_PASSWORD_ENV) or None,
                gitlab_token=os.environ.get(GITLAB_TOKEN_ENV) or None,
            ).start()
            atexit.register(sandbox.stop)
            _SANDBOX.append(sandbox)
        return _SANDBOX[0]


def admin_password(sandbox: Sandbox) -> Secret:
    """Read Nexus's admin password from ``STATE_DIR/admin.password``, as one does on a real Nexus.

    Raises:
        ConfigError: The file is gone (admin's password was changed) and none was given.
    """
    path = sandbox.state_dir / "admin.password"
    if path.exists():
        return Secret(path.read_text(encoding="utf-8").strip(), name=str(path))
    if sandbox.admin_password:
        return sandbox.admin_password
    msg = f"{path} is gone: the sandbox's admin password was changed"
    raise ConfigError(msg, hint="Start the sandbox with a fresh state directory.")


def resolve(
    settings: Settings | None, sandbox: Sandbox | None, system: str = ""
) -> tuple[Settings, Sandbox | None]:
    """Return the settings in force and the sandbox to use (``None`` for the real target).

    Args:
        settings: The settings; read from ``pyproject.toml`` and ``SHIPYARD_*`` when omitted.
        sandbox: A running sandbox the caller chose, used as is.
        system: ``"nexus"`` or ``"gitlab"``: each is chosen by its own settings
            (:meth:`~shipyard.config.Settings.target_of`); empty for both at once.
    """
    settings = settings or load_settings()
    if sandbox is not None:
        return settings, sandbox
    chosen = settings.target_of(system) if system else settings.resolved_target
    if chosen == "sandbox":
        return settings, shared_sandbox()
    return settings, None


def require(system: str, settings: Iterable[tuple[str, object]]) -> None:
    """Check that the real ``system`` has every setting it needs.

    Args:
        system: What is being reached, e.g. ``"Nexus"``.
        settings: ``(environment variable, value)`` pairs.

    Raises:
        ConfigError: Names every setting that is empty.
    """
    missing = [name for name, value in settings if not value]
    if missing:
        msg = f"the real {system} needs {', '.join(missing)}"
        raise ConfigError(msg, hint="Set them in the environment, or SHIPYARD_TARGET=sandbox.")
