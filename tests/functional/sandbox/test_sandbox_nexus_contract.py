"""Contract tests of the Nexus stand-in's REST API, written from api-facts.md section 1."""

from __future__ import annotations

import pytest

CHALLENGE = 'BASIC realm="Sonatype Nexus Repository Manager"'
NAME_MESSAGE = (
    "Only letters, digits, underscores(_), hyphens(-), and dots(.) are allowed and may not start "
    "with underscore or dot."
)


@pytest.fixture
def v1(sandbox):
    return f"{sandbox.nexus}/service/rest/v1"


def _quoted(message):
    """WebApplicationMessageException's body: the message itself wrapped in double quotes."""
    return {"id": "*", "message": f'"{message}"'}


# -- status and authentication -------------------------------------------------------------------


def test_status_answers_without_authentication(http, v1):
    for path in ("status", "status/writable"):
        answer = http.get(f"{v1}/{path}")
        assert answer.status_code == 200
        assert answer.content == b""


def test_status_check_needs_authentication_and_permission(http, v1, admin):
    anonymous = http.get(f"{v1}/status/check")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == CHALLENGE
    answer = http.get(f"{v1}/status/check", auth=admin)
    assert answer.status_code == 200
    assert all("healthy" in check for check in answer.json().values())


def test_wrong_credentials_are_401_with_basic_challenge(http, v1):
    answer = http.get(f"{v1}/security/users", auth=("admin", "not-the-password"))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == CHALLENGE


def test_anonymous_caller_of_admin_endpoint_gets_401(http, v1):
    answer = http.get(f"{v1}/security/users")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == CHALLENGE


def test_authenticated_caller_without_permission_gets_403(http, sandbox, v1, admin, deploy_setup):
    user = deploy_setup(sandbox.nexus, admin, "authz-repo", "authz-deployer")
    assert http.get(f"{v1}/security/users", auth=user).status_code == 403
    assert http.get(f"{v1}/security/privileges", auth=user).status_code == 403
    role = {"id": "sneaky", "name": "sneaky", "privileges": ["nx-all"], "roles": []}
    assert http.post(f"{v1}/security/roles", json=role, auth=user).status_code == 403
    settings = {"enabled": True, "userId": "anonymous", "realmName": "NexusAuthorizingRealm"}
    assert http.put(f"{v1}/security/anonymous", json=settings, auth=user).status_code == 403
    assert http.delete(f"{v1}/repositories/authz-repo", auth=user).status_code == 403
    assert http.get(f"{v1}/repositories/pypi/hosted/authz-repo", auth=admin).status_code == 200


# -- repositories --------------------------------------------------------------------------------


def test_hosted_repository_lifecycle(http, sandbox, v1, admin, hosted_body):
    body = hosted_body("life-repo", "allow_once", cleanup={"policyNames": ["weekly"]})
    created = http.post(f"{v1}/repositories/pypi/hosted", json=body, auth=admin)
    assert (created.status_code, created.content) == (201, b"")

    got = http.get(f"{v1}/repositories/pypi/hosted/life-repo", auth=admin).json()
    assert got == {
        "name": "life-repo",
        "format": "pypi",
        "type": "hosted",
        "url": f"{sandbox.nexus}/repository/life-repo",
        "online": True,
        "storage": {
            "blobStoreName": "default",
            "strictContentTypeValidation": True,
            "writePolicy": "allow_once",  # accepted case-insensitively, returned verbatim
        },
        "cleanup": {"policyNames": ["weekly"]},
        "component": {"proprietaryComponents": False},
    }
    listed = {r["name"]: r for r in http.get(f"{v1}/repositories", auth=admin).json()}
    assert listed["life-repo"] == {
        "name": "life-repo",
        "format": "pypi",
        "type": "hosted",
        "url": f"{sandbox.nexus}/repository/life-repo",
        "attributes": {},
    }

    body["storage"]["writePolicy"] = "ALLOW"
    body["online"] = False
    updated = http.put(f"{v1}/repositories/pypi/hosted/life-repo", json=body, auth=admin)
    assert (updated.status_code, updated.content) == (204, b"")
    got = http.get(f"{v1}/repositories/pypi/hosted/life-repo", auth=admin).json()
    assert (got["storage"]["writePolicy"], got["online"]) == ("ALLOW", False)

    assert http.delete(f"{v1}/repositories/life-repo", auth=admin).status_code == 204
    missing = http.get(f"{v1}/repositories/pypi/hosted/life-repo", auth=admin)
    assert missing.status_code == 404
    assert missing.json() == _quoted("Repository not found")
    assert http.delete(f"{v1}/repositories/life-repo", auth=admin).status_code == 404
    assert (
        http.put(f"{v1}/repositories/pypi/hosted/life-repo", json=body, auth=admin).status_code
        == 404
    )


