"""Settings: ``[tool.shipyard]`` in pyproject.toml, overridden by ``SHIPYARD_*`` variables.

Every setting is a field of :class:`Settings` whose help text lives here, in code; the configuration
reference page is generated from it. Secrets (passwords, tokens) are read from the environment only,
never from a file that could be committed, and are held as :class:`Secret`, whose ``str`` and
``repr`` are masked.

The *target* says where actions go: ``sandbox`` (the local stand-ins, the default) or ``real`` (the
Nexus and GitLab that ``SHIPYARD_NEXUS_URL`` and ``SHIPYARD_GITLAB_URL`` name).
"""

from __future__ import annotations

import dataclasses
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard._reading import SIZE_LIMITS
from shipyard._reading.tables import default_of, key_of, read_table, values_from
from shipyard.errors import ConfigError, did_you_mean, shorten

__all__ = [
    "SEVERITIES",
    "Secret",
    "Settings",
    "describe_settings",
    "load_settings",
]

SEVERITIES = ("info", "warning", "error")
TARGETS = ("sandbox", "real")
#: Sub-tables of [tool.shipyard] that other modules read: ``gates`` (quality gate thresholds).
SUBTABLES = ("gates",)


class Secret:
    """A secret value whose ``str`` and ``repr`` never show it.

    Call :meth:`reveal` at the one place the value is sent to the system that needs it.

    Args:
        value: The secret.
        name: Where it came from (e.g. the environment variable), shown in place of the value.
    """

    __slots__ = ("_value", "name")

    def __init__(self, value: str, name: str = "") -> None:
        self._value = value
        self.name = name

    def reveal(self) -> str:
        """Return the secret value itself."""
        return self._value

    def __str__(self) -> str:
        return "****"

    def __repr__(self) -> str:
        return f"Secret({self.name!r})" if self.name else "Secret('****')"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # Constant time: a comparison must not tell an attacker how much of a guess was right.
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickling reveals the value to whoever unpickles; refuse rather than leak by accident.
        msg = "a Secret cannot be pickled"
        raise TypeError(msg)


