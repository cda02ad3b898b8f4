"""``shipyard pipeline run``: real gitlab-ci-local, real sandbox, real jobs."""

from __future__ import annotations

import json
import shutil
import textwrap
from importlib import resources
from pathlib import Path

import pytest
import requests

from shipyard import images, pipeline
from shipyard.cli import main
from shipyard.pipeline._micromamba import NOTICE
from shipyard.pipeline.run import run_pipeline

pytestmark = pytest.mark.pipeline
FIXTURE = Path(__file__).parents[2] / "projects" / "pipeline_my_app"

# Three stages, the middle one failing; the first prints the deploy password the way a careless
# script would, through a variable of its own too.
FAILING = """\
stages: [build, test, publish]
variables:
  TWINE_PASSWORD: "$NEXUS_PYPI_PASSWORD"
build:
  stage: build
  script:
    - echo "user $NEXUS_PYPI_USERNAME password $NEXUS_PYPI_PASSWORD"
    - echo "twine would use $TWINE_PASSWORD"
test:
  stage: test
  needs: [build]
  script:
    - echo "the tests fail"
    - exit 3
publish:
  stage: publish
  needs: [test]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - echo published > published.txt
"""


def _project(tmp_path: Path, pipeline: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".gitlab-ci.yml").write_text(textwrap.dedent(pipeline), encoding="utf-8")
    (project / "README.md").write_text("# demo\n", encoding="utf-8")
    return project


def test_a_failing_job_fails_the_run_and_later_stages_do_not_run(tmp_path, sandbox, tools, canary):
    project = _project(tmp_path, FAILING)
    result = run_pipeline(project, sandbox=sandbox, tools=tools)
    statuses = {job.name: job.status for job in result.jobs}
    assert statuses == {"build": "success", "test": "failed", "publish": "skipped"}
    assert result.status == "failed" and not result.ok
    assert not (project / "published.txt").exists()  # the user's checkout is never touched
    build = next(job for job in result.jobs if job.name == "build")
    assert "user **** password ****" in build.log  # masked in GitLab too: all three are
    assert "twine would use ****" in build.log
    test = next(job for job in result.jobs if job.name == "test")
    assert "the tests fail" in test.log
    everything = result.output + result.logs() + repr(result) + result.to_json()
    assert canary not in everything


def test_the_cli_exits_non_zero_and_prints_the_json_shape(tmp_path, sandbox, tools, canary,
                                                          capsys, monkeypatch):  # fmt: skip
    project = _project(tmp_path, FAILING)
    monkeypatch.setattr("shipyard._target.shared_sandbox", lambda: sandbox)
    assert main(["pipeline", "run", str(project), "--format", "json"]) == 1
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["status"] == "failed"
    assert [(j["name"], j["stage"], j["status"]) for j in document["jobs"]] == [
        ("build", "build", "success"), ("test", "test", "failed"), ("publish", "publish", "skipped")
    ]  # fmt: skip
    assert all(set(j) == {"name", "stage", "status", "seconds"} for j in document["jobs"])
    assert isinstance(document["jobs"][0]["seconds"], float)
    assert document["jobs"][2]["seconds"] is None
    assert canary not in out + err


def test_the_text_format_shows_the_table_and_the_failed_log_masked(
    tmp_path, sandbox, tools, canary, capsys, monkeypatch
):
    project = _project(tmp_path, FAILING.replace("exit 3", 'echo "$NEXUS_PYPI_PASSWORD"; exit 3'))
    monkeypatch.setattr("shipyard._target.shared_sandbox", lambda: sandbox)
    assert main(["pipeline", "run", str(project)]) == 1
    out, err = capsys.readouterr()
    assert "test     test     failed" in out
    assert "--- test (failed) ---" in out and "the tests fail" in out
    assert "--- build" not in out  # only failed jobs' logs by default
    assert "****" in out and canary not in out + err


def test_one_job_runs_with_the_jobs_it_needs(tmp_path, sandbox, tools, canary):
    project = _project(tmp_path, FAILING.replace("exit 3", "echo fixed"))
    result = run_pipeline(project, job="test", sandbox=sandbox, tools=tools)
    assert [(job.name, job.status) for job in result.jobs] == [
        ("build", "success"), ("test", "success")
    ]  # fmt: skip
    assert result.ok


def test_an_unknown_job_is_a_clear_error(tmp_path, sandbox, tools, canary):
    from shipyard.errors import ConfigError

    project = _project(tmp_path, FAILING)
    with pytest.raises(
        ConfigError, match=r"no job 'tset' in the pipeline \(did you mean 'test'\?\)"
    ):
        run_pipeline(project, job="tset", sandbox=sandbox, tools=tools)