def test_get_with_another_format_or_type_is_404(http, v1, admin, hosted_body):
    http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body("typed-repo"), auth=admin)
    answer = http.get(f"{v1}/repositories/pypi/proxy/typed-repo", auth=admin)
    assert answer.status_code == 404
    assert answer.json() == _quoted("Repository not found")


def test_renaming_is_refused(http, v1, admin, hosted_body):
    http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body("keep-name"), auth=admin)
    answer = http.put(
        f"{v1}/repositories/pypi/hosted/keep-name", json=hosted_body("new-name"), auth=admin
    )
    assert answer.status_code == 400
    assert answer.json() == [{"id": "name", "message": "Renaming a repository is not supported"}]


@pytest.mark.parametrize("name", ["_under", ".dot", "has space", "slash/name", "star*"])
def test_repository_name_pattern_rejects(http, v1, admin, hosted_body, name):
    answer = http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body(name), auth=admin)
    assert answer.status_code == 400
    assert {"id": "PARAMETER name", "message": NAME_MESSAGE} in answer.json()


@pytest.mark.parametrize("name", ["a", "9lives", "-dash", "x_1.2-b"])
def test_repository_name_pattern_accepts(http, v1, admin, hosted_body, name):
    answer = http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body(name), auth=admin)
    assert answer.status_code == 201, answer.text


def test_json_resources_consume_json_only(http, v1, admin):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = http.post(f"{v1}/repositories/pypi/hosted", data="{}", headers=headers, auth=admin)
    assert answer.status_code == 415
    malformed = http.post(
        f"{v1}/security/roles", data="{", headers={"Content-Type": "application/json"}, auth=admin
    )
    assert malformed.status_code == 400
    assert isinstance(malformed.json(), list)


def test_missing_required_fields_give_a_validation_list(http, v1, admin):
    answer = http.post(f"{v1}/repositories/pypi/hosted", json={"name": "incomplete"}, auth=admin)
    assert answer.status_code == 400
    ids = {error["id"] for error in answer.json()}
    assert {"PARAMETER online", "PARAMETER storage"} <= ids
    storage = {"blobStoreName": "default"}
    body = {"name": "incomplete", "online": True, "storage": storage}
    errors = http.post(f"{v1}/repositories/pypi/hosted", json=body, auth=admin).json()
    assert {"id": "PARAMETER writePolicy", "message": "must not be null"} in errors
    assert {"id": "PARAMETER strictContentTypeValidation", "message": "must not be null"} in errors


def test_bad_write_policy_and_blob_store_are_400(http, v1, admin, hosted_body):
    answer = http.post(
        f"{v1}/repositories/pypi/hosted", json=hosted_body("wp-repo", "SOMETIMES"), auth=admin
    )
    assert answer.status_code == 400
    assert answer.json()["id"] == "*"
    assert "SOMETIMES" in answer.json()["message"]
    body = hosted_body("bs-repo")
    body["storage"]["blobStoreName"] = "nowhere"
    answer = http.post(f"{v1}/repositories/pypi/hosted", json=body, auth=admin)
    assert answer.status_code == 400
    assert isinstance(answer.json(), list)


def test_duplicate_repository_name_is_400(http, v1, admin, hosted_body):
    assert (
        http.post(
            f"{v1}/repositories/pypi/hosted", json=hosted_body("dup-repo"), auth=admin
        ).status_code
        == 201
    )
    again = http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body("DUP-repo"), auth=admin)
    assert again.status_code == 400
    assert again.json()[0]["id"] == "PARAMETER name"


