"""GitLab CI/CD variables as a desired state: the NEXUS_PYPI_* variables, planned then applied.

The publish job reads the Nexus upload URL and the deploy user's credentials from three project
variables, protected (only pipelines on protected branches and tags see them) and masked (GitLab
replaces their values with ``[MASKED]`` in job logs) where GitLab's masked-value rules allow.
:func:`masking_problem` applies those rules before anything is sent, so a value GitLab would refuse
to mask is planned unmasked with a note that says why, instead of failing with ``400 {'value':
['is invalid']}``.

Calls go through python-gitlab (``project.variables``), which implements
https://docs.gitlab.com/api/project_level_variables/; the same code runs against the sandbox's
GitLab stand-in and a real GitLab.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipyard._http import RetryPolicy, reason
from shipyard.config import Secret, Settings
from shipyard.errors import ConfigError, OperationError, redact
from shipyard.plans import Change, Plan

if TYPE_CHECKING:
    from shipyard.sandbox import Sandbox

__all__ = [
    "GitLabProject",
    "Variable",
    "connect",
    "masking_problem",
    "nexus_variables",
    "plan_variables",
]

# Ci::Maskable (GitLab app/models/concerns/ci/maskable.rb): REGEX when the value is expanded,
# MASK_AND_RAW_REGEX when it is raw.
_MASKABLE = re.compile(r"[a-zA-Z0-9_+=/@:.~-]{8,}")
_MASKABLE_RAW = re.compile(r"\S{8,}")
_KEY = re.compile(r"[A-Za-z0-9_]{1,255}")


@dataclass(frozen=True)
class Variable:
    """One project CI/CD variable.

    Attributes:
        key: Its name: letters, digits and ``_``.
        value: Its value; a :class:`~shipyard.config.Secret` is never shown.
        protected: Only pipelines on protected branches and tags get it.
        masked: Ask GitLab to mask it in job logs (when the rules allow).
        raw: Do not expand ``$`` references in it.
        description: Shown in GitLab's settings page.
    """

    key: str
    value: str | Secret
    protected: bool = True
    masked: bool = True
    raw: bool = False
    description: str = ""

    def reveal(self) -> str:
        """Return the value itself."""
        return self.value.reveal() if isinstance(self.value, Secret) else self.value


def masking_problem(value: str, *, raw: bool = False, keys: Iterable[str] = ()) -> str:
    """Return why GitLab would refuse to mask ``value``, or ``""`` when it can be masked.

    The rules (GitLab's "Mask a CI/CD variable" and ``Ci::Maskable``): a single line without
    spaces, 8 characters or more, only ``A-Z a-z 0-9 _ + = / @ : . ~ -`` unless the variable is
    raw (then any non-space character), and not the name of another variable.

    Args:
        value: The value to mask.
        raw: Whether the variable is raw (not expanded).
        keys: Names of the other variables, which a masked value must not equal.
    """
    problem = _shape_problem(value) or _character_problem(value, raw=raw)
    if not problem and value in set(keys):
        problem = "it equals the name of a variable"
    return problem


def _shape_problem(value: str) -> str:
    """Return why ``value`` is not one line of 8 characters or more without spaces, or ``""``."""
    if "\n" in value or "\r" in value:
        return "it spans several lines"
    if any(ch.isspace() for ch in value):
        return "it contains a space"
    if len(value) < 8:
        return f"it is shorter than 8 characters ({len(value)})"
    return ""


def _character_problem(value: str, *, raw: bool) -> str:
    """Return which characters of ``value`` GitLab cannot mask, or ``""``."""
    if not raw and not _MASKABLE.fullmatch(value):
        bad = sorted({ch for ch in value if not re.match(r"[a-zA-Z0-9_+=/@:.~-]", ch)})
        return f"it contains {', '.join(repr(c) for c in bad)} (allowed: A-Z a-z 0-9 _+=/@:.~-)"
    if not _MASKABLE_RAW.fullmatch(value):
        return "it contains characters GitLab cannot mask"
    return ""


def nexus_variables(repository_url: str, username: str, password: Secret) -> list[Variable]:
    """Return the three variables the publish job reads (the seed's names).

    Args:
        repository_url: The twine upload URL, ``https://nexus/repository/<name>/``.
        username: The deploy user.
        password: Its password.
    """
    return [
        Variable("NEXUS_PYPI_URL", repository_url, description="Nexus upload URL (twine)"),
        Variable("NEXUS_PYPI_USERNAME", username, description="Nexus deploy user"),
        Variable("NEXUS_PYPI_PASSWORD", password, description="Password of the Nexus deploy user"),
    ]


class GitLabProject:
    """A GitLab project reached through python-gitlab, with retries and Shipyard's errors.

    Args:
        url: GitLab's base URL.
        token: A token with the ``api`` scope.
        project: The project id or ``group/path``.
        description: How plans name this target.
        retries: How many times a transient failure (no connection, 502, 503, 504) is retried.
        backoff: Seconds before the first retry; doubled before each next one.
        timeout: Seconds to wait for an answer.
    """

    def __init__(
        self,
        url: str,
        token: Secret,
        project: str,
        description: str = "",
        *,
        retries: int = 3,
        backoff: float = 0.2,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import gitlab

        self.url = url.rstrip("/")
        self.project_path = project
        self.description = description or f"GitLab project {project} at {self.url}"
        self.retry = RetryPolicy(retries, backoff, sleep)
        self._token = token
        self._gl = gitlab.Gitlab(self.url, private_token=token.reveal(), timeout=timeout)
        self._gl.session.trust_env = False
        self._project: Any = None

    @property
    def project(self) -> Any:
        """The python-gitlab project object (fetched once)."""
        if self._project is None:
            self._project = self.call(
                f"read project {self.project_path!r}",
                lambda: self._gl.projects.get(self.project_path),
            )
        return self._project

    def call(
        self,
        operation: str,
        action: Callable[[], Any],
        secrets: Sequence[object] = (),
        *,
        method: str = "GET",
    ) -> Any:
        """Run one python-gitlab call, retrying transient failures; raise OperationError.

        The retries follow the same :class:`~shipyard._http.RetryPolicy` as the Nexus client:
        a create (``method="POST"``) is not sent again after an answer that may have been lost
        mid-way, a timeout or a gateway's 502/504; the next plan sees whether it happened.
        """
        import gitlab
        import requests

        masked = [self._token, *secrets]
        attempt = 0
        while True:
            try:
                return action()
            except gitlab.exceptions.GitlabError as exc:
                status = exc.response_code
                retry = status is not None and self.retry.retry_status(method, status)
                if retry and self.retry.again(attempt):
                    attempt += 1
                    continue
                message = redact(str(exc.error_message), masked)
                raise OperationError(
                    operation,
                    status=status,
                    server_message=message,
                    url=self.url,
                    hint=_hint(status),
                ) from None
            except requests.RequestException as exc:
                if self.retry.resend(method, exc) and self.retry.again(attempt):
                    attempt += 1
                    continue
                raise OperationError(
                    operation,
                    status=None,
                    server_message=redact(reason(exc), masked),
                    url=self.url,
                    hint="Check that GitLab is reachable, then run the same "
                    "step again: it only does what is still missing.",
                ) from None

    def variables(self) -> dict[str, dict[str, Any]]:
        """Return the project's variables (all environment scopes ``*``) by key."""
        found = self.call("list CI/CD variables", lambda: self.project.variables.list(get_all=True))
        return {v.key: v.attributes for v in found if v.attributes.get("environment_scope") == "*"}


def _hint(status: int | None) -> str:
    if status == 401:
        return "GitLab refused the token: check SHIPYARD_GITLAB_TOKEN (scope api)."
    if status == 403:
        return "The token's user must be a Maintainer of the project to manage CI/CD variables."
    if status == 404:
        return "Check SHIPYARD_GITLAB_PROJECT: the project id or group/path."
    return ""


def _shown(variable: Variable, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(variable.value, Secret):
        return Secret(str(value))
    from shipyard.runbook import normalise

    return normalise(str(value))


def _variable_change(
    target: GitLabProject, variable: Variable, current: dict[str, Any] | None, keys: list[str]
) -> Change:
    if not _KEY.fullmatch(variable.key):
        msg = f"CI/CD variable name {variable.key!r} may contain only letters, digits and '_'"
        raise ConfigError(msg, hint="Rename the variable.")
    value = variable.reveal()
    masked, raw, note = _masking(variable, value, keys)
    data = {
        "key": variable.key,
        "value": value,
        "protected": variable.protected,
        "masked": masked,
        "raw": raw,
        "environment_scope": "*",
        "description": variable.description or None,
    }
    if current is None:
        return _create_variable(target, variable, data, note)
    return _update_variable(target, variable, current, data, note)


def _masking(variable: Variable, value: str, keys: list[str]) -> tuple[bool, bool, str]:
    """Decide how a variable can be masked: raw when only that allows it, else not at all.

    Returns:
        Whether it is masked, whether it is raw, and a note saying what was changed and why.
    """
    if not variable.masked:
        return False, variable.raw, ""
    problem = masking_problem(value, raw=variable.raw, keys=keys)
    if not problem:
        return True, variable.raw, ""
    if not variable.raw and not masking_problem(value, raw=True, keys=keys):
        return True, True, f"raw, so that it can be masked: {problem}"
    return False, variable.raw, f"not masked: {problem}"


def _secrets(variable: Variable) -> list[Secret]:
    return [variable.value] if isinstance(variable.value, Secret) else []


def _create_variable(
    target: GitLabProject, variable: Variable, data: dict[str, Any], note: str
) -> Change:
    fields = {
        "value": (None, _shown(variable, data["value"])),
        "protected": (None, data["protected"]),
        "masked": (None, data["masked"]),
    }
    create = lambda: target.call(  # noqa: E731
        f"create CI/CD variable {variable.key}",
        lambda: target.project.variables.create(data),
        _secrets(variable),
        method="POST",
    )
    return Change("create", "CI variable", variable.key, fields, note, run=create)


# The attributes compared with the project's, in the order a plan shows them.
_COMPARED = ("value", "protected", "masked", "raw")


def _update_variable(
    target: GitLabProject,
    variable: Variable,
    current: dict[str, Any],
    data: dict[str, Any],
    note: str,
) -> Change:
    changed = {k: (current.get(k), data[k]) for k in _COMPARED if current.get(k) != data[k]}
    if current.get("value") is None:
        # Hidden ("masked and hidden"): GitLab never shows the value again, so it cannot be
        # compared. Calling it unchanged could leave an old password in CI while Nexus has a
        # new one; set it again, and say why.
        note = "; ".join(filter(None, [note, "value hidden by GitLab: not comparable, set again"]))
    if not changed:
        return Change("noop", "CI variable", variable.key)
    shown = dict(changed)
    if "value" in changed:
        shown["value"] = tuple(_shown(variable, x) for x in changed["value"])
        if current.get("value") is None:
            shown["value"] = ("(hidden)", shown["value"][1])
    update = {k: v for k, v in data.items() if k != "key"}
    run = lambda: target.call(  # noqa: E731
        f"update CI/CD variable {variable.key}",
        lambda: target.project.variables.update(
            variable.key, update, filter={"environment_scope": "*"}
        ),
        _secrets(variable),
        method="PUT",
    )
    return Change("update", "CI variable", variable.key, shown, note, run=run)


def plan_variables(variables: Iterable[Variable], target: GitLabProject) -> Plan:
    """Compare the desired variables with the project's and plan the difference.

    Args:
        variables: The desired variables (e.g. from :func:`nexus_variables`).
        target: From :func:`connect`.

    Returns:
        One change per variable; secret values show as ``****``; a note says when a value cannot
        be masked, and why.

    Raises:
        OperationError: GitLab refused a read or did not answer.
        ConfigError: A variable name GitLab would refuse.
    """
    variables = list(variables)
    current = target.variables()
    keys = sorted({*current, *(v.key for v in variables)})
    changes = [_variable_change(target, v, current.get(v.key), keys) for v in variables]
    return Plan(changes, target.description)


def connect(settings: Settings | None = None, *, sandbox: Sandbox | None = None) -> GitLabProject:
    """Return the GitLab project of the target in force.

    Args:
        settings: The settings; read from ``pyproject.toml`` and ``SHIPYARD_*`` when omitted.
        sandbox: A running sandbox to use instead of this process's shared one.

    Raises:
        ConfigError: The real target lacks its URL, token or project.
    """
    from shipyard import _target

    settings, sandbox = _target.resolve(settings, sandbox, "gitlab")
    if sandbox is not None:
        return GitLabProject(
            sandbox.gitlab_url,
            sandbox.gitlab_token,
            sandbox.gitlab_project,
            f"sandbox GitLab on 127.0.0.1, project {sandbox.gitlab_project}",
        )
    _target.require(
        "GitLab",
        (
            ("SHIPYARD_GITLAB_URL", settings.gitlab_url),
            ("SHIPYARD_GITLAB_TOKEN", settings.gitlab_token),
            ("SHIPYARD_GITLAB_PROJECT", settings.gitlab_project),
        ),
    )
    assert settings.gitlab_token is not None
    return GitLabProject(settings.gitlab_url, settings.gitlab_token, settings.gitlab_project)
