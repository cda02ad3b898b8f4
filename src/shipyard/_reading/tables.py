"""Settings tables: a dataclass of settings filled from a pyproject.toml table and the environment.

Both ``[tool.shipyard]`` (:mod:`shipyard.config`) and ``[tool.shipyard.gates]``
(:mod:`shipyard.gates`) are read this way: the table's keys are the fields' names with ``-`` for
``_``, an unknown key is an error that suggests the closest one, and an environment variable
``<PREFIX><FIELD>`` overrides the file. What a value may be is each module's own ``check``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from shipyard.errors import ConfigError, did_you_mean

__all__ = ["default_of", "key_of", "read_table", "values_from"]

Check = Callable[[str, Any, str], Any]


def key_of(name: str) -> str:
    """Return the TOML key of a field name (``fail_on`` -> ``fail-on``)."""
    return name.replace("_", "-")


def default_of(spec: dataclasses.Field[Any]) -> Any:
    """Return a field's default value, calling its factory for a list or a table."""
    if spec.default is not dataclasses.MISSING:
        return spec.default
    factory = spec.default_factory
    return factory() if callable(factory) else None


def read_table(pyproject: Path, *keys: str) -> dict[str, Any]:
    """Return the table at ``keys`` (e.g. ``tool``, ``shipyard``) of a pyproject.toml, or ``{}``.

    Raises:
        InputError: The file exists but cannot be read or parsed (rule PKG001).
        ConfigError: The table is there but is not a table.
    """
    if not (pyproject.exists() or pyproject.is_symlink()):
        return {}
    from shipyard._reading import toml as _toml

    # PKG001 documents an invalid pyproject.toml, whichever reader meets it first.
    _, data = _toml.load(pyproject, rule_id="PKG001")
    table: Any = data
    for key in keys:
        table = table.get(key, {}) if isinstance(table, dict) else {}
    if not isinstance(table, dict):
        name = ".".join(keys)
        msg = f"{pyproject}: [{name}] must be a table"
        raise ConfigError(msg, hint=f"Write it as a `[{name}]` section.")
    return table


def values_from(
    fields: Mapping[str, dataclasses.Field[Any]],
    table: Mapping[str, Any],
    source: str,
    check: Check,
    *,
    skip: Iterable[str] = (),
) -> dict[str, Any]:
    """Return the checked values of a table's keys, by field name.

    Args:
        fields: The settings dataclass's fields, by name.
        table: The table read from the file.
        source: Where the table is, for messages (``pyproject.toml [tool.shipyard]``).
        check: Called with (field name, value, source); returns the value to keep or raises
            ConfigError.
        skip: Keys read by someone else (sub-tables).

    Raises:
        ConfigError: A key is no field's; the message suggests the closest and lists them all.
    """
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in skip:
            continue
        name = key.replace("-", "_")
        if name not in fields:
            known = [key_of(n) for n in fields]
            msg = f"{source}: unknown key {key!r}{did_you_mean(key, known)}"
            raise ConfigError(msg, hint="Allowed keys: " + ", ".join(known))
        values[name] = check(name, value, source)
    return values
