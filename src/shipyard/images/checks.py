"""What the IMG rules look for in a RUN, a COPY or an ENV, one question per function.

The rules in :mod:`shipyard.images.rules` walk the stages and word the findings; the functions here
answer one question each about a parsed instruction (which build tools a RUN installs, whether a
downloaded script runs unchecked, which secret files a COPY brings in) and return plain values:
names, messages' details, lines. They build on the facts in :mod:`shipyard.images.facts`; the
Poetry and uv settings are :mod:`shipyard.images.tools`' concern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipyard.images import facts
from shipyard.images.dockerfile import Dockerfile, Instruction, Stage
from shipyard.images.facts import Run
from shipyard.images.shell import Command

__all__ = [
    "build_tools",
    "copied_secret_files",
    "copied_uv_images",
    "download_problems",
    "has_inline_credential",
    "package_problems",
    "piped_installers",
    "recursive_chown",
    "secret_variables",
    "unchecked_adds",
]

_URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]{0,31}://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_TOKEN = re.compile(
    r"glpat-[\w-]{20}|gh[pousr]_\w{30,}|github_pat_\w{30,}|AKIA[0-9A-Z]{16}|"
    r"xox[abprs]-[\w-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY"
)
_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "python", "python3", "perl", "ruby", "node"}
_DOWNLOADERS = {"curl", "wget"}
_VERIFIERS = {"sha256sum", "sha512sum", "sha1sum", "shasum", "md5sum", "gpg", "gpgv", "cosign",
              "minisign", "b2sum", "sha384sum"}  # fmt: skip
_OUTPUT_OPTIONS = ("-o", "-O", "--output")


# IMG002: build tools in a final image.


def build_tools(run: Run) -> Iterator[str]:
    """Yield, per command of a RUN, the build packages and tools it installs and keeps ("a, b")."""
    gone = facts.removed(run)
    for command in run.commands:
        found = [
            p
            for p in facts.installed(command)
            if p not in gone and (facts.is_build_package(p) or p in facts.BUILD_TOOLS)
        ]
        if found:
            yield ", ".join(dict.fromkeys(found))


def piped_installers(run: Run) -> Iterator[str]:
    """Yield the tool (``poetry`` or ``uv``) each ``curl <installer> | sh`` of a RUN installs."""
    for pipeline in run.pipelines:
        text = " ".join(w for c in pipeline for w in c.words)
        if (
            pipeline[0].name in _DOWNLOADERS
            and len(pipeline) > 1
            and ("install.python-poetry.org" in text or "astral.sh/uv" in text)
        ):
            yield "poetry" if "poetry" in text else "uv"


def copied_uv_images(dockerfile: Dockerfile, stage: Stage) -> Iterator[tuple[str, int]]:
    """Yield (image, line) for each ``COPY --from=<uv image>`` in a stage's image."""
    for _, instruction in dockerfile.instructions_of(stage, "COPY"):
        source = (instruction.flag("from") or "").lower()
        if dockerfile.stage_named(source) is None and "astral-sh/uv" in source:
            yield source, instruction.line


# IMG007: secrets.


def secret_variables(instruction: Instruction) -> list[str]:
    """Return the ENV or ARG names of an instruction that say they hold a secret."""
    if instruction.keyword == "ENV":
        names = list(instruction.args[::2])
    elif instruction.keyword == "ARG":
        names = [a.split("=")[0] for a in instruction.args]
    else:
        return []
    return [name for name in names if facts.secret_name(name)]


def has_inline_credential(instruction: Instruction) -> bool:
    """Tell whether an ENV, ARG, LABEL or RUN writes a ``user:password@`` URL or a token."""
    if instruction.keyword not in ("ENV", "ARG", "LABEL", "RUN"):
        return False
    text = instruction.original
    return bool(_URL_CREDENTIALS.search(text) or _TOKEN.search(text))


def copied_secret_files(instruction: Instruction) -> list[str]:
    """Return the sources of a COPY or ADD from the build context that are credential files."""
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return []
    return [
        source
        for source in instruction.args[:-1]
        if facts.is_secret_file(source.rstrip("/").rsplit("/", 1)[-1])
    ]


# IMG008: downloads run without a check.


