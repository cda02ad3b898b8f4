"""python-gitlab, unchanged, against the GitLab stand-in (api-facts.md section 3).

These tests start the sandbox in-process through the :class:`Sandbox` context manager.
"""

from __future__ import annotations

import gitlab
import pytest
import requests

from shipyard.sandbox import Sandbox

VALID_CI = """
stages: [build, test]
build:
  stage: build
  script: ["python -m build"]
test:
  stage: test
  script: ["pytest"]
  artifacts:
    reports:
      junit: junit.xml
"""


@pytest.fixture(scope="module")
def running(tmp_path_factory, canary):
    with Sandbox(
        tmp_path_factory.mktemp("gitlab") / "state",
        admin_password=canary[0],
        gitlab_token=canary[1],
    ) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def gl(running, recorder):
    client = gitlab.Gitlab(running.gitlab_url, private_token=running.gitlab_token.reveal())
    client.session.hooks["response"].append(recorder)
    return client


@pytest.fixture
def project(gl):
    project = gl.projects.get("shipyard/demo")
    yield project
    for variable in project.variables.list(get_all=True):
        project.variables.delete(
            variable.key, filter={"environment_scope": variable.environment_scope}
        )


def test_version_user_and_project_by_id_or_path(gl):
    version, revision = gl.version()
    assert version.startswith("17.")
    gl.auth()
    assert gl.user.username == "root"
    by_path = gl.projects.get("shipyard/demo")
    by_id = gl.projects.get(1)
    assert by_path.id == by_id.id == 1
    assert by_id.path_with_namespace == "shipyard/demo"
    with pytest.raises(gitlab.GitlabGetError) as missing:
        gl.projects.get(999)
    assert missing.value.response_code == 404


def test_wrong_token_is_401_with_gitlab_body(running, canary):
    bad = gitlab.Gitlab(running.gitlab_url, private_token="glpat-wrong")
    with pytest.raises(gitlab.GitlabAuthenticationError) as error:
        bad.projects.get(1)
    assert error.value.response_code == 401
    answer = requests.get(f"{running.gitlab_url}/api/v4/projects/1", timeout=10)
    assert (answer.status_code, answer.json()) == (401, {"message": "401 Unauthorized"})
    assert canary[1] not in str(error.value)


def test_variable_crud(project):
    created = project.variables.create(
        {
            "key": "NEXUS_PASSWORD",
            "value": "s3cr3t-Value",
            "masked": True,
            "protected": True,
            "description": "deploy user",
        }  # fmt: skip
    )
    assert created.attributes | {"project_id": None} == {
        "project_id": None,
        "variable_type": "env_var",
        "key": "NEXUS_PASSWORD",
        "value": "s3cr3t-Value",
        "protected": True,
        "masked": True,
        "hidden": False,
        "raw": False,
        "environment_scope": "*",
        "description": "deploy user",
    }
    assert [v.key for v in project.variables.list(get_all=True)] == ["NEXUS_PASSWORD"]
    variable = project.variables.get("NEXUS_PASSWORD")
    variable.value = "an0ther-Value"
    variable.save()
    assert project.variables.get("NEXUS_PASSWORD").value == "an0ther-Value"
    project.variables.update("NEXUS_PASSWORD", {"protected": False, "variable_type": "file"})
    updated = project.variables.get("NEXUS_PASSWORD")
    assert (updated.protected, updated.variable_type) == (False, "file")
    updated.delete()
    with pytest.raises(gitlab.GitlabGetError) as missing:
        project.variables.get("NEXUS_PASSWORD")
    assert (missing.value.response_code, missing.value.error_message) == (
        404,
        "404 Variable Not Found",
    )


@pytest.mark.parametrize(
    ("value", "raw"),
    [("short", False), ("has space in it", False), ("bad$chars!", False), ("multi\nline", True)],
)
def test_masked_value_rules(project, value, raw):
    with pytest.raises(gitlab.GitlabCreateError) as error:
        project.variables.create({"key": "MASKED", "value": value, "masked": True, "raw": raw})
    assert error.value.response_code == 400
    assert error.value.error_message == {"value": ["is invalid"]}


