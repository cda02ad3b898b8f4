"""shipyard.nexus against the sandbox: plan/apply, idempotence, privileges, retries, failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from shipyard import nexus
from shipyard._http import HttpClient
from shipyard.config import Secret, Settings
from shipyard.errors import ConfigError, OperationError
from shipyard.plans import Plan, apply
from shipyard.sandbox import Sandbox
from shipyard.sandbox._server import ServerThread


def _actions(plan: Plan) -> dict[str, str]:
    return {f"{c.kind} {c.name}": c.action for c in plan}


def test_first_plan_creates_all_second_is_empty_and_makes_no_calls(admin, canary):
    desired = nexus.desired_state()
    plan = nexus.plan_nexus(desired, admin)
    assert _actions(plan) == {
        "repository pypi-internal": "create",
        "role pypi-internal-deploy": "create",
        "user deploy-ci": "create",
    }
    shown = repr(plan) + plan._repr_html_()
    assert desired.user.password.reveal() not in shown and canary not in shown
    assert "password: ****" in shown and "ALLOW_ONCE" in shown
    apply(plan)
    again = nexus.plan_nexus(desired, admin)
    assert again.is_empty, repr(again)
    before = admin.http.calls
    assert len(apply(again)) == 0 and admin.http.calls == before


def test_role_has_only_deploy_privileges(admin):
    desired = nexus.desired_state("team-pypi")
    apply(nexus.plan_nexus(desired, admin))
    role = admin.get_role("team-pypi-deploy")
    assert sorted(role["privileges"]) == [
        "nx-repository-view-pypi-team-pypi-add",
        "nx-repository-view-pypi-team-pypi-browse",
        "nx-repository-view-pypi-team-pypi-read",
    ]
    assert admin.get_user("deploy-ci")["roles"] == ["team-pypi-deploy"]
    assert admin.get_repository("team-pypi")["storage"]["writePolicy"] == "ALLOW_ONCE"


@pytest.mark.parametrize("kind", ["repository", "role", "user"])
def test_each_kind_drifts_back_and_stays(admin, kind):
    desired = nexus.desired_state()
    apply(nexus.plan_nexus(desired, admin))
    if kind == "repository":
        admin.update_repository(nexus.HostedRepository("pypi-internal", "ALLOW"))
    elif kind == "role":
        admin.update_role(
            nexus.Role(
                "pypi-internal-deploy", "x", ("nx-repository-view-pypi-pypi-internal-delete",)
            )
        )
    else:
        drifted = nexus.User("deploy-ci", ("pypi-internal-deploy",), Secret("some-other-pw"))
        admin.change_password(drifted)
    plan = nexus.plan_nexus(desired, admin)
    assert [c.action for c in plan] == [
        "update" if name.startswith(kind) else "noop" for name in _actions(plan)
    ]
    apply(plan)
    assert nexus.plan_nexus(desired, admin).is_empty


def test_password_from_environment(monkeypatch):
    monkeypatch.setenv(nexus.DEPLOY_PASSWORD_ENV, "from-the-env-123")
    desired = nexus.desired_state()
    assert desired.user.password.reveal() == "from-the-env-123"
    assert "from-the-env" not in repr(desired)
    monkeypatch.delenv(nexus.DEPLOY_PASSWORD_ENV)
    a, b = nexus.desired_state(), nexus.desired_state()
    assert a.user.password != b.user.password and len(a.user.password.reveal()) == 32


def test_bad_write_policy_and_name_clash(admin):
    with pytest.raises(ConfigError, match="write policy 'sometimes'"):
        nexus.desired_state(write_policy="sometimes")
    body = {
        "name": "pypi-internal",
        "online": True,
        "group": {"memberNames": ["x"]},
        "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
    }
    proxy = {
        "name": "pypi-internal",
        "online": True,
        "storage": body["storage"],
        "proxy": {"remoteUrl": "https://pypi.org/", "contentMaxAge": 1, "metadataMaxAge": 1},
        "negativeCache": {"enabled": True, "timeToLive": 1},
        "httpClient": {"blocked": False, "autoBlock": True},
    }
    admin.http.request(
        "POST",
        "/service/rest/v1/repositories/pypi/proxy",
        json=proxy,
        operation="create proxy",
        expect=(201,),
    )
    with pytest.raises(ConfigError, match="exists but is pypi/proxy"):
        nexus.plan_nexus(nexus.desired_state(), admin)


def test_deploy_user_is_denied_what_it_must_not_do(admin):
    desired = nexus.desired_state()
    apply(nexus.plan_nexus(desired, admin))
    report = nexus.verify_deploy_access(admin, desired)
    assert all(check.ok for check in report), repr(report)
    assert "denied (HTTP 403)" in repr(report)
    assert admin.get_repository("pypi-internal") is not None
    deploy = admin.as_user(desired.user)
    with pytest.raises(OperationError) as caught:
        deploy.delete_repository("pypi-internal")
    assert caught.value.status == 403
    assert "delete repository 'pypi-internal' failed (HTTP 403)" in str(caught.value)
    assert desired.user.password.reveal() not in str(caught.value) + caught.value.hint


def test_wrong_admin_password_is_a_clear_error(sandbox):
    client = nexus.NexusClient(sandbox.nexus_url, "admin", Secret("wrong-password"))
    with pytest.raises(OperationError) as caught:
        nexus.plan_nexus(nexus.desired_state(), client)
    assert caught.value.status == 401 and "credentials were refused" in caught.value.hint
    assert "wrong-password" not in str(caught.value)


def test_connect_real_target_needs_settings():
    with pytest.raises(ConfigError, match="SHIPYARD_NEXUS_USERNAME, SHIPYARD_NEXUS_PASSWORD"):
        nexus.connect(Settings(target="real", nexus_url="https://nexus.example"))
    client = nexus.connect(
        Settings(
            nexus_url="https://nexus.example/", nexus_username="u", nexus_password=Secret("p" * 9)
        )
    )
    assert client.url == "https://nexus.example" and client.description.endswith("example")


# -- transient failures ---------------------------------------------------------------------------


class FlakyProxy:
    """A loopback proxy that answers 503 to every ``fail_every``-th request, else forwards."""

    def __init__(self, upstream: str, fail_every: int) -> None:
        self.upstream = upstream
        self.fail_every = fail_every
        self.seen = 0
        self.failed = 0
        self._lock = threading.Lock()
        self._session = requests.Session()
        self.server = ServerThread("flaky", self)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self._lock:
            self.seen += 1
            fail = self.fail_every == 1 or self.seen % self.fail_every == 1
            self.failed += fail
        if fail:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"Service Unavailable"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {
            k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        query = f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else ""
        answer = self._session.request(
            environ["REQUEST_METHOD"],
            self.upstream + environ["shipyard.raw_path"] + query,
            data=body,
            headers=headers,
        )
        kept = [
            (k, v)
            for k, v in answer.headers.items()
            if k.lower() in ("content-type", "www-authenticate")
        ]
        start_response(f"{answer.status_code} {answer.reason}", kept)
        return [answer.content]


@pytest.fixture
def flaky(sandbox: Sandbox) -> Iterator[FlakyProxy]:
    proxy = FlakyProxy(sandbox.nexus_url, fail_every=2)
    proxy.server.start()
    yield proxy
    proxy.server.stop()


def test_retries_through_injected_503s(sandbox, flaky):
    waits: list[float] = []
    client = nexus.NexusClient(
        flaky.server.url,
        "admin",
        nexus.connect(sandbox=sandbox).http._password,
        retries=2,
        backoff=0.01,
        sleep=waits.append,
    )
    desired = nexus.desired_state()
    apply(nexus.plan_nexus(desired, client))
    assert nexus.plan_nexus(desired, client).is_empty
    assert flaky.failed >= 5 and waits and set(waits) == {0.01}
    direct = nexus.connect(sandbox=sandbox)
    assert [r["name"] for r in direct.repositories()] == ["pypi-internal"]


def test_retries_are_bounded_and_the_error_is_clear(sandbox, flaky):
    flaky.fail_every = 1  # every request fails
    waits: list[float] = []
    client = nexus.NexusClient(
        flaky.server.url, "admin", Secret("x"), retries=3, backoff=0.1, sleep=waits.append
    )
    with pytest.raises(OperationError) as caught:
        client.get_repository("pypi-internal")
    assert waits == [0.1, 0.2, 0.4]  # exponential, three retries, then give up
    assert caught.value.status == 503 and "Service Unavailable" in str(caught.value)
    assert "read repository 'pypi-internal' failed (HTTP 503)" in str(caught.value)


def test_killed_server_then_rerun_completes_without_duplicates(state_dir, canary):
    desired = nexus.desired_state()
    with Sandbox(state_dir, admin_password=canary) as first:
        client = nexus.connect(sandbox=first)
        client.http.retry.backoff = 0.0
        plan = nexus.plan_nexus(desired, client)
        plan.pending[0].run()  # the repository is created ...
    # ... then the server is gone mid-apply: a clear error, no traceback-worthy exception.
    with pytest.raises(OperationError) as caught:
        apply(Plan(plan.pending[1:]))
    assert caught.value.status is None and "connection refused" in str(caught.value)
    assert "create role 'pypi-internal-deploy' failed (no answer)" in str(caught.value)
    assert "run the same step again" in caught.value.hint
    with Sandbox(state_dir) as second:
        client = nexus.connect(sandbox=second)
        rerun = nexus.plan_nexus(desired, client)
        assert [c.action for c in rerun] == ["noop", "create", "create"]
        apply(rerun)
        assert nexus.plan_nexus(desired, client).is_empty
        roles = client.http.request("GET", "/service/rest/v1/security/roles", operation="x").json()
        assert [r["id"] for r in roles].count("pypi-internal-deploy") == 1
        users = client.http.request("GET", "/service/rest/v1/security/users", operation="x").json()
        assert [u["userId"] for u in users].count("deploy-ci") == 1


def test_server_messages_are_redacted():
    secret = "s3cret-value-42"

    def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        return [b'{"id": "*", "message": "\\"bad request: ' + body + b'\\""}']

    server = ServerThread("echo", echo)
    server.start()
    try:
        client = HttpClient(server.url, "admin", Secret(secret), retries=0)
        with pytest.raises(OperationError) as caught:
            client.request("POST", f"/x?token={secret}", data=secret.encode(), operation="echo")
    finally:
        server.stop()
    assert secret not in str(caught.value) and "bad request: ****" in str(caught.value)


def test_canary_admin_password_never_in_an_exception(admin, canary):
    with pytest.raises(OperationError) as caught:
        admin.get_role("nope") or admin.http.request(
            "GET", "/service/rest/v1/security/roles/nope", operation="read role 'nope'"
        )
    assert caught.value.status == 404 and "Role 'nope' not found." in str(caught.value)
    assert canary not in str(caught.value) + caught.value.hint + caught.value.url
    bad_role = nexus.Role("bad", "x", ("nx-no-such-privilege",))
    with pytest.raises(OperationError) as caught:
        admin.create_role(bad_role)
    assert "Privilege 'nx-no-such-privilege' contained in role 'bad' not found." in str(
        caught.value
    )
    assert canary not in repr(caught.value) + str(caught.value)


def test_deploy_access_on_a_real_nexus_skips_destructive_attempts(admin):
    desired = nexus.desired_state()
    apply(nexus.plan_nexus(desired, admin))
    report = nexus.verify_deploy_access(admin, desired, destructive=False)
    skipped = [check.action for check in report if check.expected == "skipped"]
    assert len(skipped) == 3 and all(check.ok for check in report)
    assert "skipped: pass destructive=True" in repr(report)
