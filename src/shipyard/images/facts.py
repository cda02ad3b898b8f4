"""Facts the IMG rules read from a parsed Dockerfile: what runs, what is installed, what is set.

Each function takes a :class:`~shipyard.images.dockerfile.Dockerfile` (and a stage) and returns
plain values; the rules in :mod:`shipyard.images.rules` decide what is a problem.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from shipyard.images.dockerfile import Dockerfile, Instruction, Stage, expand, parse_image
from shipyard.images.dockerignore import DockerIgnore
from shipyard.images.shell import Command, pipelines, scripts

__all__ = [
    "BUILD_PACKAGES",
    "BUILD_TOOLS",
    "SECRET_FILES",
    "Run",
    "context_secrets",
    "feeds",
    "installed",
    "is_python",
    "is_secret_file",
    "option_value",
    "poetry_setting",
    "pulled_images",
    "removed",
    "runs",
    "secret_name",
    "service_reason",
    "tool_runs",
    "truthy",
    "user_of",
]

# OS and conda packages that compile or fetch sources: needed to build wheels, not to run them.
BUILD_PACKAGES = {"build-essential", "gcc", "g++", "cpp", "clang", "make", "cmake", "ninja-build",
                  "ninja", "autoconf", "automake", "libtool", "pkg-config", "pkgconf", "git",
                  "cargo", "rustc", "rust", "gfortran", "musl-dev", "linux-headers", "compilers",
                  "c-compiler", "cxx-compiler", "fortran-compiler", "gxx", "build-base",
                  "binutils", "meson"}  # fmt: skip
# Python tools that build or lock environments.
BUILD_TOOLS = {"poetry", "uv", "pdm", "hatch", "pip-tools", "pipenv", "build", "twine", "flit",
               "maturin", "cython", "setuptools-scm", "poetry-plugin-export"}  # fmt: skip
_DEV_SUFFIXES = ("-dev", "-devel")
_INSTALLERS = {("apt-get", "install"), ("apt", "install"), ("aptitude", "install"), ("apk", "add"),
               ("dnf", "install"), ("yum", "install"), ("microdnf", "install"),
               ("zypper", "install"), ("micromamba", "install"), ("micromamba", "create"),
               ("mamba", "install"), ("conda", "install"), ("pip", "install"), ("pip3", "install"),
               ("pipx", "install")}  # fmt: skip
_REMOVERS = {("apt-get", "purge"), ("apt-get", "remove"), ("apt", "purge"), ("apt", "remove"),
             ("apk", "del"), ("dnf", "remove"), ("yum", "remove"),
             ("pip", "uninstall")}  # fmt: skip
_SECRET_WORDS = {"PASSWORD", "PASSWD", "PASS", "PWORD", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL",
                 "CREDENTIALS"}  # fmt: skip
_KEY_KINDS = {"API", "ACCESS", "PRIVATE", "SECRET", "SIGNING", "ENCRYPTION", "MASTER"}
_NOT_SECRET_ENDINGS = {"FILE", "PATH", "DIR", "URL", "ENDPOINT", "NAME", "TYPE", "ID", "ENABLED",
                       "LENGTH", "TTL", "TIMEOUT", "HEADER", "EXPIRY", "SCOPE"}  # fmt: skip
#: File names (fnmatch) that hold credentials.
SECRET_FILES = (".env", ".env.*", "*.pem", "*.key", "id_rsa", "id_ed25519", "id_ecdsa", "*.p12",
                "*.pfx", ".pypirc", ".netrc", ".npmrc", "pip.conf", ".git-credentials",
                "credentials.json", ".dockercfg")  # fmt: skip
_NOT_WALKED = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox"}
NOT_SECRET_FILES = (".env.example", ".env.sample", ".env.template", ".env.dist")
_SERVERS = {"uvicorn", "gunicorn", "hypercorn", "daphne", "granian", "waitress-serve", "streamlit",
            "nginx", "httpd", "fastapi", "flask", "panel", "voila", "jupyter", "bokeh"}  # fmt: skip
_PYTHON_WORDS = re.compile(r"python|pypy|micromamba|mamba|conda|miniforge|astral-sh/uv")
_PYTHON_PROGRAMS = {"python", "python3", "pip", "pip3", "uv", "poetry", "uvicorn", "gunicorn",
                    "micromamba", "conda", "mamba", "pipx"}  # fmt: skip


@dataclass(frozen=True)
class Run:
    """A RUN instruction and the commands it executes.

    Attributes:
        stage: The stage it is in.
        instruction: The RUN.
        pipelines: Its pipelines of simple commands.
    """

    stage: Stage
    instruction: Instruction
    pipelines: list[list[Command]]

    @property
    def commands(self) -> list[Command]:
        """Every simple command, in order."""
        return [command for pipeline in self.pipelines for command in pipeline]

    def mounts(self, kind: str) -> list[dict[str, str]]:
        """Return the ``--mount`` flags of this type, as key -> value."""
        result = []
        for mount in self.instruction.flag_values("mount"):
            fields = _mount_fields(mount)
            if fields.get("type", "bind") == kind:
                result.append(fields)
        return result


def _mount_fields(mount: str) -> dict[str, str]:
    """Split a ``--mount`` value into key -> value (``""`` for a bare key such as ``readonly``)."""
    fields: dict[str, str] = {}
    for part in mount.split(","):
        key, _, value = part.partition("=")
        fields[key] = value
    return fields


def runs(dockerfile: Dockerfile, stage: Stage, *, inherited: bool = False) -> Iterator[Run]:
    """Yield the RUN instructions of a stage (and of the stages it builds on, if ``inherited``)."""
    members = dockerfile.ancestry(stage) if inherited else [stage]
    # Several rules read the same RUNs: split each one's shell script once per Dockerfile.
    cache: dict[int, list] = dockerfile.memo.setdefault("pipelines", {})
    for member in members:
        for instruction in member.instructions:
            if instruction.keyword == "RUN":
                key = id(instruction)
                if key not in cache:
                    cache[key] = [p for script in scripts(instruction) for p in pipelines(script)]
                yield Run(member, instruction, list(cache[key]))


def truthy(value: str | None) -> bool:
    """Tell whether an environment value means yes (``1``, ``true``, ``yes``, ``on``)."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def option_value(command: Command, option: str) -> str | None:
    """Return the value of ``--option value`` or ``--option=value``, or ``None``."""
    words = command.args
    for index, word in enumerate(words):
        if word.startswith(option + "="):
            return word.split("=", 1)[1]
        if word == option and index + 1 < len(words):
            return words[index + 1]
    return None


