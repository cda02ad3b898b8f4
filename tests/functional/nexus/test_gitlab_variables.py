"""shipyard.gitlab: masked-value rules (unit) and CI variables planned/applied via python-gitlab."""

from __future__ import annotations

import pytest

from shipyard import gitlab as sgitlab
from shipyard.config import Secret, Settings
from shipyard.errors import ConfigError, OperationError
from shipyard.plans import apply


@pytest.mark.parametrize(
    ("value", "raw", "problem"),
    [
        ("abcdefgh", False, ""),
        ("https://nexus.corp.local/repository/pypi-internal/", False, ""),
        ("a+b=c/d@e:f.g~h-i_j", False, ""),
        ("short", False, "shorter than 8 characters (5)"),
        ("two words here", False, "contains a space"),
        ("line-one\nline-two", False, "spans several lines"),
        ("pa$$word!", False, "contains '!', '$'"),
        ("pa$$word!", True, ""),
        ("tab\tseparated", True, "contains a space"),
        ("NEXUS_PYPI_URL", False, "equals the name of a variable"),
    ],
)
def test_masking_rules(value, raw, problem):
    found = sgitlab.masking_problem(value, raw=raw, keys=["NEXUS_PYPI_URL"])
    assert (problem in found) if problem else found == ""


@pytest.fixture
def project(sandbox):
    target = sgitlab.connect(sandbox=sandbox)
    target.retry.backoff = 0.0
    return target


def _variables(password: str = "Ab3-pass_word.42") -> list[sgitlab.Variable]:
    return sgitlab.nexus_variables(
        "http://nexus.example/repository/pypi-internal/", "deploy-ci", Secret(password)
    )


def test_create_then_nothing_to_do(project, canary):
    plan = sgitlab.plan_variables(_variables(), project)
    assert [c.action for c in plan] == ["create"] * 3
    assert "Ab3-pass_word.42" not in repr(plan) + plan._repr_html_()
    assert "NEXUS_PYPI_PASSWORD  value: ****; protected: true; masked: true" in repr(plan)
    apply(plan)
    stored = project.variables()
    assert {k: (v["protected"], v["masked"]) for k, v in stored.items()} == {
        k: (True, True) for k in ("NEXUS_PYPI_URL", "NEXUS_PYPI_USERNAME", "NEXUS_PYPI_PASSWORD")
    }
    assert stored["NEXUS_PYPI_PASSWORD"]["value"] == "Ab3-pass_word.42"
    again = sgitlab.plan_variables(_variables(), project)
    assert again.is_empty
    assert len(apply(again)) == 0


def test_changed_password_is_an_update_shown_masked(project):
    apply(sgitlab.plan_variables(_variables(), project))
    plan = sgitlab.plan_variables(_variables("New-pass_word.43"), project)
    assert [c.action for c in plan] == ["noop", "noop", "update"]
    assert "value: **** -> ****" in repr(plan) and "New-pass" not in repr(plan)
    apply(plan)
    assert project.variables()["NEXUS_PYPI_PASSWORD"]["value"] == "New-pass_word.43"
    assert sgitlab.plan_variables(_variables("New-pass_word.43"), project).is_empty


def test_unmaskable_values_are_explained_not_refused(project):
    variables = [
        sgitlab.Variable("SHORT_PW", Secret("abc")),
        sgitlab.Variable("BANG_PW", Secret("pass!word#1")),
    ]
    plan = sgitlab.plan_variables(variables, project)
    notes = {c.name: c.note for c in plan}
    assert notes["SHORT_PW"] == "not masked: it is shorter than 8 characters (3)"
    assert notes["BANG_PW"].startswith("raw, so that it can be masked: it contains '!', '#'")
    apply(plan)
    stored = project.variables()
    assert (stored["SHORT_PW"]["masked"], stored["BANG_PW"]["masked"]) == (False, True)
    assert stored["BANG_PW"]["raw"] is True
    assert sgitlab.plan_variables(variables, project).is_empty


def test_bad_key_and_bad_token(project, sandbox):
    with pytest.raises(ConfigError, match="may contain only letters"):
        sgitlab.plan_variables([sgitlab.Variable("NEXUS-URL", "x")], project)
    wrong = sgitlab.GitLabProject(sandbox.gitlab_url, Secret("glpat-wrong-token"), "shipyard/demo")
    with pytest.raises(OperationError) as caught:
        sgitlab.plan_variables(_variables(), wrong)
    assert caught.value.status == 401 and "glpat-wrong-token" not in str(caught.value)
    assert "SHIPYARD_GITLAB_TOKEN" in caught.value.hint


def test_gitlab_down_is_a_clear_error_after_bounded_retries(sandbox):
    waits: list[float] = []
    url = sandbox.gitlab_url
    target = sgitlab.GitLabProject(
        url, sandbox.gitlab_token, "shipyard/demo", retries=2, backoff=0.05, sleep=waits.append
    )
    sandbox.stop()
    with pytest.raises(OperationError) as caught:
        sgitlab.plan_variables(_variables(), target)
    assert waits == [0.05, 0.1] and "connection refused" in str(caught.value)
    assert caught.value.status is None


def test_connect_real_target_needs_settings():
    with pytest.raises(ConfigError, match="SHIPYARD_GITLAB_TOKEN, SHIPYARD_GITLAB_PROJECT"):
        sgitlab.connect(Settings(gitlab_url="https://gitlab.example"))


def test_hidden_value_is_set_again_not_called_unchanged(project, sandbox):
    # Before: a hidden value (GitLab answers null) was dropped from the comparison, so a new
    # deploy password reached Nexus while the CI variable kept the old one.
    project.call(
        "create hidden",
        lambda: project.project.variables.create(
            {"key": "NEXUS_PYPI_PASSWORD", "value": "Old-pass_word.41", "protected": True,
             "masked_and_hidden": True, "description": "Password of the Nexus deploy user"}
        ),
    )  # fmt: skip
    plan = sgitlab.plan_variables(_variables("New-pass_word.43"), project)
    change = plan.changes[2]
    assert change.action == "update"
    assert "value: (hidden) -> ****" in repr(plan)
    assert "value hidden by GitLab: not comparable, set again" in repr(plan)
    assert "New-pass" not in repr(plan)
    apply(plan)
    assert project.variables()["NEXUS_PYPI_PASSWORD"]["value"] is None  # still hidden
    # The API never shows it again; the stand-in's state file shows the new value arrived.
    state = (sandbox.state_dir / "state.json").read_text()
    assert "New-pass_word.43" in state and "Old-pass_word.41" not in state