def _setting(
    default: Any, help: str, *, secret: bool = False, choices: tuple[str, ...] = ()
) -> Any:
    meta = {"help": help, "secret": secret, "choices": choices}
    if isinstance(default, (list, dict)):
        factory = default.copy
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """Every Shipyard setting, with its value after files and environment are merged."""

    target: str = _setting(
        "",
        "Where actions go: `sandbox` (local stand-ins on loopback) or `real`, for both systems. "
        "When unset, each system is chosen by its own URL: Nexus is `real` when "
        "`SHIPYARD_NEXUS_URL` is set, GitLab when `SHIPYARD_GITLAB_URL` is set, else `sandbox`.",
        choices=TARGETS,
    )
    nexus_url: str = _setting("", "Base URL of the real Nexus, e.g. `https://nexus.corp.local`.")
    nexus_username: str = _setting("", "Nexus user Shipyard administers Nexus as.")
    nexus_password: Secret | None = _setting(
        None, "Password of `nexus-username`. Environment only.", secret=True
    )
    nexus_repository: str = _setting(
        "pypi-internal", "Name of the hosted PyPI repository the project publishes to."
    )
    deploy_password: Secret | None = _setting(
        None,
        "Password of the Nexus deploy user (`deploy-ci`) that chapter 01 creates and stores in "
        "the CI variable `NEXUS_PYPI_PASSWORD`. Set it to keep the same password on every run "
        "against a Nexus that keeps its state. When unset, the password is read back from "
        "`deploy-password-file`, then from the GitLab variable it was written to, and generated "
        "only when none of them has one. Environment only.",
        secret=True,
    )
    deploy_password_file: str = _setting(
        "",
        "File that keeps the deploy user's password between runs: read when it exists, written "
        "(mode 0600) when a password is generated. `shipyard sandbox start --setup` writes "
        "`STATE_DIR/deploy-ci.password`.",
    )
    gitlab_url: str = _setting("", "Base URL of the real GitLab, e.g. `https://gitlab.corp.local`.")
    gitlab_token: Secret | None = _setting(
        None,
        "Personal or project access token with the `api` scope. Environment only.",
        secret=True,
    )
    gitlab_project: str = _setting("", "Project id or path (`group/project`) to configure.")
    docs_url: str = _setting(
        "https://shipyard.gitlab.io/shipyard",
        "Base URL of the published runbook; every finding links to its rule's page under it.",
    )
    fail_on: str = _setting(
        "warning",
        "Lowest severity that makes `shipyard check` exit 1: `info`, `warning` or `error`.",
        choices=SEVERITIES,
    )
    select: list[str] = _setting(
        [], "Rule id prefixes to run (e.g. `PKG`, `IMG001`). Empty: every rule."
    )
    ignore: list[str] = _setting([], "Rule ids to skip. Say why in a comment next to each.")
    severity: dict[str, str] = _setting(
        {}, 'Per-rule severity overrides, e.g. `{PKG006 = "info"}`.'
    )
    max_file_size: dict[str, int] = _setting(
        {},
        "Size limits in KiB per kind of file read, replacing the defaults ("
        + ", ".join(f"{kind} {kib}" for kind, kib in SIZE_LIMITS.items())
        + "), e.g. `{dockerfile = 2048}`. A larger file is an error, not read. "
        "pyproject.toml itself is read before this table: raise its limit in the environment.",
    )

    @property
    def resolved_target(self) -> str:
        """Return the target in force, the explicit one or one inferred from the real URLs.

        ``real`` when either system is real; :meth:`target_of` says which, system by system.
        """
        if self.target:
            return self.target
        return "real" if (self.nexus_url or self.gitlab_url) else "sandbox"

    def target_of(self, system: str) -> str:
        """Return the target of one system, ``"nexus"`` or ``"gitlab"``: ``sandbox`` or ``real``.

        An explicit ``target`` applies to both; otherwise each system is real only when its own
        URL is set, so naming a real Nexus does not send GitLab calls to a real GitLab.
        """
        if self.target:
            return self.target
        url = {"nexus": self.nexus_url, "gitlab": self.gitlab_url}[system]
        return "real" if url else "sandbox"


def _fields() -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(Settings)}


def _env_name(name: str) -> str:
    return f"SHIPYARD_{name.upper()}"


def _check_value(name: str, value: Any, source: str) -> Any:
    spec = _fields()[name]
    default = default_of(spec)
    value = _from_list_text(default, value)
    expected: type = str if spec.metadata["secret"] or default is None else type(default)
    if not isinstance(value, expected):
        msg = (
            f"{source}: {key_of(name)!r} must be a {expected.__name__}, "
            f"not {type(value).__name__} {value!r}"
        )
        raise ConfigError(msg, hint=spec.metadata["help"])
    _check_items(name, value, source)
    _check_choice(name, spec, value, source)
    if name == "severity":
        _check_severities(value, source)
    if name == "max_file_size":
        _check_sizes(value, source)
    if spec.metadata["secret"]:
        return Secret(value, name=source)
    return value


def _check_choice(name: str, spec: dataclasses.Field[Any], value: Any, source: str) -> None:
    """Check that a non-empty value is one of the setting's choices, when it has some."""
    choices = spec.metadata["choices"]
    if choices and value and value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        msg = f"{source}: {key_of(name)} = {value!r} is not one of {allowed}"
        raise ConfigError(msg + did_you_mean(value, choices), hint=spec.metadata["help"])


def _check_items(name: str, value: Any, source: str) -> None:
    """Check that a list's items and a table's keys are strings (``select = [1, 2]`` is not)."""
    items = list(value) if isinstance(value, (list, dict)) else []
    for item in items:
        if not isinstance(item, str):
            what = "item" if isinstance(value, list) else "key"
            msg = (
                f"{source}: every {what} of {key_of(name)!r} must be a string, "
                f"not {type(item).__name__} {shorten(repr(item))}"
            )
            raise ConfigError(msg, hint=_fields()[name].metadata["help"])