def _proxy_body(name, remote):
    return {
        "name": name,
        "online": True,
        "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
        "proxy": {"remoteUrl": remote, "contentMaxAge": 1440, "metadataMaxAge": 1440},
        "negativeCache": {"enabled": True, "timeToLive": 1440},
        "httpClient": {
            "blocked": False,
            "autoBlock": True,
            "connection": {"retries": 0, "timeout": 60},
            "authentication": {"type": "username", "username": "u", "password": "remote-secret"},
        },
        "routingRule": None,
        "cleanup": {"policyNames": []},
    }


def test_proxy_group_and_conda_definitions(http, sandbox, v1, admin, hosted_body):
    proxy = _proxy_body("pypi-proxy", "https://pypi.org/")
    assert http.post(f"{v1}/repositories/pypi/proxy", json=proxy, auth=admin).status_code == 201
    got = http.get(f"{v1}/repositories/pypi/proxy/pypi-proxy", auth=admin).json()
    assert got["proxy"]["remoteUrl"] == "https://pypi.org/"
    assert "routingRuleName" in got and "routingRule" not in got
    assert "remote-secret" not in str(got)
    conda = _proxy_body("conda-forge", "https://conda.anaconda.org/conda-forge/")
    assert http.post(f"{v1}/repositories/conda/proxy", json=conda, auth=admin).status_code == 201

    http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body("group-member"), auth=admin)
    group = {
        "name": "pypi-all",
        "online": True,
        "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
        "group": {"memberNames": ["group-member", "pypi-proxy"]},
    }
    assert http.post(f"{v1}/repositories/pypi/group", json=group, auth=admin).status_code == 201
    got = http.get(f"{v1}/repositories/pypi/group/pypi-all", auth=admin).json()
    assert got["group"] == {"memberNames": ["group-member", "pypi-proxy"]}

    listed = {r["name"]: r for r in http.get(f"{v1}/repositories", auth=admin).json()}
    assert listed["pypi-proxy"]["attributes"] == {"proxy": {"remoteUrl": "https://pypi.org/"}}
    assert listed["conda-forge"]["format"] == "conda"
    assert listed["pypi-all"]["url"] == f"{sandbox.nexus}/repository/pypi-all"

    empty = dict(group, name="pypi-none", group={"memberNames": []})
    answer = http.post(f"{v1}/repositories/pypi/group", json=empty, auth=admin)
    assert answer.status_code == 400
    assert {"id": "PARAMETER memberNames", "message": "must not be empty"} in answer.json()
    incomplete = {k: v for k, v in proxy.items() if k != "httpClient"} | {"name": "no-client"}
    answer = http.post(f"{v1}/repositories/pypi/proxy", json=incomplete, auth=admin)
    assert answer.status_code == 400
    assert {"id": "PARAMETER httpClient", "message": "must not be null"} in answer.json()


# -- roles ---------------------------------------------------------------------------------------


def test_role_lifecycle(http, v1, admin, hosted_body):
    http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body("role-repo"), auth=admin)
    privileges = ["nx-repository-view-pypi-role-repo-add", "nx-repository-view-pypi-role-repo-read"]
    role = {"id": "deployer", "name": "Deployer", "description": "CI uploads",
            "privileges": privileges, "roles": []}  # fmt: skip
    created = http.post(f"{v1}/security/roles", json=role, auth=admin)
    assert created.status_code == 200
    assert created.json() == {"id": "deployer", "source": "default", "name": "Deployer",
                              "description": "CI uploads", "readOnly": False,
                              "privileges": sorted(privileges), "roles": []}  # fmt: skip
    duplicate = http.post(f"{v1}/security/roles", json=role, auth=admin)
    assert duplicate.status_code == 400
    assert duplicate.json() == _quoted("Role 'deployer' already exists, use a unique roleId.")

    assert http.get(f"{v1}/security/roles/deployer", auth=admin).json()["name"] == "Deployer"
    role["name"] = "Deployer 2"
    assert http.put(f"{v1}/security/roles/deployer", json=role, auth=admin).status_code == 204
    assert http.get(f"{v1}/security/roles/deployer", auth=admin).json()["name"] == "Deployer 2"
    conflict = http.put(f"{v1}/security/roles/other", json=role, auth=admin)
    assert conflict.status_code == 409

    assert http.delete(f"{v1}/security/roles/deployer", auth=admin).status_code == 204
    missing = http.get(f"{v1}/security/roles/deployer", auth=admin)
    assert missing.status_code == 404
    assert missing.json() == _quoted("Role 'deployer' not found.")
    assert http.delete(f"{v1}/security/roles/deployer", auth=admin).status_code == 404


