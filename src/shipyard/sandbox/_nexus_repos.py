"""Repository definitions for the Nexus stand-in: validate a request, store it, render it.

Supported recipes: ``pypi/hosted`` (with a real index, see :mod:`shipyard.sandbox._pypi`),
``pypi/proxy``, ``pypi/group`` and ``conda/proxy`` (definitions only; no remote is contacted).
Request models and their constraints follow NP ``HostedRepositoryApiRequest``,
``ProxyRepositoryApiRequest``, ``GroupAttributes`` and friends; validation messages are Hibernate
Validator's, with ids built as NP ``ResteasyViolationExceptionMapper`` does (``PARAMETER <field>``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "BLOB_STORES",
    "NAME_MESSAGE",
    "RECIPES",
    "RequestProblem",
    "list_item",
    "render",
    "stored",
    "url",
    "validate",
]

RECIPES = {("pypi", "hosted"), ("pypi", "proxy"), ("pypi", "group"), ("conda", "proxy")}
# A fresh Nexus has one blob store, "default"; the sandbox stores everything under the state dir.
BLOB_STORES = {"default"}
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9\-]{1}[a-zA-Z0-9_\-\.]*$")
NAME_MESSAGE = (
    "Only letters, digits, underscores(_), hyphens(-), and dots(.) are allowed and may not start "
    "with underscore or dot."
)
WRITE_POLICIES = ("ALLOW", "ALLOW_ONCE", "DENY")
_AUTH_TYPES = ("username", "ntlm", "bearerToken")

# (dotted path, JSON type) of the fields bean validation requires, per repository type.
_STORAGE = [("storage", dict), ("storage.blobStoreName", str),
            ("storage.strictContentTypeValidation", bool)]  # fmt: skip
_REQUIRED: dict[str, list[tuple[str, type]]] = {
    "hosted": [*_STORAGE, ("storage.writePolicy", str)],
    "proxy": [
        *_STORAGE,
        ("proxy", dict),
        ("proxy.remoteUrl", str),
        ("proxy.contentMaxAge", int),
        ("proxy.metadataMaxAge", int),
        ("negativeCache", dict),
        ("negativeCache.enabled", bool),
        ("negativeCache.timeToLive", int),
        ("httpClient", dict),
        ("httpClient.blocked", bool),
        ("httpClient.autoBlock", bool),
    ],  # fmt: skip
    "group": [*_STORAGE, ("group", dict), ("group.memberNames", list)],
}
# Strings constrained @NotNull rather than @NotEmpty (HostedStorageAttributes, ProxyAttributes).
_NOT_NULL_STRINGS = {"storage.writePolicy", "proxy.remoteUrl"}
_JAVA_TYPES: dict[type, str] = {
    str: "java.lang.String",
    bool: "java.lang.Boolean",
    int: "java.lang.Integer",
    dict: "java.util.LinkedHashMap",
    list: "java.util.ArrayList",
}


class RequestProblem(Exception):
    """A request Nexus refuses, with the body it would answer.

    Args:
        body: The list of ``{"id", "message"}`` (validation) or one ``{"id": "*", ...}`` object.
        status: The HTTP status, 400 unless said otherwise.
    """

    def __init__(self, body: Any, status: int = 400) -> None:
        super().__init__(status)
        self.body = body
        self.status = status


def _get(body: dict[str, Any], dotted: str) -> Any:
    value: Any = body
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _type_ok(value: Any, kind: type) -> bool:
    if kind is int:  # JSON true/false are not numbers, though Python's bool is an int
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def validate(repo_type: str, body: Any) -> None:
    """Check a create/update request as Nexus's JSON mapping and bean validation do.

    Raises:
        RequestProblem: With Nexus's 400 validation list.
    """
    if not isinstance(body, dict):
        raise RequestProblem([{"id": "*", "message": "Unable to parse the request body as JSON"}])
    fields = [("name", str), ("online", bool), *_REQUIRED[repo_type]]
    _check_types(body, fields)
    errors = [*_missing(body, fields), *_invalid(body)]
    if errors:
        raise RequestProblem(errors)
    if repo_type == "hosted":
        _check_write_policy(_get(body, "storage.writePolicy"))


def _check_types(body: dict[str, Any], fields: list[tuple[str, type]]) -> None:
    """Check the JSON types of the fields that are there.

    JSON mapping happens before bean validation (NP JsonMappingExceptionMapper): a wrong type
    stops there, with the first one.

    Raises:
        RequestProblem: A field has the wrong type.
    """
    for path, kind in fields:
        value = _get(body, path)
        if value is not None and not _type_ok(value, kind):
            message = f"Cannot deserialize value of type `{_JAVA_TYPES[kind]}` from {value!r}"
            raise RequestProblem([{"id": path, "message": message}])


def _missing(body: dict[str, Any], fields: list[tuple[str, type]]) -> list[dict[str, str]]:
    """Return bean validation's errors for the required fields that are null or empty."""
    errors = []
    for path, kind in fields:
        value = _get(body, path)
        leaf = path.rsplit(".", 1)[-1]
        not_empty = kind in (str, list) and path not in _NOT_NULL_STRINGS
        if value is None or (not_empty and not value):
            message = "must not be empty" if not_empty else "must not be null"
            errors.append({"id": f"PARAMETER {leaf}", "message": message})
    return errors