def _program(command: Command) -> tuple[str, list[str]]:
    """Return the program a command runs and its operands, seeing through ``python -m <module>``."""
    args = command.args
    if command.name.startswith("python") and args[:1] == ("-m",) and len(args) > 1:
        return args[1], [w for w in args[2:] if not w.startswith("-")]
    return command.name, command.operands()


def _nth(words: list[str], index: int) -> str:
    return words[index] if len(words) > index else ""


def _subcommand(command: Command) -> tuple[str, str]:
    """Return (program, action), ``uv pip`` read as pip and ``uv tool`` as pipx."""
    name, operands = _program(command)
    if name == "uv" and _nth(operands, 0) in _UV_FRONTS:
        return _UV_FRONTS[operands[0]], _nth(operands, 1)
    return name, _nth(operands, 0)


def _package(word: str) -> str:
    name = re.split(r"[=<>~!\[;@ ]", word, maxsplit=1)[0]
    return name.lower().strip("'\"")


# uv's subcommands that do what another installer does.
_UV_FRONTS = {"pip": "pip", "tool": "pipx"}
_VALUE_OPTIONS = {"-c", "--channel", "-n", "--name", "-p", "--prefix", "-r", "--requirement", "-f",
                  "--file", "--virtual", "-t", "--target", "-i", "--index-url",
                  "--extra-index-url", "--repository", "-X", "--root"}  # fmt: skip


def installed(command: Command) -> list[str]:
    """Return the packages a package-manager command installs (``apt-get install gcc`` -> gcc)."""
    program, action = _subcommand(command)
    args = list(command.args)
    if (program, action) not in _INSTALLERS or action not in args:
        return []
    result, skip = [], False
    for word in args[args.index(action) + 1 :]:
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-") and (name := _package(word)):
            result.append(name)
    return result


