"""The pieces of ``shipyard pipeline run`` that need no server: parsing, results, the copy."""

from __future__ import annotations

import json
import subprocess

import pytest

from shipyard.errors import InputError
from shipyard.pipeline import run
from shipyard.pipeline.run import JobResult, PipelineResult

# gitlab-ci-local 4.75.1's output for a pipeline whose second job fails (stdout and stderr).
OUTPUT = """\
build_wheel starting shell (build)
build_wheel $ python -m build --wheel
build_wheel finished in 1.5 s
test starting shell (test)
test $ pytest -q
test > 1 failed
 PASS  build_wheel
 FAIL  test
  > 1 failed
parsing and downloads finished in 264 ms.
test finished in 1 min 2 s  FAIL 1
pipeline finished in 1 min 4 s
"""


def test_outcomes_read_the_verdicts_and_times():
    found = run._outcomes(OUTPUT, ["build_wheel", "test", "publish_wheel"])
    assert found == {"build_wheel": ("PASS", 1.5), "test": ("FAIL", 62.0)}


def test_outcomes_tell_jobs_whose_names_share_a_prefix_apart():
    output = "test finished in 10 ms\ntest_e2e finished in 2 s\n PASS  test\n PASS  test_e2e\n"
    assert run._outcomes(output, ["test", "test_e2e"]) == {
        "test": ("PASS", 0.01), "test_e2e": ("PASS", 2.0)
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "seconds"), [("93 ms", 0.093), ("1.74 s", 1.74), ("1 min 2 s", 62.0), ("", None)]
)
def test_duration(text, seconds):
    assert run._duration(text) == seconds


def _result(*statuses: tuple[str, str, bool]) -> PipelineResult:
    jobs = tuple(JobResult(n, "test", s, 1.0 if s != "skipped" else None, allowed, "log")
                 for n, s, allowed in statuses)  # fmt: skip
    return PipelineResult(jobs, 3.0)


def test_status_is_success_only_when_every_job_that_should_run_passed():
    assert _result(("a", "success", False), ("b", "manual", False)).status == "success"
    assert _result(("a", "success", False), ("b", "failed", True)).status == "success"
    assert _result(("a", "success", False), ("b", "skipped", False)).status == "failed"
    assert _result(("a", "failed", False)).status == "failed"
    assert _result().status == "failed"  # nothing ran: never a success on nothing


def test_json_shape():
    document = json.loads(_result(("a", "success", False), ("b", "skipped", False)).to_json())
    assert document == {"status": "failed", "jobs": [
        {"name": "a", "stage": "test", "status": "success", "seconds": 1.0},
        {"name": "b", "stage": "test", "status": "skipped", "seconds": None},
    ]}  # fmt: skip


def test_with_needs_follows_needs_transitively():
    listed = {"a": {}, "b": {"needs": [{"job": "a"}]}, "c": {"needs": ["b"]}, "d": {}}
    assert run._with_needs("c", listed) == {"a", "b", "c"}


def test_a_matrix_job_is_named_by_its_base_name_in_needs_and_job():
    listed = {"build": {}, "t: [1]": {"needs": ["build"]}, "t: [2]": {"needs": ["build"]},
              "publish": {"needs": [{"job": "t"}]}}  # fmt: skip
    assert run._with_needs("publish", listed) == set(listed)
    assert run._with_needs("t", listed) == {"build", "t: [1]", "t: [2]"}


def test_complaint_drops_stack_frames_and_git_remote_noise():
    output = (
        "Unable to retrieve default remote branch\nfatal: ref is not a symbolic ref\n"
        "Error: build script contains non string value\n    at I.forEachRealJob (x.js:1)\n"
    )
    assert run._complaint(output) == "Error: build script contains non string value"


