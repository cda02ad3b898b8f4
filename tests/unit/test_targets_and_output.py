"""Each system's target comes from its own settings; placeholders only where outputs are compared.

Before: setting only SHIPYARD_NEXUS_URL sent GitLab calls to a real GitLab too, and a live kernel
showed ``<port>`` and ``<workspace>`` instead of values a reader could copy.
"""

from __future__ import annotations

import pytest

from shipyard import _target, runbook
from shipyard.config import load_settings


@pytest.mark.parametrize(
    ("environ", "nexus", "gitlab"),
    [
        ({}, "sandbox", "sandbox"),
        ({"SHIPYARD_NEXUS_URL": "https://nexus.corp"}, "real", "sandbox"),
        ({"SHIPYARD_GITLAB_URL": "https://gitlab.corp"}, "sandbox", "real"),
        ({"SHIPYARD_NEXUS_URL": "https://n", "SHIPYARD_GITLAB_URL": "https://g"}, "real", "real"),
        ({"SHIPYARD_NEXUS_URL": "https://n", "SHIPYARD_TARGET": "sandbox"}, "sandbox", "sandbox"),
        ({"SHIPYARD_TARGET": "real"}, "real", "real"),
    ],
)
def test_each_system_is_chosen_by_its_own_settings(tmp_path, environ, nexus, gitlab):
    settings = load_settings(tmp_path, environ=environ)
    assert (settings.target_of("nexus"), settings.target_of("gitlab")) == (nexus, gitlab)


def test_a_real_nexus_alone_leaves_gitlab_on_the_sandbox(tmp_path):
    settings = load_settings(tmp_path, environ={"SHIPYARD_NEXUS_URL": "https://nexus.corp"})
    info = runbook.target(settings)
    assert info.name == "mixed"
    assert info.nexus == "https://nexus.corp"
    assert info.gitlab.startswith("sandbox GitLab API on 127.0.0.1")
    # The real side resolves to no sandbox without starting one.
    assert _target.resolve(settings, None, "nexus") == (settings, None)


def test_live_kernel_shows_real_values(monkeypatch, tmp_path):
    monkeypatch.delenv("SHIPYARD_STABLE_OUTPUT", raising=False)
    text = "http://127.0.0.1:40123/repository/x/ and localhost:8081"
    assert runbook.normalise(text) == text
    project = runbook.sample_project("my_app", into=tmp_path)
    assert repr(project).startswith(f"{tmp_path}/my_app\n")
    settings = load_settings(tmp_path, environ={"SHIPYARD_NEXUS_URL": "http://127.0.0.1:8081"})
    assert runbook.target(settings).nexus == "http://127.0.0.1:8081"


def test_stable_output_uses_placeholders(monkeypatch, tmp_path):
    monkeypatch.setenv("SHIPYARD_STABLE_OUTPUT", "1")
    assert runbook.stable_output()
    assert runbook.normalise("http://127.0.0.1:40123/x") == "http://127.0.0.1:<port>/x"
    project = runbook.sample_project("my_app", into=tmp_path)
    assert repr(project).startswith("<workspace>/my_app\n")


def test_the_site_build_and_the_notebook_runner_ask_for_stable_output():
    from tests.conftest import ROOT

    for name in ("conf.py", "tools/execute_notebooks.py", "conftest.py"):
        assert 'os.environ["SHIPYARD_STABLE_OUTPUT"] = "1"' in (ROOT / name).read_text(), name
