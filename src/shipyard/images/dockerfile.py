"""Dockerfiles read with BuildKit's own parser: instructions, stages and the variables they see.

The parser is the ``dockerfile`` distribution: Python bindings of the Go parser in
``moby/buildkit/frontend/dockerfile/parser``, so line continuations, heredocs, the ``escape``
directive, flags such as ``--platform`` and ``--mount`` and the exec (JSON) form are read exactly as
``docker build`` reads them. ``dockerfile-parse``, the other maintained parser on PyPI, reads each
line of a heredoc as an instruction and leaves flags unparsed.

What the Go parser does not do, this module does: it rejects what is not a Dockerfile (binary
data, unknown instructions) with the line, groups instructions into stages, and expands
``$VAR``/``${VAR:-default}`` from ``ARG`` defaults and ``ENV`` values, the way BuildKit does for
``FROM``, ``USER`` and ``ENV``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from shipyard.errors import InputError, did_you_mean

__all__ = [
    "KEYWORDS",
    "Dockerfile",
    "ImageRef",
    "Instruction",
    "Stage",
    "expand",
    "parse",
    "parse_image",
]

KEYWORDS = ("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
            "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
            "WORKDIR")  # fmt: skip
# Build arguments BuildKit defines without an ARG; their value depends on the build machine.
_AUTOMATIC_ARGS = ("TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM",
                   "BUILDOS", "BUILDARCH", "BUILDVARIANT")  # fmt: skip
_HINT = "Check the file is a Dockerfile; `docker build` would stop at the same place."
_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+])?(?P<word>[^}]*)\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class Instruction:
    """One instruction as BuildKit reads it.

    Attributes:
        keyword: The instruction, upper case (``RUN``).
        line: The line it starts on (1-based).
        end_line: The line it ends on, after continuations and heredocs.
        args: Its arguments: for the shell form of RUN/CMD/ENTRYPOINT one string, the command.
        flags: Its ``--name=value`` flags, as written.
        json: Whether it is written in the exec (JSON) form.
        heredocs: The bodies of its heredocs, in order.
        original: The instruction's text, continuations joined.
        sub: For ``ONBUILD``, the instruction it triggers.
    """

    keyword: str
    line: int
    end_line: int
    args: tuple[str, ...]
    flags: tuple[str, ...] = ()
    json: bool = False
    heredocs: tuple[str, ...] = ()
    original: str = ""
    sub: str | None = None

    def flag(self, name: str) -> str | None:
        """Return the value of ``--name=value`` (``""`` for a bare ``--name``), or ``None``."""
        for item in self.flags:
            key, _, value = item.partition("=")
            if key.lstrip("-").lower() == name:
                return value
        return None

    def flag_values(self, name: str) -> list[str]:
        """Return the values of every ``--name=...`` flag (``--mount`` may repeat)."""
        result = []
        for item in self.flags:
            key, _, value = item.partition("=")
            if key.lstrip("-").lower() == name:
                result.append(value)
        return result

    @property
    def text(self) -> str:
        """The arguments as one string (the command of a shell-form RUN)."""
        return " ".join(self.args)


@dataclass
class Stage:
    """A build stage: a FROM and the instructions up to the next one.

    Attributes:
        index: Position among the stages, from 0.
        name: The ``AS`` name, lower case, or ``None``.
        base: The image or stage FROM names, as written.
        image: The base after expanding build arguments (``""`` when one has no value).
        line: The line of the FROM.
        platform: The ``--platform`` flag, as written.
        parent: The index of the earlier stage FROM names, or ``None`` for an image.
        unresolved: Variables in ``base`` that have no value.
        instructions: The instructions after the FROM.
    """

    index: int
    name: str | None
    base: str
    image: str
    line: int
    platform: str | None = None
    parent: int | None = None
    unresolved: tuple[str, ...] = ()
    instructions: list[Instruction] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The stage as messages name it, e.g. ``stage 'build'`` or ``stage 2``."""
        return f"stage {self.name!r}" if self.name else f"stage {self.index}"


@dataclass(frozen=True)
class ImageRef:
    """An image reference split into its parts (``registry:5000/group/name:tag@digest``).

    Attributes:
        registry: The registry host (and port), or ``""`` for Docker Hub.
        repository: The path in the registry, e.g. ``library/python`` on Docker Hub.
        tag: The tag, or ``""``.
        digest: The digest (``sha256:...``), or ``""``.
    """

    registry: str
    repository: str
    tag: str
    digest: str

    @property
    def name(self) -> str:
        """Registry and repository as usually written: ``python``, ``ghcr.io/astral-sh/uv``."""
        repository = (
            self.repository.removeprefix("library/") if not self.registry else (self.repository)
        )
        return f"{self.registry}/{repository}" if self.registry else repository


