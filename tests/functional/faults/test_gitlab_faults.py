"""Chapter 01's GitLab variables under a failing server: each variable, each fault, then a rerun.

For each CI variable (created, then updated) and each fault (503, reset, timeout, the server dying
mid-apply), applying through the fault proxy must end in an OperationError naming the variable,
say which were set and which not, never send a create twice, and leak neither the token nor the
deploy password; the rerun without the fault converges to an empty plan, one variable per key.
"""

from __future__ import annotations

import time

import pytest

from shipyard import gitlab
from shipyard.config import Secret
from shipyard.errors import OperationError
from shipyard.plans import apply

from .conftest import DEPLOY, RETRIES, TIMEOUT, TOKEN
from .leaks import assert_no_canary, assert_no_canary_in_error, assert_no_canary_in_logs
from .proxy import KINDS, Fault, expected_tries

KEYS = ("NEXUS_PYPI_URL", "NEXUS_PYPI_USERNAME", "NEXUS_PYPI_PASSWORD")


def _project(url: str, sandbox) -> gitlab.GitLabProject:
    return gitlab.GitLabProject(
        url,
        Secret(TOKEN, name="SHIPYARD_GITLAB_TOKEN"),
        sandbox.gitlab_project,
        "GitLab behind the fault proxy",
        retries=RETRIES,
        backoff=0.0,
        timeout=TIMEOUT,
    )


def _variables(url: str, user: str, password: str) -> list[gitlab.Variable]:
    return gitlab.nexus_variables(url, user, Secret(password, name="SHIPYARD_DEPLOY_PASSWORD"))


def _desired() -> list[gitlab.Variable]:
    return _variables("http://127.0.0.1:8081/repository/pypi-internal/", "deploy-ci", DEPLOY)


def _older() -> list[gitlab.Variable]:
    return _variables("http://127.0.0.1:8081/repository/old/", "old-user", "Old-pass-12345")


def _fault(kind: str, action: str, key: str) -> Fault:
    if action == "create":  # POST .../variables, one per variable: told apart by the body
        return Fault(kind, "POST", r"/variables$", body=f'"{key}"')
    return Fault(kind, "PUT", rf"/variables/{key}(\?|$)")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("index", range(len(KEYS)), ids=KEYS)
@pytest.mark.parametrize("action", ["create", "update"])
def test_fault_on_each_variable(sandbox, gitlab_proxy, logs, capsys, action, index, kind):
    direct = _project(sandbox.gitlab_url, sandbox)
    if action == "update":
        apply(gitlab.plan_variables(_older(), direct))
    faulty = _project(gitlab_proxy.url, sandbox)
    plan = gitlab.plan_variables(_desired(), faulty)
    assert [c.action for c in plan] == [action] * 3
    key = KEYS[index]
    method = "POST" if action == "create" else "PUT"
    fault = _fault(kind, action, key)
    gitlab_proxy.arm(fault)
    started = time.monotonic()
    with pytest.raises(OperationError) as caught:
        apply(plan)
    elapsed = time.monotonic() - started
    error = caught.value

    changes = [f"{action} CI variable {k!r}" for k in KEYS]
    assert error.operation == f"{action} CI/CD variable {key}"
    assert list(error.applied) == changes[:index] and list(error.not_applied) == changes[index:]
    if kind == "503":
        assert error.status == 503
    else:
        assert error.status is None
        assert "may or may not have been made" in error.hint  # the client cannot tell

    # Only what cannot have been handled is sent again, a bounded number of times.
    assert (gitlab_proxy.hits[fault], gitlab_proxy.passed[fault]) == expected_tries(
        kind, method, RETRIES
    )
    assert elapsed < (RETRIES + 1) * (TIMEOUT + 0.5), f"{elapsed:.1f} s: retries not bounded"

    gitlab_proxy.disarm()
    rerun = gitlab.plan_variables(_desired(), direct)
    done = apply(rerun)
    assert gitlab.plan_variables(_desired(), direct).is_empty
    listed = direct.call("list", lambda: direct.project.variables.list(get_all=True))
    assert sorted(v.key for v in listed) == sorted(KEYS)  # one per key: no duplicate
    assert direct.variables()["NEXUS_PYPI_PASSWORD"]["value"] == DEPLOY  # the canary was sent

    assert_no_canary_in_error(error)
    out = capsys.readouterr()
    assert_no_canary_in_logs(logs.records, logs.text, out.out, out.err)
    walked = assert_no_canary(faulty, direct, _desired(), plan, rerun, done, list(plan))
    assert walked > 15