def test_the_copy_is_a_git_repository_of_the_files_a_clone_has(tmp_path):
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (project / ".venv").mkdir()
    (project / ".venv" / "big").write_text("x", encoding="utf-8")
    copy = run._checkout(project, "build:\n  script: [echo]\n", tmp_path / "copy", "main")
    tracked = subprocess.run(["git", "-C", str(copy), "ls-files"], capture_output=True, text=True,
                             check=True).stdout.split()  # fmt: skip
    assert tracked == [".gitlab-ci.yml", "pkg/__init__.py"]
    branch = subprocess.run(["git", "-C", str(copy), "branch", "--show-current"],
                            capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    assert branch == "main"
    assert not (project / ".gitlab-ci.yml").exists()  # the project itself is left alone


def test_a_path_that_is_not_a_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is not a directory"):
        run._project_dir(tmp_path / "missing")


def test_pip_index_follows_pip_index_url(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    assert run.pip_index() == "https://mirror.example/simple"


def test_the_html_table_escapes_job_names(monkeypatch):
    monkeypatch.setenv("SHIPYARD_STABLE_OUTPUT", "0")
    html = PipelineResult((JobResult("a<b>", "test", "success", 1.0),), 1.0)._repr_html_()
    assert "<code>a&lt;b&gt;</code>" in html and "pipeline success in 1.0 s" in html


def test_stable_output_leaves_the_times_out(monkeypatch):
    monkeypatch.setenv("SHIPYARD_STABLE_OUTPUT", "1")
    result = PipelineResult((JobResult("build", "build", "success", 12.3),), 45.6)
    shown = result.table() + result._repr_html_()
    assert "12.3" not in shown and "45.6" not in shown and "…" in shown
    assert json.loads(result.to_json())["jobs"][0]["seconds"] == 12.3  # the JSON keeps them


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("build_wheel", "build_wheel"),
        ("gate:ruff x", "gateOgruffIAx"),  # seen in gitlab-ci-local 4.75.1's output/ directory
        ("test:python: [3.10]", "testOgpythonOiBb3Lg10XQ"),
        ("test:python: [a b]", "testOgpythonOiBbaIAbXQ"),
    ],
)
def test_safe_job_name_is_the_log_file_gitlab_ci_local_writes(name, file):
    assert run.safe_job_name(name) == file


def test_a_very_long_job_name_is_cut_and_hashed():
    safe = run.safe_job_name("j" * 300)
    assert len(safe) == 238 and safe.startswith("j" * 200) and safe[-17] == "-"


def test_the_copy_of_a_git_checkout_takes_tracked_and_unignored_files(tmp_path):
    project = tmp_path / "checkout"
    project.mkdir()
    (project / ".gitignore").write_text("dist/\n", encoding="utf-8")
    (project / "tracked.py").write_text("", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run(["git", "-C", str(project), "add", "-A"], check=True)
    (project / "new.py").write_text("", encoding="utf-8")  # untracked, not ignored: it runs
    (project / "dist").mkdir()  # ignored: left out, as a clone would not have it
    (project / "dist" / "old.whl").write_text("", encoding="utf-8")
    assert sorted(map(str, run._project_files(project))) == [".gitignore", "new.py", "tracked.py"]


def test_dropping_a_job_removes_it_from_the_needs_of_the_others():
    import yaml

    data = yaml.safe_load("""\
build:
  script: [echo build]
gate:ruff:
  script: [shipyard gates run --only ruff]
image_build:
  needs: [build, gate:ruff]
  script: [buildah build .]
publish:
  needs: [build, {job: gate:ruff}]
  script: [echo publish]
""")
    run.drop_jobs(data, {"gate:ruff"})
    assert set(data) == {"build", "image_build", "publish"}
    assert data["publish"]["needs"] == ["build"]
    assert data["image_build"]["needs"] == ["build"]


def test_not_run_jobs_are_shown_in_every_format():
    result = PipelineResult((JobResult("build", "build", "success", 1.0),), 1.0,
                            not_run=(("pages", "no container here"),))  # fmt: skip
    assert result.ok
    assert "not run here: pages: no container here" in result.table()
    assert json.loads(result.to_json())["not_run"] == [
        {"name": "pages", "why": "no container here"}
    ]
    assert "not run here: <code>pages</code>" in result._repr_html_()


def test_job_logs_lose_terminal_colours_and_cursor_moves():
    from shipyard.pipeline._result import _ANSI

    twine = ("\x1b[33mWARNING \x1b[0m Error\x1b[?25l\n"
             "\x1b[2K\x1b[35m100%\x1b[0m \x1b[31mERROR\x1b[0m")  # fmt: skip
    assert _ANSI.sub("", twine) == "WARNING  Error\n100% ERROR"
    assert _ANSI.sub("", "plain [33m text") == "plain [33m text"  # no escape, nothing removed


def test_a_kept_run_drops_what_each_job_makes_again_and_keeps_what_a_retry_reads(tmp_path):
    from shipyard.pipeline.run import _drop_job_state

    made = ["private/python-envs/gate-ruff/bin/python", "project/.mamba/envs/prod/x",
            "private/containers/storage/vfs/layer"]  # fmt: skip
    kept = ["project/dist/my_app-1.0.0-py3-none-any.whl", "project/.mamba/pkgs/p.conda",
            "project/.gitlab-ci-local/artifacts/build_wheel/.gitlab-ci-reports/dotenv/build.env",
            "private/variables.yml", "private/containers/tmp/uv-cache"]  # fmt: skip
    for name in made + kept:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    _drop_job_state(tmp_path)
    assert not any((tmp_path / name).exists() for name in made)
    assert all((tmp_path / name).is_file() for name in kept)