def _check_sizes(value: dict[str, Any], source: str) -> None:
    """Check a ``max-file-size`` table: kinds of file -> a positive number of KiB."""
    for kind, kib in value.items():
        if kind not in SIZE_LIMITS:
            allowed = ", ".join(SIZE_LIMITS)
            msg = f"{source}: max-file-size has no kind {kind!r}{did_you_mean(kind, SIZE_LIMITS)}"
            raise ConfigError(msg, hint=f"Kinds: {allowed}.")
        if isinstance(kib, bool) or not isinstance(kib, int) or not 0 < kib <= 2**30:
            msg = f"{source}: max-file-size of {kind} = {shorten(repr(kib))} is not a number of KiB"
            raise ConfigError(msg, hint="Write a whole number of KiB, e.g. 2048.")


def _from_list_text(default: Any, value: Any) -> Any:
    """Split a comma-separated string for a list setting; return any other value as is."""
    if isinstance(default, list) and isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _check_severities(value: dict[str, Any], source: str) -> None:
    """Check the severities of a ``severity`` table, rule id -> severity."""
    for rule_id, severity in value.items():
        if severity not in SEVERITIES:
            allowed = ", ".join(repr(c) for c in SEVERITIES)
            msg = f"{source}: severity of {rule_id} = {severity!r} is not one of {allowed}"
            raise ConfigError(msg + did_you_mean(str(severity), SEVERITIES))


def load_settings(
    project_dir: Path | str = ".", environ: Mapping[str, str] | None = None
) -> Settings:
    """Read a project's settings: its ``[tool.shipyard]`` table, then ``SHIPYARD_*`` variables.

    Args:
        project_dir: Directory holding ``pyproject.toml``; a missing file means all defaults.
        environ: The environment to read; ``os.environ`` when omitted.

    Returns:
        The merged, validated settings.

    Raises:
        ConfigError: A key is unknown, a value has the wrong type or is not an allowed choice, or a
            secret is written in the file.
        InputError: pyproject.toml exists but cannot be read or parsed.
    """
    environ = os.environ if environ is None else environ
    pyproject = Path(project_dir) / "pyproject.toml"
    values = _file_values(pyproject)
    for name in _fields():
        env = _env_name(name)
        if environ.get(env):
            values[name] = _env_value(name, environ[env], env)
    return Settings(**values)


def _file_values(pyproject: Path) -> dict[str, Any]:
    """Return the checked settings of a pyproject.toml's ``[tool.shipyard]`` table, by field."""
    return values_from(
        _fields(), read_table(pyproject, "tool", "shipyard"), f"{pyproject} [tool.shipyard]",
        _check_file_value, skip=SUBTABLES,
    )  # fmt: skip


def _check_file_value(name: str, value: Any, source: str) -> Any:
    """Check a value written in the file: secrets may only come from the environment."""
    if _fields()[name].metadata["secret"]:
        msg = f"{source}: {key_of(name)!r} is a secret and cannot be set in a file"
        raise ConfigError(msg, hint=f"Set the environment variable {_env_name(name)} instead.")
    return _check_value(name, value, source)


def _env_value(name: str, raw: str, env: str) -> Any:
    """Return the checked value of a setting's variable; ``severity`` is ``ID=level,...``."""
    if name not in ("severity", "max_file_size"):
        return _check_value(name, raw, env)
    pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
    table: dict[str, Any] = {k.strip(): v.strip() for k, v in pairs}
    if name == "max_file_size":
        from shipyard._reading import decimal

        table = {k: decimal(v) if decimal(v) is not None else v for k, v in table.items()}
    return _check_value(name, table, env)


def describe_settings() -> list[dict[str, str]]:
    """Return a row per setting (key, environment variable, default, help) for the docs."""
    rows = []
    for name, spec in _fields().items():
        default = default_of(spec)
        shown = "(environment only)" if spec.metadata["secret"] else repr(default)
        if default in ("", [], {}):
            shown = "(empty)" if not spec.metadata["secret"] else shown
        rows.append(
            {
                "key": "" if spec.metadata["secret"] else key_of(name),
                "env": _env_name(name),
                "default": shown,
                "help": spec.metadata["help"],
            }
        )
    return rows
