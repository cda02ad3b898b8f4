"""``shipyard setup apply`` when GitLab drops the last variable: the report says where it stopped.

The whole chapter through its CLI face (``plan_setup`` then ``apply_setup``), configured as a real
target whose URLs are the fault proxies and whose credentials are the canaries: the Nexus plan is
applied and printed, the GitLab plan stops at ``NEXUS_PYPI_PASSWORD``; the error names that
variable and says the other two were set; the rerun sets it, and a third run has nothing to do.
"""

from __future__ import annotations

import pytest

from shipyard.cli.setup import apply_setup
from shipyard.config import Secret, Settings
from shipyard.errors import OperationError
from shipyard.nexus.chapter import plan_setup

from .conftest import ADMIN, DEPLOY, TOKEN
from .leaks import assert_no_canary, assert_no_canary_in_error, assert_no_canary_in_logs
from .proxy import Fault


def test_setup_apply_reports_where_it_stopped(sandbox, nexus_proxy, gitlab_proxy, logs, capsys):
    settings = Settings(
        target="real",
        nexus_url=nexus_proxy.url,
        nexus_username="admin",
        nexus_password=Secret(ADMIN, name="SHIPYARD_NEXUS_PASSWORD"),
        deploy_password=Secret(DEPLOY, name="SHIPYARD_DEPLOY_PASSWORD"),
        gitlab_url=gitlab_proxy.url,
        gitlab_token=Secret(TOKEN, name="SHIPYARD_GITLAB_TOKEN"),
        gitlab_project=sandbox.gitlab_project,
    )
    fault = Fault("reset", "POST", r"/variables$", body='"NEXUS_PYPI_PASSWORD"')
    gitlab_proxy.arm(fault)
    planned = plan_setup(settings)
    printed: list[str] = []
    with pytest.raises(OperationError) as caught:
        apply_setup(planned, printed.append)
    error = caught.value
    assert error.operation == "create CI/CD variable NEXUS_PYPI_PASSWORD"
    assert error.applied == (
        "create CI variable 'NEXUS_PYPI_URL'",
        "create CI variable 'NEXUS_PYPI_USERNAME'",
    )
    assert error.not_applied == ("create CI variable 'NEXUS_PYPI_PASSWORD'",)
    assert "may or may not have been made" in error.hint
    assert gitlab_proxy.hits[fault] == 1  # a create that may have been handled is not resent
    assert len(printed) == 1 and "Applied 3 change(s)." in printed[0]  # the Nexus plan

    gitlab_proxy.disarm()
    again = plan_setup(settings)
    assert again.plans[0].is_empty
    assert [(c.action, c.name) for c in again.plans[1].pending] == [
        ("create", "NEXUS_PYPI_PASSWORD")
    ]
    apply_setup(again, printed.append)
    third = plan_setup(settings)
    apply_setup(third, printed.append)
    assert printed[-1] == "Nothing to do."

    assert_no_canary_in_error(error)
    out = capsys.readouterr()
    assert_no_canary_in_logs(logs.records, logs.text, out.out, out.err, *printed)
    assert assert_no_canary(settings, planned, again, third) > 30
