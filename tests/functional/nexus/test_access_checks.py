"""The least-privilege proof cannot pass on nothing: only 403 (or the documented 404) is "denied".

Before: any failed request counted as the privilege being denied, so an unreachable Nexus printed
``ok ... denied (HTTP None)`` and a wrong password ``denied (HTTP 401)``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shipyard import nexus
from shipyard.config import Secret
from shipyard.plans import apply


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Failing(BaseHTTPRequestHandler):
    """A server that answers every request with 500, like a Nexus whose database is down."""

    def _fail(self) -> None:
        body = b'{"message": "database unavailable"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = _fail

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def failing_nexus() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _fast(client: nexus.NexusClient) -> nexus.NexusClient:
    client.http.retry.retries = 0
    client.http.retry.backoff = 0.0
    return client


def test_unreachable_nexus_proves_nothing():
    client = _fast(nexus.NexusClient(f"http://127.0.0.1:{_free_port()}", "admin", Secret("x")))
    report = nexus.verify_deploy_access(client, nexus.desired_state())
    assert not report.ok
    assert all(check.mark == "FAIL" for check in report), repr(report)
    assert "HTTP None" not in repr(report) and "denied" not in repr(report)
    assert "not checked: no answer from Nexus (connection refused)" in repr(report)


def test_wrong_deploy_password_is_a_401_not_a_denial(admin):
    desired = nexus.desired_state()
    apply(nexus.plan_nexus(desired, admin))
    wrong = nexus.desired_state(password=Secret("not-the-deploy-password"))
    report = nexus.verify_deploy_access(admin, wrong)
    assert not report.ok
    assert "denied (HTTP 401)" not in repr(report)
    assert all(check.mark == "FAIL" for check in report), repr(report)
    assert "HTTP 401: Nexus refused the deploy user's credentials" in repr(report)
    assert "not-the-deploy-password" not in repr(report)


def test_a_failing_nexus_is_not_a_denial(failing_nexus):
    client = _fast(nexus.NexusClient(failing_nexus, "admin", Secret("x")))
    report = nexus.verify_deploy_access(client, nexus.desired_state())
    assert not report.ok
    assert all("not checked: HTTP 500: Nexus failed" in check.result for check in report)
    assert "FAIL" in repr(report) and "✘ not checked" in report._repr_html_()


def test_right_password_still_proves_each_denial(admin):
    desired = nexus.desired_state()
    apply(nexus.plan_nexus(desired, admin))
    report = nexus.verify_deploy_access(admin, desired)
    assert report.ok, repr(report)
    assert [check.result for check in report] == [
        "allowed",
        "denied (HTTP 404)",
        "denied (HTTP 403)",
        "denied (HTTP 403)",
        "denied (HTTP 403)",
    ]


def test_an_empty_report_is_not_ok():
    assert not nexus.AccessReport().ok
