"""Chapter 01's Nexus plan under a failing server: every step, every fault, then a clean rerun.

For each step of the plan (create, then update: repository, role, user, password) and each fault
(503, reset, timeout, the server dying mid-apply), applying through the fault proxy must end in an
OperationError naming the step, say which changes were made and which not, never send a create
twice, and leak no credential; the rerun without the fault then converges to an empty plan with
one object of each kind.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from shipyard import nexus
from shipyard.config import Secret, Settings
from shipyard.errors import OperationError
from shipyard.plans import apply

from .conftest import ADMIN, DEPLOY, RETRIES, TIMEOUT, TOKEN
from .leaks import assert_no_canary, assert_no_canary_in_error, assert_no_canary_in_logs
from .proxy import KINDS, Fault, expected_tries

REPO, ROLE, USER = "pypi-internal", "pypi-internal-deploy", "deploy-ci"

#: (operation named in the error, method, path) for each step of the plan that creates everything.
CREATE_STEPS = [
    (f"create repository {REPO!r}", "POST", r"/v1/repositories/pypi/hosted$"),
    (f"create role {ROLE!r}", "POST", r"/v1/security/roles$"),
    (f"create user {USER!r}", "POST", r"/v1/security/users$"),
]
#: The same for the plan that updates an older repository, role and user (with another password).
UPDATE_STEPS = [
    (f"update repository {REPO!r}", "PUT", rf"/v1/repositories/pypi/hosted/{REPO}$"),
    (f"update role {ROLE!r}", "PUT", rf"/v1/security/roles/{ROLE}$"),
    (f"update user {USER!r}", "PUT", rf"/v1/security/users/{USER}$"),
    (f"change the password of {USER!r}", "PUT", rf"/v1/security/users/{USER}/change-password$"),
]
#: The changes of each plan, in order, as the error reports them.
CREATE_CHANGES = [f"create repository {REPO!r}", f"create role {ROLE!r}", f"create user {USER!r}"]
UPDATE_CHANGES = [f"update repository {REPO!r}", f"update role {ROLE!r}", f"update user {USER!r}"]


def _settings(url: str) -> Settings:
    return Settings(
        target="real",
        nexus_url=url,
        nexus_username="admin",
        nexus_password=Secret(ADMIN, name="SHIPYARD_NEXUS_PASSWORD"),
        deploy_password=Secret(DEPLOY, name="SHIPYARD_DEPLOY_PASSWORD"),
        gitlab_url="http://127.0.0.1:9",
        gitlab_token=Secret(TOKEN, name="SHIPYARD_GITLAB_TOKEN"),
        gitlab_project="shipyard/demo",
    )


def _client(url: str) -> nexus.NexusClient:
    """The client the chapter uses (``connect``), made fast: short timeout, no backoff."""
    client = nexus.connect(_settings(url))
    client.http.timeout = TIMEOUT
    client.http.retry.retries = RETRIES
    client.http.retry.backoff = 0.0
    return client


def _desired() -> nexus.DesiredState:
    return nexus.desired_state(settings=_settings("http://unused"))


def _older_state() -> nexus.DesiredState:
    """A repository, role and user that differ from the desired ones in every updatable field."""
    desired = _desired()
    return dataclasses.replace(
        desired,
        repository=dataclasses.replace(desired.repository, write_policy="ALLOW"),
        role=dataclasses.replace(
            desired.role, description="old", privileges=desired.role.privileges[:1]
        ),
        user=dataclasses.replace(
            desired.user, first_name="Old", password=Secret("old-password-1234")
        ),
    )


def _one_of_each(client: nexus.NexusClient) -> None:
    """Assert Nexus holds exactly one repository, role and user of the chapter: no duplicate."""
    v1 = "/service/rest/v1"
    repos = [r["name"] for r in client.repositories()]
    roles = [
        r["id"]
        for r in client.http.request("GET", f"{v1}/security/roles", operation="list roles").json()
    ]
    users = [
        u["userId"]
        for u in client.http.request("GET", f"{v1}/security/users", operation="list users").json()
    ]
    assert repos.count(REPO) == 1 and roles.count(ROLE) == 1 and users.count(USER) == 1


def _run_case(sandbox, proxy, logs, capsys, steps, changes, step, kind, prepare=None):
    direct = _client(sandbox.nexus_url)
    if prepare is not None:
        apply(nexus.plan_nexus(prepare, direct))
    operation, method, path = steps[step]
    desired = _desired()
    faulty = _client(proxy.url)
    plan = nexus.plan_nexus(desired, faulty)
    assert [c.action for c in plan] == [changes[0].split()[0]] * 3
    fault = Fault(kind, method, path)
    proxy.arm(fault)
    started = time.monotonic()
    with pytest.raises(OperationError) as caught:
        apply(plan)
    elapsed = time.monotonic() - started
    error = caught.value

    # A clear error naming the step, and what was applied and what not.
    assert error.operation == operation
    assert f"{operation} failed" in str(error)
    failed_change = min(step, len(changes) - 1)
    assert list(error.applied) == changes[:failed_change]
    assert list(error.not_applied) == changes[failed_change:]
    assert (
        f"Applied before the failure: {', '.join(changes[:failed_change]) or 'nothing'}."
        in error.hint
    )
    if kind == "503":
        assert error.status == 503 and "Service Unavailable" in str(error)
    else:
        assert error.status is None
        assert "may or may not have been made" in error.hint  # the client cannot tell

    # Retries: only what cannot have been handled is sent again, a bounded number of times.
    expected = expected_tries(kind, method, RETRIES)
    assert (proxy.hits[fault], proxy.passed[fault]) == expected
    assert elapsed < (RETRIES + 1) * (TIMEOUT + 0.5), f"{elapsed:.1f} s: retries not bounded"

    # The rerun without the fault: what is missing is done, then nothing is left, no duplicate.
    proxy.disarm()
    rerun = nexus.plan_nexus(desired, direct)
    done = apply(rerun)
    assert nexus.plan_nexus(desired, direct).is_empty
    _one_of_each(direct)
    # Nexus holds the deploy canary as the password (so finding it nowhere proves something).
    assert direct.password_works(desired.user)

    # No canary anywhere: the error, every log record, the output, every public object.
    assert_no_canary_in_error(error)
    out = capsys.readouterr()
    assert_no_canary_in_logs(logs.records, logs.text, out.out, out.err)
    walked = assert_no_canary(
        _settings(proxy.url), faulty, faulty.http, direct, desired, plan, rerun, done, list(plan)
    )
    assert walked > 20


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step", range(len(CREATE_STEPS)), ids=[s[0] for s in CREATE_STEPS])
def test_fault_while_creating(sandbox, nexus_proxy, logs, capsys, step, kind):
    _run_case(sandbox, nexus_proxy, logs, capsys, CREATE_STEPS, CREATE_CHANGES, step, kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step", range(len(UPDATE_STEPS)), ids=[s[0] for s in UPDATE_STEPS])
def test_fault_while_updating(sandbox, nexus_proxy, logs, capsys, step, kind):
    _run_case(
        sandbox, nexus_proxy, logs, capsys, UPDATE_STEPS, UPDATE_CHANGES, step, kind, _older_state()
    )
