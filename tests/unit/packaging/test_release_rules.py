"""PKG016-PKG021: a failing and a passing project per rule (release concerns)."""

from __future__ import annotations

import shutil
import tarfile
import zipfile

import pytest

from shipyard import audit
from shipyard.packaging import versioning
from tests.conftest import GOOD_FILES, GOOD_PYPROJECT

POETRY = """\
[tool.poetry]
name = "gitlab-my-lib"
version = "0.1.0"
description = "Parses webhooks"
authors = ["gitlab"]
readme = "README.md"
license = "MIT"
packages = [{ include = "my_lib" }]
homepage = "https://gitlab.com/gitlab/my-lib"
repository = "https://gitlab.com/gitlab/my-lib"

[build-system]
requires = ["poetry-core>=2"]
build-backend = "poetry.core.masonry.api"
"""
POETRY_FILES = {"README.md": "x", "my_lib/__init__.py": ""}


def messages(root, rule_id):
    return [f.message for f in audit.check(root, select=[rule_id])]


@pytest.mark.parametrize(
    ("line", "problem"),
    [('homepage = ""', "empty"),
     ('homepage = "https://gitlab.com/gitlab/<path/to/repository>"', "placeholder"),
     ('homepage = "gitlab.com/gitlab/my-lib"', "not an http(s) URL"),
     ("homepage = '\"https://gitlab.com/gitlab/my-lib'", "stray quote")],
)  # fmt: skip
def test_pkg016(make_project, line, problem):
    text = POETRY.replace('homepage = "https://gitlab.com/gitlab/my-lib"', line)
    (message,) = messages(make_project(text, POETRY_FILES), "PKG016")
    assert problem in message


def test_pkg016_project_urls(make_project):
    text = GOOD_PYPROJECT + '\n[project.urls]\nHomepage = "<url>"\n'
    assert messages(make_project(text), "PKG016") == ["urls.Homepage '<url>': still holds the "
                                                       "placeholder '<url>'"]  # fmt: skip


def test_pkg016_valid_urls(make_project):
    assert messages(make_project(POETRY, POETRY_FILES), "PKG016") == []


def test_pkg017(make_project):
    text = POETRY.replace('"gitlab-my-lib"', '"gitlab-<your package name>"')
    (message,) = messages(make_project(text, POETRY_FILES), "PKG017")
    assert message == "poetry.name still holds the placeholder '<your package name>'"


def test_pkg017_filled_in(make_project):
    assert messages(make_project(POETRY, POETRY_FILES), "PKG017") == []


def test_pkg018_two_versions_differ(make_project):
    text = GOOD_PYPROJECT + '\n[tool.poetry]\nversion = "0.1.0"\n'
    (message,) = messages(make_project(text), "PKG018")
    assert "'1.0.0' and [tool.poetry] version '0.1.0' differ" in message


def test_pkg018_static_version_overrides_hatch_source(make_project):
    text = GOOD_PYPROJECT + '\n[tool.hatch.version]\nsource = "vcs"\n'
    assert "ignored" in messages(make_project(text), "PKG018")[0]


def test_pkg018_poetry2_dynamic_version_needs_tool_poetry(make_project):
    text = GOOD_PYPROJECT.replace('version = "1.0.0"', 'dynamic = ["version"]').replace(
        '["hatchling>=1.25"]', '["poetry-core>=2"]').replace(
        '"hatchling.build"', '"poetry.core.masonry.api"')  # fmt: skip
    assert "poetry-core reads a dynamic version only" in messages(make_project(text), "PKG018")[0]


def test_pkg018_one_source(make_project):
    assert messages(make_project(), "PKG018") == []
    assert messages(make_project(POETRY, POETRY_FILES), "PKG018") == []


def _vcs_project(make_project, table):
    text = GOOD_PYPROJECT.replace('version = "1.0.0"', 'dynamic = ["version"]').replace(
        '"hatchling>=1.25"', '"hatchling>=1.25", "hatch-vcs"') + "\n" + table  # fmt: skip
    files = dict(GOOD_FILES, **{"my_app/__init__.py": ""})
    root = make_project(text, files)
    repo = versioning.GitRepo(root)
    repo.commit("first")
    repo.tag("v-1.0.0")
    repo.commit("second")
    repo.tag("self-hosted-17.5.0")
    return root


@pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")
def test_pkg019_service_tag_would_become_the_version(make_project):
    root = _vcs_project(make_project, '[tool.hatch.version]\nsource = "vcs"\n')
    (message,) = messages(root, "PKG019")
    assert "'self-hosted-17.5.0', which is not a release tag" in message


@pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")
def test_pkg019_release_tags_only(make_project):
    root = _vcs_project(make_project, versioning.hatch_vcs_table("v-"))
    assert messages(root, "PKG019") == []


def test_pkg019_without_a_checkout_asks_for_match(make_project):
    text = GOOD_PYPROJECT.replace('version = "1.0.0"', 'dynamic = ["version"]').replace(
        '"hatchling>=1.25"', '"hatchling>=1.25", "hatch-vcs"')  # fmt: skip
    text += '\n[tool.hatch.version]\nsource = "vcs"\n'
    assert "no --match for release tags" in messages(make_project(text), "PKG019")[0]


def test_pkg020(make_project):
    files = dict(GOOD_FILES, **{"my_app/__init__.py": '"""App."""\n\n__version__ = "0.9.0"\n'})
    (finding,) = audit.check(make_project(files=files), select=["PKG020"])
    assert finding.path == "my_app/__init__.py" and finding.line == 3
    assert "__version__ = '0.9.0', the metadata says '1.0.0'" in finding.message


def test_pkg020_literal_with_vcs(make_project):
    text = GOOD_PYPROJECT.replace('version = "1.0.0"', 'dynamic = ["version"]').replace(
        '"hatchling>=1.25"', '"hatchling>=1.25", "hatch-vcs"')  # fmt: skip
    text += '\n[tool.hatch.version]\nsource = "vcs"\n'
    assert "comes from git tags" in messages(make_project(text), "PKG020")[0]


def test_pkg020_agrees(make_project):
    assert messages(make_project(), "PKG020") == []


def test_pkg021_sdist_selection_leaves_out_the_package(make_project):
    text = GOOD_PYPROJECT + '\n[tool.hatch.build.targets.sdist]\nonly-include = ["README.md"]\n'
    assert "leaves out the package my_app/" in messages(make_project(text), "PKG021")[0]


def test_pkg021_built_sdist_lacks_a_wheel_file(make_project):
    root = make_project()
    (root / "dist").mkdir()
    with zipfile.ZipFile(root / "dist" / "my_app-1.0.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("my_app/__init__.py", "")
        wheel.writestr("my_app/__main__.py", "")
        wheel.writestr("my_app-1.0.0.dist-info/METADATA", "Name: my_app\n")
    with tarfile.open(root / "dist" / "my_app-1.0.0.tar.gz", "w:gz") as sdist:
        sdist.add(root / "my_app" / "__init__.py", "my_app-1.0.0/my_app/__init__.py")
    (message,) = messages(root, "PKG021")
    assert "lacks files dist/my_app-1.0.0-py3-none-any.whl ships: my_app/__main__.py" in message


def test_pkg021_complete_sdist(make_project):
    root = make_project()
    (root / "dist").mkdir()
    with zipfile.ZipFile(root / "dist" / "my_app-1.0.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("my_app/__init__.py", "")
    with tarfile.open(root / "dist" / "my_app-1.0.0.tar.gz", "w:gz") as sdist:
        sdist.add(root / "my_app" / "__init__.py", "my_app-1.0.0/my_app/__init__.py")
    assert messages(root, "PKG021") == []


def test_pkg017_poetry_author_email_is_not_a_placeholder(make_project):
    text = POETRY.replace('authors = ["gitlab"]', 'authors = ["gitlab <gitlab@example.com>"]')
    assert messages(make_project(text, POETRY_FILES), "PKG017") == []


SETUPTOOLS_DYNAMIC = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "legacy-tool"
dynamic = ["version"]
"""


def test_pkg005_setup_py_supplies_the_dynamic_version(make_project):
    files = {"setup.py": "from setuptools import setup\nsetup(version='1.0')\n"}
    assert messages(make_project(SETUPTOOLS_DYNAMIC, files), "PKG005") == []


def test_pkg005_setuptools_dynamic_version_without_a_source(make_project):
    assert "setuptools needs" in messages(make_project(SETUPTOOLS_DYNAMIC, {}), "PKG005")[0]