def test_a_project_without_a_pipeline_is_a_clear_error(tmp_path, sandbox, tools):
    from shipyard.errors import InputError

    (tmp_path / "empty").mkdir()
    # No .gitlab-ci.yml: the rendered pipeline runs, and rendering needs a pyproject.toml.
    with pytest.raises(InputError, match="no pyproject.toml: the pipeline builds the project's"):
        run_pipeline(tmp_path / "empty", sandbox=sandbox, tools=tools)


def test_a_broken_pipeline_is_a_clear_error(tmp_path, sandbox, tools, canary):
    from shipyard.errors import InputError

    project = _project(tmp_path, "build:\n  stage: build\n  script: [true]\n")
    with pytest.raises(InputError, match="cannot read the pipeline: build script contains non str"):
        run_pipeline(project, sandbox=sandbox, tools=tools)


TAGGED = """\
stages: [build, release]
build:
  stage: build
  script:
    - echo "ref $CI_COMMIT_REF_NAME tag ${CI_COMMIT_TAG:-none} branch ${CI_COMMIT_BRANCH:-none}"
release:
  stage: release
  rules:
    - if: $CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+$/
  script:
    - echo "releasing $CI_COMMIT_TAG"
"""


def test_a_tag_pipeline_runs_the_release_rules(tmp_path, sandbox, tools, canary):
    project = _project(tmp_path, TAGGED)
    branch = run_pipeline(project, sandbox=sandbox, tools=tools)
    assert [job.name for job in branch.jobs] == ["build"]  # no tag: the release job is not there
    tagged = run_pipeline(project, sandbox=sandbox, tools=tools, tag="v1.0.0")
    assert [(job.name, job.status) for job in tagged.jobs] == [
        ("build", "success"), ("release", "success")
    ]  # fmt: skip
    logs = {job.name: job.log for job in tagged.jobs}
    assert "ref v1.0.0 tag v1.0.0 branch none" in logs["build"]
    assert "releasing v1.0.0" in logs["release"]


MATRIX = """\
test:python:
  parallel:
    matrix:
      - PYTHON_VERSION: ["3.12", "3.13"]
  script:
    - echo "testing on $PYTHON_VERSION"
    - test "$PYTHON_VERSION" = "3.12"
"""


def test_matrix_jobs_have_their_own_status_and_log(tmp_path, sandbox, tools, canary):
    result = run_pipeline(_project(tmp_path, MATRIX), sandbox=sandbox, tools=tools)
    jobs = {job.name: job for job in result.jobs}
    assert {name: job.status for name, job in jobs.items()} == {
        "test:python: [3.12]": "success", "test:python: [3.13]": "failed"
    }  # fmt: skip
    assert "testing on 3.13" in jobs["test:python: [3.13]"].log