def removed(run: Run) -> set[str]:
    """Return the packages a RUN removes again (``apt-get purge``, ``apk del``)."""
    gone: set[str] = set()
    for command in run.commands:
        if (command.name, (command.operands() or [""])[0]) in _REMOVERS:
            gone.update(_package(w) for w in command.operands()[1:])
    return gone


def is_build_package(name: str) -> bool:
    """Tell whether an OS or conda package is a compiler, header set or build tool."""
    dev = any(name.endswith(suffix) and len(name) > len(suffix) for suffix in _DEV_SUFFIXES)
    return name in BUILD_PACKAGES or dev or name.startswith("gcc-")


def feeds(dockerfile: Dockerfile, stage: Stage, finals: list[Stage]) -> bool:
    """Tell whether a stage ends up in a final image: built on, or copied from, by one."""
    wanted: set[int] = set()
    todo = [s.index for final in finals for s in dockerfile.ancestry(final)]
    while todo:
        index = todo.pop()
        if index in wanted:
            continue
        wanted.add(index)
        current = dockerfile.stages[index]
        todo += [s.index for s in dockerfile.ancestry(current)]
        todo += list(dockerfile.dependencies(current))
    return stage.index in wanted


def _is_python_program(program: str) -> bool:
    return program in _PYTHON_PROGRAMS or program.startswith("python")


def _python_base(dockerfile: Dockerfile, stage: Stage) -> bool:
    """Tell whether the image a stage builds on is a Python (or conda, or uv) image."""
    return any(
        member.parent is None and _PYTHON_WORDS.search(parse_image(member.image).name)
        for member in dockerfile.ancestry(stage)
    )


def _python_instruction(instruction: Instruction) -> bool:
    """Tell whether a CMD, ENTRYPOINT or COPY runs Python, or copies from a Python image."""
    source = instruction.flag("from") or ""
    if source and _PYTHON_WORDS.search(source):
        return True
    if instruction.keyword == "COPY" or not instruction.args:
        return False
    words = " ".join(instruction.args).split()
    return bool(words) and _is_python_program(words[0].rsplit("/", 1)[-1])


def is_python(dockerfile: Dockerfile, stage: Stage) -> bool:
    """Tell whether a stage's image runs Python: its base, or what it installs and runs."""
    if _python_base(dockerfile, stage):
        return True
    instructions = dockerfile.instructions_of(stage, "CMD", "ENTRYPOINT", "COPY")
    if any(_python_instruction(instruction) for _, instruction in instructions):
        return True
    return any(
        _is_python_program(command.name)
        for run in runs(dockerfile, stage, inherited=True)
        for command in run.commands
    )


def secret_name(name: str) -> bool:
    """Tell whether a variable's name says it holds a secret (``NEXUS_PASSWORD``, ``API_KEY``)."""
    parts = [p for p in re.split(r"[_\-.]", name.upper()) if p]
    if not parts or parts[-1] in _NOT_SECRET_ENDINGS or "PUBLIC" in parts:
        return False
    if _SECRET_WORDS.intersection(parts):
        return True
    return any(a in _KEY_KINDS and b == "KEY" for a, b in zip(parts, parts[1:], strict=False))


def is_secret_file(name: str) -> bool:
    """Tell whether a file name is one credentials are kept in (``.env``, ``.pypirc``, ...)."""
    return name not in NOT_SECRET_FILES and any(fnmatch.fnmatchcase(name, p) for p in SECRET_FILES)


def user_of(df: Dockerfile, stage: Stage) -> tuple[str | None, Instruction | None]:
    """Return the user a stage's image runs as and the USER that sets it.

    The user is ``None`` when no USER says, or when it comes from a variable with no value.
    """
    found = None
    for member, instruction in df.instructions_of(stage, "USER"):
        found = (member, instruction)
    if found is None:
        return None, None
    member, instruction = found
    value, missing = expand(instruction.text, df.variables(member, upto=instruction.line))
    return (None if missing or not value else value.split(":")[0]), instruction


