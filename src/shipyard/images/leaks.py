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
        for name, value in _run_arguments(created_by):
            if value and SECRET_NAME.search(name) and name not in build_args:
                values.append(value)  # a secret-like default: masked like a passed value
        shown = redact(created_by, values)
        shown = shown if len(shown) <= 70 else shown[:67] + "..."
        for name, value in build_args.items():
            if value and value in created_by:
                add(name, f"history step {number}: {shown}")
        for name, value in _run_arguments(created_by):
            if value and SECRET_NAME.search(name) and name not in build_args:
                add(name, f"history step {number}: {shown}")
        default = _ARG_DEFAULT.search(created_by)
        if default and SECRET_NAME.search(default.group(1)) and default.group(2).strip("\"'"):
            add(default.group(1), f"history step {number}: ARG {default.group(1)}=****")
    for entry in config.get("Env") or []:
        key, _, value = str(entry).partition("=")
        for name, secret in build_args.items():
            if secret and secret in value:
                add(name, f"config Env {key}")
        if value and SECRET_NAME.search(key):
            add(key, f"config Env {key}")
    for key, value in (config.get("Labels") or {}).items():
        for name, secret in build_args.items():
            if secret and secret in str(value):
                add(name, f"config Labels {key}")
    return leaks


def _run_arguments(created_by: str) -> list[tuple[str, str]]:
    """Return the ``NAME=value`` build arguments a RUN step's history records."""
    match = _RUN_ARGS.match(created_by)
    if not match:
        return []
    tokens = created_by[match.end() :].split(" ")[: int(match.group(1))]
    return [(name, value) for name, _, value in (token.partition("=") for token in tokens)]
