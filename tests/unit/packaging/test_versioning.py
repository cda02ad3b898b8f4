"""Versions: explained, hatch-vcs tables, and git repositories with fixed hashes (no sandbox)."""

from __future__ import annotations

import pytest

from shipyard.errors import ConfigError, InputError
from shipyard.packaging import versioning
from tests.conftest import GOOD_PYPROJECT


def test_explain_development_version():
    shown = repr(versioning.explain_version("1.0.0.dev3+g1a2b3c"))
    assert "3 commit(s) after the last release tag" in shown
    assert "sorts before 1.0.0" in shown
    assert "git commit 1a2b3c" in shown and "public indexes refuse it" in shown


def test_explain_release_mentions_allow_once():
    assert "ALLOW_ONCE" in repr(versioning.explain_version("1.0.0"))


def test_explain_rejects_non_pep440():
    with pytest.raises(ConfigError, match="not a PEP 440 version"):
        versioning.explain_version("self-hosted-17.5")


def test_hatch_vcs_table_matches_only_release_tags():
    text = versioning.hatch_vcs_table("v-")
    assert "tag-pattern = '^v-(?P<version>" in text
    assert '"--match", "v-*"' in text


def test_use_hatch_vcs_rewrites_a_manual_version(tmp_path):
    (tmp_path / "pyproject.toml").write_text(GOOD_PYPROJECT)
    text = versioning.use_hatch_vcs(tmp_path)
    assert 'version = "1.0.0"' not in text
    assert 'dynamic = ["version"]' in text
    assert '"hatchling>=1.25", "hatch-vcs"' in text
    assert text.endswith('source = "vcs"\n')


def test_use_hatch_vcs_refuses_twice(tmp_path):
    (tmp_path / "pyproject.toml").write_text(GOOD_PYPROJECT)
    versioning.use_hatch_vcs(tmp_path)
    with pytest.raises(InputError, match="no hatchling project with a manual"):
        versioning.use_hatch_vcs(tmp_path)


def test_git_hashes_are_the_same_on_every_run(tmp_path):
    heads = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "f.txt").write_text("same\n")
        repo = versioning.GitRepo(tmp_path / name)
        heads.append(repo.commit("first"))
        repo.tag("v-1.0.0")
        assert repo.describe().startswith("v-1.0.0-0-g")
    assert heads[0] == heads[1]
