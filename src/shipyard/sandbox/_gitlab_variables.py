"""Project CI/CD variables as GitLab validates them (GLD ``doc/api/project_level_variables.md``).

Parameter errors (Grape) answer ``{"error": "key is missing"}``; model errors answer
``{"message": {"field": ["..."]}}``, e.g. ``{"value": ["is invalid"]}`` for a value that cannot
be masked (``Ci::Maskable``: ``REGEX`` when expanded, ``MASK_AND_RAW_REGEX`` when ``raw``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["VariableError", "find", "new_variable", "render", "update"]

_KEY = re.compile(r"[a-zA-Z0-9_]+")
_MASKED = re.compile(r"[a-zA-Z0-9_+=/@:.~-]{8,}")
_MASKED_RAW = re.compile(r"\S{8,}")
_TYPES = ("env_var", "file")
_BOOLEANS = ("protected", "masked", "raw", "masked_and_hidden")
_UPDATABLE = ("value", "protected", "masked", "raw", "variable_type", "environment_scope",
              "description")  # fmt: skip


class VariableError(Exception):
    """GitLab refused a variable request; ``body`` is its JSON answer.

    Args:
        body: The answer's JSON body.
        status: The HTTP status.
    """

    def __init__(self, body: dict[str, Any], status: int = 400) -> None:
        super().__init__(status)
        self.body = body
        self.status = status


def _boolean(name: str, value: Any) -> bool:
    # Grape's Boolean coercion: true/false, "true"/"false", 1/0, "1"/"0".
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "t", "yes", "y"):
        return True
    if text in ("false", "0", "f", "no", "n", ""):
        return False
    raise VariableError({"error": f"{name} is invalid"})


def _coerce(params: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in allowed:
        if name not in params or params[name] is None:
            continue
        value = params[name]
        if name in _BOOLEANS:
            value = _boolean(name, value)
        elif name == "variable_type" and value not in _TYPES:
            raise VariableError({"error": "variable_type does not have a valid value"})
        elif name != "description":
            value = str(value)
        values[name] = value
    return values


def _model_errors(variables: list[dict[str, Any]], variable: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    key_errors = _key_errors(variables, variable)
    if key_errors:
        errors["key"] = key_errors
    if variable["masked"]:
        rule = _MASKED_RAW if variable["raw"] else _MASKED
        if not rule.fullmatch(variable["value"]):
            errors["value"] = ["is invalid"]
    if errors:
        raise VariableError({"message": errors})


def _key_errors(variables: list[dict[str, Any]], variable: dict[str, Any]) -> list[str]:
    """Return what GitLab's model says is wrong with a variable's key, in its order."""
    key = variable["key"]
    errors = []
    if not key:
        errors.append("can't be blank")
    if len(key) > 255:
        errors.append("is too long (maximum is 255 characters)")
    if not _KEY.fullmatch(key):
        errors.append("can contain only letters, digits and '_'.")
    if any(_clashes(other, variable) for other in variables):
        errors.append(f"({key}) has already been taken")
    return errors


def _clashes(other: dict[str, Any], variable: dict[str, Any]) -> bool:
    """Tell whether another variable has the same key in the same environment scope."""
    return (
        other is not variable
        and other["key"] == variable["key"]
        and other["environment_scope"] == variable["environment_scope"]
    )


def new_variable(
    variables: list[dict[str, Any]], params: dict[str, Any], variable_id: int
) -> dict[str, Any]:
    """Validate a create request and return the new variable (not yet added).

    Raises:
        VariableError: With GitLab's 400 body.
    """
    missing = [f"{name} is missing" for name in ("key", "value") if params.get(name) is None]
    if missing:
        raise VariableError({"error": ", ".join(missing)})
    values = _coerce(params, ("key", *_UPDATABLE, "masked_and_hidden"))
    hidden = values.pop("masked_and_hidden", False)
    variable = {
        "id": variable_id,
        "variable_type": values.get("variable_type", "env_var"),
        "key": values["key"],
        "value": values["value"],
        "protected": values.get("protected", False),
        # "Masked and hidden" values must meet the masked rules too.
        "masked": values.get("masked", False) or hidden,
        "hidden": hidden,
        "raw": values.get("raw", False),
        "environment_scope": values.get("environment_scope") or "*",
        "description": values.get("description"),
    }
    _model_errors(variables, variable)
    return variable


def update(
    variables: list[dict[str, Any]], variable: dict[str, Any], params: dict[str, Any]
) -> None:
    """Apply an update request in place (``masked_and_hidden`` is not accepted here).

    Raises:
        VariableError: With GitLab's 400 body; the variable is then left unchanged.
    """
    changes = _coerce(params, _UPDATABLE)
    candidate = {**variable, **changes}
    # A hidden variable stays masked: hiding is only possible with masking, at creation.
    candidate["masked"] = candidate["masked"] or candidate["hidden"]
    if not candidate["environment_scope"]:
        candidate["environment_scope"] = "*"
    _model_errors([v for v in variables if v is not variable], candidate)
    variable.update(candidate)


def find(variables: list[dict[str, Any]], key: str, scope: str | None) -> dict[str, Any]:
    """Return the variable ``key`` (in ``scope`` when given).

    Raises:
        VariableError: 404 when none matches, 409 when several do and no scope was given.
    """
    matches = [
        v
        for v in variables
        if v["key"] == key and (scope is None or v["environment_scope"] == scope)
    ]
    if not matches:
        raise VariableError({"message": "404 Variable Not Found"}, 404)
    if len(matches) > 1:
        message = (
            "409 Conflict: There are multiple variables with provided parameters. "
            "Please use 'filter[environment_scope]'"
        )
        raise VariableError({"message": message}, 409)
    return matches[0]


def render(variable: dict[str, Any]) -> dict[str, Any]:
    """Return the API view of a variable.

    A hidden variable's value is answered as ``null``: api-facts.md leaves this UNCONFIRMED, and
    GitLab's documentation says hidden values are never revealed after creation.
    """
    return {
        "variable_type": variable["variable_type"],
        "key": variable["key"],
        "value": None if variable["hidden"] else variable["value"],
        "protected": variable["protected"],
        "masked": variable["masked"],
        "hidden": variable["hidden"],
        "raw": variable["raw"],
        "environment_scope": variable["environment_scope"],
        "description": variable["description"],
    }
