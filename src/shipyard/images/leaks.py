"""Build arguments and secret-like variables left in a built image's history or config.

Docker and buildah record, in the history of every ``RUN``, the build arguments it saw
(``|2 NAME=value OTHER=value /bin/sh -c ...``); ``ENV`` values and labels are in the image's
config. Anyone who pulls the image reads both. :func:`find_leaks` names each place a value is
found, and never the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shipyard.errors import redact

__all__ = ["SECRET_NAME", "Leak", "find_leaks"]

#: Variable names that hold secrets when they hold anything.
SECRET_NAME = re.compile(
    r"TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH", re.IGNORECASE
)
# A RUN's history starts with the build arguments it saw: "|2 NAME=value OTHER=value /bin/sh -c".
_RUN_ARGS = re.compile(r"^\|(\d+)\s+")
_ARG_DEFAULT = re.compile(r"#\(nop\)\s+ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S.*)$")


@dataclass(frozen=True)
class Leak:
    """A build argument or secret-like variable found in the image, never with its value.

    Attributes:
        name: The build argument or variable.
        where: Where it is (``history step 4: |1 NAME=**** /bin/sh -c ...``, ``config Env``),
            the value masked.
    """

    name: str
    where: str


def find_leaks(
    config: Mapping, history: Sequence[Mapping], build_args: Mapping[str, str]
) -> list[Leak]:
    """Find build argument values and secret-like variables in an image's history and config.

    Args:
        config: The image config (``Env``, ``Labels``).
        history: The image history, oldest first (``created_by`` of each step).
        build_args: The build arguments passed, by name.

    Returns:
        One :class:`Leak` per place, values masked.
    """
    values = [v for v in build_args.values() if v]
    leaks: list[Leak] = []

    def add(name: str, where: str) -> None:
        leak = Leak(name, redact(where, values))
        if leak not in leaks:
            leaks.append(leak)

    for number, step in enumerate(history, start=1):
        created_by = str(step.get("created_by", ""))
        # a secret-like default is masked like a passed value
        values.extend(value for _, value in _secret_defaults(created_by, build_args))
        for name, where in _history_places(number, created_by, build_args, values):
            add(name, where)
    for name, where in [*_env_places(config, build_args), *_label_places(config, build_args)]:
        add(name, where)
    return leaks


def _run_arguments(created_by: str) -> list[tuple[str, str]]:
    """Return the ``NAME=value`` build arguments a RUN step's history records."""
    match = _RUN_ARGS.match(created_by)
    if not match:
        return []
    tokens = created_by[match.end() :].split(" ")[: int(match.group(1))]
    return [(name, value) for name, _, value in (token.partition("=") for token in tokens)]


def _secret_defaults(created_by: str, build_args: Mapping[str, str]) -> list[tuple[str, str]]:
    """Return the secret-like build arguments a RUN step recorded that were not passed."""
    return [
        (name, value)
        for name, value in _run_arguments(created_by)
        if value and SECRET_NAME.search(name) and name not in build_args
    ]


def _holding(build_args: Mapping[str, str], text: str) -> list[str]:
    """Return the names of the build arguments whose (non-empty) value is in ``text``."""
    return [name for name, value in build_args.items() if value and value in text]


def _history_places(
    number: int, created_by: str, build_args: Mapping[str, str], values: list[str]
) -> list[tuple[str, str]]:
    """Return ``(name, where)`` for each leak in one history step, the step masked by ``values``."""
    shown = redact(created_by, values)
    shown = shown if len(shown) <= 70 else shown[:67] + "..."
    where = f"history step {number}: {shown}"
    places = [(name, where) for name in _holding(build_args, created_by)]
    places += [(name, where) for name, _ in _secret_defaults(created_by, build_args)]
    name = _secret_arg_default(created_by)
    if name:
        places.append((name, f"history step {number}: ARG {name}=****"))
    return places


def _secret_arg_default(created_by: str) -> str:
    """Return the secret-like ``ARG`` a history step gives a non-empty default, or ``""``."""
    default = _ARG_DEFAULT.search(created_by)
    if default and SECRET_NAME.search(default.group(1)) and default.group(2).strip("\"'"):
        return default.group(1)
    return ""


def _env_places(config: Mapping, build_args: Mapping[str, str]) -> list[tuple[str, str]]:
    """Return ``(name, where)`` for each build argument value and secret-like variable in Env."""
    places: list[tuple[str, str]] = []
    for entry in config.get("Env") or []:
        key, _, value = str(entry).partition("=")
        places += [(name, f"config Env {key}") for name in _holding(build_args, value)]
        if value and SECRET_NAME.search(key):
            places.append((key, f"config Env {key}"))
    return places


def _label_places(config: Mapping, build_args: Mapping[str, str]) -> list[tuple[str, str]]:
    """Return ``(name, where)`` for each build argument value in the config's Labels."""
    labels = (config.get("Labels") or {}).items()
    return [
        (name, f"config Labels {key}")
        for key, value in labels
        for name in _holding(build_args, str(value))
    ]
