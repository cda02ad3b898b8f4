from __future__ import annotations

import pickle

import pytest

from shipyard.config import Secret, describe_settings, load_settings
from shipyard.errors import ConfigError, InputError


def write(tmp_path, text):
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_defaults_without_pyproject(tmp_path):
    settings = load_settings(tmp_path, environ={})
    assert settings.resolved_target == "sandbox"
    assert settings.fail_on == "warning"
    assert settings.nexus_repository == "pypi-internal"


def test_file_then_environment(tmp_path):
    root = write(tmp_path, '[tool.shipyard]\nfail-on = "error"\nignore = ["PKG006"]\n')
    settings = load_settings(root, environ={"SHIPYARD_FAIL_ON": "info"})
    assert settings.fail_on == "info"
    assert settings.ignore == ["PKG006"]


def test_environment_lists_and_severity(tmp_path):
    env = {"SHIPYARD_SELECT": "PKG, IMG001", "SHIPYARD_SEVERITY": "PKG006=info,PKG015=error"}
    settings = load_settings(tmp_path, environ=env)
    assert settings.select == ["PKG", "IMG001"]
    assert settings.severity == {"PKG006": "info", "PKG015": "error"}


def test_real_target_inferred_from_url(tmp_path):
    settings = load_settings(tmp_path, environ={"SHIPYARD_NEXUS_URL": "https://nexus.corp.local"})
    assert settings.resolved_target == "real"
    forced = load_settings(
        tmp_path, environ={"SHIPYARD_NEXUS_URL": "https://n", "SHIPYARD_TARGET": "sandbox"}
    )
    assert forced.resolved_target == "sandbox"


def test_unknown_key_suggests(tmp_path):
    root = write(tmp_path, '[tool.shipyard]\nfail_onn = "error"\n')
    with pytest.raises(ConfigError, match="unknown key 'fail_onn' \\(did you mean 'fail-on'\\?\\)"):
        load_settings(root, environ={})


def test_bad_choice_names_allowed_values(tmp_path):
    root = write(tmp_path, '[tool.shipyard]\nfail-on = "warn"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(root, environ={})
    assert "'info', 'warning', 'error'" in str(info.value)
    assert "did you mean 'warning'?" in str(info.value)


def test_wrong_type(tmp_path):
    root = write(tmp_path, "[tool.shipyard]\nignore = 3\n")
    with pytest.raises(ConfigError, match="'ignore' must be a list, not int 3"):
        load_settings(root, environ={})


def test_bad_severity_override(tmp_path):
    root = write(tmp_path, '[tool.shipyard]\nseverity = {PKG006 = "fatal"}\n')
    with pytest.raises(ConfigError, match="severity of PKG006"):
        load_settings(root, environ={})


def test_secret_in_file_is_refused(tmp_path):
    root = write(tmp_path, '[tool.shipyard]\nnexus-password = "hunter2-canary"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(root, environ={})
    assert "SHIPYARD_NEXUS_PASSWORD" in info.value.hint
    assert "hunter2-canary" not in str(info.value) + info.value.hint


def test_secret_from_environment_is_masked(tmp_path):
    settings = load_settings(tmp_path, environ={"SHIPYARD_NEXUS_PASSWORD": "canary-Pw-1234"})
    assert settings.nexus_password.reveal() == "canary-Pw-1234"
    for shown in (str(settings), repr(settings), str(settings.nexus_password), f"{settings!r}"):
        assert "canary-Pw-1234" not in shown


def test_secret_cannot_be_pickled():
    with pytest.raises(TypeError):
        pickle.dumps(Secret("canary"))


def test_invalid_toml_is_an_input_error(tmp_path):
    root = write(tmp_path, "[tool.shipyard\n")
    with pytest.raises(InputError) as info:
        load_settings(root, environ={})
    assert info.value.line == 1


def test_describe_settings_has_help_for_every_setting():
    rows = describe_settings()
    assert {row["env"] for row in rows} >= {"SHIPYARD_TARGET", "SHIPYARD_NEXUS_PASSWORD"}
    assert all(row["help"] for row in rows)
    secret = next(row for row in rows if row["env"] == "SHIPYARD_GITLAB_TOKEN")
    assert secret["key"] == ""
