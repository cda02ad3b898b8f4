"""The image job in ``shipyard pipeline run``: this machine's buildah, the sandbox's registry."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest

from shipyard.pipeline import _image_job
from shipyard.pipeline.run import run_pipeline

pytestmark = pytest.mark.pipeline

# The image job as `shipyard pipeline render` writes it, without the rules and needs of a
# whole pipeline; the first line prints the registry password the way a careless script would.
PIPELINE = """\
stages: [publish]
variables:
  APP_VERSION: "1.0.0"
image_build:
  stage: publish
  image: quay.io/buildah/stable:v1.40
  variables:
    STORAGE_DRIVER: vfs
    BUILDAH_ISOLATION: chroot
    BUILDAH_FORMAT: docker
  script:
    - echo "registry $CI_REGISTRY user $CI_REGISTRY_USER password $CI_REGISTRY_PASSWORD"
    - echo "$CI_REGISTRY_PASSWORD" | buildah login --username "$CI_REGISTRY_USER"
      --password-stdin "$CI_REGISTRY"
    - buildah build --layers --label "org.opencontainers.image.version=$APP_VERSION"
      --tag "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA" .
    - buildah push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
    - echo "pushed $CI_COMMIT_SHORT_SHA"
"""

SMALL = """\
FROM debian:bookworm-slim
RUN echo "built by the pipeline" > /built.txt
USER 10001
CMD ["cat", "/built.txt"]
"""


def _project(tmp_path: Path, dockerfile: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".gitlab-ci.yml").write_text(PIPELINE, encoding="utf-8")
    (project / "Dockerfile").write_text(textwrap.dedent(dockerfile), encoding="utf-8")
    return project


@pytest.fixture
def registry_canary(monkeypatch: pytest.MonkeyPatch) -> str:
    """The run's CI_REGISTRY_PASSWORD: it must never appear in any output."""
    value = f"canary-registry-{uuid.uuid4().hex}"
    monkeypatch.setattr(_image_job, "_job_token", lambda: value)
    return value


def test_a_base_the_stand_in_lacks_is_not_run_and_said_before_anything(
    tmp_path, sandbox, tools, canary
):
    project = _project(tmp_path, 'FROM mambaorg/micromamba:2.3.2\nCMD ["true"]\n')
    (project / ".gitlab-ci.yml").write_text(
        PIPELINE + "smoke:\n  stage: publish\n  script: [echo ran]\n", encoding="utf-8"
    )
    result = run_pipeline(project, sandbox=sandbox, tools=tools)
    assert [(job.name, job.status) for job in result.jobs] == [("smoke", "success")]
    why = dict(result.not_run)["image_build"]
    assert why.startswith("docker.io/mambaorg/micromamba:2.3.2 is not in the Docker Hub stand-in")
    assert "not run here: image_build: docker.io/mambaorg/micromamba:2.3.2" in result.table()


def test_the_image_job_builds_and_pushes_to_the_sandbox_registry(
    tmp_path, sandbox, tools, canary, registry_canary
):
    project = _project(tmp_path, SMALL)
    result = run_pipeline(project, sandbox=sandbox, tools=tools)
    job = result.jobs[0]
    assert (job.name, job.status) == ("image_build", "success"), job.log
    assert "stood in for by buildah 1." in job.log and "of this machine" in job.log
    assert "Login Succeeded" in job.log
    # (the port is normalised in logs: 127.0.0.1:<port>)
    assert "registry 127.0.0.1:<port> user gitlab-ci-token password ****" in job.log  # masked
    tag = next(line.split()[-1] for line in job.log.splitlines() if line.startswith("pushed "))
    assert tag in _image_job.pushed_tags(sandbox=sandbox)
    assert _image_job.run_pushed_image(tag, sandbox=sandbox).strip() == "built by the pipeline"
    everything = result.output + result.logs() + repr(result) + result.to_json()
    assert registry_canary not in everything and canary not in everything
