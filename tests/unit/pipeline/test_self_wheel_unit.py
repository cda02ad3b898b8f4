"""Without a source tree, no wheel of Shipyard: the jobs installing it are not run, and why."""

from __future__ import annotations

from shipyard import __version__
from shipyard.config import Secret
from shipyard.pipeline import _prepare, _self_wheel


def test_no_source_tree_means_a_reason_and_no_upload(monkeypatch):
    monkeypatch.setattr(_self_wheel, "source_tree", lambda: None)
    plans: list = []
    why = _prepare._publish_shipyard("http://nexus.invalid/repository/x/", "u", Secret("p"), plans)
    assert plans == []  # nothing planned, nothing sent
    assert f"shipyard[gates]=={__version__}" in why and "pip install -e" in why


def test_a_tree_is_a_checkout_of_shipyard(tmp_path):
    assert not _self_wheel._is_tree(tmp_path)
    (tmp_path / "src" / "shipyard").mkdir(parents=True)
    (tmp_path / "src" / "shipyard" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n', encoding="utf-8")
    assert not _self_wheel._is_tree(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shipyard"\n', encoding="utf-8")
    assert _self_wheel._is_tree(tmp_path)


def test_the_digest_follows_the_content(tmp_path):
    (tmp_path / "src" / "shipyard").mkdir(parents=True)
    module = tmp_path / "src" / "shipyard" / "__init__.py"
    module.write_text("a = 1\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shipyard"\n', encoding="utf-8")
    first = _self_wheel._content_digest(tmp_path)
    (tmp_path / "src" / "shipyard" / "__pycache__").mkdir()
    (tmp_path / "src" / "shipyard" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert _self_wheel._content_digest(tmp_path) == first  # caches are not content
    module.write_text("a = 2\n", encoding="utf-8")
    assert _self_wheel._content_digest(tmp_path) != first
