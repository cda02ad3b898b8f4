"""The Nexus REST client and the objects it manages (private; :mod:`shipyard.nexus` is public).

Implements the subset of the Nexus 3 REST API (``/service/rest/v1``) the runbook uses:
https://help.sonatype.com/en/rest-and-integration-api.html — hosted PyPI repositories
(``/v1/repositories/pypi/hosted``), conda proxies (``/v1/repositories/conda/proxy``), roles
(``/v1/security/roles``), users (``/v1/security/users``, ``.../change-password``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipyard._http import HttpClient
from shipyard.config import Secret

__all__ = ["V1", "CondaProxy", "HostedRepository", "NexusClient", "Role", "User"]

V1 = "/service/rest/v1"


@dataclass(frozen=True)
class HostedRepository:
    """A hosted PyPI repository.

    Attributes:
        name: The repository name; packages are at ``<nexus>/repository/<name>/``.
        write_policy: ``ALLOW_ONCE`` (a file is uploaded once), ``ALLOW`` or ``DENY``.
        blob_store: Where Nexus stores the files (cannot change after creation).
        strict_content_type_validation: Whether Nexus checks uploads are what they claim.
    """

    name: str
    write_policy: str = "ALLOW_ONCE"
    blob_store: str = "default"
    strict_content_type_validation: bool = True

    def body(self) -> dict[str, Any]:
        """Return the create/update request body (``HostedRepositoryApiRequest``)."""
        return {
            "name": self.name,
            "online": True,
            "storage": {
                "blobStoreName": self.blob_store,
                "strictContentTypeValidation": self.strict_content_type_validation,
                "writePolicy": self.write_policy,
            },
            "component": {"proprietaryComponents": False},
        }


@dataclass(frozen=True)
class CondaProxy:
    """A conda proxy repository: Nexus fetches packages from a channel and caches them.

    Attributes:
        name: The repository name; the channel is ``<nexus>/repository/<name>/``.
        remote: The channel it proxies, e.g. ``https://conda.anaconda.org/conda-forge``.
        max_age: Minutes Nexus keeps packages and metadata before asking the remote again.
    """

    name: str
    remote: str = "https://conda.anaconda.org/conda-forge"
    max_age: int = 1440
    blob_store: str = "default"

    def body(self) -> dict[str, Any]:
        """Return the create request body (``CondaProxyRepositoryApiRequest``)."""
        return {
            "name": self.name,
            "online": True,
            "storage": {"blobStoreName": self.blob_store, "strictContentTypeValidation": True},
            "proxy": {
                "remoteUrl": self.remote,
                "contentMaxAge": self.max_age,
                "metadataMaxAge": self.max_age,
            },
            "negativeCache": {"enabled": True, "timeToLive": self.max_age},
            "httpClient": {"blocked": False, "autoBlock": True},
        }


@dataclass(frozen=True)
class Role:
    """A Nexus role: a set of privileges."""

    id: str
    description: str
    privileges: tuple[str, ...]

    def body(self) -> dict[str, Any]:
        """Return the create/update request body (``RoleXORequest``)."""
        return {
            "id": self.id,
            "name": self.id,
            "description": self.description,
            "privileges": sorted(self.privileges),
            "roles": [],
        }


@dataclass(frozen=True)
class User:
    """A Nexus user of the default realm.

    Attributes:
        user_id: The login, e.g. ``deploy-ci``.
        roles: The roles it holds.
        password: Its password; never shown.
        password_source: Where the password came from, for the plan's note.
    """

    user_id: str
    roles: tuple[str, ...]
    password: Secret = field(repr=False)
    password_source: str = "generated"
    first_name: str = "CI"
    last_name: str = "Deploy"
    email: str = ""

    def body(self, with_password: bool = True) -> dict[str, Any]:
        """Return the create (``ApiCreateUser``) or update (``ApiUser``) request body."""
        body: dict[str, Any] = {
            "userId": self.user_id,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "emailAddress": self.email or f"{self.user_id}@example.org",
            "status": "active",
            "roles": sorted(self.roles),
        }
        if with_password:
            body["password"] = self.password.reveal()
        else:
            body["source"] = "default"
        return body


class NexusClient:
    """The Nexus REST calls Shipyard makes, as one user.

    Args:
        url: Nexus's base URL (without ``/service/rest``).
        username: The user to act as (``admin`` or a user with the security privileges).
        password: Its password.
        description: How plans name this target, e.g. ``sandbox Nexus on 127.0.0.1``.
        **http: Passed to the HTTP client (``timeout``, ``retries``, ``backoff``).
    """

    def __init__(
        self, url: str, username: str, password: Secret | None, description: str = "", **http: Any
    ) -> None:
        self.url = url.rstrip("/")
        self.username = username
        self.description = description or f"Nexus at {self.url}"
        self.http = HttpClient(self.url, username, password, **http)

    def as_user(self, user: User) -> NexusClient:
        """Return a client for the same Nexus acting as ``user``."""
        return NexusClient(self.url, user.user_id, user.password, self.description)

    def repository_url(self, name: str) -> str:
        """Return the upload URL of a hosted repository (twine's), with its trailing slash."""
        return f"{self.url}/repository/{name}/"

    def _get(self, path: str, operation: str) -> Any | None:
        answer = self.http.request("GET", f"{V1}{path}", operation=operation, allow=(404,))
        return None if answer.status_code == 404 else answer.json()

    # -- repositories ---------------------------------------------------------------------------

    def repositories(self) -> list[dict[str, Any]]:
        """Return ``GET /v1/repositories``: the repositories this user can see."""
        return self.http.request("GET", f"{V1}/repositories", operation="list repositories").json()

    def get_repository(self, name: str) -> dict[str, Any] | None:
        """Return a hosted PyPI repository's configuration, or ``None`` when there is none."""
        return self._get(f"/repositories/pypi/hosted/{name}", f"read repository {name!r}")

    def create_repository(self, repo: HostedRepository) -> None:
        """Create a hosted PyPI repository (``POST /v1/repositories/pypi/hosted``)."""
        self.http.request(
            "POST",
            f"{V1}/repositories/pypi/hosted",
            json=repo.body(),
            operation=f"create repository {repo.name!r}",
            expect=(201,),
        )

    def update_repository(self, repo: HostedRepository) -> None:
        """Replace a hosted PyPI repository's configuration (``PUT``)."""
        self.http.request(
            "PUT",
            f"{V1}/repositories/pypi/hosted/{repo.name}",
            json=repo.body(),
            operation=f"update repository {repo.name!r}",
            expect=(204,),
        )

    def delete_repository(self, name: str) -> None:
        """Delete a repository and its content (``DELETE /v1/repositories/{name}``)."""
        self.http.request(
            "DELETE",
            f"{V1}/repositories/{name}",
            operation=f"delete repository {name!r}",
            expect=(204,),
        )

    def get_conda_proxy(self, name: str) -> dict[str, Any] | None:
        """Return a conda proxy repository's configuration, or ``None`` when there is none."""
        return self._get(f"/repositories/conda/proxy/{name}", f"read conda proxy {name!r}")

    def create_conda_proxy(self, proxy: CondaProxy) -> None:
        """Create a conda proxy repository (``POST /v1/repositories/conda/proxy``)."""
        self.http.request(
            "POST",
            f"{V1}/repositories/conda/proxy",
            json=proxy.body(),
            operation=f"create conda proxy {proxy.name!r}",
            expect=(201,),
        )

    # -- roles and users ------------------------------------------------------------------------

    def get_role(self, role_id: str) -> dict[str, Any] | None:
        """Return a role, or ``None`` when there is none."""
        return self._get(f"/security/roles/{role_id}", f"read role {role_id!r}")

    def create_role(self, role: Role) -> None:
        """Create a role (``POST /v1/security/roles``)."""
        self.http.request(
            "POST",
            f"{V1}/security/roles",
            json=role.body(),
            operation=f"create role {role.id!r}",
            expect=(200,),
        )

    def update_role(self, role: Role) -> None:
        """Replace a role's privileges and description (``PUT /v1/security/roles/{id}``)."""
        self.http.request(
            "PUT",
            f"{V1}/security/roles/{role.id}",
            json=role.body(),
            operation=f"update role {role.id!r}",
            expect=(204,),
        )

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        """Return a user of the default realm, or ``None`` when there is none."""
        found = self.http.request(
            "GET",
            f"{V1}/security/users",
            params={"userId": user_id, "source": "default"},
            operation=f"read user {user_id!r}",
        ).json()
        # The userId term is matched as a prefix: pick the exact one.
        return next((u for u in found if u.get("userId") == user_id), None)

    def create_user(self, user: User) -> None:
        """Create a user with its password (``POST /v1/security/users``)."""
        self.http.request(
            "POST",
            f"{V1}/security/users",
            json=user.body(),
            operation=f"create user {user.user_id!r}",
            expect=(200,),
            secrets=[user.password],
        )

    def update_user(self, user: User) -> None:
        """Replace a user's names, status and roles (``PUT /v1/security/users/{id}``)."""
        self.http.request(
            "PUT",
            f"{V1}/security/users/{user.user_id}",
            json=user.body(with_password=False),
            operation=f"update user {user.user_id!r}",
            expect=(204,),
        )

    def change_password(self, user: User) -> None:
        """Set a user's password (``PUT .../change-password``, a ``text/plain`` body)."""
        self.http.request(
            "PUT",
            f"{V1}/security/users/{user.user_id}/change-password",
            data=user.password.reveal().encode(),
            headers={"Content-Type": "text/plain"},
            operation=f"change the password of {user.user_id!r}",
            expect=(204,),
            secrets=[user.password],
        )

    def password_works(self, user: User) -> bool:
        """Tell whether Nexus accepts ``user``'s password (any authenticated read answers 401)."""
        probe = self.as_user(user)
        answer = probe.http.request(
            "GET", f"{V1}/repositories", allow=(401, 403), operation=f"sign in as {user.user_id!r}"
        )
        return answer.status_code != 401