def test_role_references_must_exist(http, v1, admin):
    role = {"id": "r1", "name": "r1", "privileges": ["nx-nope"], "roles": []}
    answer = http.post(f"{v1}/security/roles", json=role, auth=admin)
    assert answer.status_code == 400
    assert answer.json() == _quoted("Privilege 'nx-nope' contained in role 'r1' not found.")
    role = {"id": "r1", "name": "r1", "privileges": [], "roles": ["ghost"]}
    answer = http.post(f"{v1}/security/roles", json=role, auth=admin)
    assert answer.status_code == 400
    assert answer.json() == _quoted("Role 'ghost' contained in role 'r1' not found.")


def test_role_validation_and_read_only_roles(http, v1, admin):
    answer = http.post(f"{v1}/security/roles", json={"id": "", "name": "x"}, auth=admin)
    assert answer.status_code == 400
    assert answer.json() == [{"id": "PARAMETER id", "message": "must not be empty"}]
    admin_role = http.get(f"{v1}/security/roles/nx-admin", auth=admin).json()
    assert admin_role["readOnly"] is True
    answer = http.put(f"{v1}/security/roles/nx-admin", json=admin_role, auth=admin)
    assert answer.status_code == 400


# -- users ---------------------------------------------------------------------------------------


def _user(user_id, **extra):
    return {"userId": user_id, "firstName": "Ada", "lastName": "Lovelace",
            "emailAddress": f"{user_id}@example.org", "password": "s3cret-pass",
            "status": "active", "roles": ["nx-anonymous"]} | extra  # fmt: skip


def test_user_lifecycle(http, v1, admin):
    created = http.post(f"{v1}/security/users", json=_user("ada"), auth=admin)
    assert created.status_code == 200
    assert created.json() == {"userId": "ada", "firstName": "Ada", "lastName": "Lovelace",
                              "emailAddress": "ada@example.org", "source": "default",
                              "status": "active", "readOnly": False, "roles": ["nx-anonymous"],
                              "externalRoles": []}  # fmt: skip
    duplicate = http.post(f"{v1}/security/users", json=_user("ada"), auth=admin)
    assert duplicate.status_code == 500
    assert duplicate.headers["Content-Type"].startswith("text/plain")
    assert duplicate.text.startswith("ERROR: (ID ")
    assert duplicate.text.endswith(
        "org.sonatype.nexus.security.user.DuplicateUserException: User ada already exists."
    )

    listed = http.get(f"{v1}/security/users", params={"userId": "ada"}, auth=admin).json()
    assert [u["userId"] for u in listed] == ["ada"]

    update = {k: v for k, v in _user("ada").items() if k != "password"} | {"source": "default"}
    update["lastName"] = "King"
    assert http.put(f"{v1}/security/users/ada", json=update, auth=admin).status_code == 204
    unknown_role = dict(update, roles=["ghost"])
    answer = http.put(f"{v1}/security/users/ada", json=unknown_role, auth=admin)
    assert answer.status_code == 400
    assert answer.json() == [{"id": "roles", "message": "Unable to locate roleId: ghost"}]
    assert http.put(f"{v1}/security/users/bob", json=update, auth=admin).status_code == 400
    missing = http.put(f"{v1}/security/users/bob", json=dict(update, userId="bob"), auth=admin)
    assert missing.status_code == 404
    assert missing.json() == _quoted("User 'bob' not found.")

    assert http.delete(f"{v1}/security/users/ada", auth=admin).status_code == 204
    assert http.delete(f"{v1}/security/users/ada", auth=admin).status_code == 404


