"""Release tags, the deploy job, and trusted publishing run for real against the stand-in."""

from __future__ import annotations

import pytest

from shipyard import runbook
from shipyard.config import Secret
from shipyard.gates import ci
from shipyard.packaging import build, release
from shipyard.sandbox import StandInPyPI, TrustedPublisher


@pytest.fixture(scope="module")
def wheel(release_target, tmp_path_factory):
    project = runbook.sample_project("my_app", into=tmp_path_factory.mktemp("tp"))
    project.write("README.md", "# my_app\n")
    return build.build(project, release_target.build_index, sdist=False).wheel


def test_trusted_publish_exchanges_the_id_token(wheel):
    with StandInPyPI(TrustedPublisher("gitlab", "my-app")) as pypi:
        token = Secret(pypi.issuer.id_token("gitlab/my-app", "v-1.0.0"))
        done = release.trusted_publish([wheel], pypi.upload_url, token, ca_file=pypi.ca_file,
                                        events=pypi)  # fmt: skip
        assert done.ok, done.output
        assert pypi.uploads == [wheel.name]
    assert [e.split(" ->")[0] for e in done.events] == [
        "GET /_/oidc/audience", "POST /_/oidc/mint-token", "POST /legacy/ with __token__",
        "POST /_/oidc/burn-token"]  # fmt: skip
    assert token.reveal() not in repr(done)


@pytest.mark.parametrize(
    ("project_path", "environment", "why"),
    [("someone/fork", "", "no trusted publisher for project_path 'someone/fork'"),
     ("gitlab/my-app", "staging", "environment 'staging' is not 'pypi'")],
)  # fmt: skip
def test_trusted_publish_refused_for_the_wrong_job(wheel, project_path, environment, why):
    with StandInPyPI(TrustedPublisher("gitlab", "my-app", environment="pypi")) as pypi:
        token = Secret(pypi.issuer.id_token(project_path, "v-1.0.0", environment=environment))
        done = release.trusted_publish([wheel], pypi.upload_url, token, ca_file=pypi.ca_file,
                                        events=pypi)  # fmt: skip
        assert not done.ok and pypi.uploads == []
    assert why in done.output and "422" in done.output


def test_token_from_another_issuer_is_refused(wheel):
    from shipyard.sandbox import StandInGitLabIssuer

    with StandInPyPI(TrustedPublisher("gitlab", "my-app")) as pypi:
        forged = Secret(StandInGitLabIssuer().id_token("gitlab/my-app", "v-1.0.0"))
        done = release.trusted_publish([wheel], pypi.upload_url, forged, ca_file=pypi.ca_file,
                                        events=pypi)  # fmt: skip
    assert not done.ok and "Signature verification failed" in done.output


def test_release_matrix_side_by_side():
    rows = {r.tag: r for r in release.release_matrix(
        ["v-1.0.0", "self-hosted-v17.5.0-ee", "v1.2.0"])}  # fmt: skip
    assert rows["v-1.0.0"].deploy_job and rows["v-1.0.0"].wheel_version == "1.0.0"
    assert not rows["self-hosted-v17.5.0-ee"].deploy_job
    assert rows["self-hosted-v17.5.0-ee"].image_tag == "self-hosted-v17.5.0-ee"
    assert not rows["v1.2.0"].deploy_job  # seed 001's rule wants the dash


@pytest.mark.parametrize("builder", ["uv", "poetry"])
def test_deploy_job_is_valid_gitlab_ci(builder):
    text = release.deploy_job(builder=builder)
    assert ci.check(text) == "valid"
    assert "aud: pypi" in text and "$CI_COMMIT_TAG =~ /^v-/" in text
