"""IMG rules: a passing and a failing Dockerfile per rule, and the shapes real Dockerfiles take."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shipyard import images
from shipyard.config import Settings
from tests.conftest import project_file

DOCKERIGNORE = project_file("uv-service", ".dockerignore")
# A Dockerfile that passes every IMG rule; tests edit it to break one.
GOOD = project_file("uv-service", "Dockerfile")


@pytest.fixture
def project(tmp_path: Path):
    """Return a function that writes a Dockerfile (and a .dockerignore) into a project dir."""

    def make(dockerfile: str, dockerignore: str | None = DOCKERIGNORE, **files: str) -> Path:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        (root / "Dockerfile").write_text(textwrap.dedent(dockerfile), encoding="utf-8")
        if dockerignore is not None:
            (root / ".dockerignore").write_text(dockerignore, encoding="utf-8")
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        return root

    return make


def found(root: Path, rule_id: str, **kwargs) -> list[tuple[int, str]]:
    """The (line, message) of each finding of one rule (hadolint not run)."""
    return [(f.line, f.message) for f in images.check(root, select=[rule_id], **kwargs)]


def test_good_dockerfile_passes_every_rule(project):
    assert list(images.check(project(GOOD))) == []


# IMG001 ------------------------------------------------------------------------------------------


def test_img001(project):
    assert found(project(GOOD), "IMG001") == []


def test_img001_root_user(project):
    root = project(GOOD.replace("USER 10001", "USER root"))
    assert found(root, "IMG001") == [(12, "the image runs as root: the last USER is 'root'")]


@pytest.mark.parametrize("user", ["0", "0:0", "root:root", "${APP_USER}"])
def test_img001_root_user_spellings(project, user):
    text = GOOD.replace("USER 10001", f"ARG APP_USER=root\nUSER {user}")
    assert len(found(project(text), "IMG001")) == 1


def test_img001_no_user(project):
    (hit,) = found(project(GOOD.replace("USER 10001\n", "")), "IMG001")
    assert (
        hit[0] == 8 and "no USER instruction" in hit[1] and "'python:3.12-slim-bookworm'" in hit[1]
    )


def test_img001_numeric_uid_with_root_group(project):
    assert found(project(GOOD.replace("USER 10001", "USER 10001:0")), "IMG001") == []


def test_img001_user_from_arg_default(project):
    text = GOOD.replace("USER 10001", "ARG APP_UID=10001\nUSER ${APP_UID}")
    assert found(project(text), "IMG001") == []


def test_img001_user_from_env(project):
    text = GOOD.replace("USER 10001", "ENV APP_USER=app\nUSER $APP_USER")
    assert found(project(text), "IMG001") == []


def test_img001_user_from_arg_without_value_is_not_guessed(project):
    text = GOOD.replace("USER 10001", "ARG APP_UID\nUSER ${APP_UID}")
    assert found(project(text), "IMG001") == []


def test_img001_root_then_back(project):
    text = GOOD.replace("USER 10001", "USER root\nRUN mkdir -p /data\nUSER app")
    assert found(project(text), "IMG001") == []


def test_img001_user_inherited_from_parent_stage(project):
    text = """\
        FROM python:3.12-slim-bookworm AS base
        RUN useradd --uid 10001 app
        USER app
        FROM base AS final
        CMD ["python"]
    """
    assert found(project(text), "IMG001") == []


def test_img001_user_of_build_stage_does_not_carry_over(project):
    text = """\
        FROM python:3.12-slim-bookworm AS build
        USER 10001
        FROM python:3.12-slim-bookworm
        COPY --from=build /app /app
    """
    assert len(found(project(text), "IMG001")) == 1


@pytest.mark.parametrize(
    "base",
    [
        "mambaorg/micromamba:2.3.2",
        "gcr.io/distroless/python3-debian12:nonroot",
        "gcr.io/distroless/python3-debian12:debug-nonroot",
        "cgr.dev/chainguard/python:latest-dev",
        "bitnami/nginx:1.27",
        "quay.io/jupyter/minimal-notebook:2024-10-07",
        "docker.io/mambaorg/micromamba:1.5.10",
    ],
)
def test_img001_base_image_runs_as_non_root(project, base):
    assert found(project(f'FROM {base}\nCMD ["python"]\n'), "IMG001") == []


@pytest.mark.parametrize(
    "base",
    [
        "gcr.io/distroless/python3-debian12:latest",
        "bitnami/python:3.12",
        "python:3.12",
        "scratch",
        "cgr.dev/chainguard/wolfi-base:latest",
    ],
)
def test_img001_base_image_runs_as_root(project, base):
    assert len(found(project(f'FROM {base}\nCMD ["python"]\n'), "IMG001")) == 1


def test_img001_every_target_is_checked(project):
    text = """\
        FROM python:3.12-slim-bookworm AS prod
        USER 10001
        FROM prod AS debug
        USER root
    """
    root = project(text)
    assert found(root, "IMG001", targets=["prod"]) == []
    (hit,) = found(root, "IMG001", targets=["prod", "debug"])
    assert "stage 'debug'" in hit[1]


# IMG002 ------------------------------------------------------------------------------------------


def test_img002(project):
    text = GOOD.replace(
        "WORKDIR /app\n",
        "WORKDIR /app\nRUN apt-get update && apt-get install -y "
        "--no-install-recommends gcc libpq-dev && rm -rf /var/lib/apt/lists/*\n",
        1,
    )
    assert found(project(text), "IMG002") == []  # compilers in the build stage are fine


def test_img002_build_tools_in_final_image(project):
    text = """\
        FROM python:3.12-slim-bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends build-essential \\
            libpq-dev && rm -rf /var/lib/apt/lists/*
        RUN pip install --no-cache-dir poetry==2.1.3
    """
    assert found(project(text), "IMG002") == [
        (
            2,
            "build-essential, libpq-dev installed into the final image; install build tools in "
            "a build stage",
        ),
        (4, "poetry installed into the final image; install build tools in a build stage"),
    ]


def test_img002_removed_in_the_same_run(project):
    text = """\
        FROM python:3.12-alpine3.20
        RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\
         && pip install --no-cache-dir psycopg2==2.9.9 \\
         && apk del .build-deps gcc musl-dev
    """
    assert found(project(text), "IMG002") == []


def test_img002_uv_copied_or_piped_into_final_image(project):
    text = """\
        FROM python:3.12-slim-bookworm
        COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /bin/uv
        RUN curl -LsSf https://astral.sh/uv/install.sh | sh
    """
    assert [line for line, _ in found(project(text), "IMG002")] == [2, 3]


def test_img002_inherited_from_parent_stage(project):
    text = """\
        FROM python:3.12-slim-bookworm AS base
        RUN apt-get update && apt-get install -y --no-install-recommends git \\
         && rm -rf /var/lib/apt/lists/*
        FROM base
        CMD ["python"]
    """
    (hit,) = found(project(text), "IMG002")
    assert hit[0] == 2 and "git" in hit[1]


def test_img002_micromamba_compilers(project):
    text = "FROM mambaorg/micromamba:2.3.2\nRUN micromamba install -y -n base compilers make\n"
    (hit,) = found(project(text), "IMG002")
    assert "compilers, make" in hit[1]


# IMG003 ------------------------------------------------------------------------------------------


def test_img003(project):
    text = GOOD.replace("python:3.12-slim-bookworm", "python:3.12-slim-bookworm@sha256:" + "a" * 64)
    assert found(project(text), "IMG003") == []


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("python", "'python' has no tag, so Docker pulls 'latest'"),
        ("python:latest", "'python:latest' follows 'latest'"),
        ("registry.local:5000/python", "has no tag (the ':' is the registry's port, not a tag)"),
        ("localhost:5000/team/python", "the registry's port"),
    ],
)
def test_img003_unpinned(project, base, expected):
    (hit,) = found(project(f"FROM {base}\n"), "IMG003")
    assert expected in hit[1]


def test_img003_registry_port_with_tag(project):
    assert found(project("FROM registry.local:5000/python:3.12-slim\n"), "IMG003") == []


def test_img003_arg_defaults_are_resolved(project):
    root = project("ARG PY=3.12\nARG BASE=python:${PY}-slim\nFROM ${BASE}\n")
    assert found(root, "IMG003") == []
    root = project("ARG BASE=python\nFROM ${BASE}\n")
    assert "'python' has no tag" in found(root, "IMG003")[0][1]


def test_img003_arg_without_default(project):
    (hit,) = found(project("ARG BASE\nFROM $BASE\n"), "IMG003")
    assert "$BASE has no default" in hit[1]


def test_img003_copy_from_image_and_stage(project):
    text = """\
        FROM python:3.12-slim-bookworm AS build
        FROM python:3.12-slim-bookworm
        COPY --from=build /app /app
        COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv
        RUN --mount=type=bind,from=busybox,target=/bb true
    """
    assert [line for line, _ in found(project(text), "IMG003")] == [4, 5]


def test_img003_platform_flag_and_stage_reference(project):
    text = """\
        FROM --platform=$BUILDPLATFORM python:3.12-slim-bookworm AS build
        FROM build AS final
    """
    assert found(project(text), "IMG003") == []


# IMG004 ------------------------------------------------------------------------------------------

POETRY = project_file("poetry-build-stage", "poetry.dockerfile")


def test_img004(project):
    assert found(project(POETRY), "IMG004") == []


def test_img004_poetry_config_commands_count(project):
    text = POETRY.replace(
        "ENV POETRY_NO_INTERACTION=1 POETRY_VIRTUALENVS_IN_PROJECT=true",
        "RUN pip install poetry && poetry config virtualenvs.in-project true",
    ).replace("--only main --no-root", "-n --only main --no-root")
    assert found(project(text), "IMG004") == []


def test_img004_defaults(project):
    text = POETRY.replace("ENV POETRY_NO_INTERACTION=1 POETRY_VIRTUALENVS_IN_PROJECT=true\n", "")
    messages = [m for _, m in found(project(text.replace("--only main ", "")), "IMG004")]
    assert messages == [
        "poetry install (stage 'build'): POETRY_NO_INTERACTION is not set: a question stops the "
        "build",
        "poetry install (stage 'build'): POETRY_VIRTUALENVS_IN_PROJECT is not true: the "
        "environment goes to a hashed directory in Poetry's cache, not ./.venv",
        "poetry install (stage 'build'): installs every dependency group, dev tools included; "
        "add --only main",
    ]


def test_img004_contradiction(project):
    text = POETRY.replace("ENV ", "ENV POETRY_VIRTUALENVS_CREATE=false ")
    (hit,) = found(project(text), "IMG004")
    assert "contradicts POETRY_VIRTUALENVS_IN_PROJECT=true" in hit[1]


def test_img004_inline_assignment(project):
    text = POETRY.replace("ENV POETRY_NO_INTERACTION=1 ", "ENV ").replace(
        "RUN poetry install", "RUN POETRY_NO_INTERACTION=1 poetry install"
    )
    assert found(project(text), "IMG004") == []


# IMG005 ------------------------------------------------------------------------------------------


def test_img005(project):
    assert found(project(GOOD), "IMG005") == []


def test_img005_defaults(project):
    text = GOOD.replace("ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0\n", "")
    text = text.replace("uv sync --locked --no-dev", "uv sync")
    messages = [m.split(": ", 1)[1] for _, m in found(project(text), "IMG005")]
    assert {m.split(":")[0] for m in messages} == {
        "neither --locked nor --frozen",
        "UV_COMPILE_BYTECODE=1 is not set",
        "a cache mount without UV_LINK_MODE=copy",
        "UV_PYTHON_DOWNLOADS=0 is not set",
        "installs the dev group into the image; add --no-dev",
    }


def test_img005_flags_instead_of_variables(project):
    text = GOOD.replace("ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0\n", "")
    text = text.replace(
        "uv sync --locked",
        "UV_FROZEN=1 uv sync --compile-bytecode --link-mode copy --no-python-downloads",
    )
    assert found(project(text), "IMG005") == []


def test_img005_all_groups_in_a_test_stage_only(project):
    text = GOOD + "\nFROM build AS test\nRUN uv sync --locked --all-groups\n"
    assert found(project(text), "IMG005", targets=["1"]) == []
    assert "dev group" in found(project(text), "IMG005")[0][1]


def test_img005_uv_python_install_is_intended(project):
    text = GOOD.replace(" UV_PYTHON_DOWNLOADS=0", "").replace(
        "WORKDIR /app\n", "WORKDIR /app\nRUN uv python install 3.13\n"
    )
    assert found(project(text), "IMG005") == []


# IMG006 ------------------------------------------------------------------------------------------


def test_img006(project):
    assert found(project(GOOD), "IMG006") == []


def test_img006_missing(project):
    text = GOOD.replace("PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 ", "")
    assert found(project(text), "IMG006") == [
        (8, "PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE not set in the final image")
    ]


def test_img006_set_in_build_stage_only(project):
    text = GOOD.replace("ENV UV_COMPILE", "ENV PYTHONUNBUFFERED=1 UV_COMPILE").replace(
        "PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PATH", "PYTHONDONTWRITEBYTECODE=1 PATH"
    )
    (hit,) = found(project(text), "IMG006")
    assert hit[1].startswith("PYTHONUNBUFFERED not set")


def test_img006_not_a_python_image(project):
    assert found(project('FROM nginx:1.27-alpine\nCMD ["nginx"]\n'), "IMG006") == []


# IMG007 ------------------------------------------------------------------------------------------


def test_img007(project):
    text = (
        GOOD.replace(
            "RUN --mount=type=cache",
            "RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf --mount=type=cache",
        )
        + "ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D PASSWORD_FILE=/run/secrets/db\n"
    )
    assert found(project(text), "IMG007") == []


def test_img007_secrets(project):
    text = """\
        FROM python:3.12-slim-bookworm
        ARG NEXUS_PASSWORD
        ENV API_KEY=abc DEBUG=1
        ENV PIP_INDEX_URL=https://deploy:s3cr3t@nexus.example.com/simple
        COPY .pypirc id_rsa /root/
        COPY .env.example /app/
        RUN echo glpat-abcdefghij0123456789 > /tmp/token
    """
    hits = found(project(text), "IMG007")
    assert [line for line, _ in hits] == [2, 3, 4, 5, 5, 7]
    assert "s3cr3t" not in str(hits) and "glpat-" not in str(hits)


# IMG008 ------------------------------------------------------------------------------------------


def test_img008(project):
    text = """\
        FROM python:3.12-slim-bookworm
        RUN curl -fsSL -o /tmp/install.sh https://example.com/install.sh \\
         && echo "0123abcd  /tmp/install.sh" | sha256sum -c - \\
         && sh /tmp/install.sh
        ADD --checksum=sha256:0123abcd https://example.com/tool.tar.gz /tmp/
    """
    assert found(project(text), "IMG008") == []


@pytest.mark.parametrize(
    "command",
    [
        "curl -sSfL https://example.com/install.sh | sh -s -- -b /usr/local/bin",
        "wget -qO- https://example.com/install.sh | bash",
        "curl -sSL https://install.python-poetry.org | python3 -",
        'sh -c "curl -fsSL https://example.com/i.sh | sh"',
        "curl -fsSL -o /tmp/i.sh https://example.com/i.sh && sh /tmp/i.sh",
        "curl -fsSL https://example.com/i.sh > i.sh && chmod +x i.sh && ./i.sh",
    ],
)
def test_img008_unverified(project, command):
    assert len(found(project(f"FROM python:3.12-slim\nRUN {command}\n"), "IMG008")) == 1


def test_img008_add_url_without_checksum(project):
    (hit,) = found(
        project("FROM python:3.12-slim\nADD https://example.com/t.tgz /tmp/\n"), "IMG008"
    )
    assert hit == (2, "ADD https://example.com/t.tgz without --checksum")


# IMG009 ------------------------------------------------------------------------------------------


def test_img009(project):
    text = """\
        FROM python:3.12-slim-bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \\
         && rm -rf /var/lib/apt/lists/*
        RUN --mount=type=cache,target=/var/lib/apt,sharing=locked \\
            apt-get update && apt-get install -y --no-install-recommends curl
        RUN apk add --no-cache tini
    """
    assert found(project(text), "IMG009") == []


def test_img009_recommends_and_lists(project):
    text = "FROM debian:12\nRUN apt-get update && apt-get install -y libpq5\nRUN apk add tini\n"
    assert [m.split(" ")[0] for _, m in found(project(text), "IMG009")] == ["apt-get", "the", "apk"]


def test_img009_heredoc_run(project):
    text = """\
        FROM debian:12
        RUN <<EOT
        set -eux
        apt-get update
        apt-get install -y libpq5
        EOT
        CMD ["bash"]
    """
    assert len(found(project(text), "IMG009")) == 2


# IMG010 ------------------------------------------------------------------------------------------


def test_img010(project):
    root = project(GOOD, dockerignore="# keep out\n.git\n.venv/\n.env*\n")
    assert found(root, "IMG010") == []


def test_img010_missing(project):
    (hit,) = found(project(GOOD, dockerignore=None), "IMG010")
    assert hit == (1, "no .dockerignore: the build context includes .git, .venv and any .env file")


def test_img010_incomplete_and_secret_files(project):
    root = project(GOOD, dockerignore=".git\n", **{"deploy/.pypirc": "x", "certs/tls.pem": "x"})
    (finding,) = images.check(root, select=["IMG010"])
    assert finding.path == ".dockerignore"
    assert finding.message == (
        ".dockerignore lets .venv, .env, certs/tls.pem, deploy/.pypirc into the build context"
    )


def test_img010_allow_list_style(project):
    root = project(GOOD, dockerignore="*\n!src\n!pyproject.toml\n!uv.lock\n", **{".env": "x"})
    assert found(root, "IMG010") == []


def test_img010_negation_reincludes(project):
    root = project(GOOD, dockerignore=".git\n.venv\n.env*\n!.env\n")
    assert ".env" in found(root, "IMG010")[0][1]


def test_img010_per_dockerfile_ignore_file(project):
    root = project(GOOD, dockerignore=None)
    (root / "Dockerfile.dockerignore").write_text(DOCKERIGNORE)
    assert found(root, "IMG010") == []


def test_img010_not_without_a_context():
    assert images.check_text(GOOD, hadolint=False).rule_ids() == []


# IMG011 ------------------------------------------------------------------------------------------


def test_img011(project):
    text = GOOD.replace(
        'CMD ["my-app"]',
        'EXPOSE 8000\nHEALTHCHECK CMD python -c \'import x\'\nCMD ["uvicorn", "my_app.api:app"]',
    )
    assert found(project(text), "IMG011") == []


@pytest.mark.parametrize(
    "tail",
    [
        "EXPOSE 8000",
        'CMD ["gunicorn", "app:wsgi"]',
        "CMD python -m http.server",
        'ENTRYPOINT ["/app/.venv/bin/uvicorn"]',
        "EXPOSE 8000\nHEALTHCHECK NONE",
    ],
)
def test_img011_service_without_healthcheck(project, tail):
    assert len(found(project(GOOD + tail + "\n"), "IMG011")) == 1


def test_img011_not_a_service(project):
    assert found(project(GOOD), "IMG011") == []


# IMG012 ------------------------------------------------------------------------------------------


def test_img012(project):
    text = GOOD.replace("RUN useradd", "RUN mkdir -p /data && chown -R 10001 /data && useradd")
    assert found(project(text), "IMG012") == []


def test_img012_chown_recursive(project):
    text = GOOD.replace("USER 10001", "RUN chown -R app:app /app\nUSER 10001")
    assert found(project(text), "IMG012") == [
        (12, "chown -R app:app /app stores the files again in a new layer; use COPY --chown")
    ]


def test_img012_only_in_final_images(project):
    text = GOOD.replace("WORKDIR /app\n", "WORKDIR /app\nRUN chown -R root /app\n", 1)
    assert found(project(text), "IMG012") == []


# Settings and inline ignores ---------------------------------------------------------------------


def test_severity_override_and_ignore_from_settings(project):
    root = project(GOOD.replace("USER 10001\n", ""))
    settings = Settings(severity={"IMG001": "info"})
    (finding,) = images.check(root, settings=settings, select=["IMG001"])
    assert finding.severity == "info"
    assert list(images.check(root, settings=Settings(ignore=["IMG001"]), select=["IMG"])) == []


def test_inline_ignore_comment(project):
    text = (
        GOOD.replace(
            "FROM python:3.12-slim-bookworm\n",
            "# a debug image, never deployed\n# shipyard ignore=IMG001,IMG006\n"
            "FROM python:3.12-slim-bookworm\n",
        )
        .replace("USER 10001\n", "")
        .replace("PYTHONUNBUFFERED=1 ", "")
    )
    assert list(images.check(project(text), select=["IMG"])) == []


def test_unreadable_dockerignore_is_a_finding_not_a_pass(tmp_path):
    # Before: an OSError reading .dockerignore returned no finding, as if it excluded everything.
    import dataclasses

    from shipyard.images import _context
    from shipyard.images.rules import context_ignored

    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim-bookworm\nCOPY . /app\n")
    (tmp_path / ".dockerignore").write_text(".git\n.venv\n.env\n")
    context = _context(tmp_path / "Dockerfile", tmp_path, ())
    assert list(context_ignored(context)) == []
    # The file turns into something that cannot be read as text between finding and reading.
    (tmp_path / ".dockerignore").unlink()
    (tmp_path / ".dockerignore").mkdir()
    hits = list(context_ignored(dataclasses.replace(context)))
    assert len(hits) == 1
    assert ".dockerignore cannot be read" in hits[0].message
    assert "unknown" in hits[0].message
