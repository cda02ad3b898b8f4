"""A server that never answers: the client gives up after a bounded number of tries and time."""

from __future__ import annotations

import time

import pytest

from shipyard import nexus
from shipyard.config import Secret
from shipyard.errors import OperationError

from .conftest import ADMIN, TIMEOUT
from .proxy import Fault


@pytest.mark.parametrize(("method", "tries"), [("GET", 4), ("POST", 1)])
def test_a_silent_server_costs_at_most_the_tries_and_the_backoff(nexus_proxy, method, tries):
    waits: list[float] = []
    client = nexus.NexusClient(
        nexus_proxy.url, "admin", Secret(ADMIN), timeout=TIMEOUT, retries=3, backoff=0.05
    )
    client.http.retry.sleep = lambda seconds: (waits.append(seconds), time.sleep(seconds))
    fault = Fault("timeout", method, r"/v1/repositories")
    nexus_proxy.arm(fault)
    started = time.monotonic()
    with pytest.raises(OperationError, match=r"failed \(no answer\).*no answer within 0.5 s"):
        if method == "GET":
            client.repositories()
        else:
            client.create_repository(nexus.HostedRepository("pypi-internal"))
    elapsed = time.monotonic() - started
    assert nexus_proxy.hits[fault] == tries and waits == [0.05, 0.1, 0.2][: tries - 1]
    bound = tries * TIMEOUT + client.http.retry.total_backoff
    assert tries * TIMEOUT <= elapsed < bound + 0.5, f"{elapsed:.2f} s, bound {bound:.2f} s"
