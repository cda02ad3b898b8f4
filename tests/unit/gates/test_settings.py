import pytest

from shipyard.config import load_settings
from shipyard.errors import ConfigError
from shipyard.gates._settings import GateSettings, describe_gate_settings, load_gate_settings


def write(tmp_path, table):
    (tmp_path / "pyproject.toml").write_text(f"[tool.shipyard.gates]\n{table}\n")
    return tmp_path


def test_defaults_are_the_seeds():
    s = GateSettings()
    assert s.ruff_select == ["D", "I", "F"] and s.docstring_convention == "google"
    assert (s.maintainability_rank, s.complexity_rank, s.coverage_min) == ("A", "B", 75.0)
    assert not any("GPL" in license_id for license_id in s.licenses_allow)


def test_file_and_environment(tmp_path):
    write(tmp_path, 'complexity-rank = "C"\ncoverage-min = 80\nlicenses-ignore = ["docutils"]')
    s = load_gate_settings(tmp_path, environ={"SHIPYARD_GATES_COVERAGE_MIN": "90.5"})
    assert s.complexity_rank == "C" and s.coverage_min == 90.5 and s.licenses_ignore == ["docutils"]


def test_gates_table_is_not_an_unknown_shipyard_key(tmp_path):
    write(tmp_path, 'complexity-rank = "C"')
    assert load_settings(tmp_path, environ={}).fail_on == "warning"


def test_unknown_key_names_it_and_suggests(tmp_path):
    write(tmp_path, 'complexity-rnak = "C"')
    with pytest.raises(ConfigError, match=r"unknown key 'complexity-rnak' \(did you mean"):
        load_gate_settings(tmp_path, environ={})


def test_bad_choice_lists_allowed_values(tmp_path):
    write(tmp_path, 'maintainability-rank = "D"')
    with pytest.raises(ConfigError, match=r"maintainability-rank = 'D' is not one of 'A', 'B'"):
        load_gate_settings(tmp_path, environ={})


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ('coverage-min = "lots"', "'coverage-min' must be a float"),
        ("coverage-min = 120", "not a percentage"),
        ("paths = [1]", "must be a list of strings"),
        ('licenses-allow = ["mit"]', "not a canonical SPDX id"),
        ('bandit-severity = "hgh"', "did you mean 'high'"),
    ],
)
def test_bad_values(tmp_path, table, match):
    write(tmp_path, table)
    with pytest.raises(ConfigError, match=match):
        load_gate_settings(tmp_path, environ={})


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="SHIPYARD_GATES_COMPLEXITY_RANK"):
        load_gate_settings("/nonexistent", environ={"SHIPYARD_GATES_COMPLEXITY_RANK": "Z"})


def test_every_setting_is_documented():
    rows = describe_gate_settings()
    assert len(rows) == len(GateSettings.__dataclass_fields__)
    assert all(row["help"].endswith(".") for row in rows)
