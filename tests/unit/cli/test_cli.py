"""The command line, in-process: ``shipyard.cli.main(argv)`` returns the exit status.

``tests/functional/cli`` runs the installed ``shipyard`` script as a subprocess, once per kind of
exit; everything else calls :func:`main` here, as pypa/build's ``tests/test_main.py`` does.
"""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import shipyard
from shipyard.cli import main
from tests.conftest import GOOD_FILES


@dataclass(frozen=True)
class Result:
    """What a command printed, and its exit status."""

    returncode: int
    stdout: str
    stderr: str


def run(*args, cwd=None):
    """Run ``shipyard ARGS`` in-process, in ``cwd``, without the caller's SHIPYARD_* settings."""
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    try:
        for key in [k for k in os.environ if k.startswith("SHIPYARD_")]:
            del os.environ[key]
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return Result(code, out.getvalue(), err.getvalue())


def assert_clean_error(result, *fragments):
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ")
    for fragment in fragments:
        assert fragment in first


def test_version():
    result = run("--version")
    assert result.returncode == 0 and shipyard.__version__ in result.stdout


def test_check_clean_project(make_project):
    result = run("check", str(make_project()))
    assert result.returncode == 0 and "no findings" in result.stdout


def test_check_finding_exits_1_and_json(make_project):
    root = make_project(files={k: v for k, v in GOOD_FILES.items() if k != "README.md"})
    result = run("check", "--format", "json", cwd=root)
    assert result.returncode == 1
    (item,) = json.loads(result.stdout)
    assert list(item) == ["rule_id", "severity", "path", "line", "message", "doc_url"]
    assert item["rule_id"] == "PKG008" and item["path"] == "pyproject.toml"


def test_codequality(make_project):
    root = make_project(files={k: v for k, v in GOOD_FILES.items() if k != "README.md"})
    result = run("check", str(root / "pyproject.toml"), "--format", "codequality")
    (issue,) = json.loads(result.stdout)
    assert issue["check_name"] == "PKG008" and issue["location"] == {
        "path": "pyproject.toml",
        "lines": {"begin": 9},
    }


def test_fail_on_threshold(make_project):
    text = (
        (make_project() / "pyproject.toml").read_text().replace('requires-python = ">=3.10"\n', "")
    )
    root = make_project(text)
    assert run("check", str(root)).returncode == 1
    assert run("check", str(root), "--fail-on", "error").returncode == 0
    assert run("check", str(root), "--ignore", "PKG006").returncode == 0


def test_missing_path(tmp_path):
    assert_clean_error(run("check", str(tmp_path / "nope")), "nope", "no such file or directory")


def test_directory_without_pyproject(tmp_path):
    assert_clean_error(run("check", str(tmp_path)), "nothing Shipyard checks here")


def test_invalid_toml(make_project):
    root = make_project('[project]\nname = "x\n')
    assert_clean_error(run("check", str(root)), "pyproject.toml:2:", "invalid TOML", "[PKG001]")


def test_unknown_rule_id(make_project):
    result = run("check", str(make_project()), "--select", "PKG999")
    assert_clean_error(result, "unknown rule id or prefix 'PKG999'")


def test_unreadable_input_binary(make_project):
    root = make_project()
    (root / "pyproject.toml").write_bytes(b"\xff\xfe\x00binary")
    assert_clean_error(run("check", str(root)), "not UTF-8")


def test_unreadable_input_is_a_directory(tmp_path):
    (tmp_path / "pyproject.toml").mkdir()
    assert_clean_error(run("check", str(tmp_path)), "pyproject.toml")


def test_unreadable_input_symlink_loop(tmp_path):
    # A path no one can read, root included (CI runs as root, which ignores file modes).
    (tmp_path / "pyproject.toml").symlink_to(tmp_path / "pyproject.toml")
    assert_clean_error(run("check", str(tmp_path)), "cannot read")


def test_unknown_file_kind(tmp_path):
    (tmp_path / "setup.cfg").write_text("[metadata]\n")
    assert_clean_error(run("check", str(tmp_path / "setup.cfg")), "not a file Shipyard checks")


def test_bad_config_is_a_clean_error(make_project):
    root = make_project()
    with (root / "pyproject.toml").open("a") as f:
        f.write('\n[tool.shipyard]\nfail-on = "never"\n')
    assert_clean_error(run("check", str(root)), "fail-on = 'never'")


def test_usage_error_exit_2():
    result = run("check", "--format", "xml")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_rules_lists_every_rule():
    result = run("rules", "--format", "json")
    assert {r["id"] for r in json.loads(result.stdout)} >= {"PKG001", "PKG015"}


def test_directory_with_only_an_environment_file(tmp_path):
    (tmp_path / "environment.yml").write_text(
        "name: prod\nchannels: [conda-forge]\ndependencies:\n  - python\n"
    )
    result = run("check", str(tmp_path), "--format", "json")
    assert result.returncode == 1
    assert {f["rule_id"] for f in json.loads(result.stdout)} >= {"ENV003"}


def test_sigterm_runs_the_cleanups_on_the_way_out(tmp_path):
    # A cancelled CI job gets SIGTERM: the command's finally blocks (stopping the sandbox's
    # servers, removing the pipeline's copy) must still run, as after Ctrl-C.
    import subprocess
    import sys
    import textwrap

    marker = tmp_path / "cleaned"
    code = textwrap.dedent("""\
        import sys, time
        from shipyard.cli import terminate_as_interrupt
        with terminate_as_interrupt():
            try:
                print("ready", flush=True)
                time.sleep(60)
            finally:
                open(sys.argv[1], "w").write("cleaned")
    """)
    child = subprocess.Popen([sys.executable, "-c", code, str(marker)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout.readline() == "ready\n"
        child.terminate()
        child.wait(timeout=30)
    finally:
        child.kill()
    assert marker.read_text() == "cleaned"
