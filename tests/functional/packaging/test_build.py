"""The real build frontend, twine check, twine and poetry uploads, against the sandbox Nexus."""

from __future__ import annotations

import shutil

from shipyard import runbook
from shipyard.config import Secret
from shipyard.nexus import backends
from shipyard.packaging import build, poetry, publish, versioning
from tests.functional.packaging.conftest import CANARY


def test_seeding_is_idempotent(release_target):
    assert any(name.startswith("hatchling-") for name in release_target.seeded.uploaded)
    again = backends.seed_build_backends(release_target.admin)
    assert again.uploaded == ()
    assert set(again.present) == set(release_target.seeded.uploaded)


def test_build_sdist_then_wheel_from_it_offline(release_target):
    project = runbook.sample_project("my_app")
    project.write("README.md", "# my_app\n")
    out = build.build(project, release_target.build_index)
    assert out.ok, out.output
    assert "pypi-build/simple/" in repr(out)
    checked = build.twine_check(out.sdist, out.wheel)
    assert checked.ok and [v for _, v in checked.results] == ["PASSED", "PASSED"]
    wheel = build.open_distribution(out.wheel)
    assert "my_app/__main__.py" in wheel.files and wheel.version == "1.0.0"
    assert "Requires-Dist: fastapi<1,>=0.111" in repr(wheel)
    sdist = build.open_distribution(out.sdist)
    assert {"PKG-INFO", "pyproject.toml", "my_app/__init__.py"} <= set(sdist.files)


def test_build_fails_when_the_index_lacks_the_backend(release_target, tmp_path):
    project = runbook.sample_project("my_app", into=tmp_path)
    project.write("README.md", "# my_app\n")
    project.write("pyproject.toml", project.read("pyproject.toml").replace(
        "hatchling>=1.25", "hatchling>=99"))  # fmt: skip
    out = build.build(project, release_target.build_index)
    assert not out.ok
    assert "build failed" in repr(out)


def test_twine_check_fails_on_a_broken_readme(release_target, tmp_path):
    project = runbook.sample_project("my_app", into=tmp_path)
    project.write("README.md", "# my_app\n")
    text = project.read("pyproject.toml").replace('readme = "README.md"', 'readme = "README.rst"')
    project.write("pyproject.toml", text)
    project.write("README.rst", "Title\n===\n\n.. bogus-directive::\n")
    out = build.build(project, release_target.build_index, sdist=False)
    assert out.ok, out.output
    checked = build.twine_check(out.wheel)
    assert not checked.ok and "FAILED" in checked.results[0][1]


def test_version_from_tag_and_allow_once_refuses_a_rebuild(release_target, tmp_path):
    project = runbook.sample_project("my_app", into=tmp_path)
    project.write("README.md", "# my_app\n")
    project.write(".gitignore", "dist*/\n")
    versioning.use_hatch_vcs(project.path, tag_prefix="v-")
    repo = versioning.GitRepo(project.path)
    repo.commit("first")
    repo.tag("v-2.0.0")
    first = build.build(project, release_target.build_index, sdist=False)
    assert build.open_distribution(first.wheel).version == "2.0.0"
    user = release_target.user
    assert publish.upload(first.wheel, release_target.upload_url, user.user_id, user.password).ok
    project.write("my_app/more.py", "X = 1\n")
    repo.commit("more")
    repo.tag("self-hosted-17.5.0")  # ignored: not a release tag
    dev = build.build(project, release_target.build_index, out_dir=tmp_path / "d2", sdist=False)
    version = build.open_distribution(dev.wheel).version
    assert version.startswith("2.0.1.dev1+g") and version.endswith(repo.head())
    repo.checkout("v-2.0.0")
    shutil.rmtree(project.path / "dist")
    rebuilt = build.build(project, release_target.build_index, sdist=False)
    refused = publish.upload(rebuilt.wheel, release_target.upload_url, user.user_id, user.password)
    assert not refused.ok and refused.status == 400 and "ALLOW_ONCE" in refused.hint


def test_poetry_publish_with_seed_001_variables(release_target, tmp_path):
    project = runbook.sample_project("my_lib", into=tmp_path)
    user = release_target.user
    done = poetry.poetry_publish(project.path, release_target.upload_url, user.user_id,
                                  user.password)  # fmt: skip
    assert done.ok, done.output
    assert "POETRY_HTTP_BASIC_NEXUS_PASSWORD=…" in repr(done)
    assert CANARY not in repr(done) and CANARY not in done.output
    again = poetry.poetry_publish(project.path, release_target.upload_url, user.user_id,
                                   user.password)  # fmt: skip
    assert not again.ok and "cannot be updated" in again.output


def test_poetry_publish_refused_with_a_wrong_password(release_target, tmp_path):
    project = runbook.sample_project("my_lib", into=tmp_path)
    wrong = Secret("not-the-password-" + CANARY[:6])
    done = poetry.poetry_publish(project.path, release_target.upload_url, "deploy-ci", wrong)
    assert not done.ok
    assert "401" in done.output or "403" in done.output
    assert wrong.reveal() not in done.output
