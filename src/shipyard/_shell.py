"""What a RUN instruction executes, as simple commands: enough shell to check Dockerfiles.

This is not a shell parser. It splits a script on ``;``, ``&&``, ``||``, ``|``, ``&`` and new
lines, removes quotes with :mod:`shlex`, drops leading ``VAR=value`` assignments and wrappers such
as ``sudo`` and ``env``, and follows ``sh -c "..."``: the shapes Dockerfiles use.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from shipyard._dockerfile import Instruction

__all__ = ["Command", "commands", "pipelines", "scripts"]

_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"}
_WRAPPERS = {"sudo", "env", "exec", "time", "nice", "nohup", "command", "eatmydata"}
_OPERATORS = {";", "&&", "||", "&", "\n"}
_KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}"}


@dataclass(frozen=True)
class Command:
    """A simple command.

    Attributes:
        words: The command and its arguments, quotes removed.
        assignments: ``VAR=value`` words written before the command.
        redirects: ``(operator, target)`` pairs, e.g. ``(">", "install.sh")``.
    """

    words: tuple[str, ...]
    assignments: tuple[str, ...] = ()
    redirects: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """The program's base name (``/usr/bin/apt-get`` -> ``apt-get``), or ``""``."""
        return self.words[0].rsplit("/", 1)[-1] if self.words else ""

    @property
    def args(self) -> tuple[str, ...]:
        """The words after the program."""
        return self.words[1:]

    def has_option(self, *options: str) -> bool:
        """Tell whether any of ``options`` is given (``--opt``, ``--opt=x`` or inside ``-abc``)."""
        for word in self.args:
            for option in options:
                if word == option or (option.startswith("--") and word.startswith(option + "=")):
                    return True
                short = len(option) == 2 and option[0] == "-" and option[1] != "-"
                if short and word[:1] == "-" and word[:2] != "--" and option[1] in word[1:]:
                    return True
        return False

    def operands(self) -> list[str]:
        """Return the arguments that are not options (a rough cut: ``-x value`` is not known)."""
        return [w for w in self.args if not w.startswith("-")]


def scripts(instruction: Instruction) -> list[str]:
    """Return the shell scripts a RUN executes: its command line, and heredocs a shell reads."""
    if instruction.json:
        return [shlex.join(instruction.args)]
    line = instruction.text
    result = [line]
    if instruction.heredocs:
        head = line.split("<<", 1)[0].strip().split()
        program = head[0].rsplit("/", 1)[-1] if head else ""
        if not head or program in _SHELLS:
            result += list(instruction.heredocs)
    return result


def _tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _lines(script: str) -> Iterator[list[str]]:
    """Yield the tokens of each logical line; a line with an open quote joins the next."""
    pending = ""
    for raw in script.replace("\\\n", " ").splitlines():
        text = f"{pending}\n{raw}" if pending else raw
        try:
            tokens = _tokens(text)
        except ValueError:
            pending = text
            continue
        pending = ""
        yield tokens
    if pending:
        yield pending.split()


def pipelines(script: str, depth: int = 0) -> list[list[Command]]:
    """Split a script into pipelines of simple commands, following ``sh -c "..."``."""
    result: list[list[Command]] = []
    for tokens in _lines(script):
        current: list[Command] = []
        words: list[str] = []
        for token in [*tokens, ";"]:
            if token in _OPERATORS or token == "|" or token in ("(", ")"):
                if words:
                    current.append(_command(words))
                    words = []
                if token != "|" and current:
                    result.append(current)
                    current = []
            elif set(token) <= set("<>&|;()"):
                words.append(token)  # a redirection (or an odd operator): keep it as a word
            else:
                words.append(token)
        if current:
            result.append(current)
    if depth < 3:
        nested = []
        for pipeline in result:
            for command in pipeline:
                inner = _inline_script(command)
                if inner:
                    nested += pipelines(inner, depth + 1)
        result += nested
    return result


def _inline_script(command: Command) -> str:
    if command.name in _SHELLS and "-c" in command.args:
        index = command.args.index("-c")
        if index + 1 < len(command.args):
            return command.args[index + 1]
    return ""


def commands(script: str) -> list[Command]:
    """Return every simple command of a script, in order."""
    return [command for pipeline in pipelines(script) for command in pipeline]


def _command(words: list[str]) -> Command:
    assignments = []
    while words and words[0] in _KEYWORDS:
        words.pop(0)
    while words and "=" in words[0] and words[0].split("=", 1)[0].isidentifier():
        assignments.append(words.pop(0))
    while words and words[0].rsplit("/", 1)[-1] in _WRAPPERS:
        wrapper = words.pop(0).rsplit("/", 1)[-1]
        while words and words[0].startswith("-"):
            words.pop(0)
        if wrapper == "env":
            while words and "=" in words[0]:
                assignments.append(words.pop(0))
    kept: list[str] = []
    redirects: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word and set(word) <= set("<>&"):
            if kept and kept[-1].isdigit():
                kept.pop()  # the 2 of 2>
            target = words[index + 1] if index + 1 < len(words) else ""
            redirects.append((word, target))
            index += 2
            continue
        kept.append(word)
        index += 1
    return Command(tuple(kept), tuple(assignments), tuple(redirects))
