"""The sandbox's persistent state: one JSON document in the state directory, saved atomically.

Both stand-ins keep their configuration here (Nexus: repositories, roles, users, anonymous
settings; GitLab: projects and their CI variables), each under its own key. Uploaded packages live
next to it as files (see :mod:`shipyard.sandbox._pypi`). Passwords and tokens are stored only as
salted hashes, as Nexus and GitLab do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shipyard.errors import InputError

__all__ = [
    "STATE_FILE",
    "StateStore",
    "check_password",
    "hash_password",
    "write_private_file",
]

STATE_FILE = "state.json"
_FORMAT_VERSION = 1
# Nexus hashes with 1024 rounds of SHA-512 (Shiro's default); PBKDF2 with the same count is as cheap
# per request and keeps basic auth fast.
_ITERATIONS = 1024


def hash_password(password: str) -> dict[str, Any]:
    """Return a salted PBKDF2-SHA512 record of ``password`` fit for the state file."""
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), bytes.fromhex(salt), _ITERATIONS)
    return {
        "algorithm": "pbkdf2-sha512",
        "iterations": _ITERATIONS,
        "salt": salt,
        "hash": digest.hex(),
    }


def check_password(password: str, record: dict[str, Any] | None) -> bool:
    """Return whether ``password`` matches a record made by :func:`hash_password`."""
    if not record:
        return False
    digest = hashlib.pbkdf2_hmac(
        "sha512", password.encode(), bytes.fromhex(record["salt"]), int(record["iterations"])
    )
    return hmac.compare_digest(digest.hex(), record["hash"])


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (like Nexus's ``admin.password``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


class StateStore:
    """Thread-safe access to ``STATE_DIR/state.json``.

    Args:
        state_dir: The directory holding the state; created when missing.
        defaults: Section name -> factory of that section's initial content, used for sections the
            file does not have yet (a new state directory, or a section added later).
    """

    def __init__(self, state_dir: Path, defaults: dict[str, Callable[[], dict[str, Any]]]) -> None:
        self.state_dir = state_dir
        self.path = state_dir / STATE_FILE
        self._lock = threading.RLock()
        state_dir.mkdir(parents=True, exist_ok=True)
        self._data = self._load()
        missing = [name for name in defaults if name not in self._data]
        for name in missing:
            self._data[name] = defaults[name]()
        if missing or not self.path.exists():
            self._save()

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": _FORMAT_VERSION}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            msg = f"the sandbox state is unreadable: {exc}"
            raise InputError(
                msg, path=self.path, hint="Start the sandbox with a fresh --state-dir."
            ) from exc
        if not isinstance(data, dict) or data.get("version") != _FORMAT_VERSION:
            msg = f"the sandbox state has an unknown format (expected version {_FORMAT_VERSION})"
            raise InputError(
                msg, path=self.path, hint="Start the sandbox with a fresh --state-dir."
            )
        return data

    def _save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self._data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    @contextmanager
    def read(self, section: str) -> Generator[dict[str, Any], None, None]:
        """Hold the lock and give a section for reading; do not change it."""
        with self._lock:
            yield self._data[section]

    @contextmanager
    def write(self, section: str) -> Generator[dict[str, Any], None, None]:
        """Hold the lock, give a section to change, and save the file when the block succeeds."""
        with self._lock:
            snapshot = json.dumps(self._data[section])
            try:
                yield self._data[section]
            except BaseException:
                # Roll back a half-done change so memory and disk never disagree.
                self._data[section] = json.loads(snapshot)
                raise
            self._save()