def test_masked_values_that_pass(project):
    project.variables.create({"key": "B64", "value": "aGVsbG8gd29ybGQ=", "masked": True})
    project.variables.create({"key": "URLISH", "value": "user@host:1.0~x", "masked": True})
    project.variables.create({"key": "RAW", "value": "$pecial!chars", "masked": True, "raw": True})
    assert len(project.variables.list(get_all=True)) == 3


def test_environment_scopes_and_duplicates(project):
    project.variables.create({"key": "INDEX_URL", "value": "a", "environment_scope": "prod"})
    project.variables.create({"key": "INDEX_URL", "value": "b", "environment_scope": "dev"})
    with pytest.raises(gitlab.GitlabCreateError) as duplicate:
        project.variables.create({"key": "INDEX_URL", "value": "c", "environment_scope": "dev"})
    assert duplicate.value.error_message == {"key": ["(INDEX_URL) has already been taken"]}
    with pytest.raises(gitlab.GitlabGetError) as ambiguous:
        project.variables.get("INDEX_URL")
    assert ambiguous.value.response_code == 409
    dev = project.variables.get("INDEX_URL", filter={"environment_scope": "dev"})
    assert dev.value == "b"
    project.variables.update("INDEX_URL", {"value": "d"}, filter={"environment_scope": "prod"})
    assert project.variables.get("INDEX_URL", filter={"environment_scope": "prod"}).value == "d"


def test_bad_keys_and_types(project):
    with pytest.raises(gitlab.GitlabCreateError) as bad_key:
        project.variables.create({"key": "NOT-OK", "value": "x"})
    assert bad_key.value.error_message == {"key": ["can contain only letters, digits and '_'."]}
    with pytest.raises(gitlab.GitlabCreateError) as bad_type:
        project.variables.create({"key": "OK", "value": "x", "variable_type": "blob"})
    assert bad_type.value.response_code == 400


def test_hidden_variable_value_is_not_returned(project):
    hidden = project.variables.create(
        {"key": "HIDDEN", "value": "hidden-Value-1", "masked_and_hidden": True}
    )
    assert (hidden.masked, hidden.hidden, hidden.value) == (True, True, None)
    assert project.variables.get("HIDDEN").value is None


def test_pagination_follows_links(project):
    for index in range(25):
        project.variables.create({"key": f"V{index:02d}", "value": "x"})
    assert len(project.variables.list(get_all=True)) == 25
    assert len(project.variables.list(get_all=False)) == 20


def test_ci_lint(project):
    result = project.ci_lint.create({"content": VALID_CI, "include_jobs": True})
    assert (result.valid, result.errors) == (True, [])
    assert [job["name"] for job in result.jobs] == ["build", "test"]
    assert result.merged_yaml.startswith("---")
    project.ci_lint.validate({"content": VALID_CI})

    broken = "build:\n  script: [echo]\n  scirpt: typo\n"
    result = project.ci_lint.create({"content": broken})
    assert result.valid is False
    assert any("scirpt" in error for error in result.errors)
    with pytest.raises(gitlab.GitlabCiLintError):
        project.ci_lint.validate({"content": broken})
    no_jobs = project.ci_lint.create({"content": "stages: [build]\n"})
    assert "jobs config should contain at least one visible job" in no_jobs.errors


def test_global_ci_lint_is_gone(gl):
    with pytest.raises(gitlab.GitlabCreateError) as gone:
        gl.ci_lint.create({"content": VALID_CI})
    assert gone.value.response_code == 410


def test_variables_survive_a_restart(tmp_path, canary):
    state = tmp_path / "state"
    with Sandbox(state, gitlab_token=canary[1]) as first:
        gl = gitlab.Gitlab(first.gitlab_url, private_token=canary[1])
        gl.projects.get(1).variables.create({"key": "PERSISTED", "value": "yes"})
    with Sandbox(state) as second:
        assert second.gitlab_token.reveal() == canary[1]
        gl = gitlab.Gitlab(second.gitlab_url, private_token=second.gitlab_token.reveal())
        assert gl.projects.get(1).variables.get("PERSISTED").value == "yes"