def _piped_into_shell(pipeline: list[Command]) -> tuple[str, str] | None:
    """Return (url, shell) when a pipeline pipes a download into a shell or interpreter."""
    first, rest = pipeline[0], pipeline[1:]
    if first.name not in _DOWNLOADERS:
        return None
    shell = next((c.name for c in rest if c.name in _SHELLS), None)
    if shell is None:
        return None
    urls = [w for w in first.args if re.match(r"(https?|ftp)://", w)]
    return (urls[0] if urls else "a download"), shell


def _saved_by(command: Command) -> set[str]:
    """Return the files a downloader writes: its ``-o``/``-O``/``--output`` and redirections."""
    saved = {target for op, target in command.redirects if op in (">", ">>")}
    out = next((v for o in _OUTPUT_OPTIONS if (v := facts.option_value(command, o))), None)
    if out:
        saved.add(out)
    return saved


def _runs_one_of(command: Command, saved: set[str]) -> bool:
    """Tell whether a command runs one of these files, directly or through a shell."""
    if command.name in _SHELLS and set(command.args) & saved:
        return True
    program = command.words[0]
    return program in saved or any(program.endswith("/" + s.rsplit("/", 1)[-1]) for s in saved)


def download_problems(run: Run) -> Iterator[str]:
    """Yield a message for each download a RUN runs without checking it first."""
    verified = any(c.name in _VERIFIERS for c in run.commands)
    saved: set[str] = set()
    for pipeline in run.pipelines:
        piped = _piped_into_shell(pipeline)
        if piped is not None:
            yield f"{piped[0]} is piped into {piped[1]} without a checksum"
            continue
        for command in pipeline:
            if command.name in _DOWNLOADERS:
                saved |= _saved_by(command)
            elif saved and not verified and _runs_one_of(command, saved):
                yield f"runs the downloaded {command.words[-1]!r} without checking its checksum"


def unchecked_adds(stage: Stage) -> Iterator[tuple[str, int]]:
    """Yield (url, line) for each ``ADD <url>`` of a stage without ``--checksum``."""
    for instruction in stage.instructions:
        if instruction.keyword != "ADD" or instruction.flag("checksum") is not None:
            continue
        for source in instruction.args[:-1]:
            if re.match(r"https?://", source) and not source.endswith(".git"):
                yield source, instruction.line


# IMG009: lean OS package installs.


def _removes(run: Run, path: str) -> bool:
    """Tell whether a RUN has an ``rm`` of something under ``path``."""
    return any(c.name == "rm" and any(path in w for w in c.args) for c in run.commands)


def _apt_lists_cleaned(run: Run) -> bool:
    """Tell whether a RUN leaves no apt lists in its layer: a cache mount or an ``rm``."""
    cached = any("/var/lib/apt" in m.get("target", m.get("dst", "")) for m in run.mounts("cache"))
    return cached or _removes(run, "/var/lib/apt/lists")


def _apt_problems(command: Command, cleaned: bool) -> Iterator[str]:
    if not command.has_option("--no-install-recommends") and not any(
        "Install-Recommends" in w for w in command.args
    ):
        yield f"{command.name} install without --no-install-recommends"
    if not cleaned:
        yield (
            "the apt package lists stay in the layer: add "
            "'rm -rf /var/lib/apt/lists/*' to the same RUN"
        )


def package_problems(run: Run) -> Iterator[str]:
    """Yield what each ``apt-get install`` or ``apk add`` of a RUN leaves in the layer."""
    cleaned = _apt_lists_cleaned(run)
    for command in run.commands:
        action = (command.operands() or [""])[0]
        if command.name in ("apt-get", "apt") and action == "install":
            yield from _apt_problems(command, cleaned)
        elif (
            command.name == "apk"
            and action == "add"
            and not command.has_option("--no-cache")
            and not _removes(run, "/var/cache/apk")
        ):
            yield "apk add without --no-cache: the index stays in the layer"


# IMG012: chown -R.


def recursive_chown(run: Run) -> Command | None:
    """Return the first ``chown -R`` of a RUN that touches more than directories it just made."""
    made = {w.rstrip("/") for c in run.commands if c.name == "mkdir" for w in c.operands()}
    for command in run.commands:
        if command.name != "chown" or not command.has_option("-R", "--recursive"):
            continue
        targets = [w.rstrip("/") for w in command.operands()[1:]]
        if not targets or not set(targets) <= made:
            return command
    return None
