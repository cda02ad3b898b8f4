"""Nexus's security model in miniature: privileges, roles, users, anonymous access, permissions.

Permissions are Shiro wildcard strings, as in Nexus: ``nexus:users:create``,
``nexus:repository-view:pypi:pypi-internal:add``. A privilege grants one permission; a role
grants its privileges and those of its child roles; a user holds roles. Repository privileges are
named ``nx-repository-view-<format>-<repo>-<action>`` (and ``nx-repository-admin-...``) and exist
for every repository as long as it exists, as Nexus creates them (NP
``RepositoryViewPrivilegeDescriptor.id()``, ``RepositoryFormatSecurityContributor``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from shipyard.sandbox._state import check_password, hash_password

__all__ = [
    "AuthenticationFailed",
    "REALM",
    "REALMS",
    "Subject",
    "authenticate",
    "default_security",
    "implies",
    "privileges",
]

REALM = "Sonatype Nexus Repository Manager"
# The realms a default Nexus has active; the anonymous settings must name one of them.
REALMS = ("NexusAuthenticatingRealm", "NexusAuthorizingRealm")
FORMATS = ("pypi", "conda")
VIEW_ACTIONS = ("*", "browse", "read", "edit", "add", "delete")
# PrivilegeAction in NP: how actions are spelled in the privileges API.
_API_ACTIONS = {"*": "ALL", "browse": "BROWSE", "read": "READ", "edit": "EDIT", "add": "ADD",
                "delete": "DELETE", "create": "ADD", "update": "EDIT"}  # fmt: skip
# Application privileges: domain -> the CRUD actions Nexus defines for it.
_APPLICATION = {
    "blobstores": ("create", "read", "update", "delete"),
    "healthcheck": ("read",),
    "metrics": ("read",),
    "privileges": ("create", "read", "update", "delete"),
    "roles": ("create", "read", "update", "delete"),
    "search": ("read",),
    "settings": ("read", "update"),
    "tasks": ("create", "read", "update", "delete"),
    "users": ("create", "read", "update", "delete"),
}


class AuthenticationFailed(Exception):
    """Credentials were sent but do not name an active user with that password."""


def implies(granted: str, required: str) -> bool:
    """Return whether Shiro wildcard permission ``granted`` implies ``required``.

    Parts are separated by ``:``, alternatives within a part by ``,``; ``*`` matches anything and
    a shorter permission implies everything below it (``nexus:*`` implies ``nexus:users:read``).
    """
    have = [set(part.split(",")) for part in granted.split(":")]
    need = [set(part.split(",")) for part in required.split(":")]
    for index, parts in enumerate(have):
        if index >= len(need):
            return all("*" in rest for rest in have[index:])
        if "*" not in parts and not need[index] <= parts:
            return False
    return True


@dataclass(frozen=True)
class _Privilege:
    name: str
    type: str
    description: str
    permission: str
    fields: tuple[tuple[str, Any], ...]

    def to_api(self) -> dict[str, Any]:
        """Render as the privileges API does (``ApiPrivilege`` and its subclasses)."""
        head = {"type": self.type, "name": self.name, "description": self.description}
        return {**head, "readOnly": True, **dict(self.fields)}


def _repository_privileges(kind: str, fmt: str, repo: str) -> list[_Privilege]:
    result = []
    for action in VIEW_ACTIONS:
        where = "all repositories" if repo == "*" else f"repository '{repo}'"
        what = "All permissions" if action == "*" else f"{action.capitalize()} permission"
        scope = f"{fmt}-format" if fmt != "*" else "any-format"
        description = f"{what} for {scope} {where} ({kind.replace('-', ' ')})"
        fields = (("format", fmt), ("repository", repo), ("actions", [_API_ACTIONS[action]]))
        result.append(
            _Privilege(
                name=f"nx-{kind}-{fmt}-{repo}-{action}",
                type=kind,
                description=description,
                permission=f"nexus:{kind}:{fmt}:{repo}:{action}",
                fields=fields,
            )
        )
    return result


def _builtin_privileges() -> list[_Privilege]:
    found = [
        _Privilege("nx-all", "wildcard", "All permissions", "nexus:*", (("pattern", "nexus:*"),))
    ]
    for domain, actions in _APPLICATION.items():
        for action in ("all", *actions):
            crud = "*" if action == "all" else action
            found.append(
                _Privilege(
                    name=f"nx-{domain}-{action}",
                    type="application",
                    description=f"{action.capitalize()} permission for {domain.capitalize()}",
                    permission=f"nexus:{domain}:{crud}",
                    fields=(("domain", domain), ("actions", [_API_ACTIONS.get(crud, "ALL")])),
                )
            )
    found.append(
        _Privilege(
            "nx-userschangepw",
            "application",
            "Change password permission",
            "nexus:userschangepw:create,read",
            (("domain", "userschangepw"), ("actions", ["ADD", "READ"])),
        )
    )
    for kind in ("repository-view", "repository-admin"):
        for fmt in ("*", *FORMATS):
            found.extend(_repository_privileges(kind, fmt, "*"))
    return found


_BUILTIN = {p.name: p for p in _builtin_privileges()}


def privileges(repositories: dict[str, dict[str, Any]]) -> dict[str, _Privilege]:
    """Return every privilege that exists given the current repositories, by name."""
    found = dict(_BUILTIN)
    for name, repo in repositories.items():
        for kind in ("repository-view", "repository-admin"):
            found.update((p.name, p) for p in _repository_privileges(kind, repo["format"], name))
    return found


def default_security(admin_password: str) -> dict[str, Any]:
    """Return the users, roles and anonymous settings of a freshly installed Nexus."""
    anonymous_privileges = [
        "nx-healthcheck-read",
        "nx-search-read",
        "nx-repository-view-*-*-read",
        "nx-repository-view-*-*-browse",
    ]
    return {
        "roles": {
            "nx-admin": _role("nx-admin", "Administrator Role", ["nx-all"], read_only=True),
            "nx-anonymous": _role("nx-anonymous", "Anonymous Role", anonymous_privileges, True),
        },
        "users": {
            "admin": _user("admin", "Administrator", "admin@example.org", "nx-admin"),
            "anonymous": _user("anonymous", "Anonymous", "anonymous@example.org", "nx-anonymous"),
        },
        "passwords": {"admin": hash_password(admin_password)},
        # A new Nexus allows anonymous access until the onboarding wizard asks; so does the sandbox.
        "anonymous": {"enabled": True, "userId": "anonymous", "realmName": "NexusAuthorizingRealm"},
    }


def _role(role_id: str, description: str, privs: list[str], read_only: bool) -> dict[str, Any]:
    return {"id": role_id, "source": "default", "name": role_id, "description": description,
            "readOnly": read_only, "privileges": privs, "roles": []}  # fmt: skip


def _user(user_id: str, first: str, email: str, role: str) -> dict[str, Any]:
    return {"userId": user_id, "firstName": first, "lastName": "User", "emailAddress": email,
            "source": "default", "status": "active", "readOnly": False, "roles": [role],
            "externalRoles": []}  # fmt: skip


@dataclass(frozen=True)
class Subject:
    """Who is asking: a user (or nobody) and the permissions their roles grant."""

    user_id: str | None
    authenticated: bool
    permissions: tuple[str, ...]

    def can(self, permission: str) -> bool:
        """Return whether any granted permission implies ``permission``."""
        return any(implies(granted, permission) for granted in self.permissions)


def _permissions(nexus: dict[str, Any], role_ids: list[str]) -> tuple[str, ...]:
    known = privileges(nexus["repositories"])
    granted: list[str] = []
    seen: set[str] = set()
    pending = list(role_ids)
    while pending:
        role = nexus["security"]["roles"].get(pending.pop())
        if role is None or role["id"] in seen:
            continue
        seen.add(role["id"])
        pending.extend(role.get("roles") or [])
        granted.extend(known[p].permission for p in role.get("privileges") or [] if p in known)
    return tuple(granted)


def authenticate(nexus: dict[str, Any], authorization: str) -> Subject:
    """Resolve the ``Authorization`` header to a :class:`Subject`.

    Without credentials the subject is the anonymous user when anonymous access is enabled, else
    nobody. Basic credentials must name an active user with the right password.

    Raises:
        AuthenticationFailed: The credentials are malformed or wrong (Nexus answers 401).
    """
    security = nexus["security"]
    scheme, _, token = authorization.partition(" ")
    if not authorization or scheme.lower() != "basic":
        anonymous = security["anonymous"]
        user = security["users"].get(anonymous["userId"])
        if anonymous["enabled"] and user and user["status"] != "disabled":
            return Subject(None, False, _permissions(nexus, user["roles"]))
        return Subject(None, False, ())
    try:
        user_id, _, password = (
            base64.b64decode(token.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed from None
    user = security["users"].get(user_id)
    if (
        user is None
        or user["status"] in ("disabled", "locked")
        or not check_password(password, security["passwords"].get(user_id))
    ):
        raise AuthenticationFailed
    return Subject(user_id, True, _permissions(nexus, user["roles"]))