def parse_image(reference: str) -> ImageRef:
    """Split an image reference; a ``:port`` in the registry part is not a tag."""
    rest, _, digest = reference.partition("@")
    slash = rest.rfind("/")
    tag = ""
    if ":" in rest[slash + 1 :]:
        rest, _, tag = rest.rpartition(":")
    first, sep, remainder = rest.partition("/")
    registry = ""
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first, remainder
    if registry in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        registry = ""
    if not registry and "/" not in rest:
        rest = f"library/{rest}"
    return ImageRef(registry.lower(), rest, tag, digest)


def expand(word: str, variables: Mapping[str, str | None]) -> tuple[str, tuple[str, ...]]:
    """Expand ``$NAME``, ``${NAME}``, ``${NAME:-word}`` and ``${NAME:+word}`` like BuildKit.

    Args:
        word: The text to expand.
        variables: Known variables; ``None`` for one declared without a value.

    Returns:
        The expanded text, and the names that had no value (expanded to ``""``).
    """
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["plain"]
        value = variables.get(name)
        op, alternative = match["op"], match["word"] or ""
        is_set = value is not None and (value != "" or not (op or "").startswith(":"))
        if op in (":-", "-"):
            return value if is_set and value is not None else expand(alternative, variables)[0]
        if op in (":+", "+"):
            return expand(alternative, variables)[0] if is_set else ""
        if value is None:
            missing.append(name)
            return ""
        return value

    return _VARIABLE.sub(replace, word), tuple(missing)


def unquote(word: str, escape: str = "\\") -> str:
    """Remove shell quotes from one word of an ENV, ARG or LABEL value."""
    out, quote, index = [], "", 0
    while index < len(word):
        char = word[index]
        if char == escape and quote != "'" and index + 1 < len(word):
            out.append(word[index + 1])
            index += 2
            continue
        if char in "'\"" and (not quote or quote == char):
            quote = "" if quote else char
        else:
            out.append(char)
        index += 1
    return "".join(out)


@dataclass
class Dockerfile:
    """A parsed Dockerfile.

    Attributes:
        path: The file (for messages; may not exist when parsed from text).
        text: Its text.
        instructions: Every instruction, in order.
        global_args: ARGs declared before the first FROM: name -> default (``None`` if none).
        stages: The build stages, in order.
        escape: The escape character: a backslash, unless an ``# escape=`` directive says otherwise.
    """

    path: Path
    text: str
    instructions: list[Instruction]
    global_args: dict[str, str | None]
    stages: list[Stage]
    escape: str = "\\"
    _names: dict[str, Stage] | None = field(default=None, init=False, repr=False, compare=False)
    #: What readers derive from the instructions once (e.g. each RUN's commands), by name.
    memo: dict[str, dict] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def lines(self) -> list[str]:
        """The file's lines."""
        return self.text.splitlines()

    def stage_named(self, name: str) -> Stage | None:
        """Return the stage with this ``AS`` name (case-insensitive) or index."""
        from shipyard._reading import decimal

        number = decimal(name)  # never raises: '²'.isdigit() is true, int('²') fails
        if number is not None:
            return self.stages[number] if number < len(self.stages) else None
        if self._names is None:
            self._names = {s.name: s for s in self.stages if s.name}
        return self._names.get(name.lower())

    def final_stages(self, targets: tuple[str, ...] | list[str] = ()) -> list[Stage]:
        """Return the stages that become images: ``targets`` (``--target``), else the last one.

        Raises:
            InputError: A target names no stage; the message suggests the closest name.
        """
        if not targets:
            return [self.stages[-1]]
        result = []
        for target in targets:
            stage = self.stage_named(target)
            if stage is None:
                names = [s.name for s in self.stages if s.name]
                msg = f"no stage named {target!r}{did_you_mean(target.lower(), names)}"
                hint = f"Stages: {', '.join(names) or '(none is named)'}."
                raise InputError(msg, path=self.path, hint=hint)
            result.append(stage)
        return result

    def ancestry(self, stage: Stage) -> list[Stage]:
        """Return the stage and the stages it builds on (FROM <stage>), oldest first."""
        chain = [stage]
        while chain[-1].parent is not None and len(chain) <= len(self.stages):
            chain.append(self.stages[chain[-1].parent])
        return list(reversed(chain))

    def instructions_of(self, stage: Stage, *keywords: str) -> Iterator[tuple[Stage, Instruction]]:
        """Yield the instructions that make up the stage's image, inherited ones first."""
        for member in self.ancestry(stage):
            for instruction in member.instructions:
                if not keywords or instruction.keyword in keywords:
                    yield member, instruction

    def variables(self, stage: Stage, upto: int | None = None) -> dict[str, str | None]:
        """Return the variables a stage's instructions see: its ARGs, then ENV (which wins).

        Args:
            stage: The stage.
            upto: Only instructions before this line count (the state at that line).
        """
        env: dict[str, str | None] = {}
        for member in self.ancestry(stage):
            args, env = self._declared(member, upto, env)
            if member is stage:
                return {**args, **env}
        return env

    def _declared(
        self, member: Stage, upto: int | None, env: dict[str, str | None]
    ) -> tuple[dict[str, str | None], dict[str, str | None]]:
        """Read one stage's ARGs and ENVs before ``upto``, after the ENV of the stages before.

        Returns:
            The stage's ARGs (a default, else the global ARG's), and ``env`` with its ENVs added.
        """
        args: dict[str, str | None] = {}
        env = dict(env)
        for instruction in member.instructions:
            if upto is not None and instruction.line >= upto:
                break
            scope = {**args, **env}
            if instruction.keyword == "ARG":
                for name, default in _pairs(instruction, self.escape, scope):
                    args[name] = default if default is not None else self.global_args.get(name)
            elif instruction.keyword == "ENV":
                env.update(
                    (name, value or "") for name, value in _pairs(instruction, self.escape, scope)
                )
        return args, env

    def env(self, stage: Stage) -> dict[str, str]:
        """Return the ENV variables the stage's image carries (inherited ones included)."""
        result: dict[str, str] = {}
        for member, instruction in self.instructions_of(stage, "ENV"):
            scope = self.variables(member, upto=instruction.line)
            for name, value in _pairs(instruction, self.escape, scope):
                result[name] = value or ""
        return result

    def dependencies(self, stage: Stage) -> set[int]:
        """Return the indexes of the stages this one copies from or mounts."""
        found = set()
        for instruction in stage.instructions:
            sources = (
                [instruction.flag("from") or ""] if instruction.keyword in ("COPY", "ADD") else []
            )
            for mount in instruction.flag_values("mount"):
                sources += [p.split("=", 1)[1] for p in mount.split(",") if p.startswith("from=")]
            for source in sources:
                other = self.stage_named(source) if source else None
                if other is not None:
                    found.add(other.index)
        return found