def pulled_images(df: Dockerfile) -> Iterator[tuple[str, str, tuple[str, ...], int]]:
    """Yield (what, image, unresolved variables, line) for every image the build pulls."""
    for stage in df.stages:
        if stage.parent is None:
            yield f"FROM {stage.base}", stage.image, stage.unresolved, stage.line
        for instruction in stage.instructions:
            for source in _pulled_sources(instruction):
                if df.stage_named(source) is None:
                    value, missing = expand(source, df.variables(stage, upto=instruction.line))
                    yield f"{instruction.keyword} --from={source}", value, missing, instruction.line


def _pulled_sources(instruction: Instruction) -> list[str]:
    """Return the images or stages a ``COPY --from`` or a ``--mount=...,from=`` names."""
    sources = [instruction.flag("from") or ""] if instruction.keyword == "COPY" else []
    for mount in instruction.flag_values("mount"):
        sources += [p[5:] for p in mount.split(",") if p.startswith("from=")]
    return [source for source in sources if source]


def _runs_tool(tool: str, command: Command) -> bool:
    operands = command.operands()
    if command.name != tool:
        return False
    if tool == "poetry":
        return operands[:1] in (["install"], ["sync"])
    return operands[:1] == ["sync"] or operands[:2] in (["pip", "install"], ["pip", "sync"])


def tool_runs(
    df: Dockerfile, tool: str
) -> Iterator[tuple[Stage, Run, Command, dict[str, str | None]]]:
    """Yield (stage, run, command, variables) for each ``poetry install`` or ``uv sync`` (and
    ``uv pip install``), with the variables the command sees, its own ``VAR=value`` included.
    """  # noqa: D205, D209
    for stage in df.stages:
        for run in runs(df, stage):
            for command in run.commands:
                if not _runs_tool(tool, command):
                    continue
                variables = df.variables(stage, upto=run.instruction.line)
                for assignment in command.assignments:
                    name, _, value = assignment.partition("=")
                    variables[name] = value
                yield stage, run, command, variables


def poetry_setting(
    df: Dockerfile, stage: Stage, run: Run, variables: Mapping[str, str | None], key: str
) -> str | None:
    """Return a Poetry setting at a RUN: its ``POETRY_*`` variable, else ``poetry config``."""
    value = variables.get("POETRY_" + key.upper().replace(".", "_").replace("-", "_"))
    if value is not None:
        return value
    for earlier in runs(df, stage, inherited=True):
        if earlier.stage is stage and earlier.instruction.line > run.instruction.line:
            break
        for command in earlier.commands:
            operands = command.operands()
            if command.name == "poetry" and operands[:2] == ["config", key] and len(operands) > 2:
                value = operands[2]
    return value


def context_secrets(root: Path, ignore: DockerIgnore, limit: int = 20) -> list[str]:
    """Return the credential files under a build context that the ignore file lets in."""
    found = []
    for directory, subdirs, files in os.walk(root):
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        # Environments and VCS data are IMG010's own findings; walking them would only be slow.
        subdirs[:] = [
            d for d in subdirs if d not in _NOT_WALKED and not ignore.excludes(prefix + d)
        ]
        found += [
            prefix + n for n in files if is_secret_file(n) and not ignore.excludes(prefix + n)
        ]
        if len(found) >= limit:
            break
    return sorted(found)


def service_reason(df: Dockerfile, stage: Stage) -> tuple[int, str] | None:
    """Return (line, why) when a stage's image is a network service: EXPOSE or a server command."""
    for _, instruction in df.instructions_of(stage, "EXPOSE"):
        return instruction.line, f"it EXPOSEs {instruction.text}"
    for _, instruction in df.instructions_of(stage, "CMD", "ENTRYPOINT"):
        server = _server(" ".join(instruction.args).split())
        if server:
            return instruction.line, f"it runs {server}"
    return None


def _server(words: list[str]) -> str | None:
    """Return the server a command line starts (``uvicorn``, ``http.server``), or ``None``."""
    head = words[:4]
    programs = [w.rsplit("/", 1)[-1] for w in head]
    server = next((p for p in programs if p in _SERVERS), None)
    if server is None and "http.server" in head:
        return "http.server"
    if server is None and "runserver" in words:
        return "runserver"
    return server
