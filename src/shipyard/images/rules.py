"""IMG: Dockerfile rules — images that run as a non-root user, small, pinned and free of secrets.

Each rule's check takes a :class:`shipyard.images.ImageContext` and yields a
:class:`~shipyard.rules.Hit` per problem. Rules about the running image look at the final stages
(the last stage, or the ``--target`` ones) and the stages they build on; rules about the build
look at every stage. A check that cannot tell (a variable with no value) stays silent rather than
guess.
"""

from __future__ import annotations

from collections.abc import Iterator

from shipyard.images import ImageContext, checks, facts, tools
from shipyard.images.baseimages import default_user
from shipyard.images.dockerfile import Stage, parse_image
from shipyard.images.dockerignore import DockerIgnore
from shipyard.images.facts import SECRET_FILES
from shipyard.rules import Hit, rule

__all__ = ["REQUIRED_IGNORES", "SECRET_FILES"]

#: What every .dockerignore must keep out of the build context.
REQUIRED_IGNORES = (".git", ".venv", ".env")
_ROOT_USERS = {"root", "0"}


def _where(context: ImageContext, stage: Stage) -> str:
    """Name the stage in a message, unless the Dockerfile has only one."""
    return "" if len(context.dockerfile.stages) == 1 else f" ({stage.label})"


def _final(context: ImageContext, stage: Stage) -> str:
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

        Two cases the text cannot decide: a `USER` set from a build argument with no default
        (`USER ${APP_UID}`), which the text check leaves alone, and a base image Shipyard does
        not know, which it assumes runs as root. A build decides them: `images.check_image`
        builds the image and runs `id -u` in it, and **the build's verdict wins**: a measured
        root adds this finding, a measured non-root uid removes it. `shipyard image build`
        exits 1 when the built image runs as root.
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
        where = _final(context, stage)
        for run in facts.runs(df, stage, inherited=True):
            line = run.instruction.line
            for shown in checks.build_tools(run):
                yield Hit(
                    f"{shown} installed into the final image{where}; "
                    "install build tools in a build stage",
                    line,
                )
            for tool in checks.piped_installers(run):
                yield Hit(
                    f"{tool} installed into the final image{where}; install it in a build stage",
                    line,
                )
        for source, line in checks.copied_uv_images(df, stage):
            yield Hit(
                f"uv copied into the final image{where} from {source!r}; "
                "copy it into a build stage",
                line,
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
    for step in tools.tool_steps(context.dockerfile, context.finals, "poetry"):
        shown = f"poetry {step.command.operands()[0]}{_where(context, step.stage)}"
        for problem in tools.poetry_problems(step):
            yield Hit(f"{shown}: {problem}", step.run.instruction.line)


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
    for step in tools.tool_steps(context.dockerfile, context.finals, "uv"):
        action = "sync" if step.is_sync else " ".join(step.command.operands()[:2])
        shown = f"uv {action}{_where(context, step.stage)}"
        for problem in tools.uv_problems(step):
            yield Hit(f"{shown}: {problem}", step.run.instruction.line)


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
    for instruction in context.dockerfile.instructions:
        keyword, line = instruction.keyword, instruction.line
        where = "the image's configuration" if keyword == "ENV" else "docker history"
        for name in checks.secret_variables(instruction):
            yield Hit(
                f"{keyword} {name}: a secret in {where}; use a secret mount "
                "(RUN --mount=type=secret)",
                line,
            )
        if checks.has_inline_credential(instruction):
            yield Hit(
                f"{keyword}: a credential written into the instruction "
                "(a user:password URL or a token); use a secret mount",
                line,
            )
        for source in checks.copied_secret_files(instruction):
            yield Hit(
                f"{keyword} {source}: a credentials file copied into a layer; use a secret mount",
                line,
            )


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
        FROM python:3.12-slim-bookworm
        RUN curl -sSfL https://raw.githubusercontent.com/anchore/syft/main/install.sh \\
            | sh -s -- -b /usr/local/bin
    """,
    good="""
        FROM python:3.12-slim-bookworm
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
            for problem in checks.download_problems(run):
                yield Hit(problem, run.instruction.line)
        for source, line in checks.unchecked_adds(stage):
            yield Hit(f"ADD {source} without --checksum", line)


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
        FROM python:3.12-slim-bookworm
        RUN apt-get update
        RUN apt-get install -y libpq5
    """,
    good="""
        FROM python:3.12-slim-bookworm
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
            for problem in checks.package_problems(run):
                yield Hit(problem, run.instruction.line)


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
    example_file=".dockerignore",
    context={"Dockerfile": "FROM python:3.12-slim-bookworm\nCOPY . /app\n"},
)
def context_ignored(context: ImageContext) -> Iterator[Hit]:
    """Check the .dockerignore a build of the Dockerfile would use."""
    if context.context_dir is None:
        return
    if context.dockerignore is None:
        yield Hit("no .dockerignore: the build context includes .git, .venv and any .env file")
        return
    from shipyard import _reading
    from shipyard.errors import InputError

    try:
        data = _reading.read_bytes(context.dockerignore, "dockerignore")
    except InputError as exc:
        # Unreadable (or past its size limit) is not "nothing wrong": what it lets into the
        # context is unknown.
        yield Hit(
            f"{context.dockerignore_shown} cannot be read ({exc.message}): what it lets into "
            "the build context is unknown"
        )
        return
    ignore = DockerIgnore(data.decode("utf-8", errors="replace"))
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
        FROM python:3.12-slim-bookworm
        COPY . /app
        RUN chown -R app:app /app
    """,
    good="""
        FROM python:3.12-slim-bookworm
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
            line = run.instruction.line
            command = checks.recursive_chown(run)
            if command is None or line in seen:
                continue
            seen.add(line)
            yield Hit(
                f"chown -R {' '.join(command.operands())} stores the files again in a new "
                "layer; use COPY --chown",
                line,
            )
