"""Nexus security REST resources: roles, users, change-password, privileges, anonymous access.

Messages, statuses and permissions follow NP ``RoleApiResource``, ``UserApiResource``,
``PrivilegeApiResource`` and ``AnonymousAccessApiResource`` (see api-facts.md, section 1).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from shipyard.sandbox._http import Request, Response, Router
from shipyard.sandbox._nexus_rest import (
    NexusContext,
    empty,
    json_body,
    message_error,
    nexus_json,
    unexpected_error,
    validation_error,
)
from shipyard.sandbox._security import REALMS, privileges
from shipyard.sandbox._state import hash_password

__all__ = ["register"]

log = logging.getLogger("shipyard.sandbox")
SECURITY = "/service/rest/v1/security"
_ID = r"(?P<id>[^/]+)"
_STATUSES = ("active", "locked", "disabled", "changepassword")
# A loose version of Hibernate Validator's @Email check.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def register(router: Router, ctx: NexusContext) -> None:
    """Add the security resources to the Nexus router."""
    resources = _Security(ctx)
    add = router.add
    add("GET", f"{SECURITY}/roles", resources.list_roles)
    add("POST", f"{SECURITY}/roles", resources.create_role)
    add("GET", f"{SECURITY}/roles/{_ID}", resources.get_role)
    add("PUT", f"{SECURITY}/roles/{_ID}", resources.update_role)
    add("DELETE", f"{SECURITY}/roles/{_ID}", resources.delete_role)
    add("GET", f"{SECURITY}/users/?", resources.list_users)
    add("POST", f"{SECURITY}/users/?", resources.create_user)
    add("PUT", f"{SECURITY}/users/{_ID}", resources.update_user)
    add("DELETE", f"{SECURITY}/users/{_ID}", resources.delete_user)
    add("PUT", f"{SECURITY}/users/{_ID}/change-password", resources.change_password)
    add("GET", f"{SECURITY}/privileges", resources.list_privileges)
    add("GET", f"{SECURITY}/privileges/{_ID}", resources.get_privilege)
    add("GET", f"{SECURITY}/anonymous", resources.get_anonymous)
    add("PUT", f"{SECURITY}/anonymous", resources.put_anonymous)


def _require_fields(body: Any, fields: dict[str, str]) -> dict[str, Any]:
    """Apply bean validation; ``fields`` maps a field to ``not_null|not_empty|not_blank``."""
    if not isinstance(body, dict):
        raise validation_error([{"id": "*", "message": "must be a JSON object"}])
    errors = []
    for field, rule in fields.items():
        value = body.get(field)
        if value is None:
            errors.append({"id": f"PARAMETER {field}", "message": f"must not be {rule[4:]}"})
        elif rule == "not_empty" and not value:
            errors.append({"id": f"PARAMETER {field}", "message": "must not be empty"})
        elif rule == "not_blank" and not str(value).strip():
            errors.append({"id": f"PARAMETER {field}", "message": "must not be blank"})
    if errors:
        raise validation_error(errors)
    return body


# ApiCreateUser's constraints; ApiUser (for updates) has the same minus the password.
_USER_FIELDS = {"userId": "not_blank", "firstName": "not_empty", "lastName": "not_empty",
                "emailAddress": "not_empty", "password": "not_empty", "status": "not_null",
                "roles": "not_empty"}  # fmt: skip


class _Security:
    def __init__(self, ctx: NexusContext) -> None:
        self.ctx = ctx

    # -- roles ----------------------------------------------------------------------------------

    def list_roles(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:roles:read")
        source = request.arg("source")
        if source and source != "default":
            raise message_error(400, f"Source '{source}' not found.")
        with self.ctx.store.read("nexus") as nexus:
            roles = sorted(nexus["security"]["roles"].values(), key=lambda role: role["id"])
            return nexus_json(roles)

    def get_role(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:roles:read")
        role_id, source = request.params["id"], request.arg("source", "default")
        if source != "default":
            raise message_error(400, f"Source '{source}' not found.")
        with self.ctx.store.read("nexus") as nexus:
            role = nexus["security"]["roles"].get(role_id)
            if role is None:
                raise message_error(404, f"Role '{role_id}' not found.")
            return nexus_json(role)

    def _role_from(self, nexus: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        _check_privileges(nexus, body)
        _check_children(nexus["security"]["roles"], body)
        return {
            "id": body["id"],
            "source": "default",
            "name": body["name"],
            "description": body.get("description"),
            "readOnly": False,
            "privileges": sorted(set(body.get("privileges") or [])),
            "roles": sorted(set(body.get("roles") or [])),
        }

    def create_role(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:roles:create")
        body = _require_fields(json_body(request), {"id": "not_empty", "name": "not_empty"})
        with self.ctx.store.write("nexus") as nexus:
            if body["id"] in nexus["security"]["roles"]:
                raise message_error(
                    400, f"Role '{body['id']}' already exists, use a unique roleId."
                )
            role = self._role_from(nexus, body)
            nexus["security"]["roles"][role["id"]] = role
        return nexus_json(role)

    def update_role(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:roles:update")
        role_id = request.params["id"]
        body = _require_fields(json_body(request), {"id": "not_empty", "name": "not_empty"})
        if body["id"] != role_id:
            message = (
                f"The Role id '{body['id']}' does not match the id used in the path '{role_id}'."
            )
            raise message_error(409, message)
        with self.ctx.store.write("nexus") as nexus:
            current = nexus["security"]["roles"].get(role_id)
            if current is None:
                raise message_error(404, f"Role '{role_id}' not found.")
            if current["readOnly"]:
                message = f"Role '{role_id}' is internal and cannot be modified or deleted."
                raise message_error(400, message)
            nexus["security"]["roles"][role_id] = self._role_from(nexus, body)
        return empty(204)

    def delete_role(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:roles:delete")
        role_id = request.params["id"]
        with self.ctx.store.write("nexus") as nexus:
            current = nexus["security"]["roles"].get(role_id)
            if current is None:
                raise message_error(404, f"Role '{role_id}' not found.")
            if current["readOnly"]:
                message = f"Role '{role_id}' is internal and cannot be modified or deleted."
                raise message_error(400, message)
            del nexus["security"]["roles"][role_id]
        return empty(204)

    # -- users ----------------------------------------------------------------------------------

    def list_users(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:users:read")
        prefix, source = request.arg("userId") or "", request.arg("source")
        with self.ctx.store.read("nexus") as nexus:
            users = [
                user
                for user_id, user in sorted(nexus["security"]["users"].items())
                # Nexus's default user manager matches the userId term as a prefix.
                if user_id.startswith(prefix) and source in (None, "", user["source"])
            ]
            return nexus_json(users[:100] if source != "default" else users)

    def _user_from(self, nexus: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        status = str(body["status"]).lower()  # Jackson matches enums case-insensitively
        if status not in _STATUSES:
            message = (
                f"Cannot deserialize value of type `ApiUserStatus` from String {body['status']!r}"
            )
            raise validation_error([{"id": "status", "message": message}])
        if not _EMAIL.match(str(body["emailAddress"])):
            message = "must be a well-formed email address"
            raise validation_error([{"id": "PARAMETER emailAddress", "message": message}])
        roles = nexus["security"]["roles"]
        unknown = [role for role in body["roles"] if role not in roles]
        if unknown:
            raise validation_error(
                [{"id": "roles", "message": f"Unable to locate roleId: {role}"} for role in unknown]
            )
        return {
            "userId": body["userId"],
            "firstName": body["firstName"],
            "lastName": body["lastName"],
            "emailAddress": body["emailAddress"],
            "source": "default",
            "status": status,
            "readOnly": False,
            "roles": sorted(set(body["roles"])),
            "externalRoles": [],
        }

    def create_user(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:users:create")
        body = _require_fields(json_body(request), _USER_FIELDS)
        password = body["password"]
        if not isinstance(password, str) or not password.strip():
            raise message_error(400, "A non-empty password is required.")
        with self.ctx.store.write("nexus") as nexus:
            user = self._user_from(nexus, body)
            if user["userId"] in nexus["security"]["users"]:
                # Nexus lets DuplicateUserException escape as a 500 (nexus-public issue #1047).
                raise unexpected_error(
                    "org.sonatype.nexus.security.user.DuplicateUserException: "
                    f"User {user['userId']} already exists."
                )
            nexus["security"]["users"][user["userId"]] = user
            nexus["security"]["passwords"][user["userId"]] = hash_password(password)
        return nexus_json(user)

    def update_user(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:users:update")
        user_id = request.params["id"]
        fields = {k: v for k, v in _USER_FIELDS.items() if k != "password"}
        body = _require_fields(json_body(request), fields)
        if body["userId"] != user_id:
            raise message_error(400, "The path's userId does not match the body")
        with self.ctx.store.write("nexus") as nexus:
            user = self._user_from(nexus, body)
            if user_id not in nexus["security"]["users"]:
                raise message_error(404, f"User '{user_id}' not found.")
            nexus["security"]["users"][user_id] = user
        return empty(204)

    def delete_user(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:users:delete")
        user_id = request.params["id"]
        with self.ctx.store.write("nexus") as nexus:
            if user_id not in nexus["security"]["users"]:
                raise message_error(404, f"User '{user_id}' not found.")
            del nexus["security"]["users"][user_id]
            nexus["security"]["passwords"].pop(user_id, None)
        return empty(204)

    def change_password(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:*")
        if request.header("Content-Type").split(";")[0].strip().lower() != "text/plain":
            return empty(415)  # the resource @Consumes(TEXT_PLAIN) only
        user_id = request.params["id"]
        password = request.body.decode("utf-8", "replace")
        if not password.strip():
            raise message_error(400, "Password must be supplied.")
        with self.ctx.store.write("nexus") as nexus:
            if user_id not in nexus["security"]["users"]:
                raise message_error(404, f"User '{user_id}' not found.")
            nexus["security"]["passwords"][user_id] = hash_password(password)
        if user_id == "admin":
            # Current Nexus removes the generated admin.password once admin's password changes.
            self.ctx.admin_password_file.unlink(missing_ok=True)
        log.info("nexus: password of %r changed", user_id)
        return empty(204)

    # -- privileges -----------------------------------------------------------------------------

    def list_privileges(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:privileges:read")
        with self.ctx.store.read("nexus") as nexus:
            found = privileges(nexus["repositories"])
        return nexus_json([found[name].to_api() for name in sorted(found)])

    def get_privilege(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:privileges:read")
        name = request.params["id"]
        with self.ctx.store.read("nexus") as nexus:
            privilege = privileges(nexus["repositories"]).get(name)
        if privilege is None:
            raise message_error(404, f"Privilege '{name}' not found.")
        return nexus_json(privilege.to_api())

    # -- anonymous access -----------------------------------------------------------------------

    def get_anonymous(self, request: Request) -> Response:
        # No @RequiresAuthentication on this one in Nexus: the permission alone decides.
        self.ctx.permit(self.ctx.subject(request), "nexus:settings:read")
        with self.ctx.store.read("nexus") as nexus:
            return nexus_json(nexus["security"]["anonymous"])

    def put_anonymous(self, request: Request) -> Response:
        self.ctx.require(request, "nexus:settings:update")
        body = json_body(request)
        if not isinstance(body, dict):
            raise validation_error([{"id": "*", "message": "must be a JSON object"}])
        if body.get("realmName") not in REALMS:
            raise validation_error([{"id": "realmName", "message": "Realm does not exist"}])
        settings = {
            "enabled": bool(body.get("enabled")),
            "userId": body.get("userId") or "anonymous",
            "realmName": body["realmName"],
        }
        with self.ctx.store.write("nexus") as nexus:
            nexus["security"]["anonymous"] = settings
        return nexus_json(settings)


def _check_privileges(nexus: dict[str, Any], body: dict[str, Any]) -> None:
    """Check that every privilege a role request lists exists.

    Raises:
        HttpError: Nexus's 400 naming the first unknown privilege.
    """
    known = privileges(nexus["repositories"])
    for privilege in body.get("privileges") or []:
        if privilege not in known:
            raise message_error(
                400, f"Privilege '{privilege}' contained in role '{body['id']}' not found."
            )


def _check_children(roles: dict[str, Any], body: dict[str, Any]) -> None:
    """Check that a role request's child roles exist and do not contain the role itself.

    Raises:
        HttpError: Nexus's 400 naming an unknown child role, or saying the role contains itself.
    """
    role_id = body["id"]
    children = body.get("roles") or []
    for child in children:
        if child not in roles and child != role_id:
            raise message_error(400, f"Role '{child}' contained in role '{role_id}' not found.")
    if role_id in _descendants(roles, children, role_id):
        message = (
            f"Role '{role_id}' cannot contain itself either directly or indirectly "
            "through child roles."
        )
        raise message_error(400, message)


def _descendants(roles: dict[str, Any], children: list[str], root: str) -> set[str]:
    found: set[str] = set()
    pending = list(children)
    while pending:
        role_id = pending.pop()
        if role_id in found:
            continue
        found.add(role_id)
        if role_id != root:
            pending.extend((roles.get(role_id) or {}).get("roles") or [])
    return found