@pytest.mark.pipeline_e2e
def test_the_sample_project_ships_end_to_end(tmp_path, sandbox, tools, canary):
    """The RENDERED pipeline of the sample: build, test on the matrix, upload, install, run."""
    project = tmp_path / "my_app"
    with resources.as_file(resources.files("shipyard") / "samples" / "my_app") as sample:
        shutil.copytree(sample, project, ignore=shutil.ignore_patterns("__pycache__"))
    # What the chapters give the sample: its README (02), environment.yml (03) and a test.
    for name in ("README.md", "environment.yml", "tests/test_cli.py"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(FIXTURE / name, project / name)
    # And chapter 04's image: the uv variant for the Python the Docker Hub stand-in has, with
    # the lock it builds from (the micromamba base cannot be built here).
    lab = images.image_project(tmp_path / "lab")
    for name in ("Dockerfile", ".dockerignore", "uv.lock"):
        shutil.copy2(lab.path / name, project / name)
    assert not (project / ".gitlab-ci.yml").exists()  # the rendered pipeline runs
    result = run_pipeline(project, sandbox=sandbox, tools=tools)
    print(result.to_json())  # the wall time, job by job, in the test's output (JSON keeps it)
    logs = {job.name: job.log for job in result.jobs}
    gates = [f"gate:{gate}" for gate in ("ruff", "radon", "ty", "coverage", "licenses", "bandit",
                                         "semgrep", "sbom", "pip-audit")]  # fmt: skip
    assert [(job.name, job.status) for job in result.jobs] == [
        ("clear-cache", "manual"), ("build_wheel", "success"), ("test", "success"),
        ("test:python: [3.10]", "success"), ("test:python: [3.12]", "success"),
        ("test:python: [3.13]", "success"), *[(gate, "success") for gate in gates],
        ("publish_wheel", "success"), ("image_build", "success"), ("deploy_prod", "success"),
        ("pages", "success"),
    ], result.logs()  # fmt: skip
    assert result.ok
    assert result.not_run == ()  # every job ran, image_build too
    # The python image jobs ran in a virtual environment each, and their logs say so.
    stand_in = "a stand-in from Shipyard, for `shipyard pipeline run` only"
    assert all(stand_in in logs[name] for name in [*gates, "pages"])
    assert "python:3.11-slim-bookworm: " in logs["gate:ruff"]
    assert "Successfully installed" in logs["gate:ruff"] and "shipyard-0.1.0" in logs["gate:ruff"]
    assert "$ pdoc --output-directory public my_app" in logs["pages"]
    assert "not run" in logs["gate:pip-audit"]  # no vulnerability service answered: said so
    assert "Successfully installed build-" in logs["build_wheel"]  # from PyPI through Nexus
    assert "Successfully built my_app-1.0.0-py3-none-any.whl" in logs["build_wheel"]
    assert "1 passed" in logs["test"] and "1 passed" in logs["test:python: [3.13]"]
    assert "Successfully installed" in logs["publish_wheel"] and "twine" in logs["publish_wheel"]
    assert "my_app 1.0.0 is running" in logs["deploy_prod"]
    assert all(NOTICE in logs[name] for name in ("build_wheel", "test", "publish_wheel"))
    page = requests.get(f"{sandbox.nexus_url}/repository/pypi-internal/simple/my-app/", timeout=10)
    assert "my_app-1.0.0-py3-none-any.whl" in page.text  # the wheel the deploy user uploaded
    assert canary not in result.output + result.logs() + result.to_json()
    # The image job pushed the commit's tag to the sandbox's registry; the image runs the app.
    assert "stood in for by buildah" in logs["image_build"]
    tag = next(line.rsplit(":", 1)[-1] for line in logs["image_build"].splitlines()
               if line.startswith("Successfully tagged "))  # fmt: skip
    assert tag in pipeline.pushed_tags(sandbox=sandbox)
    assert pipeline.run_pushed_image(tag, sandbox=sandbox).strip() == "my_app 1.0.0 is running"


# A publish job that refuses the same version twice, as a hosted repository with ALLOW_ONCE does.
ONCE = """\
stages: [build, publish]
build:
  stage: build
  script:
    - mkdir -p dist && echo wheel > dist/demo-1.2.3.whl
    - echo "APP_VERSION=1.2.3" > build.env
  artifacts:
    paths: [dist/]
    reports:
      dotenv: build.env
publish:
  stage: publish
  needs: [build]
  script:
    - echo "publishing $APP_VERSION from $(ls dist) as $NEXUS_PYPI_USERNAME:$NEXUS_PYPI_PASSWORD"
    - if [ -f "published-$APP_VERSION" ]; then echo "$APP_VERSION cannot be updated"; exit 1; fi
    - touch "published-$APP_VERSION"
"""


def test_a_kept_run_retries_one_job_with_what_the_jobs_before_it_left(
    tmp_path, sandbox, tools, canary
):
    from shipyard.pipeline.run import retry_job

    project = _project(tmp_path, ONCE)
    first = run_pipeline(project, sandbox=sandbox, tools=tools, keep=True)
    assert [(job.name, job.status) for job in first.jobs] == [
        ("build", "success"), ("publish", "success")
    ]  # fmt: skip
    again = retry_job(first, "publish")
    assert [(job.name, job.status) for job in again.jobs] == [("publish", "failed")]
    log = again.jobs[0].log
    # The wheel in dist/ and the dotenv report's APP_VERSION are the first run's: no build ran.
    assert "publishing 1.2.3 from demo-1.2.3.whl as ****:****" in log
    assert "1.2.3 cannot be updated" in log
    assert not again.ok and canary not in log + again.output + repr(again)


def test_retrying_a_run_that_was_not_kept_or_an_unknown_job_is_a_clear_error(
    tmp_path, sandbox, tools, canary
):
    from shipyard.errors import ConfigError
    from shipyard.pipeline.run import retry_job

    project = _project(tmp_path, ONCE)
    gone = run_pipeline(project, sandbox=sandbox, tools=tools)
    with pytest.raises(ConfigError, match="was not kept"):
        retry_job(gone, "publish")
    kept = run_pipeline(project, sandbox=sandbox, tools=tools, keep=True, job="build")
    with pytest.raises(ConfigError, match=r"no job 'publsh' in the pipeline \(did you mean"):
        retry_job(kept, "publsh")
