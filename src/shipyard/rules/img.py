"""IMG: Dockerfile rules — images that run as a non-root user, small, pinned and free of secrets.

Each rule's check takes a :class:`shipyard.images.ImageContext` and yields a
:class:`~shipyard.rules.Hit` per problem. Rules about the running image look at the final stages
(the last stage, or the ``--target`` ones) and the stages they build on; rules about the build
look at every stage. A check that cannot tell (a variable with no value) stays silent rather than
guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipyard import _imagefacts as facts
from shipyard._baseimages import default_user
from shipyard._dockerfile import parse_image
from shipyard._dockerignore import DockerIgnore
from shipyard._imagefacts import SECRET_FILES
from shipyard.images import ImageContext
from shipyard.rules import Hit, rule

__all__ = ["REQUIRED_IGNORES", "SECRET_FILES"]

#: What every .dockerignore must keep out of the build context.
REQUIRED_IGNORES = (".git", ".venv", ".env")
_ROOT_USERS = {"root", "0"}
_URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_TOKEN = re.compile(
    r"glpat-[\w-]{20}|gh[pousr]_\w{30,}|github_pat_\w{30,}|AKIA[0-9A-Z]{16}|"
    r"xox[abprs]-[\w-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY"
)
_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "python", "python3", "perl", "ruby", "node"}
_DOWNLOADERS = {"curl", "wget"}
_VERIFIERS = {"sha256sum", "sha512sum", "sha1sum", "shasum", "md5sum", "gpg", "gpgv", "cosign",
              "minisign", "b2sum", "sha384sum"}  # fmt: skip


def _where(context: ImageContext, stage) -> str:  # noqa: ANN001
    """Name the stage in a message, unless the Dockerfile has only one."""
    return "" if len(context.dockerfile.stages) == 1 else f" ({stage.label})"


def _final(context: ImageContext, stage) -> str:  # noqa: ANN001
    """Name a final stage in a message, when several are checked (``--target``)."""
    return "" if len(context.finals) == 1 else f" ({stage.label})"


@rule(
    "IMG001",
    "Runs as a non-root user",
    "error",
    language="dockerfile",
    why="""
        A process that runs as root in a container is root on the host's kernel: one bug in the
        service, or in a library it loads, and an attacker can write anywhere the container can,
        and is one kernel flaw away from the host. Docker runs the image as its last `USER`; an
        image that never sets one runs as root, and hadolint, which only looks at `USER`
        instructions, does not see it (its DL3002 fires only for an explicit `USER root`).
        Kubernetes' `runAsNonRoot` and OpenShift refuse such images outright.

        Some base images already run as a non-root user (`mambaorg/micromamba` as `mambauser`,
        distroless `:nonroot` tags, Chainguard images, Jupyter's `jovyan`, most Bitnami
        images); a Dockerfile built on one needs no `USER` of its own, and Shipyard knows them.
    """,
    bad="""
        FROM python:3.12-slim-bookworm
        COPY --from=build /app/.venv /app/.venv
        CMD ["/app/.venv/bin/my-app"]
    """,
    good="""
        FROM python:3.12-slim-bookworm
        RUN groupadd --system --gid 10001 app \\
         && useradd --system --uid 10001 --gid app --no-create-home app
        COPY --from=build /app/.venv /app/.venv
        USER 10001
        CMD ["/app/.venv/bin/my-app"]
    """,
    fix="Create a user with a fixed UID in the final stage and switch to it with `USER` after "
    "the steps that need root; or build on a base image whose default user is not root. A "
    "numeric `USER 10001` also lets Kubernetes verify `runAsNonRoot`.",
)
def non_root_user(context: ImageContext) -> Iterator[Hit]:
    """Resolve the final stages' user: USER instructions, ARG/ENV defaults, the base's default."""
    for stage in context.finals:
        user, instruction = facts.user_of(context.dockerfile, stage)
        if instruction is not None:
            if user is not None and user.lower() in _ROOT_USERS:
                yield Hit(
                    f"the image{_final(context, stage)} runs as root: the last USER is "
                    f"{instruction.text!r}",
                    instruction.line,
                )
            continue  # A user from a variable with no value is set at build time: no guess.
        base = context.dockerfile.ancestry(stage)[0]
        if base.unresolved:
            continue
        image = parse_image(base.image)
        if base.image.lower() != "scratch" and default_user(image):
            continue
        yield Hit(
            f"no USER instruction: the image{_final(context, stage)} runs as root, the default "
            f"user of {base.image!r}; add a non-root user and switch to it with USER",
            stage.line,
        )


@rule(
    "IMG002",
    "Keeps build tools in a build stage",
    "warning",
    language="dockerfile",
    why="""
        Compilers, header packages, git and the tools that resolve and build Python packages
        (uv, Poetry, pip-tools) are needed to build the environment, not to run it. Left in the
        image they add hundreds of megabytes to every pull and deploy, and every one of their
        CVEs to the image's scan. A multi-stage build installs them in a build stage and copies
        only the result (the virtual environment) into a clean runtime stage: the guideline's
        "use multi-stage builds to create lighter images".
    """,
    bad="""
        FROM python:3.12-slim-bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \\
         && rm -rf /var/lib/apt/lists/*
        RUN pip install --no-cache-dir poetry==2.1.3 && poetry install --only main
    """,
    good="""
        FROM python:3.12-slim-bookworm AS build
        RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \\
         && rm -rf /var/lib/apt/lists/*
        RUN pip install --no-cache-dir poetry==2.1.3 && poetry install --only main

        FROM python:3.12-slim-bookworm
        COPY --from=build /app/.venv /app/.venv
    """,
    fix="Move the steps that install build tools to a stage named `build` (`FROM ... AS build`) "
    "and `COPY --from=build` only the virtual environment into the final stage. A package "
    "removed again in the same `RUN` (`apt-get purge`, `apk del`) does not count.",
)
def build_tools_in_build_stage(context: ImageContext) -> Iterator[Hit]:
    """Flag compilers, -dev packages and Python build tools installed into a final image."""
    df = context.dockerfile
    for stage in context.finals:
        for run in facts.runs(df, stage, inherited=True):
            gone = facts.removed(run)
            for command in run.commands:
                found = [
                    p
                    for p in facts.installed(command)
                    if p not in gone and (facts.is_build_package(p) or p in facts.BUILD_TOOLS)
                ]
                if found:
                    shown = ", ".join(dict.fromkeys(found))
                    yield Hit(
                        f"{shown} installed into the final image{_final(context, stage)}; "
                        "install build tools in a build stage",
                        run.instruction.line,
                    )
            for pipeline in run.pipelines:
                names = [c.name for c in pipeline]
                text = " ".join(w for c in pipeline for w in c.words)
                if (
                    names[0] in _DOWNLOADERS
                    and len(names) > 1
                    and ("install.python-poetry.org" in text or "astral.sh/uv" in text)
                ):
                    tool = "poetry" if "poetry" in text else "uv"
                    yield Hit(
                        f"{tool} installed into the final image{_final(context, stage)}; "
                        "install it in a build stage",
                        run.instruction.line,
                    )
        for _, instruction in df.instructions_of(stage, "COPY"):
            source = (instruction.flag("from") or "").lower()
            if df.stage_named(source) is None and "astral-sh/uv" in source:
                yield Hit(
                    f"uv copied into the final image{_final(context, stage)} from "
                    f"{source!r}; copy it into a build stage",
                    instruction.line,
                )


@rule(
    "IMG003",
    "Pins every base image",
    "warning",
    language="dockerfile",
    why="""
        `FROM python` and `FROM python:latest` mean "whatever was pushed last": the same commit
        builds a different image next week, with another Python or Debian release, and a
        rollback rebuild is not a rollback. A tag such as `3.12-slim-bookworm` pins the Python
        minor version and the Debian release; a digest (`@sha256:...`) pins the exact bytes and
        is what to use where reproducibility is audited (Renovate and Dependabot keep digests
        current). The same holds for images copied from (`COPY --from=ghcr.io/astral-sh/uv`).

        A `registry:5000/python` has no tag: the `:5000` is the registry's port. A base taken
        from an `ARG` is checked with the ARG's default; one without a default is unknown until
        build time.
    """,
    bad="""
        ARG BASE=python
        FROM ${BASE}
        COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv
    """,
    good="""
        ARG BASE=python:3.12-slim-bookworm
        FROM ${BASE}
        COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /bin/uv
    """,
    fix="Name a specific tag (`python:3.12-slim-bookworm`), or a digest "
    "(`python:3.12-slim-bookworm@sha256:...`), for every FROM and every `COPY --from` image; "
    "give base-image ARGs a pinned default.",
)
def base_images_pinned(context: ImageContext) -> Iterator[Hit]:
    """Check the tag of every FROM and ``COPY --from`` image, after ARG defaults."""
    for what, image, missing, line in facts.pulled_images(context.dockerfile):
        if image.lower() == "scratch":
            continue
        if missing:
            names = ", ".join(f"${n}" for n in dict.fromkeys(missing))
            yield Hit(
                f"{what}: {names} has no default, so the image is chosen at build time "
                "and cannot be checked; give the ARG a pinned default",
                line,
            )
            continue
        ref = parse_image(image)
        if ref.digest:
            continue
        if not ref.tag:
            port = " (the ':' is the registry's port, not a tag)" if ":" in ref.registry else ""
            yield Hit(
                f"{what}: {image!r} has no tag{port}, so Docker pulls 'latest'; "
                "pin a tag or a digest",
                line,
            )
        elif ref.tag.lower() == "latest":
            yield Hit(f"{what}: {image!r} follows 'latest'; pin a tag or a digest", line)


@rule(
    "IMG004",
    "Configures Poetry for a container build",
    "error",
    language="dockerfile",
    why="""
        Poetry's defaults are made for a developer's laptop. In an image build they cause the
        "runtime issues" the guideline warns about: the virtual environment goes to Poetry's
        cache under a hashed name (`~/.cache/pypoetry/virtualenvs/my-app-AbC123-py3.12`), in
        root's home, where the runtime stage cannot find it to copy and a non-root user cannot
        read it; a question stops a non-interactive build; and `poetry install` installs every
        group, the dev tools included. Setting the variables once, in the build stage, makes the
        environment land at `<WORKDIR>/.venv`, where the runtime stage copies it from.
        `POETRY_VIRTUALENVS_CREATE=false` installs into the system Python instead, which makes
        `POETRY_VIRTUALENVS_IN_PROJECT` meaningless and leaves no `.venv` to copy.
    """,
    bad="""
        FROM python:3.12-slim-bookworm AS build
        RUN pip install --no-cache-dir poetry==2.1.3
        COPY pyproject.toml poetry.lock ./
        RUN poetry install
    """,
    good="""
        FROM python:3.12-slim-bookworm AS build
        ENV POETRY_NO_INTERACTION=1 \\
            POETRY_VIRTUALENVS_IN_PROJECT=true \\
            POETRY_VIRTUALENVS_CREATE=true \\
            POETRY_CACHE_DIR=/tmp/poetry_cache
        RUN pip install --no-cache-dir poetry==2.1.3
        COPY pyproject.toml poetry.lock ./
        RUN poetry install --only main --no-root
    """,
    fix="In the stage that runs Poetry set `POETRY_NO_INTERACTION=1` and "
    "`POETRY_VIRTUALENVS_IN_PROJECT=true` (or `POETRY_VIRTUALENVS_PATH`), keep "
    "`POETRY_VIRTUALENVS_CREATE` true, and install with `--only main` for the runtime image.",
)
def poetry_configured(context: ImageContext) -> Iterator[Hit]:
    """Check each ``poetry install``'s environment: variables, ``poetry config`` and flags."""
    df = context.dockerfile
    for stage, run, command, variables in facts.tool_runs(df, "poetry"):

        def setting(key: str, stage=stage, run=run, variables=variables) -> str | None:  # noqa: ANN001
            return facts.poetry_setting(df, stage, run, variables, key)

        line, problems = run.instruction.line, []
        if not facts.truthy(setting("no-interaction")) and not command.has_option(
            "-n", "--no-interaction"
        ):
            problems.append("POETRY_NO_INTERACTION is not set: a question stops the build")
        create = setting("virtualenvs.create")
        in_project = setting("virtualenvs.in-project")
        creates = create is None or facts.truthy(create)
        if not creates and facts.truthy(in_project):
            problems.append(
                "POETRY_VIRTUALENVS_CREATE=false contradicts "
                "POETRY_VIRTUALENVS_IN_PROJECT=true: no .venv is created"
            )
        elif creates and not facts.truthy(in_project) and not setting("virtualenvs.path"):
            problems.append(
                "POETRY_VIRTUALENVS_IN_PROJECT is not true: the environment goes to "
                "a hashed directory in Poetry's cache, not ./.venv"
            )
        final = facts.feeds(context.dockerfile, stage, context.finals)
        groups = ("--only", "--without", "--only-root", "--no-dev")
        if final and command.operands()[:1] == ["install"] and not command.has_option(*groups):
            problems.append("installs every dependency group, dev tools included; add --only main")
        for problem in problems:
            yield Hit(f"poetry {command.operands()[0]}{_where(context, stage)}: {problem}", line)


@rule(
    "IMG005",
    "Configures uv for a container build",
    "warning",
    language="dockerfile",
    why="""
        uv's defaults suit a laptop too. In an image build: without `--frozen` or `--locked`,
        `uv sync` may resolve again and install versions other than `uv.lock`'s; without
        `UV_PYTHON_DOWNLOADS=0` it may download a Python of its own when the image's does not
        match `requires-python`, and the environment then points at an interpreter the runtime
        stage does not have; with a cache mount, hard links fail across file systems unless
        `UV_LINK_MODE=copy`; without `UV_COMPILE_BYTECODE=1` every container compiles the
        bytecode again at start; and `uv sync` installs the dev group unless told `--no-dev`.
    """,
    bad="""
        FROM python:3.12-slim-bookworm AS build
        COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /bin/uv
        RUN --mount=type=cache,target=/root/.cache/uv uv sync
    """,
    good="""
        FROM python:3.12-slim-bookworm AS build
        COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /bin/uv
        ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0
        RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev
    """,
    fix="Set `UV_COMPILE_BYTECODE=1`, `UV_LINK_MODE=copy` and `UV_PYTHON_DOWNLOADS=0` in the "
    "build stage, and run `uv sync --locked --no-dev` (or `--frozen`).",
)
def uv_configured(context: ImageContext) -> Iterator[Hit]:
    """Check each ``uv sync`` and ``uv pip install``: lock, bytecode, link mode, Python, groups."""
    df = context.dockerfile
    for stage, run, command, variables in facts.tool_runs(context.dockerfile, "uv"):
        is_sync = command.operands()[:1] == ["sync"]
        problems = []
        if is_sync and not (
            command.has_option("--frozen", "--locked")
            or facts.truthy(variables.get("UV_FROZEN"))
            or facts.truthy(variables.get("UV_LOCKED"))
        ):
            problems.append(
                "neither --locked nor --frozen: it may resolve again instead of installing uv.lock"
            )
        if not facts.truthy(variables.get("UV_COMPILE_BYTECODE")) and not command.has_option(
            "--compile-bytecode"
        ):
            problems.append("UV_COMPILE_BYTECODE=1 is not set: every start compiles again")
        link = facts.option_value(command, "--link-mode") or variables.get("UV_LINK_MODE")
        if run.mounts("cache") and (link or "").lower() != "copy":
            problems.append(
                "a cache mount without UV_LINK_MODE=copy: hard links fail across the mount"
            )
        installs_python = any(
            c.name == "uv" and c.operands()[:2] == ["python", "install"]
            for r in facts.runs(df, stage, inherited=True)
            for c in r.commands
        )
        downloads = (variables.get("UV_PYTHON_DOWNLOADS") or "").lower()
        preference = (
            facts.option_value(command, "--python-preference")
            or variables.get("UV_PYTHON_PREFERENCE")
            or ""
        )
        if (
            is_sync
            and not installs_python
            and downloads not in ("0", "never", "false", "manual")
            and preference != "only-system"
            and not command.has_option("--no-python-downloads")
        ):
            problems.append(
                "UV_PYTHON_DOWNLOADS=0 is not set: uv may fetch a Python the "
                "runtime stage does not have"
            )
        dev = command.has_option("--all-groups", "--dev") or (
            facts.option_value(command, "--group") == "dev"
        )
        no_dev = command.has_option("--no-dev", "--only-group", "--no-default-groups") or (
            facts.truthy(variables.get("UV_NO_DEV"))
        )
        if is_sync and facts.feeds(df, stage, context.finals) and (dev or not no_dev):
            problems.append("installs the dev group into the image; add --no-dev")
        for problem in problems:
            shown = "sync" if is_sync else " ".join(command.operands()[:2])
            yield Hit(f"uv {shown}{_where(context, stage)}: {problem}", run.instruction.line)


@rule(
    "IMG006",
    "Sets PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE",
    "warning",
    language="dockerfile",
    why="""
        With stdout going to a pipe, Python buffers what the service prints: after a crash the
        last lines, the ones that say why, never reach `docker logs` or the log collector.
        `PYTHONUNBUFFERED=1` writes them at once. `PYTHONDONTWRITEBYTECODE=1` stops Python from
        trying to write `.pyc` files next to the code at run time, which a non-root user on a
        read-only file system cannot do anyway (compile them at build time instead, e.g.
        `UV_COMPILE_BYTECODE=1`).
    """,
    bad="""
        FROM python:3.12-slim-bookworm
        COPY --from=build /app/.venv /app/.venv
        CMD ["/app/.venv/bin/my-app"]
    """,
    good="""
        FROM python:3.12-slim-bookworm
        ENV PYTHONUNBUFFERED=1 \\
            PYTHONDONTWRITEBYTECODE=1
        COPY --from=build /app/.venv /app/.venv
        CMD ["/app/.venv/bin/my-app"]
    """,
    fix="Add `ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1` to the final stage (the "
    "variables of a build stage do not carry over to the next FROM).",
)
def python_runtime_variables(context: ImageContext) -> Iterator[Hit]:
    """Require both variables in each final stage that runs Python."""
    df = context.dockerfile
    for stage in context.finals:
        if not facts.is_python(df, stage):
            continue
        env = df.env(stage)
        missing = [n for n in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE") if not env.get(n)]
        if missing:
            yield Hit(
                f"{' and '.join(missing)} not set in the final image{_final(context, stage)}",
                stage.line,
            )


@rule(
    "IMG007",
    "Keeps secrets out of the image",
    "error",
    language="dockerfile",
    why="""
        Everything an image is built with can be read back by anyone who can pull it: `ENV`
        values are in its configuration, `ARG` values and `RUN` command lines in
        `docker history`, and a file copied in stays in its layer even when a later step deletes
        it. A Nexus password passed as a build argument, or a `.pypirc` copied in to install
        from a private index, is published with the image to the registry and Docker Hub.
        BuildKit's secret mounts give a build step a file that is never written to a layer.
    """,
    bad="""
        FROM python:3.12-slim-bookworm AS build
        ARG NEXUS_PASSWORD
        COPY .pypirc /root/.pypirc
        RUN pip install \\
            --index-url https://deploy:$NEXUS_PASSWORD@nexus.example.com/repository/pypi/simple \\
            my_app
    """,
    good="""
        FROM python:3.12-slim-bookworm AS build
        RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf \\
            pip install --no-cache-dir my_app==1.0.0
    """,
    fix="Pass credentials with `RUN --mount=type=secret,id=...` (`docker build --secret "
    "id=pip_conf,src=pip.conf`), and keep credential files out of the context with "
    "`.dockerignore`.",
)
def no_secrets(context: ImageContext) -> Iterator[Hit]:
    """Flag secret-named ENV/ARG, credentials in values and commands, and copied secret files."""
    df = context.dockerfile
    for instruction in df.instructions:
        if instruction.keyword in ("ENV", "ARG"):
            is_env = instruction.keyword == "ENV"
            names = instruction.args[::2] if is_env else [a.split("=")[0] for a in instruction.args]
            for name in names:
                if facts.secret_name(name):
                    where = "the image's configuration" if is_env else "docker history"
                    yield Hit(
                        f"{instruction.keyword} {name}: a secret in {where}; use a secret "
                        "mount (RUN --mount=type=secret)",
                        instruction.line,
                    )
        text = instruction.original
        if instruction.keyword in ("ENV", "ARG", "LABEL", "RUN") and (
            _URL_CREDENTIALS.search(text) or _TOKEN.search(text)
        ):
            yield Hit(
                f"{instruction.keyword}: a credential written into the instruction "
                "(a user:password URL or a token); use a secret mount",
                instruction.line,
            )
        if instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None:
            for source in instruction.args[:-1]:
                name = source.rstrip("/").rsplit("/", 1)[-1]
                if facts.is_secret_file(name):
                    yield Hit(
                        f"{instruction.keyword} {source}: a credentials file copied into "
                        "a layer; use a secret mount",
                        instruction.line,
                    )


def _downloads(command) -> list[str]:  # noqa: ANN001
    return [w for w in command.args if re.match(r"(https?|ftp)://", w)]


@rule(
    "IMG008",
    "Verifies what it downloads before running it",
    "error",
    language="dockerfile",
    why="""
        `curl ... | sh` runs whatever the server sends at build time, as root, with no record of
        what it was: a compromised or hijacked URL, or a truncated download, goes straight into
        the image. A script saved to a file can be checked against a published checksum
        first; better still, install the tool from a pinned image (`COPY --from=`) or a
        package. `ADD <url>` without `--checksum` has the same problem.
    """,
    bad="""
        RUN curl -sSfL https://raw.githubusercontent.com/anchore/syft/main/install.sh \\
            | sh -s -- -b /usr/local/bin
    """,
    good="""
        COPY --from=docker.io/anchore/syft:v1.18.1 /syft /usr/local/bin/syft
        # or: download, check, then run
        ARG SYFT=https://github.com/anchore/syft/releases/download/v1.18.1
        RUN curl -sSfL -o /tmp/syft.tar.gz "$SYFT/syft_1.18.1_linux_amd64.tar.gz" \\
         && echo "<sha256 from the release's checksums.txt>  /tmp/syft.tar.gz" | sha256sum -c - \\
         && tar -xzf /tmp/syft.tar.gz -C /usr/local/bin syft
    """,
    fix="Copy the tool from a pinned image, install it from a package repository, or download "
    "to a file, verify it with `sha256sum -c` (or `gpg --verify`), then run it; give `ADD` of "
    "a URL a `--checksum=sha256:...`.",
)
def downloads_verified(context: ImageContext) -> Iterator[Hit]:
    """Flag ``curl | sh``, downloaded scripts run without a check, and ``ADD <url>``."""
    df = context.dockerfile
    for stage in df.stages:
        for run in facts.runs(df, stage):
            verified = any(c.name in _VERIFIERS for c in run.commands)
            saved: set[str] = set()
            for pipeline in run.pipelines:
                first = pipeline[0]
                if (
                    first.name in _DOWNLOADERS
                    and len(pipeline) > 1
                    and any(c.name in _SHELLS for c in pipeline[1:])
                ):
                    url = next(iter(_downloads(first)), "a download")
                    shell = next(c.name for c in pipeline[1:] if c.name in _SHELLS)
                    yield Hit(
                        f"{url} is piped into {shell} without a checksum", run.instruction.line
                    )
                    continue
                for command in pipeline:
                    if command.name in _DOWNLOADERS:
                        out = (
                            facts.option_value(command, "-o")
                            or facts.option_value(command, "-O")
                            or facts.option_value(command, "--output")
                        )
                        saved.update(t for op, t in command.redirects if op in (">", ">>"))
                        if out:
                            saved.add(out)
                    elif (
                        saved
                        and not verified
                        and (
                            (command.name in _SHELLS and set(command.args) & saved)
                            or command.words[0] in saved
                            or any(
                                command.words[0].endswith("/" + s.rsplit("/", 1)[-1]) for s in saved
                            )
                        )
                    ):
                        yield Hit(
                            f"runs the downloaded {command.words[-1]!r} without checking "
                            "its checksum",
                            run.instruction.line,
                        )
        for instruction in stage.instructions:
            if instruction.keyword == "ADD" and instruction.flag("checksum") is None:
                for source in instruction.args[:-1]:
                    if re.match(r"https?://", source) and not source.endswith(".git"):
                        yield Hit(f"ADD {source} without --checksum", instruction.line)


@rule(
    "IMG009",
    "Installs OS packages without recommends and cleans the package lists",
    "warning",
    language="dockerfile",
    why="""
        `apt-get install` adds every "recommended" package unless told not to: often more than
        what was asked for (documentation, X libraries). The package lists `apt-get update`
        downloads (tens of megabytes) stay in the layer unless the same `RUN` deletes them: a
        later `RUN rm` cannot shrink a layer that is already written. Alpine's `apk add
        --no-cache` does both at once.
    """,
    bad="""
        RUN apt-get update
        RUN apt-get install -y libpq5
    """,
    good="""
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends libpq5 \\
         && rm -rf /var/lib/apt/lists/*
    """,
    fix="In one `RUN`: `apt-get update && apt-get install -y --no-install-recommends ... && "
    "rm -rf /var/lib/apt/lists/*` (or mount a cache at `/var/lib/apt`); for Alpine, "
    "`apk add --no-cache`.",
)
def os_packages_lean(context: ImageContext) -> Iterator[Hit]:
    """Check apt-get/apt installs and apk adds in every stage."""
    df = context.dockerfile
    for stage in df.stages:
        for run in facts.runs(df, stage):
            cached = any(
                "/var/lib/apt" in m.get("target", m.get("dst", "")) for m in run.mounts("cache")
            )
            cleaned = cached or any(
                c.name == "rm" and any("/var/lib/apt/lists" in w for w in c.args)
                for c in run.commands
            )
            for command in run.commands:
                action = (command.operands() or [""])[0]
                if command.name in ("apt-get", "apt") and action == "install":
                    if not command.has_option("--no-install-recommends") and not any(
                        "Install-Recommends" in w for w in command.args
                    ):
                        yield Hit(
                            f"{command.name} install without --no-install-recommends",
                            run.instruction.line,
                        )
                    if not cleaned:
                        yield Hit(
                            "the apt package lists stay in the layer: add "
                            "'rm -rf /var/lib/apt/lists/*' to the same RUN",
                            run.instruction.line,
                        )
                elif (
                    command.name == "apk"
                    and action == "add"
                    and not command.has_option("--no-cache")
                    and not any(
                        c.name == "rm" and any("/var/cache/apk" in w for w in c.args)
                        for c in run.commands
                    )
                ):
                    yield Hit(
                        "apk add without --no-cache: the index stays in the layer",
                        run.instruction.line,
                    )


@rule(
    "IMG010",
    "Keeps .git, .venv and secrets out of the build context",
    "warning",
    language="text",
    why="""
        `docker build .` sends the whole directory to the builder, and `COPY . .` puts all of
        it in the image: the `.git` history (deleted secrets included), a local `.venv` built
        for another platform that shadows the one the build makes, and any `.env` or `.pypirc`
        lying around. It also makes every build slower and invalidates the layer cache on every
        commit. A `.dockerignore` next to the Dockerfile decides what the context holds.
    """,
    bad="""
        # no .dockerignore: .git, .venv and .env are sent to the builder
    """,
    good="""
        # .dockerignore
        .git
        .venv
        .env
        .env.*
        **/__pycache__
        *.pem
        .pypirc
    """,
    fix="Add a `.dockerignore` beside the Dockerfile that excludes at least `.git`, `.venv` "
    "and `.env`, and every credential file of the project (`shipyard image render` writes "
    "one).",
)
def context_ignored(context: ImageContext) -> Iterator[Hit]:
    """Check the .dockerignore a build of the Dockerfile would use."""
    if context.context_dir is None:
        return
    if context.dockerignore is None:
        yield Hit("no .dockerignore: the build context includes .git, .venv and any .env file")
        return
    try:
        text = context.dockerignore.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    ignore = DockerIgnore(text)
    kept = [name for name in REQUIRED_IGNORES if not ignore.excludes(name)]
    kept += [n for n in facts.context_secrets(context.context_dir, ignore) if n not in kept]
    if kept:
        yield Hit(
            f"{context.dockerignore_shown} lets {', '.join(kept)} into the build context",
            1,
            path=context.dockerignore_shown,
        )


@rule(
    "IMG011",
    "Declares a HEALTHCHECK when it is a service",
    "warning",
    language="dockerfile",
    why="""
        A service whose process is up but stuck (a deadlock, a lost database connection) looks
        healthy to Docker unless the image says how to ask it. With a `HEALTHCHECK`,
        `docker ps` and `docker compose` show it unhealthy, compose's `depends_on:
        condition: service_healthy` waits for it, and Swarm replaces it: what self-hosted users
        pulling the image get. (Kubernetes ignores `HEALTHCHECK` and uses its own probes; if the
        image only ever runs there, ignore this rule with that reason.)
    """,
    bad="""
        FROM python:3.12-slim-bookworm
        EXPOSE 8000
        CMD ["uvicorn", "my_app.api:app", "--host", "0.0.0.0"]
    """,
    good="""
        FROM python:3.12-slim-bookworm
        EXPOSE 8000
        HEALTHCHECK --interval=30s --timeout=3s --retries=3 \\
            CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]
        CMD ["uvicorn", "my_app.api:app", "--host", "0.0.0.0"]
    """,  # noqa: E501 - the exec form cannot be wrapped
    fix="Add a `HEALTHCHECK` that calls the service's health endpoint with a tool the image "
    "has (Python's `urllib`, since slim images have no curl).",
)
def healthcheck_declared(context: ImageContext) -> Iterator[Hit]:
    """Require a HEALTHCHECK (not NONE) in final stages that EXPOSE a port or run a server."""
    df = context.dockerfile
    for stage in context.finals:
        service = facts.service_reason(context.dockerfile, stage)
        if service is None:
            continue
        checks = [i for _, i in df.instructions_of(stage, "HEALTHCHECK")]
        line, why = service
        if not checks:
            yield Hit(f"no HEALTHCHECK, and the image is a service ({why})", line)
        elif checks[-1].args[:1] == ("NONE",):
            yield Hit(
                f"HEALTHCHECK NONE switches the check off, and the image is a service ({why})",
                checks[-1].line,
            )


@rule(
    "IMG012",
    "Sets file ownership while copying, not with chown -R",
    "warning",
    language="dockerfile",
    why="""
        A layer stores every file a step changes, and changing a file's owner changes it:
        `RUN chown -R app /app` after `COPY . /app` stores all of `/app` a second time, doubling
        its share of the image. `COPY --chown=app:app` writes the files with the right owner
        in the first place. Often the runtime user needs no ownership at all: code it cannot
        modify is safer.
    """,
    bad="""
        COPY . /app
        RUN chown -R app:app /app
    """,
    good="""
        COPY --chown=app:app . /app
    """,
    fix="Replace `RUN chown -R` with `--chown=user:group` on the `COPY` (or `ADD`) that "
    "brings the files in; for a directory the service writes to, `mkdir` and `chown` only that "
    "(empty) directory.",
)
def chown_while_copying(context: ImageContext) -> Iterator[Hit]:
    """Flag recursive chown in the final images, unless it only touches directories just made."""
    df = context.dockerfile
    seen = set()
    for stage in context.finals:
        for run in facts.runs(df, stage, inherited=True):
            made = {w.rstrip("/") for c in run.commands if c.name == "mkdir" for w in c.operands()}
            for command in run.commands:
                if command.name != "chown" or not command.has_option("-R", "--recursive"):
                    continue
                targets = [w.rstrip("/") for w in command.operands()[1:]]
                if targets and set(targets) <= made:
                    continue
                if run.instruction.line not in seen:
                    seen.add(run.instruction.line)
                    yield Hit(
                        f"chown -R {' '.join(command.operands())} stores the files again in a new "
                        "layer; use COPY --chown",
                        run.instruction.line,
                    )
