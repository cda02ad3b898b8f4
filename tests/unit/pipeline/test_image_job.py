"""The image job's adaptation for a local run (shipyard.pipeline._image_job), without a build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from shipyard.config import Secret
from shipyard.containers import Mirror
from shipyard.pipeline import _image_job as image_job

RENDERED = """\
default:
  image: mambaorg/micromamba:2.3.2
stages: [build, publish]
build_wheel:
  stage: build
  script: [echo build]
image_build:
  stage: publish
  image: quay.io/buildah/stable:v1.40
  needs: [build_wheel]
  variables:
    STORAGE_DRIVER: vfs
    BUILDAH_ISOLATION: chroot
  script:
    - echo "$CI_REGISTRY_PASSWORD" | buildah login --username "$CI_REGISTRY_USER"
      --password-stdin "$CI_REGISTRY"
    - buildah build --layers --tag "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA" .
    - buildah push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
deploy:
  needs: [build_wheel, image_build]
  script: [echo deploy]
"""


class NoRegistry:
    """A sandbox whose registry must not be started: a test fails if it is."""

    def start_registry(self):  # noqa: ANN201 - a test double
        raise AssertionError("the registry was started for a job that cannot run")


def _project(tmp_path: Path, dockerfile: str) -> Path:
    (tmp_path / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("buildah build --layers --tag x .", "Dockerfile"),
        ("buildah bud -f docker/Dockerfile.prod .", "docker/Dockerfile.prod"),
        ("buildah build --file=Containerfile.x .", "Containerfile.x"),
        ("echo hi && buildah build -t x .", "Dockerfile"),
    ],
)
def test_the_dockerfile_of_a_build_line(tmp_path, line, expected):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    assert image_job.build_dockerfile([line], tmp_path) == tmp_path / expected


def test_a_dockerfile_named_by_a_variable_or_no_build_is_unknown(tmp_path):
    assert image_job.build_dockerfile(["buildah build -f $DOCKERFILE ."], tmp_path) is None
    assert image_job.build_dockerfile(["buildah push x"], tmp_path) is None
    assert image_job.build_dockerfile(["buildah build ."], tmp_path) is None  # no Dockerfile


@pytest.mark.parametrize(
    ("image", "name"),
    [
        ("python:3.11-slim-bookworm", "docker.io/library/python:3.11-slim-bookworm"),
        ("mambaorg/micromamba:2.3.2", "docker.io/mambaorg/micromamba:2.3.2"),
        ("docker.io/library/debian:bookworm-slim", "docker.io/library/debian:bookworm-slim"),
        ("ghcr.io/astral-sh/uv:0.13.8", "ghcr.io/astral-sh/uv:0.13.8"),
        ("debian", "docker.io/library/debian:latest"),
        ("python@sha256:" + "a" * 64, "docker.io/library/python@sha256:" + "a" * 64),
    ],
)
def test_image_names_are_qualified_as_the_stand_in_holds_them(image, name):
    assert image_job.qualified(image) == name


def test_every_pulled_image_is_listed_once_stages_and_scratch_are_not(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "ARG PY=3.11\n"
        "FROM python:${PY}-slim-bookworm AS build\n"
        "COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /bin/uv\n"
        "FROM build AS test\n"
        "FROM scratch AS empty\n"
        "FROM python:3.11-slim-bookworm\n"
        "COPY --from=build /app /app\n",
        encoding="utf-8",
    )
    assert image_job.pulled_bases(dockerfile) == [
        "docker.io/library/python:3.11-slim-bookworm", "ghcr.io/astral-sh/uv:0.13.8",
    ]  # fmt: skip


def test_an_image_the_stand_in_lacks_is_named_with_why():
    held = ["docker.io/library/python:3.11-slim-bookworm"]
    why = image_job.missing_bases(["docker.io/mambaorg/micromamba:2.3.2"], held)
    assert why == (
        "docker.io/mambaorg/micromamba:2.3.2 is not in the Docker Hub stand-in "
        "(micromamba is in no registry this machine reaches)"
    )
    assert image_job.missing_bases(["docker.io/library/python:3.11-slim-bookworm"], held) is None
    assert image_job.missing_bases(["quay.io/x/y:1"], held) == (
        "quay.io/x/y:1 is not in the Docker Hub stand-in"
    )


def test_the_adapted_job_says_what_stands_in_and_keeps_buildah_in_the_run(tmp_path):
    data = yaml.safe_load(RENDERED)
    env = image_job.isolation(tmp_path / "containers", Mirror({"docker.io": "127.0.0.1:1/d"}))
    image_job.adapt_job(data["image_build"], "quay.io/buildah/stable:v1.40", "buildah 1.28.2", env)
    job = data["image_build"]
    notice = "echo 'Shipyard: the image quay.io/buildah/stable:v1.40 is stood in for by buildah"
    assert job["script"][0].startswith(f"{notice} 1.28.2 of this machine")
    assert "buildah login --tls-verify=false --username" in job["script"][1]
    assert job["script"][2:] == yaml.safe_load(RENDERED)["image_build"]["script"][1:]
    # the job asks for vfs, which any runner container takes; here the faster driver the
    # machine takes (overlay as root on ext4), said in the notice
    assert job["variables"]["STORAGE_DRIVER"] == env["STORAGE_DRIVER"] in ("overlay", "vfs")
    assert f"storage (driver {env['STORAGE_DRIVER']})" in job["script"][0]
    assert job["variables"]["BUILDAH_ISOLATION"] == "chroot"  # the job's own others are kept
    for name in ("CONTAINERS_CONF", "CONTAINERS_REGISTRIES_CONF", "CONTAINERS_STORAGE_CONF",
                 "REGISTRY_AUTH_FILE", "TMPDIR"):  # fmt: skip
        assert job["variables"][name].startswith(str(tmp_path)), name
    storage = (tmp_path / "containers" / "storage.conf").read_text(encoding="utf-8")
    assert f'graphroot = "{tmp_path}/containers/storage"' in storage
    assert json.loads((tmp_path / "containers" / "auth.json").read_text()) == {"auths": {}}
    assert (tmp_path / "containers" / "auth.json").stat().st_mode & 0o077 == 0
    assert 'location = "127.0.0.1:1/d"' in (tmp_path / "containers" / "registries.conf").read_text()


def test_a_login_that_sets_tls_verify_itself_is_left_alone():
    job = {"script": ["buildah login --tls-verify=true -u u reg", "podman login reg"]}
    image_job.adapt_job(job, "quay.io/buildah/stable:v1", "buildah 1", {})
    assert job["script"][1:] == ["buildah login --tls-verify=true -u u reg",
                                 "podman login --tls-verify=false reg"]  # fmt: skip


def test_a_real_target_runs_no_image_job(tmp_path):
    data = yaml.safe_load(RENDERED)
    images = {"build_wheel": "mambaorg/micromamba:2.3.2",
              "image_build": "quay.io/buildah/stable:v1.40"}  # fmt: skip
    dropped, access = image_job.adapt_image_jobs(data, images, tmp_path, None, tmp_path / "c")
    assert access is None
    assert dropped == [("image_build", "the target is not the sandbox: a local run pushes "
                        "images only to the sandbox's registry, never to the project's "
                        "(CI_REGISTRY)")]  # fmt: skip


def test_a_base_the_stand_in_lacks_is_said_before_the_registry_starts(tmp_path):
    project = _project(tmp_path, "FROM mambaorg/micromamba:2.3.2 AS build\nFROM build\n")
    text, dropped, access = image_job.image_jobs_here(
        RENDERED, project, tmp_path / "c", sandbox=NoRegistry()
    )
    assert access is None
    assert dict(dropped)["image_build"].startswith(
        "docker.io/mambaorg/micromamba:2.3.2 is not in the Docker Hub stand-in"
    )
    data = yaml.safe_load(text)
    assert "image_build" not in data and data["deploy"]["needs"] == ["build_wheel"]


def test_a_pipeline_without_an_image_job_is_unchanged_and_resolves_no_target(tmp_path):
    pipeline = "build:\n  script: [echo]\n"
    assert image_job.image_jobs_here(pipeline, tmp_path, tmp_path / "c") == (pipeline, (), None)
    assert image_job.image_jobs_here("a: [", tmp_path, tmp_path / "c") == ("a: [", (), None)


def test_the_registry_variables_are_gitlabs_and_the_password_is_a_secret():
    access = image_job.RegistryAccess("127.0.0.1:5000", "127.0.0.1:5000/shipyard/demo",
                                      Secret("glcbt-canary", "CI_REGISTRY_PASSWORD"))  # fmt: skip
    assert access.variables() == {
        "CI_REGISTRY": "127.0.0.1:5000", "CI_REGISTRY_IMAGE": "127.0.0.1:5000/shipyard/demo",
        "CI_REGISTRY_USER": "gitlab-ci-token", "CI_REGISTRY_PASSWORD": "glcbt-canary",
    }  # fmt: skip
    assert "glcbt-canary" not in repr(access)
    assert image_job._job_token() != image_job._job_token()


def test_predefined_registry_variables_are_replaced_without_a_warning():
    access = image_job.RegistryAccess("127.0.0.1:5000", "127.0.0.1:5000/x", Secret("p"))
    args = ["--variable", "X=1", "--ignore-predefined-vars", "CI_PROJECT_DIR"]
    assert image_job.ignore_predefined(args, access) == [
        "--variable", "X=1", "--ignore-predefined-vars",
        "CI_PROJECT_DIR,CI_REGISTRY,CI_REGISTRY_IMAGE",
    ]  # fmt: skip
    assert image_job.ignore_predefined([], access) == [
        "--ignore-predefined-vars", "CI_REGISTRY,CI_REGISTRY_IMAGE"
    ]  # fmt: skip
    assert image_job.ignore_predefined(args, None) == args


def test_the_registry_password_joins_the_masked_values():
    from shipyard.pipeline._prepare import PipelineTarget

    target = PipelineTarget("http://nexus", {"A": "1"}, (Secret("deploy"),), {})
    assert image_job.with_registry(target, None) == (target, {"A": "1"})
    access = image_job.RegistryAccess("127.0.0.1:5000", "127.0.0.1:5000/x", Secret("glcbt-c"))
    masked, variables = image_job.with_registry(target, access)
    assert variables["A"] == "1" and variables["CI_REGISTRY_PASSWORD"] == "glcbt-c"
    assert [s.reveal() for s in masked.masked] == ["deploy", "glcbt-c"]


class Stopped:
    """A sandbox whose registry was never started."""

    registry = None


def test_tags_of_a_registry_that_never_started_are_a_clear_error():
    from shipyard.errors import ConfigError

    with pytest.raises(ConfigError, match="registry is not running"):
        image_job.pushed_tags(sandbox=Stopped())
    with pytest.raises(ConfigError, match="registry is not running"):
        image_job.run_pushed_image("abc", sandbox=Stopped())
