"""The one retry policy Nexus's and GitLab's clients share: what is sent again, how often, how long.

A request that may have been handled (its answer was lost, it timed out, a gateway said 502/504)
is sent again only when it is idempotent; a POST only when it surely was not handled (a refused
connection, a 503). Tries and waits are bounded. No server: the failures are raised in-process.
"""

from __future__ import annotations

import pytest
import requests

from shipyard import gitlab
from shipyard._http import RetryPolicy
from shipyard.config import Secret
from shipyard.errors import OperationError

REFUSED = requests.ConnectionError("[Errno 111] Connection refused")
RESET = requests.ConnectionError(
    "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"
)
TIMED_OUT = requests.ReadTimeout("Read timed out. (read timeout=0.5)")
CONNECT_TIMEOUT = requests.ConnectTimeout("Connection to 10.0.0.1 timed out")


@pytest.mark.parametrize(
    ("method", "status", "again"),
    [
        ("GET", 502, True),
        ("GET", 503, True),
        ("GET", 504, True),
        ("GET", 500, False),
        ("PUT", 504, True),
        ("DELETE", 503, True),
        ("POST", 503, True),  # "not handled": safe to send again
        ("POST", 502, False),
        ("POST", 504, False),
        ("POST", 500, False),
        ("POST", 409, False),
    ],
)
def test_which_answers_are_tried_again(method, status, again):
    assert RetryPolicy().retry_status(method, status) is again


@pytest.mark.parametrize(
    ("method", "exc", "again"),
    [
        ("GET", RESET, True),
        ("GET", TIMED_OUT, True),
        ("PUT", TIMED_OUT, True),
        ("POST", REFUSED, True),
        ("POST", CONNECT_TIMEOUT, True),  # never reached the server
        ("POST", RESET, False),
        ("POST", TIMED_OUT, False),  # may have been handled
    ],
)
def test_which_lost_answers_are_sent_again(method, exc, again):
    assert RetryPolicy().resend(method, exc) is again


def test_waits_are_exponential_and_bounded():
    waits: list[float] = []
    policy = RetryPolicy(retries=3, backoff=0.2, sleep=waits.append)
    assert [policy.again(n) for n in range(5)] == [True, True, True, False, False]
    assert waits == [0.2, 0.4, 0.8] and policy.total_backoff == pytest.approx(1.4)
    assert RetryPolicy(retries=0).total_backoff == 0


def _project() -> gitlab.GitLabProject:
    waits: list[float] = []
    project = gitlab.GitLabProject(
        "http://127.0.0.1:9",
        Secret("glpat-unit-canary"),
        "g/p",
        retries=2,
        backoff=0.5,
        sleep=waits.append,
    )
    project.waits = waits  # type: ignore[attr-defined]
    return project


def _failing(error: Exception) -> tuple[list[int], object]:
    calls: list[int] = []

    def action() -> None:
        calls.append(1)
        raise error

    return calls, action


@pytest.mark.parametrize(
    ("method", "error", "tries"),
    [
        ("POST", TIMED_OUT, 1),
        ("POST", RESET, 1),
        ("POST", REFUSED, 3),
        ("PUT", TIMED_OUT, 3),
        ("GET", RESET, 3),
    ],
)
def test_gitlab_follows_the_same_policy_on_lost_answers(method, error, tries):
    project = _project()
    calls, action = _failing(error)
    with pytest.raises(OperationError) as caught:
        project.call("create CI/CD variable X", action, method=method)
    assert len(calls) == tries and project.waits == [0.5, 1.0][: tries - 1]
    assert caught.value.status is None and caught.value.operation == "create CI/CD variable X"
    assert "glpat-unit-canary" not in str(caught.value) + caught.value.hint


@pytest.mark.parametrize(
    ("method", "status", "tries"), [("POST", 502, 1), ("POST", 503, 3), ("PUT", 502, 3)]
)
def test_gitlab_follows_the_same_policy_on_gateway_answers(method, status, tries):
    from gitlab.exceptions import GitlabHttpError

    project = _project()
    calls, action = _failing(GitlabHttpError("Bad Gateway", response_code=status))
    with pytest.raises(OperationError) as caught:
        project.call("update CI/CD variable X", action, method=method)
    assert len(calls) == tries and caught.value.status == status