def _pairs(
    instruction: Instruction, escape: str, scope: Mapping[str, str | None]
) -> Iterator[tuple[str, str | None]]:
    """Yield (name, value) of an ENV (pairs) or ARG (``NAME`` or ``NAME=default``)."""
    if instruction.keyword == "ENV":
        items = list(instruction.args)
        for name, value in zip(items[::2], items[1::2], strict=False):
            yield name, expand(unquote(value, escape), scope)[0]
        return
    for item in instruction.args:
        name, sep, default = item.partition("=")
        yield name, expand(unquote(default, escape), scope)[0] if sep else None


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        msg = "UTF-16 text: Docker reads Dockerfiles as UTF-8"
        raise InputError(msg, path=path, line=1, hint="Save the Dockerfile as UTF-8.")
    if b"\x00" in data:
        msg = "not a text file (it contains NUL bytes)"
        raise InputError(msg, path=path, hint="Point Shipyard at a Dockerfile.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = f"not UTF-8 text (byte 0x{data[exc.start]:02x})"
        raise InputError(msg, path=path, line=line, hint="Save the Dockerfile as UTF-8.") from None


def _escape_directive(text: str) -> str:
    for line in text.splitlines():
        match = re.match(r"\s*#\s*(\w+)\s*=\s*(\S+)", line)
        if not match:
            break
        if match[1].lower() == "escape" and match[2] in ("`", "\\"):
            return match[2]
    return "\\"


def _go_error_line(message: str, text: str) -> int | None:
    if "heredoc" in message:
        openers = [n for n, line in enumerate(text.splitlines(), 1) if "<<" in line]
        return openers[-1] if openers else None
    match = re.search(r"line (\d+)", message)
    return int(match[1]) if match else None


def parse(data: bytes | str, path: Path | str = "Dockerfile") -> Dockerfile:
    """Parse a Dockerfile.

    Args:
        data: The file's content.
        path: Where it comes from, for messages.

    Returns:
        The instructions grouped into stages, with ARGs declared before the first FROM.

    Raises:
        InputError: The content is not a Dockerfile: binary, empty, an unknown instruction, no
            FROM, or a syntax error BuildKit reports (e.g. an unterminated heredoc), with the line.
    """
    import dockerfile  # ty: ignore[import-not-found] - a compiled extension without stubs

    path = Path(path)
    text = _decode(data, path) if isinstance(data, bytes) else data
    if "\x00" in text:
        text = _decode(text.encode("utf-8", "replace"), path)
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        message = str(exc)
        if message == "file with no instructions":
            msg = "the file has no instructions: a Dockerfile starts with FROM (or ARG, then FROM)"
            raise InputError(msg, path=path, hint="Point Shipyard at a Dockerfile.") from None
        line = _go_error_line(message, text)
        raise InputError(message, path=path, line=line, hint=_HINT) from None
    instructions = [_instruction(c, path) for c in commands]
    return _build(path, text, instructions)


class _GoHeredoc(Protocol):
    """A ``dockerfile.Heredoc``: one heredoc of an instruction."""

    @property
    def content(self) -> str: ...


class _GoCommand(Protocol):
    """A ``dockerfile.Command``: an instruction as the Go parser returns it.

    The ``dockerfile`` distribution is a compiled extension without type stubs; this says what
    :func:`_instruction` reads from it.
    """

    @property
    def cmd(self) -> str: ...
    @property
    def sub_cmd(self) -> str | None: ...
    @property
    def json(self) -> bool: ...
    @property
    def original(self) -> str: ...
    @property
    def start_line(self) -> int: ...
    @property
    def end_line(self) -> int: ...
    @property
    def flags(self) -> tuple[str, ...]: ...
    @property
    def value(self) -> tuple[str, ...]: ...
    @property
    def heredocs(self) -> tuple[_GoHeredoc, ...]: ...


def _instruction(command: _GoCommand, path: Path) -> Instruction:
    keyword = str(command.cmd).upper()
    line = int(command.start_line)
    if keyword not in KEYWORDS:
        msg = f"{str(command.cmd)!r} is not a Dockerfile instruction"
        suggestion = did_you_mean(keyword, KEYWORDS)
        raise InputError(msg + suggestion, path=path, line=line, hint=_HINT)
    return Instruction(
        keyword=keyword,
        line=line,
        end_line=int(command.end_line),
        args=tuple(command.value),
        flags=tuple(command.flags),
        json=bool(command.json),
        heredocs=tuple(h.content for h in command.heredocs),
        original=str(command.original),
        sub=command.sub_cmd.upper() if command.sub_cmd else None,
    )


def _build(path: Path, text: str, instructions: list[Instruction]) -> Dockerfile:
    escape = _escape_directive(text)
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    names: dict[str, int] = {}  # stage name -> index: lookups stay linear in the stages
    for instruction in instructions:
        if instruction.keyword == "FROM":
            stages.append(_stage(instruction, len(stages), names, global_args, path))
            if stages[-1].name:
                names[stages[-1].name] = stages[-1].index
        elif not stages:
            if instruction.keyword != "ARG":
                msg = f"{instruction.keyword} before the first FROM: only ARG may come before it"
                raise InputError(msg, path=path, line=instruction.line, hint=_HINT)
            scope = {**{a: None for a in _AUTOMATIC_ARGS}, **global_args}
            global_args.update(_pairs(instruction, escape, scope))
        else:
            stages[-1].instructions.append(instruction)
    if not stages:
        msg = "no FROM instruction: every Dockerfile needs a base image"
        raise InputError(msg, path=path, hint="Start the build stage with `FROM <image>:<tag>`.")
    return Dockerfile(path, text, instructions, global_args, stages, escape)


def _stage(
    instruction: Instruction,
    index: int,
    names: dict[str, int],
    global_args: dict[str, str | None],
    path: Path,
) -> Stage:
    args = instruction.args
    if not _is_from(args):
        msg = f"FROM takes an image and an optional 'AS name', not {instruction.text!r}"
        raise InputError(msg, path=path, line=instruction.line, hint=_HINT)
    name = args[2].lower() if len(args) == 3 else None
    if name and name in names:
        msg = f"the stage name {name!r} is used twice"
        raise InputError(
            msg, path=path, line=instruction.line, hint="Give each stage its own name."
        )
    image, missing = expand(args[0], global_args)
    parent = names.get(image.lower())
    return Stage(
        index=index,
        name=name,
        base=args[0],
        image=image,
        line=instruction.line,
        platform=instruction.flag("platform"),
        parent=parent,
        unresolved=missing,
    )


def _is_from(args: tuple[str, ...]) -> bool:
    """Tell whether FROM's arguments are ``image`` or ``image AS name``."""
    if not args or args[0] == "":
        return False
    return len(args) == 1 or (len(args) == 3 and args[1].lower() == "as")
