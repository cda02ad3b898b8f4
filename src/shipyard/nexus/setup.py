"""Nexus: a hosted PyPI repository, a least-privilege deploy role and user, planned then applied.

The desired state (:func:`desired_state`) is three objects: a hosted PyPI repository with its write
policy (``ALLOW_ONCE``: a version is uploaded once, never replaced), a role holding only the
``add``, ``read`` and ``browse`` privileges on that repository, and the deploy user ``deploy-ci``
with that role. :func:`plan_nexus` reads what exists and returns a :class:`~shipyard.plans.Plan`;
:func:`shipyard.plans.apply` makes it so. A second plan is empty.

:class:`NexusClient` implements the Nexus 3 REST API (``/service/rest/v1``) the runbook uses:
https://help.sonatype.com/en/rest-and-integration-api.html. :func:`connect` gives a client for
the target in force: the sandbox (started on demand, admin password read from its
``admin.password`` file, as on a fresh Nexus) or the real Nexus that ``SHIPYARD_NEXUS_URL``
names; the code path is the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shipyard.config import Secret, Settings
from shipyard.errors import ConfigError, OperationError
from shipyard.nexus.client import V1, HostedRepository, NexusClient, Role, User
from shipyard.nexus.password import deploy_password, generate_password
from shipyard.plans import Change, Plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from shipyard.gitlab import GitLabProject
    from shipyard.sandbox import Sandbox

__all__ = [
    "DEPLOY_ACTIONS",
    "DEPLOY_PASSWORD_ENV",
    "AccessCheck",
    "AccessReport",
    "DesiredState",
    "HostedRepository",
    "NexusClient",
    "Role",
    "User",
    "connect",
    "deploy_privileges",
    "desired_state",
    "generate_password",
    "plan_nexus",
    "verify_deploy_access",
]

#: The actions a deploy user needs on its repository (upload is a POST, so ``add``).
DEPLOY_ACTIONS = ("add", "read", "browse")
#: Where :func:`desired_state` reads the deploy user's password from, when it is set.
DEPLOY_PASSWORD_ENV = "SHIPYARD_DEPLOY_PASSWORD"
WRITE_POLICIES = ("ALLOW", "ALLOW_ONCE", "DENY")


@dataclass(frozen=True)
class DesiredState:
    """What Nexus should hold for one project: repository, deploy role, deploy user."""

    repository: HostedRepository
    role: Role
    user: User


def deploy_privileges(repository: str) -> tuple[str, ...]:
    """Return the privileges a deploy user needs on ``repository`` and nothing more."""
    return tuple(f"nx-repository-view-pypi-{repository}-{action}" for action in DEPLOY_ACTIONS)


def desired_state(
    repository: str = "pypi-internal",
    *,
    write_policy: str = "ALLOW_ONCE",
    user_id: str = "deploy-ci",
    password: Secret | None = None,
    keep_from: GitLabProject | None = None,
    rotate: bool = False,
    settings: Settings | None = None,
) -> DesiredState:
    """Describe the repository, role and user the Nexus setup chapter creates.

    Args:
        repository: The hosted PyPI repository's name.
        write_policy: ``ALLOW_ONCE`` (default), ``ALLOW`` or ``DENY``.
        user_id: The deploy user's login.
        password: The deploy user's password. By default the one already in use is kept
            (``SHIPYARD_DEPLOY_PASSWORD``, the password file, or ``keep_from``'s CI variable;
            see :func:`shipyard.nexus.password.deploy_password`), else one is generated. It is
            never shown.
        keep_from: The GitLab project whose ``NEXUS_PYPI_PASSWORD`` an earlier run wrote.
        rotate: Generate a new password even when one is kept.
        settings: The settings; read from ``pyproject.toml`` and ``SHIPYARD_*`` when omitted.

    Raises:
        ConfigError: The write policy is not one Nexus knows.
    """
    if write_policy.upper() not in WRITE_POLICIES:
        msg = f"write policy {write_policy!r} is not one of {', '.join(WRITE_POLICIES)}"
        raise ConfigError(msg, hint="Use ALLOW_ONCE: a released version must never change.")
    if password is None:
        kept = deploy_password(settings, keep_from=keep_from, rotate=rotate)
        password, source = kept.password, kept.source
    else:
        source = "given"
    role = Role(
        f"{repository}-deploy",
        f"Upload to and read from {repository}; nothing else",
        deploy_privileges(repository),
    )
    user = User(user_id, (role.id,), password, source)
    return DesiredState(HostedRepository(repository, write_policy.upper()), role, user)


def _diff(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (current.get(k), v) for k, v in desired.items() if current.get(k) != v}


def _repository_change(client: NexusClient, repo: HostedRepository) -> Change:
    current = client.get_repository(repo.name)
    wanted = {
        "write policy": repo.write_policy,
        "blob store": repo.blob_store,
        "online": True,
        "strict content type": repo.strict_content_type_validation,
    }
    if current is None:
        clash = [r for r in client.repositories() if r.get("name", "").lower() == repo.name.lower()]
        if clash:
            kind = f"{clash[0].get('format')}/{clash[0].get('type')}"
            msg = f"a repository named {clash[0]['name']!r} exists but is {kind}, not pypi/hosted"
            raise ConfigError(msg, hint="Choose another repository name.")
        return Change(
            "create",
            "repository",
            repo.name,
            {k: (None, v) for k, v in wanted.items()},
            note="pypi/hosted",
            run=lambda: client.create_repository(repo),
        )
    storage = current.get("storage") or {}
    have = {
        "write policy": str(storage.get("writePolicy", "")).upper(),
        "blob store": storage.get("blobStoreName"),
        "online": current.get("online"),
        "strict content type": storage.get("strictContentTypeValidation"),
    }
    changed = _diff(have, wanted)
    if "blob store" in changed:
        msg = (
            f"repository {repo.name!r} uses blob store {have['blob store']!r}, "
            f"not {repo.blob_store!r}"
        )
        raise ConfigError(msg, hint="Nexus cannot move a repository; keep its blob store.")
    if not changed:
        return Change("noop", "repository", repo.name)
    return Change(
        "update", "repository", repo.name, changed, run=lambda: client.update_repository(repo)
    )


def _role_change(client: NexusClient, role: Role) -> Change:
    current = client.get_role(role.id)
    wanted = {"privileges": sorted(role.privileges), "roles": [], "description": role.description}
    if current is None:
        return Change(
            "create",
            "role",
            role.id,
            {"privileges": (None, wanted["privileges"])},
            run=lambda: client.create_role(role),
        )
    have = {
        "privileges": sorted(current.get("privileges") or []),
        "roles": sorted(current.get("roles") or []),
        "description": current.get("description"),
    }
    changed = _diff(have, wanted)
    if not changed:
        return Change("noop", "role", role.id)
    return Change("update", "role", role.id, changed, run=lambda: client.update_role(role))


def _user_change(client: NexusClient, user: User) -> Change:
    current = client.get_user(user.user_id)
    note = f"password {user.password_source}" if user.password_source != "given" else ""
    if current is None:
        return Change(
            "create",
            "user",
            user.user_id,
            {"roles": (None, sorted(user.roles)), "password": (None, user.password)},
            note=note,
            run=lambda: client.create_user(user),
        )
    changed, steps = _user_updates(client, user, current)
    if not changed:
        return Change("noop", "user", user.user_id)
    return Change(
        "update", "user", user.user_id, changed, note=note, run=lambda: [step() for step in steps]
    )


def _user_updates(
    client: NexusClient, user: User, current: dict[str, Any]
) -> tuple[dict[str, tuple[Any, Any]], list[Callable[[], Any]]]:
    """Compare an existing user with the desired one.

    Returns:
        What differs, and the calls that fix it: an update, a new password when it no longer
        works (checked only for an active user, the only one that can log in).
    """
    wanted = user.body(with_password=False)
    have = {k: current.get(k) for k in wanted}
    have["roles"] = sorted(have.get("roles") or [])
    have["status"] = str(have.get("status", "")).lower()
    changed = {k: v for k, v in _diff(have, wanted).items() if k != "source"}
    steps: list[Callable[[], Any]] = []
    if changed:
        steps.append(lambda: client.update_user(user))
    if current.get("status") == "active" and not client.password_works(user):
        changed["password"] = (user.password, user.password)
        steps.append(lambda: client.change_password(user))
    return changed, steps


def plan_nexus(desired: DesiredState, client: NexusClient) -> Plan:
    """Compare the desired repository, role and user with Nexus and plan the difference.

    Reading is all this does; :func:`shipyard.plans.apply` makes the changes, in order
    (repository, role, user: each needs the one before).

    Args:
        desired: From :func:`desired_state`.
        client: From :func:`connect`, acting as an administrator.

    Returns:
        One change per object; secrets are masked.

    Raises:
        OperationError: Nexus refused a read or did not answer.
        ConfigError: A repository of that name exists with another format or blob store.
    """
    changes = [
        _repository_change(client, desired.repository),
        _role_change(client, desired.role),
        _user_change(client, desired.user),
    ]
    return Plan(changes, client.description)


def connect(settings: Settings | None = None, *, sandbox: Sandbox | None = None) -> NexusClient:
    """Return an administrator's client for the target in force.

    Args:
        settings: The settings; read from ``pyproject.toml`` and ``SHIPYARD_*`` when omitted.
        sandbox: A running sandbox to use instead of this process's shared one.

    Raises:
        ConfigError: The real target lacks its URL, user or password.
    """
    from shipyard import _target

    settings, sandbox = _target.resolve(settings, sandbox, "nexus")
    if sandbox is not None:
        return NexusClient(
            sandbox.nexus_url,
            "admin",
            _target.admin_password(sandbox),
            "sandbox Nexus on 127.0.0.1",
        )
    _target.require(
        "Nexus",
        (
            ("SHIPYARD_NEXUS_URL", settings.nexus_url),
            ("SHIPYARD_NEXUS_USERNAME", settings.nexus_username),
            ("SHIPYARD_NEXUS_PASSWORD", settings.nexus_password),
        ),
    )
    return NexusClient(settings.nexus_url, settings.nexus_username, settings.nexus_password)


@dataclass(frozen=True)
class AccessCheck:
    """One thing a user tried, whether Nexus allowed it, and whether that is what we want.

    Attributes:
        action: What the deploy user tried.
        expected: ``allowed``, ``denied`` or ``skipped``.
        result: What Nexus answered: ``allowed``, ``denied (HTTP 403)``, or ``not checked: ...``
            when the answer proves nothing (no answer, 401, 5xx): never ok.
    """

    action: str
    expected: str
    result: str

    @property
    def ok(self) -> bool:
        """Whether the result is the expected one."""
        return self.result.startswith(self.expected)

    @property
    def mark(self) -> str:
        """``ok``, ``WRONG`` (Nexus answered otherwise) or ``FAIL`` (nothing was proven)."""
        if self.ok:
            return "ok"
        return "FAIL" if self.result.startswith("not checked") else "WRONG"


class AccessReport(list[AccessCheck]):
    """What the deploy user can and cannot do; shows as a table."""

    @property
    def ok(self) -> bool:
        """Whether every check had the expected result (and there was at least one)."""
        return bool(self) and all(check.ok for check in self)

    def __repr__(self) -> str:
        width = max((len(c.action) for c in self), default=0)
        lines = [f"{c.mark:5} {c.action:<{width}}  {c.result}" for c in self]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        icons = {"ok": "✔", "WRONG": "✘", "FAIL": "✘ not checked"}
        rows = "".join(
            f"<tr><td>{icons[c.mark]}</td><td>{html.escape(c.action)}</td>"
            f"<td>{c.expected}</td><td>{html.escape(c.result)}</td></tr>"
            for c in self
        )
        head = "<tr><th></th><th>as the deploy user</th><th>expected</th><th>Nexus said</th></tr>"
        return f'<table class="shipyard-access"><thead>{head}</thead><tbody>{rows}</tbody></table>'


#: The answers that prove a privilege is missing: 403 from an authenticated request. A
#: non-administrator reading a repository's configuration gets 404 (Nexus hides it).
DENIED = (403,)
DENIED_OR_HIDDEN = (403, 404)


def _attempt(
    action: str, expected: str, call: Any, denied: tuple[int, ...] = DENIED
) -> AccessCheck:
    """Try ``call`` and say what Nexus answered; an answer that proves nothing is not checked.

    Only a status in ``denied`` means "denied": no answer, 401 (the deploy user's credentials
    were refused, so nothing about its privileges was learnt), 5xx or any other status is
    ``not checked``, with the reason, and never counts as the expected denial.
    """
    try:
        call()
    except OperationError as exc:
        if exc.status in denied:
            return AccessCheck(action, expected, f"denied (HTTP {exc.status})")
        return AccessCheck(action, expected, f"not checked: {_why(exc)}")
    return AccessCheck(action, expected, "allowed")


def _why(exc: OperationError) -> str:
    if exc.status is None:
        answer = f"no answer from Nexus ({exc.server_message or 'unreachable'})"
    elif exc.status == 401:
        answer = "HTTP 401: Nexus refused the deploy user's credentials"
    elif exc.status >= 500:
        answer = f"HTTP {exc.status}: Nexus failed"
    else:
        answer = f"HTTP {exc.status}, which proves neither allowed nor denied"
    return answer


def _skipped(
    action: str, expected: str, call: Any, denied: tuple[int, ...] = DENIED
) -> AccessCheck:
    return AccessCheck(action, "skipped", "skipped: pass destructive=True on a fresh setup")


def verify_deploy_access(
    client: NexusClient, desired: DesiredState, *, destructive: bool | None = None
) -> AccessReport:
    """Try, as the deploy user, what it may do and what it must not; report each answer.

    The attempts that must be denied (delete the repository, create a user, widen its role)
    would change Nexus if the privileges were wrong. They run against the sandbox (a loopback
    URL) by default; against a real Nexus only with ``destructive=True``, on a fresh setup.
    Otherwise they are reported as skipped, and the read checks still run.

    A privilege counts as denied only when Nexus answers an authenticated request with 403 (or
    404 for the repository's configuration, which Nexus hides from non-administrators). When
    Nexus cannot be reached, refuses the credentials (401) or fails (5xx), the line says
    ``not checked`` and why, and the report is not ok: nothing was proven.

    Args:
        client: Any client of the target (its URL is used).
        desired: The desired state whose user, role and repository to check.
        destructive: Run the attempts that must be denied; default: only on loopback.
    """
    if destructive is None:
        host = urlsplit(client.url).hostname or ""
        destructive = host in ("127.0.0.1", "localhost", "::1")
    deploy = client.as_user(desired.user)
    repo = desired.repository.name
    simple = f"/repository/{repo}/simple/"
    probe_user = User("intruder", (desired.role.id,), generate_password())
    attempt = _attempt if destructive else _skipped
    return AccessReport(
        [
            _attempt(
                f"read the index {simple}",
                "allowed",
                lambda: deploy.http.request("GET", simple, operation="read the index"),
            ),
            _attempt(
                f"read the configuration of {repo}",
                "denied",
                lambda: deploy.http.request(
                    "GET",
                    f"{V1}/repositories/pypi/hosted/{repo}",
                    operation=f"read repository {repo!r}",
                ),
                DENIED_OR_HIDDEN,
            ),
            attempt(
                f"delete the repository {repo}", "denied", lambda: deploy.delete_repository(repo)
            ),
            attempt("create a user", "denied", lambda: deploy.create_user(probe_user)),
            attempt(
                f"give itself more privileges (update role {desired.role.id})",
                "denied",
                lambda: deploy.update_role(desired.role),
            ),
        ]
    )
