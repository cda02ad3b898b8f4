"""The deploy user's password, kept between runs so that a second run plans nothing.

A generated password changes on every run; against a Nexus and a GitLab that keep their state, that
would update the user and the ``NEXUS_PYPI_PASSWORD`` variable each time. :func:`deploy_password`
reads the password back from where the user keeps it instead, in this order:

1. ``SHIPYARD_DEPLOY_PASSWORD`` (the ``deploy-password`` setting, environment only);
2. the file ``SHIPYARD_DEPLOY_PASSWORD_FILE`` names, when it exists;
3. the GitLab CI variable it was written to (``NEXUS_PYPI_PASSWORD``), when its value can be read;

and generates a new one only when none of them has it, or when asked to rotate. A generated
password is written to the password file (mode 0600) when one is configured, so it is not lost
before it reaches GitLab. The value is never shown: only where it came from.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.config import Secret, Settings, load_settings
from shipyard.errors import InputError

if TYPE_CHECKING:
    from shipyard.gitlab import GitLabProject

__all__ = ["PASSWORD_VARIABLE", "KeptPassword", "deploy_password", "generate_password"]

#: The CI variable chapter 01 writes the deploy password to (the seed's name).
PASSWORD_VARIABLE = "NEXUS_PYPI_PASSWORD"


def generate_password() -> Secret:
    """Return a new random password: 32 URL-safe characters, maskable in GitLab."""
    return Secret(secrets.token_urlsafe(24), name="generated")


@dataclass(frozen=True)
class KeptPassword:
    """A deploy password and where it came from (shown in the plan's note, never the value)."""

    password: Secret
    source: str


def deploy_password(
    settings: Settings | None = None,
    *,
    keep_from: GitLabProject | None = None,
    rotate: bool = False,
) -> KeptPassword:
    """Return the deploy user's password: the one already in use, or a new one.

    Args:
        settings: The settings; read from ``pyproject.toml`` and ``SHIPYARD_*`` when omitted.
        keep_from: The GitLab project whose ``NEXUS_PYPI_PASSWORD`` holds the password of an
            earlier run; skipped when omitted.
        rotate: Generate a new password even when one is kept (and write it to the password
            file, replacing the old one: rotating is asking for that).

    Raises:
        InputError: The password file exists but cannot be read, or is empty.
        OperationError: GitLab refused to list the project's variables.
    """
    settings = settings or load_settings()
    named = settings.deploy_password_file
    file = Path(named).expanduser() if named else None
    kept = None if rotate else _kept_password(settings, file, keep_from)
    if kept is not None:
        return kept
    password = generate_password()
    source = "rotated" if rotate else "generated"
    if file is not None:
        _write(file, password)
        source += f", saved to {file}"
    return KeptPassword(password, source)


def _kept_password(
    settings: Settings, file: Path | None, keep_from: GitLabProject | None
) -> KeptPassword | None:
    """Return the password already in use, in order of precedence, or ``None`` (none is kept).

    Raises:
        InputError: The password file exists but cannot be read, or is empty.
        OperationError: GitLab refused to list the project's variables.
    """
    if settings.deploy_password:
        return KeptPassword(settings.deploy_password, "from SHIPYARD_DEPLOY_PASSWORD")
    if file is not None and file.exists():
        return KeptPassword(_read(file), f"kept in {file}")
    kept = _from_variable(keep_from) if keep_from is not None else None
    if kept is not None:
        return KeptPassword(kept, f"kept from CI variable {PASSWORD_VARIABLE}")
    return None


def _read(file: Path) -> Secret:
    try:
        value = file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        msg = f"cannot read the deploy password: {exc.strerror or exc}"
        raise InputError(msg, path=file, hint="Check the file's permissions.") from None
    if not value:
        msg = "the deploy password file is empty"
        raise InputError(
            msg, path=file, hint="Write the password into it, or remove it to generate one."
        )
    return Secret(value, name=str(file))


def _write(file: Path, password: Secret) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password.reveal() + "\n")
    file.chmod(0o600)


def _from_variable(project: GitLabProject) -> Secret | None:
    """Return the value of the project's password variable, or ``None`` (absent or hidden)."""
    value = project.variables().get(PASSWORD_VARIABLE, {}).get("value")
    return Secret(value, name=PASSWORD_VARIABLE) if value else None