def _invalid(body: dict[str, Any]) -> list[dict[str, str]]:
    """Return bean validation's errors for a malformed name and an unknown authentication type."""
    errors = []
    name = body.get("name")
    if isinstance(name, str) and name and not NAME_PATTERN.match(name):
        errors.append({"id": "PARAMETER name", "message": NAME_MESSAGE})
    auth = _get(body, "httpClient.authentication")
    if isinstance(auth, dict) and auth.get("type") not in _AUTH_TYPES:
        errors.append({"id": "PARAMETER type", "message": f"must be one of {list(_AUTH_TYPES)}"})
    return errors


def _check_write_policy(policy: str) -> None:
    """Check a hosted repository's write policy, case-insensitively.

    Raises:
        RequestProblem: Not a policy Nexus knows.
    """
    if policy.upper() not in WRITE_POLICIES:
        # The converter maps the string to the WritePolicy enum; the IllegalArgumentException
        # becomes AbstractRepositoriesApiResource's 400 {"id": "*", "message": "\"...\""}.
        message = f"No enum constant org.sonatype.nexus.repository.config.WritePolicy.{policy}"
        raise RequestProblem({"id": "*", "message": f'"{message}"'})


def stored(fmt: str, repo_type: str, body: dict[str, Any]) -> dict[str, Any]:
    """Return what the sandbox keeps of a validated request (never a remote's password)."""
    storage = body["storage"]
    repo: dict[str, Any] = {
        "name": body["name"],
        "format": fmt,
        "type": repo_type,
        "online": body["online"],
        "storage": {
            "blobStoreName": storage["blobStoreName"],
            "strictContentTypeValidation": storage["strictContentTypeValidation"],
        },
        "cleanup": _cleanup(body.get("cleanup")),
    }
    if repo_type == "hosted":
        # Accepted case-insensitively, stored and returned verbatim (api-facts.md, section 1).
        repo["storage"]["writePolicy"] = storage["writePolicy"]
        component = body.get("component") or {}
        repo["component"] = {"proprietaryComponents": bool(component.get("proprietaryComponents"))}
    elif repo_type == "proxy":
        proxy, http = body["proxy"], body["httpClient"]
        repo["proxy"] = {k: proxy.get(k) for k in ("remoteUrl", "contentMaxAge", "metadataMaxAge")}
        repo["negativeCache"] = dict(body["negativeCache"])
        auth = http.get("authentication")
        if isinstance(auth, dict):
            # Nexus keeps the password (encrypted) and never returns it; the sandbox drops it.
            auth = {k: v for k, v in auth.items() if k != "password"} | {"password": None}
        repo["httpClient"] = {
            "blocked": http["blocked"],
            "autoBlock": http["autoBlock"],
            "connection": http.get("connection"),
            "authentication": auth,
        }
        # The "pypi": {"removeQuarantined": ...} block of newer versions is UNCONFIRMED: like any
        # unknown property it is accepted and ignored, and it is not returned.
        # You POST routingRule, GET returns routingRuleName (NEXUS-30973).
        repo["routingRuleName"] = body.get("routingRule") or body.get("routingRuleName")
    else:
        repo["group"] = {"memberNames": list(body["group"]["memberNames"])}
    return repo


def _cleanup(cleanup: Any) -> dict[str, Any] | None:
    if isinstance(cleanup, dict) and cleanup.get("policyNames"):
        return {"policyNames": list(cleanup["policyNames"])}
    return None


def url(base_url: str, name: str) -> str:
    """Return a repository's URL: ``<base>/repository/<name>``, with no trailing slash."""
    return f"{base_url}/repository/{name}"


def render(repo: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Return the body of ``GET /v1/repositories/{format}/{type}/{name}``."""
    head = {key: repo[key] for key in ("name", "format", "type")}
    rendered = {**head, "url": url(base_url, repo["name"]), "online": repo["online"]}
    rendered.update({k: v for k, v in repo.items() if k not in rendered})
    return rendered


def list_item(repo: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Return one entry of ``GET /v1/repositories``."""
    attributes = {}
    if repo["type"] == "proxy":
        attributes["proxy"] = {"remoteUrl": repo["proxy"]["remoteUrl"]}
    return {
        "name": repo["name"],
        "format": repo["format"],
        "type": repo["type"],
        "url": url(base_url, repo["name"]),
        "attributes": attributes,
    }
