"""One regression test per crash class of issue 14: hostile files end in an InputError, fast.

Each input here crashed Shipyard with an exception that was not its own, hung it, or made it
print a message of megabytes, before the bounded reading layer (``shipyard._reading``). The time
bounds are loose on purpose (a loaded CI machine); the fuzzing harness (``python -m tests.fuzz``)
holds every input to 2 s.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from shipyard import _reading, audit, environments, images
from shipyard.cli import BUG_STATUS, main
from shipyard.config import load_settings
from shipyard.errors import ConfigError, InputError, ShipyardError
from shipyard.images import dockerfile as _dockerfile
from shipyard.images import linter as _hadolint

ENV = "environment.yml"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def input_error(call, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    assert len(str(info.value)) < 1500
    return info.value


# -- RecursionError from tomllib and ruamel.yaml on deep nesting ----------------------------------


def test_deep_toml_array_is_an_input_error(tmp_path):
    path = write(tmp_path, "pyproject.toml", "name = " + "[" * 2000 + "]" * 2000 + "\n")
    error = input_error(audit.check, path)
    assert "nested more than" in error.message and error.line == 1


def test_deep_toml_inline_table_is_an_input_error(tmp_path):
    path = write(tmp_path, "pyproject.toml", "x = " + "{a=" * 1000 + "1" + "}" * 1000 + "\n")
    assert "nested" in input_error(audit.check, path).message


@pytest.mark.parametrize("body", ["script: " + "{a: " * 1000 + "1" + "}" * 1000,
                                  "dependencies:\n" + "- " * 1000 + "x"])  # fmt: skip
def test_deep_yaml_is_an_input_error(tmp_path, body):
    path = write(tmp_path, ENV, body + "\n")
    error = input_error(environments.check_environment, path)
    assert "nested more than" in error.message and error.line is not None


def test_deep_gitlab_ci_is_an_input_error(tmp_path):
    path = write(tmp_path, ".gitlab-ci.yml", "job:\n  script: " + "[" * 1000 + "]" * 1000 + "\n")
    assert "nested" in input_error(audit.check, path).message


def test_flow_nesting_after_an_anchor_is_refused_before_scanning(tmp_path):
    # ruamel.yaml's scanner is quadratic in flow depth: 30,000 levels took minutes.
    path = write(tmp_path, ".gitlab-ci.yml", ".python: &python" + "{" * 30_000 + "\n")
    start = time.process_time()
    assert "nested" in input_error(audit.check, path).message
    assert time.process_time() - start < 2


def test_nesting_within_the_limit_still_reads(tmp_path):
    path = write(tmp_path, "pyproject.toml", "[tool.x]\na = " + "[" * 30 + "]" * 30 + "\n")
    value = _reading.load_toml(path.read_text(), path)["tool"]["x"]["a"]
    for _ in range(29):
        value = value[0]
    assert value == []


# -- integers past Python's 4,300-digit conversion limit ------------------------------------------


@pytest.mark.parametrize("number", ["9" * 5000, "0x" + "f" * 5000])
def test_huge_toml_integer_is_an_input_error(tmp_path, number):
    path = write(tmp_path, "pyproject.toml", f'[project]\nname = "x"\nsize = {number}\n')
    error = input_error(audit.check, path)
    assert "more than 100 digits" in error.message and error.line == 3


@pytest.mark.parametrize("number", ["9" * 5000, "0x" + "f" * 5000])
def test_huge_yaml_integer_is_an_input_error(tmp_path, number):
    path = write(tmp_path, ENV, f"dependencies:\n  - {number}\n")
    error = input_error(environments.check_environment, path)
    assert "more than 100 digits" in error.message and error.line == 2


def test_copy_from_a_huge_stage_number_does_not_crash(tmp_path):
    path = write(tmp_path, "Dockerfile", "FROM python:3.12 AS a\nCOPY --from=" + "9" * 5000 +
                 " /a /b\nUSER 1000\n")  # fmt: skip
    findings = images.check(tmp_path, files=[path], select=["IMG"])
    assert all(f.line >= 1 for f in findings)


def test_decimal_never_raises():
    assert _reading.decimal("12") == 12
    assert _reading.decimal("²") is None  # '²'.isdigit() is true
    assert _reading.decimal("9" * 5000) is None
    assert _reading.decimal("") is None


# -- ruamel.yaml internals on legal-looking YAML --------------------------------------------------


@pytest.mark.parametrize("text", [
    "%YAML 2.0\n---\ndependencies: [python]\n",
    'dependencies: [!!float "x"]\n',
    "dependencies:\n  - !!int\n",
    "--- !!set a\n",
    "dependencies: [!!binary '%%%']\n",
    "dependencies: &r [*r]\n",
])  # fmt: skip
def test_yaml_parser_failures_are_input_errors(tmp_path, text):
    path = write(tmp_path, ENV, text)
    error = input_error(environments.check_environment, path)
    assert error.rule_id == "ENV001" and error.path == path


# -- Shipyard's own code on odd values ------------------------------------------------------------


def test_a_toml_date_as_project_name_is_a_finding(tmp_path):
    path = write(tmp_path, "pyproject.toml", '[project]\nname = 1979-05-27\nversion = "1"\n')
    findings = audit.check(path, select=["PKG"])
    assert any("date" in f.message and f.line == 2 for f in findings)


def test_select_of_numbers_is_a_config_error(tmp_path):
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n[tool.shipyard]\nselect = [1, 2]\n')
    with pytest.raises(ConfigError, match="every item of 'select' must be a string"):
        load_settings(tmp_path)


def test_target_of_a_unicode_digit_names_no_stage(tmp_path):
    path = write(tmp_path, "Dockerfile", "FROM python:3.12 AS a\nRUN echo\n")
    with pytest.raises(InputError, match="no stage named"):
        images.check(tmp_path, files=[path], targets=["²"], select=["IMG"])


# -- hangs: alias bombs, backtracking, quadratic lookups, hadolint ---------------------------------


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    path = write(tmp_path, ENV, "\n".join([*lines, "dependencies: *a9", ""]))
    start = time.perf_counter()
    error = input_error(environments.check_environment, path)
    assert "aliases expand to more than" in error.message
    assert time.perf_counter() - start < 5


def test_pip_conf_line_of_spaces_is_linear(tmp_path):
    path = write(tmp_path, "pip.conf", "[global]\na" + " " * 30_000 + "b\n")
    start = time.perf_counter()
    error = input_error(audit.check, path)
    assert error.line == 2 and time.perf_counter() - start < 5


def test_long_token_in_environment_yml_is_linear(tmp_path):
    path = write(tmp_path, ENV, "dependencies:\n  - " + "a" * 100_000 + "\n")
    start = time.perf_counter()
    environments.check_environment(path)
    assert time.perf_counter() - start < 5


def test_ten_thousand_stages_parse_in_linear_time():
    text = "".join(f"FROM python:3.12 AS s{i}\nRUN echo {i}\n" for i in range(10_000))
    start = time.perf_counter()
    dockerfile = _dockerfile.parse(text)
    assert dockerfile.stage_named("s9999").index == 9999
    assert time.perf_counter() - start < 15  # 25 s before, on an idle machine


def test_heredoc_with_an_unterminated_quote_is_linear(tmp_path):
    body = "echo 'unterminated\n" + "apt-get install -y foo\n" * 500
    path = write(tmp_path, "Dockerfile", f"FROM python:3.12\nRUN <<EOF\n{body}EOF\n")
    start = time.perf_counter()
    images.check(tmp_path, files=[path], select=["IMG"])
    assert time.perf_counter() - start < 10  # 22 s before


def test_hadolint_is_not_run_on_many_runs_with_many_variables(tmp_path):
    text = ("FROM python:3.12\n" + "".join(f"ARG A{i}=x\n" for i in range(2000)) +
            "RUN echo hi\n" * 100)  # fmt: skip
    path = write(tmp_path, "Dockerfile", text)
    start = time.perf_counter()
    findings = images.check(tmp_path, files=[path])
    not_run = [f for f in findings if f.rule_id == _hadolint.NOT_RUN]
    assert not_run and not_run[0].message.startswith("not run: ")
    assert time.perf_counter() - start < 10


def test_hadolint_is_not_run_on_deeply_nested_commands(tmp_path):
    path = write(tmp_path, "Dockerfile", "FROM python:3.12\nRUN " + "$(" * 300 + "echo" +
                 ")" * 300 + "\n")  # fmt: skip
    findings = images.check(tmp_path, files=[path])
    assert any(f.rule_id == _hadolint.NOT_RUN and "nests" in f.message for f in findings)


def test_hadolint_past_its_time_is_not_run(tmp_path, monkeypatch):
    monkeypatch.setattr(_hadolint, "TIMEOUT", 0.001)
    path = write(tmp_path, "Dockerfile", "FROM python:3.12\nRUN echo hi\n")
    findings = images.check(tmp_path, files=[path])
    assert any(f.rule_id == _hadolint.NOT_RUN and "took more than" in f.message
               for f in findings)  # fmt: skip


# -- bounded messages and sizes -------------------------------------------------------------------


def test_error_messages_are_bounded():
    error = InputError("x" * 40_000_000, path="f", hint="y" * 5000)
    assert len(error.message) < 1100 and len(error.hint) < 1100
    assert "more characters" in error.message


def test_a_file_over_its_size_limit_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.delenv("SHIPYARD_MAX_FILE_SIZE", raising=False)
    path = write(tmp_path, ENV, "dependencies:\n" + "  - numpy\n" * 30_000)
    error = input_error(environments.check_environment, path)
    assert "larger than 256 KiB" in error.message and "max-file-size" in error.hint


def test_the_size_limit_is_configurable(tmp_path, monkeypatch):
    path = write(tmp_path, ENV, "dependencies:\n" + "  - numpy\n" * 30_000)
    monkeypatch.setenv("SHIPYARD_MAX_FILE_SIZE", "environment=512")
    assert _reading.size_limit("environment") == 512 * 1024
    monkeypatch.delenv("SHIPYARD_MAX_FILE_SIZE")
    write(tmp_path, "pyproject.toml", "[tool.shipyard]\nmax-file-size = {environment = 512}\n")
    findings = audit.check(path, settings=load_settings(tmp_path))
    assert any(f.rule_id == "ENV010" for f in findings)  # read, not refused


def test_a_bad_size_limit_is_a_config_error(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.shipyard]\nmax-file-size = {dockerfle = 10}\n")
    with pytest.raises(ConfigError, match="did you mean 'dockerfile'"):
        load_settings(tmp_path)


# -- every module-level regular expression runs in linear time ------------------------------------

_HOSTILE = [u * (6000 // len(u)) + tail
            for u in (" ", "a", "0", ":", "/", "\\", '"', "-", "=", "$", "{", "@", "a:", "a.",
                      "0.", "${", '\\"', "[a", "a,", "//", "<a", "glpat-", "-----BEGIN ")
            for tail in ("", "!")]  # fmt: skip
_HOSTILE += ["1.1." + "1" * 6000 + "!", "http://" + "a" * 6000]


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    import importlib
    import pkgutil

    import shipyard

    found = []
    for info in pkgutil.walk_packages(shipyard.__path__, "shipyard."):
        if ".sandbox" in info.name:
            continue
        module = importlib.import_module(info.name)
        found += [(f"{info.name}.{k}", v) for k, v in vars(module).items()
                  if isinstance(v, re.Pattern)]  # fmt: skip
    return found


@pytest.mark.parametrize(("name", "pattern"), _patterns(), ids=lambda v: v if isinstance(v, str)
                         else "")  # fmt: skip
def test_regular_expressions_do_not_backtrack(name, pattern):
    # CPU time, not wall time: the bound catches catastrophic backtracking (seconds to hours),
    # and must not fail because other work shares the machine (the worst pattern here, a
    # quoted string that never closes, takes 0.2 s of CPU over all the texts).
    start = time.process_time()
    for text in _HOSTILE:
        pattern.search(text)
        pattern.match(text)
    assert time.process_time() - start < 1.0, name


# -- the CLI tells a crash from findings ----------------------------------------------------------


def _crash(*args, **kwargs):
    msg = "boom"
    raise RuntimeError(msg)


def test_a_bug_exits_3_with_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(audit, "check", _crash)
    assert main(["check", str(tmp_path)]) == BUG_STATUS == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bug in Shipyard" in err and "RuntimeError: boom" in err
    assert "Traceback" not in err and "--debug" in err


def test_a_bug_with_debug_prints_the_traceback(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(audit, "check", _crash)
    assert main(["--debug", "check", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "bug in Shipyard" in err


def test_shipyard_errors_still_exit_2(capsys, tmp_path):
    write(tmp_path, "pyproject.toml", "name = " + "[" * 2000)
    assert main(["check", str(tmp_path / "pyproject.toml")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_shipyard_error_base_is_not_a_bug():
    assert not issubclass(ShipyardError, RuntimeError)