def test_user_needs_a_password_and_every_field(http, v1, admin):
    answer = http.post(f"{v1}/security/users", json=_user("nopw", password=" "), auth=admin)
    assert answer.status_code == 400
    assert answer.json() == _quoted("A non-empty password is required.")
    incomplete = {k: v for k, v in _user("partial").items() if k not in ("password", "roles")}
    answer = http.post(f"{v1}/security/users", json=incomplete, auth=admin)
    assert answer.status_code == 400
    assert answer.json() == [
        {"id": "PARAMETER password", "message": "must not be empty"},
        {"id": "PARAMETER roles", "message": "must not be empty"},
    ]
    unknown = http.post(f"{v1}/security/users", json=_user("ghosty", roles=["ghost"]), auth=admin)
    assert unknown.status_code == 400
    assert unknown.json() == [{"id": "roles", "message": "Unable to locate roleId: ghost"}]


def test_change_password(http, v1, admin):
    http.post(f"{v1}/security/users", json=_user("carol"), auth=admin)
    url = f"{v1}/security/users/carol/change-password"
    as_json = http.put(url, json="new-pass-1", auth=admin)
    assert as_json.status_code == 415
    headers = {"Content-Type": "text/plain"}
    answer = http.put(url, data="new-pass-1", headers=headers, auth=admin)
    assert answer.status_code == 204
    assert http.get(f"{v1}/repositories", auth=("carol", "new-pass-1")).status_code == 200
    assert http.get(f"{v1}/repositories", auth=("carol", "s3cret-pass")).status_code == 401
    blank = http.put(url, data=" ", headers=headers, auth=admin)
    assert blank.status_code == 400
    unknown = f"{v1}/security/users/nobody/change-password"
    assert http.put(unknown, data="x-y-z-1", headers=headers, auth=admin).status_code == 404
    # change-password needs nexus:*, which carol (nx-anonymous) lacks
    assert http.put(url, data="x", headers=headers, auth=("carol", "new-pass-1")).status_code == 403


# -- privileges and anonymous access -------------------------------------------------------------


def test_repository_privileges_exist_per_repository(http, v1, admin, hosted_body):
    http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body("priv-repo"), auth=admin)
    names = {p["name"] for p in http.get(f"{v1}/security/privileges", auth=admin).json()}
    for action in ("*", "browse", "read", "edit", "add", "delete"):
        assert f"nx-repository-view-pypi-priv-repo-{action}" in names
        assert f"nx-repository-admin-pypi-priv-repo-{action}" in names
    assert "nx-repository-view-pypi-*-read" in names
    one = http.get(f"{v1}/security/privileges/nx-repository-view-pypi-priv-repo-add", auth=admin)
    assert one.json() | {"description": ""} == {
        "type": "repository-view",
        "name": "nx-repository-view-pypi-priv-repo-add",
        "description": "",
        "readOnly": True,
        "format": "pypi",
        "repository": "priv-repo",
        "actions": ["ADD"],
    }
    http.delete(f"{v1}/repositories/priv-repo", auth=admin)
    gone = http.get(f"{v1}/security/privileges/nx-repository-view-pypi-priv-repo-add", auth=admin)
    assert gone.status_code == 404
    assert gone.json() == _quoted("Privilege 'nx-repository-view-pypi-priv-repo-add' not found.")


def test_anonymous_access_settings(http, sandbox, v1, admin, hosted_body):
    http.post(f"{v1}/repositories/pypi/hosted", json=hosted_body("anon-repo"), auth=admin)
    default = {"enabled": True, "userId": "anonymous", "realmName": "NexusAuthorizingRealm"}
    assert http.get(f"{v1}/security/anonymous", auth=admin).json() == default
    assert http.get(f"{sandbox.nexus}/repository/anon-repo/simple/").status_code == 200
    bad = http.put(f"{v1}/security/anonymous", json=dict(default, realmName="Nope"), auth=admin)
    assert bad.status_code == 400
    assert bad.json() == [{"id": "realmName", "message": "Realm does not exist"}]
    off = dict(default, enabled=False)
    try:
        answer = http.put(f"{v1}/security/anonymous", json=off, auth=admin)
        assert (answer.status_code, answer.json()) == (200, off)
        simple = http.get(f"{sandbox.nexus}/repository/anon-repo/simple/")
        assert simple.status_code == 401
        assert simple.headers["WWW-Authenticate"] == CHALLENGE
        assert http.get(f"{v1}/repositories").json() == []
    finally:
        http.put(f"{v1}/security/anonymous", json=default, auth=admin)
    assert http.get(f"{sandbox.nexus}/repository/anon-repo/simple/").status_code == 200
