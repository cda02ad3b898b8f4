"""shipyard.images: parsing real Dockerfile shapes, bad input, hadolint, rendering and tags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard import audit, images, runbook
from shipyard.config import Settings
from shipyard.errors import ConfigError, InputError, ShipyardError
from shipyard.images import dockerfile as _dockerfile
from shipyard.images.dockerignore import DockerIgnore

DOCKERFILES = Path(__file__).parent / "dockerfiles"


def project_with(tmp_path: Path, dockerfile: str, dockerignore: str | None = None) -> Path:
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    (root / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    (root / ".dockerignore").write_text(dockerignore or images.render_dockerignore())
    return root


# Parsing: the shapes real Dockerfiles take --------------------------------------------------------


def test_parse_stages_args_and_platform():
    df = _dockerfile.parse(
        "# syntax=docker/dockerfile:1\nARG PY=3.12\nARG REG=registry.local:5000\n"
        "FROM --platform=$BUILDPLATFORM ${REG}/python:${PY}-slim AS Build\n"
        "FROM build AS final\nUSER 10001\n"
    )
    build, final = df.stages
    assert (build.name, build.image, build.platform) == (
        "build",
        "registry.local:5000/python:3.12-slim",
        "$BUILDPLATFORM",
    )
    assert final.parent == 0 and df.ancestry(final) == [build, final]
    assert df.global_args == {"PY": "3.12", "REG": "registry.local:5000"}


def test_parse_line_continuations_comments_and_heredocs():
    df = _dockerfile.parse(
        "FROM python:3.12-slim\nENV A=1 \\\n    # a comment inside\n    B=2\n"
        'RUN <<EOT bash\nset -e\npip install x\nEOT\nCMD ["x"]\n'
    )
    env, run, cmd = df.stages[0].instructions
    assert (env.line, env.end_line, env.args) == (2, 4, ("A", "1", "B", "2"))
    assert (run.line, run.end_line, run.heredocs) == (5, 8, ("set -e\npip install x\n",))
    assert cmd.json and cmd.line == 9


def test_parse_escape_directive():
    df = _dockerfile.parse("# escape=`\nFROM python:3.12\nRUN echo a `\n  b\n")
    assert df.escape == "`" and df.stages[0].instructions[0].end_line == 4


def test_variables_arg_then_env_and_inheritance():
    df = _dockerfile.parse(
        "ARG UID=1000\nFROM python:3.12 AS base\nARG UID\nENV HOME=/home/u PATH=/x:$PATH\n"
        "FROM base\nARG OTHER=${UID:-5}\nENV APP=${HOME}/app\nUSER ${UID}\n"
    )
    base, final = df.stages
    assert df.variables(base)["UID"] == "1000"
    assert df.variables(final)["OTHER"] == "5"  # ARGs are not inherited by the next stage
    assert df.env(final) == {"HOME": "/home/u", "PATH": "/x:", "APP": "/home/u/app"}


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("python", ("", "library/python", "", "")),
        ("python:3.12@sha256:ab", ("", "library/python", "3.12", "sha256:ab")),
        ("registry.local:5000/python", ("registry.local:5000", "python", "", "")),
        ("docker.io/library/python:3", ("", "library/python", "3", "")),
        ("ghcr.io/astral-sh/uv:0.13.8", ("ghcr.io", "astral-sh/uv", "0.13.8", "")),
        ("localhost/app", ("localhost", "app", "", "")),
    ],
)
def test_parse_image(reference, expected):
    ref = _dockerfile.parse_image(reference)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == expected


def test_final_stages_unknown_target_suggests():
    df = _dockerfile.parse("FROM python:3.12 AS runtime\n")
    with pytest.raises(InputError, match="no stage named 'runtim' \\(did you mean 'runtime'\\?\\)"):
        df.final_stages(["runtim"])


# Bad input: a clear error with the line, never a crash -------------------------------------------


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"", None, "the file has no instructions"),
        (b"# only a comment\n", None, "the file has no instructions"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None, "not a text file"),
        (b"\xff\xfeF\x00R\x00", 1, "UTF-16 text"),
        (b"FROM python:3.12\nRUN echo \xe9\n", 2, "not UTF-8 text"),
        (b"import os\n\ndef main():\n    pass\n", 1, "'import' is not a Dockerfile instruction"),
        (b"FROM python:3.12\nRUNN pip install x\n", 2, "(did you mean 'RUN'?)"),
        (b"RUN echo hi\nFROM python:3.12\n", 1, "RUN before the first FROM"),
        (b"ARG X=1\n", None, "no FROM instruction"),
        (b"FROM python:3.12\nRUN <<EOF\necho\n", 2, "unterminated heredoc"),
        (b"FROM python AS a b\n", 1, "FROM takes an image and an optional 'AS name'"),
        (b"FROM a:1 AS x\nFROM b:1 AS X\n", 2, "the stage name 'x' is used twice"),
    ],
)
def test_bad_input(tmp_path, data, line, message):
    path = tmp_path / "Dockerfile"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        images.load_dockerfile(path)
    assert message in info.value.message
    assert info.value.line == line and info.value.path == path


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        images.load_dockerfile(tmp_path / "Dockerfile")
    (tmp_path / "Dockerfile").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        images.load_dockerfile(tmp_path / "Dockerfile")


# Discovery ---------------------------------------------------------------------------------------


def test_find_dockerfiles_skips_environments(tmp_path):
    for name in [
        "Dockerfile",
        "docker/api.Dockerfile",
        "Dockerfile.dev",
        ".git/Dockerfile",
        ".venv/Dockerfile",
        "node_modules/x/Dockerfile",
        "env/pyvenv.cfg",
        "env/Dockerfile",
        "Dockerfile.dockerignore",
        "Dockerfile.j2",
        "notes.dockerfile",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("FROM python:3.12\n")
    found = [p.relative_to(tmp_path).as_posix() for p in images.find_dockerfiles(tmp_path)]
    assert found == ["Dockerfile", "Dockerfile.dev", "docker/api.Dockerfile"]


# Real-world Dockerfiles --------------------------------------------------------------------------

EXPECTED = {
    "fastapi-uv": [],
    "micromamba-single": [],
    "distroless": [],
    "django-gunicorn": ["DL3008", "DL3066", "IMG002", "IMG006", "IMG011", "IMG012"],
    "poetry-worker": [
        "DL3008",
        "DL4006",
        "IMG001",
        "IMG002",
        "IMG004",
        "IMG006",
        "IMG007",
        "IMG008",
        "IMG009",
    ],
    "targets": ["DL3008", "DL3066", "IMG001", "IMG002"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_world_dockerfiles(tmp_path, name):
    text = (DOCKERFILES / f"{name}.dockerfile").read_text()
    findings = images.check(project_with(tmp_path, text))
    assert findings.rule_ids() == EXPECTED[name]


def test_real_world_target_prod(tmp_path):
    root = project_with(tmp_path, (DOCKERFILES / "targets.dockerfile").read_text())
    assert images.check(root, targets=["prod"], select=["IMG"]).rule_ids() == []


def test_seed_004_and_its_fixes(tmp_path):
    root = project_with(tmp_path, images.example("seed-004"))
    assert images.check(root).rule_ids() == [
        "DL3008",
        "DL3013",
        "DL4006",
        "IMG001",
        "IMG002",
        "IMG005",
        "IMG008",
    ]
    counts = []
    for step in ("seed-004-step1", "seed-004-step2", "seed-004-step3"):
        (root / "Dockerfile").write_text(images.example(step))
        counts.append(len(images.check(root)))
    assert counts == [6, 1, 0]


def test_example_unknown():
    with pytest.raises(ConfigError, match="no example .nope."):
        images.example("nope")


# hadolint really runs ----------------------------------------------------------------------------


def test_hadolint_runs_and_joins_the_findings(tmp_path):
    root = project_with(
        tmp_path,
        "FROM debian:12\nRUN apt-get update && apt-get install -y "
        "--no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
    )
    result = images.hadolint(root)
    assert result.version.count(".") == 2
    (finding,) = [f for f in result.findings if f.rule_id == "DL3008"]
    assert finding.path == "Dockerfile" and finding.line == 2
    assert finding.doc_url == "https://github.com/hadolint/hadolint/wiki/DL3008"
    assert "DL3008" in images.check(root).rule_ids()


def test_hadolint_config_is_honoured(tmp_path):
    root = project_with(
        tmp_path,
        "FROM debian:12\nRUN apt-get update && apt-get install -y "
        "--no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
    )
    (root / ".hadolint.yaml").write_text("ignored:\n  - DL3008\n")
    assert "DL3008" not in images.check(root).rule_ids()
    (root / ".hadolint.yaml").write_text("override:\n  error:\n    - DL3008\n")
    (finding,) = [f for f in images.check(root) if f.rule_id == "DL3008"]
    assert finding.severity == "error"


def test_hadolint_invalid_config_is_an_error(tmp_path):
    root = project_with(tmp_path, "FROM debian:12\n")
    (root / ".hadolint.yaml").write_text("ignored: [DL3008\n")
    with pytest.raises(InputError, match="hadolint cannot read its configuration") as info:
        images.check(root)
    assert info.value.path.name == ".hadolint.yaml"


def test_hadolint_inline_pragma_and_settings(tmp_path):
    text = (
        "FROM debian:12\n# hadolint ignore=DL3008\nRUN apt-get update && apt-get install -y "
        "--no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER nobody\n"
    )
    root = project_with(tmp_path, text)
    assert images.check(root).rule_ids() == ["DL3066"]
    assert images.check(root, settings=Settings(ignore=["DL3066"])).rule_ids() == []
    (finding,) = images.check(root, settings=Settings(severity={"DL3066": "warning"}))
    assert finding.severity == "warning"


def test_hadolint_duplicates_are_dropped(tmp_path):
    root = project_with(tmp_path, "FROM python:latest\nUSER root\n")
    ids = images.check(root).rule_ids()
    assert "IMG003" in ids and "IMG001" in ids
    assert "DL3007" not in ids and "DL3002" not in ids
    assert "DL3007" in images.check(root, settings=Settings(ignore=["IMG003"])).rule_ids()


def test_hadolint_reads_heredocs_buildkit_accepts(tmp_path):
    # hadolint alone fails with DL1000 when a line follows a heredoc directly.
    text = "FROM debian:12\nRUN <<EOT\napt-get update\napt-get install -y curl\nEOT\nUSER nobody\n"
    root = project_with(tmp_path, text)
    tool = [f for f in images.check(root) if f.rule_id.startswith("DL")]
    assert [(f.rule_id, f.line) for f in tool] == [("DL3008", 2), ("DL3066", 6)]


def test_selection_splits_hadolint_codes(tmp_path):
    root = project_with(tmp_path, "FROM python:latest\nRUN pip install flask\n")
    assert set(images.check(root, select=["DL"]).rule_ids()) == {"DL3007", "DL3013", "DL3042"}
    assert "DL3013" not in images.check(root, select=["IMG"]).rule_ids()
    assert images.check(root, select=["IMG003", "DL3013"]).rule_ids() == ["DL3013", "IMG003"]


def test_check_text_runs_hadolint_on_stdin():
    findings = images.check_text("FROM python:3.12\nRUN pip install flask\n", name="api.Dockerfile")
    (finding,) = [f for f in findings if f.rule_id == "DL3013"]
    assert (finding.path, finding.line) == ("api.Dockerfile", 2)


# shipyard check runs the IMG family ---------------------------------------------------------------


def test_audit_finds_dockerfiles(tmp_path):
    project = runbook.sample_project("my_app", into=tmp_path)
    project.write("README.md", "# my_app\n")
    project.write("docker/api.Dockerfile", "FROM python\n")
    findings = audit.check(project.path)
    assert [(f.path, f.rule_id) for f in findings if f.rule_id == "IMG003"] == [
        ("docker/api.Dockerfile", "IMG003")
    ]
    assert audit.check(project.path / "docker/api.Dockerfile", select=["IMG003"])


# The reference Dockerfiles pass every IMG rule and hadolint ---------------------------------------


@pytest.mark.parametrize("variant", images.VARIANTS)
@pytest.mark.parametrize("port", [None, 8000])
def test_rendered_dockerfile_is_clean(tmp_path, variant, port):
    project = runbook.sample_project("my_app", into=tmp_path)
    written = images.render(project.path, variant, port=port)
    assert [p.name for p in written] == ["Dockerfile", ".dockerignore"]
    findings = images.check(project.path)
    assert list(findings) == [], findings
    text = project.read("Dockerfile")
    assert ("HEALTHCHECK" in text) is (port is not None)
    assert text.rstrip().endswith('CMD ["my-app"]')


def test_render_never_overwrites(tmp_path):
    project = runbook.sample_project("my_app", into=tmp_path)
    project.write(".dockerignore", "# mine\n")
    with pytest.raises(InputError, match="exists") as info:
        images.render(project.path)
    assert info.value.path.name == ".dockerignore" and not (project.path / "Dockerfile").exists()
    images.render(project.path, "poetry", force=True)
    assert "poetry install" in project.read("Dockerfile")


def test_render_needs_a_project(tmp_path):
    with pytest.raises(InputError, match="no pyproject.toml"):
        images.render_dockerfile(tmp_path)
    with pytest.raises(ShipyardError, match="did you mean 'poetry'"):
        images.render_dockerfile(tmp_path, "peotry")


def test_render_module_command_and_versions(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "Data-Job"\nversion = "1"\n')
    text = images.render_dockerfile(
        tmp_path, "uv", python="3.13", uv_image="ghcr.io/astral-sh/uv:0.9.0"
    )
    assert 'CMD ["python", "-m", "data_job"]' in text
    assert "FROM python:3.13-slim-bookworm AS build" in text and "uv:0.9.0" in text


def test_micromamba_dockerignore_keeps_the_wheel():
    ignore = DockerIgnore(images.render_dockerignore("micromamba"))
    assert not ignore.excludes("dist/my_app-1.0.0-py3-none-any.whl")
    assert ignore.excludes("dist/my_app-1.0.0.tar.gz") and ignore.excludes(".git/config")
    assert DockerIgnore(images.render_dockerignore("uv")).excludes("dist/x.whl")


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        ("*.pem", "tls.pem", True),
        ("*.pem", "certs/tls.pem", False),
        ("**/*.pem", "certs/tls.pem", True),
        ("docs", "docs/index.md", True),
        ("/build", "build/x", True),
        ("*\n!src", "src/app.py", False),
        (".env*\n!.env.example", ".env.example", False),
        ("?.txt", "a.txt", True),
        ("[ab].txt", "c.txt", False),
    ],
)
def test_dockerignore_patterns(patterns, path, excluded):
    assert DockerIgnore(patterns).excludes(path) is excluded


# Release tags and publish commands ----------------------------------------------------------------


def test_release_tags_newest():
    tags = images.release_tags("v1.4.2", published=["1.4.1", "1.3.0", "2.0.0rc1"])
    assert list(tags) == ["1.4.2", "1.4", "1", "latest"]


def test_release_tags_patch_of_an_older_line():
    tags = images.release_tags("1.3.5", published=["1.4.2", "1.3.4", "2.0.0"])
    assert list(tags) == ["1.3.5", "1.3"]


def test_release_tags_pre_release_and_policy():
    assert list(images.release_tags("v1.5.0-rc.1")) == ["1.5.0-rc.1"]
    assert "latest" not in images.release_tags("v1.4.2", latest="never")


@pytest.mark.parametrize(
    ("ref", "tag"),
    [
        ("self-hosted-v17.5.0-ee", "self-hosted-v17.5.0-ee"),
        ("self-hosted-17.5.0", "self-hosted-v17.5.0"),
    ],
)
def test_release_tags_self_hosted(ref, tag):
    assert list(images.release_tags(ref, published=["9.9.9"])) == [tag]


@pytest.mark.parametrize("ref", ["v1.4", "latest", "v1.4.2+local", "self-hosted-17.x", "1.4.2 "])
def test_release_tags_bad_ref(ref):
    with pytest.raises(ConfigError):
        images.release_tags(ref)


def test_publish_commands_buildx_both_registries():
    commands = str(
        images.publish_commands(
            ["1.4.2", "1.4"], dockerhub="gitlab/my-app", platforms=["linux/amd64", "linux/arm64"]
        )
    )
    assert '--password-stdin "$CI_REGISTRY"' in commands
    assert "--platform linux/amd64,linux/arm64" in commands
    assert '--tag "$CI_REGISTRY_IMAGE:1.4"' in commands
    assert "--tag docker.io/gitlab/my-app:1.4.2" in commands
    assert commands.count("docker buildx build --push") == 1


def test_publish_commands_docker_style():
    lines = images.publish_commands(["1.4.2", "latest"], style="docker").lines
    assert [line.split(" ")[1] for line in lines if line.startswith("docker ")] == [
        "build",
        "tag",
        "push",
        "push",
    ]


@pytest.mark.parametrize(
    "kwargs",
    [{"tags": []}, {"tags": ["1"], "style": "podman"}, {"tags": ["1"], "dockerhub": "Gitlab"}],
)
def test_publish_commands_bad_input(kwargs):
    with pytest.raises(ConfigError):
        images.publish_commands(**kwargs)


def test_outputs_display_in_notebooks():
    tags = images.release_tags("v1.0.0")
    assert "<table" in tags._repr_html_() and "1.0.0" in repr(tags)
    assert "<pre" in images.publish_commands(tags)._repr_html_()
    change = images.diff("a\nb\n", "a\nc\n")
    assert "-b" in repr(change) and "shipyard-added" in change._repr_html_()
    assert repr(images.diff("a", "a")) == "(no change)"


def test_json_report_of_hadolint_finding(tmp_path):
    from shipyard.findings import to_codequality

    root = project_with(tmp_path, "FROM python:3.12\nRUN pip install flask\n")
    (issue,) = [
        i for i in json.loads(to_codequality(images.check(root))) if i["check_name"] == "DL3013"
    ]
    assert issue["location"] == {"path": "Dockerfile", "lines": {"begin": 2}}


def test_no_docker_needed():
    assert shutil.which("hadolint") or images.hadolint  # hadolint comes from the wheel


# Hostile input: findings or a clean InputError, never a crash -------------------------------------

_WORDS = st.sampled_from(
    ["FROM", "RUN", "USER", "ENV", "ARG", "COPY", "ADD", "CMD", "EXPOSE", "HEALTHCHECK", "AS",
     "--from=", "--mount=type=cache,target=/x", "--chown=", "${A:-b}", "$B", "root", "0", "'",
     '"', "\\", "&&", "|", ";", "<<EOF", "EOF", "curl", "sh", "apt-get", "install", "uv", "sync",
     "poetry", "chown", "-R", "pip", "python:3.12", "scratch", "=", ":", "[", "]", "\n"]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(_WORDS, max_size=40))
def test_any_text_gives_findings_or_input_error(words):
    text = "FROM python:3.12\n" + " ".join(words) + "\n"
    try:
        findings = images.check_text(text, hadolint=False)
    except InputError as error:
        assert error.message
    else:
        assert all(f.line >= 1 and f.rule_id.startswith("IMG") for f in findings)


def test_the_dockerignore_leaves_out_the_pipelines_conda_root_and_runner_state():
    # In a pipeline, MAMBA_ROOT_PREFIX is $CI_PROJECT_DIR/.mamba: hundreds of MB in the context.
    for variant in ("uv", "micromamba"):
        ignore = DockerIgnore(images.render_dockerignore(variant))
        assert ignore.excludes(".mamba/pkgs/python-3.10.conda")
        assert ignore.excludes(".gitlab-ci-local/output/build.log")
        assert not ignore.excludes("my_app/__init__.py")
