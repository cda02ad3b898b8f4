"""The deploy password is kept between runs: read back, generated once, rotated only when asked."""

from __future__ import annotations

import pytest

from shipyard import nexus
from shipyard.config import load_settings
from shipyard.errors import InputError
from shipyard.nexus.password import deploy_password


def _settings(tmp_path, **environ):
    return load_settings(tmp_path, environ=environ)


def test_environment_first(tmp_path):
    kept = deploy_password(_settings(tmp_path, SHIPYARD_DEPLOY_PASSWORD="from-the-env-123"))
    assert kept.password.reveal() == "from-the-env-123"
    assert kept.source == "from SHIPYARD_DEPLOY_PASSWORD"


def test_generated_once_into_the_file_then_kept(tmp_path):
    file = tmp_path / "keep" / "deploy-ci.password"
    settings = _settings(tmp_path, SHIPYARD_DEPLOY_PASSWORD_FILE=str(file))
    first = deploy_password(settings)
    assert first.source == f"generated, saved to {file}"
    assert oct(file.stat().st_mode & 0o777) == "0o600"
    second = deploy_password(settings)
    assert second.password == first.password and second.source == f"kept in {file}"
    assert first.password.reveal() not in repr(second) + second.source


def test_rotate_only_when_asked(tmp_path):
    file = tmp_path / "deploy-ci.password"
    settings = _settings(tmp_path, SHIPYARD_DEPLOY_PASSWORD_FILE=str(file))
    first = deploy_password(settings)
    rotated = deploy_password(settings, rotate=True)
    assert rotated.password != first.password and rotated.source.startswith("rotated")
    assert deploy_password(settings).password == rotated.password


def test_empty_password_file_is_a_clear_error(tmp_path):
    file = tmp_path / "deploy-ci.password"
    file.write_text("\n")
    with pytest.raises(InputError, match="deploy password file is empty") as caught:
        deploy_password(_settings(tmp_path, SHIPYARD_DEPLOY_PASSWORD_FILE=str(file)))
    assert caught.value.path == file


def test_desired_state_notes_where_the_password_came_from(tmp_path, monkeypatch):
    file = tmp_path / "deploy-ci.password"
    file.write_text("kept-in-a-file-123\n")
    monkeypatch.setenv("SHIPYARD_DEPLOY_PASSWORD_FILE", str(file))
    monkeypatch.delenv("SHIPYARD_DEPLOY_PASSWORD", raising=False)
    desired = nexus.desired_state()
    assert desired.user.password.reveal() == "kept-in-a-file-123"
    assert desired.user.password_source == f"kept in {file}"


def test_the_settings_are_documented():
    from shipyard.config import describe_settings

    rows = {row["env"]: row for row in describe_settings()}
    assert "NEXUS_PYPI_PASSWORD" in rows["SHIPYARD_DEPLOY_PASSWORD"]["help"]
    assert rows["SHIPYARD_DEPLOY_PASSWORD"]["default"] == "(environment only)"
    assert "deploy-ci.password" in rows["SHIPYARD_DEPLOY_PASSWORD_FILE"]["help"]
