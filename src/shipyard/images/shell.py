"""What a RUN instruction executes, as simple commands: enough shell to check Dockerfiles.

This is not a shell parser. It splits a script on ``;``, ``&&``, ``||``, ``|``, ``&`` and new
lines, removes quotes with :mod:`shlex`, drops leading ``VAR=value`` assignments and wrappers such
as ``sudo`` and ``env``, and follows ``sh -c "..."``: the shapes Dockerfiles use.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from shipyard.images.dockerfile import Instruction

__all__ = ["Command", "commands", "pipelines", "scripts"]

_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"}
_WRAPPERS = {"sudo", "env", "exec", "time", "nice", "nohup", "command", "eatmydata"}
_OPERATORS = {";", "&&", "||", "&", "\n"}
_SEPARATORS = _OPERATORS | {"|", "(", ")"}
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
        return any(_gives(word, option) for word in self.args for option in options)

    def operands(self) -> list[str]:
        """Return the arguments that are not options (a rough cut: ``-x value`` is not known)."""
        return [w for w in self.args if not w.startswith("-")]


def _gives(word: str, option: str) -> bool:
    """Tell whether a word gives an option: ``--opt``, ``--opt=x``, or ``-o`` inside ``-xo``."""
    if word == option or (option.startswith("--") and word.startswith(option + "=")):
        return True
    if not _is_short(option):
        return False
    return word[:1] == "-" and word[:2] != "--" and option[1] in word[1:]


def _is_short(option: str) -> bool:
    """Tell whether an option is one letter (``-o``), which may be grouped (``-xo``)."""
    return len(option) == 2 and option[0] == "-" and option[1] != "-"


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
    """Yield the tokens of each logical line; a line with an open quote joins the next.

    Lines are joined until the quote closes and tokenized once: tokenizing the growing text
    at every line would take quadratic time on an unterminated quote.
    """
    pending: list[str] = []
    quote = ""
    for raw in script.replace("\\\n", " ").splitlines():
        pending.append(raw)
        quote = _open_quote(raw, quote)
        if quote:
            continue
        text = "\n".join(pending)
        pending = []
        try:
            yield _tokens(text)
        except ValueError:
            yield text.split()
    if pending:
        yield "\n".join(pending).split()


def _open_quote(line: str, quote: str) -> str:
    """Return the quote still open after ``line`` (``'``, ``"`` or ``""``), given the one before."""
    index, word_start = 0, True
    while index < len(line):
        char = line[index]
        if not quote and char == "#" and word_start:
            break  # a comment: quotes in it do not count
        quote, escapes = _quote_after(char, quote)
        word_start = char.isspace() or char in ";&|()<>"
        index += 2 if escapes else 1  # an escaped character, in double quotes and outside
    return quote


def _quote_after(char: str, quote: str) -> tuple[str, bool]:
    """Return the quote open after ``char`` and whether ``char`` escapes the next character."""
    if quote == "'":
        return ("" if char == "'" else quote), False
    if char == "\\":
        return quote, True
    if quote == '"':
        return ("" if char == '"' else quote), False
    return (char if char in "'\"" else quote), False


def pipelines(script: str, depth: int = 0) -> list[list[Command]]:
    """Split a script into pipelines of simple commands, following ``sh -c "..."``."""
    result = [pipeline for tokens in _lines(script) for pipeline in _split(tokens)]
    if depth < 3:
        inner = [_inline_script(command) for pipeline in result for command in pipeline]
        result += [pipeline for text in inner if text for pipeline in pipelines(text, depth + 1)]
    return result


def _split(tokens: list[str]) -> list[list[Command]]:
    """Split one line's tokens into pipelines at the control operators."""
    result: list[list[Command]] = []
    current: list[Command] = []
    words: list[str] = []
    for token in [*tokens, ";"]:
        if token not in _SEPARATORS:
            words.append(token)  # a redirection (or an odd operator) stays a word
            continue
        if words:
            current.append(_command(words))
            words = []
        if token != "|" and current:
            result.append(current)
            current = []
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
    """Make a command of one simple command's words: assignments, wrappers and redirects apart."""
    words = words[_leading(words, lambda w: w in _KEYWORDS) :]
    count = _leading(words, _is_assignment)
    assignments, words = words[:count], words[count:]
    passed, words = _unwrap(words)
    kept, redirects = _redirections(words)
    return Command(tuple(kept), tuple(assignments + passed), tuple(redirects))


def _leading(words: list[str], test: Callable[[str], bool]) -> int:
    """Return how many words at the start pass ``test``."""
    count = 0
    while count < len(words) and test(words[count]):
        count += 1
    return count


def _is_assignment(word: str) -> bool:
    return "=" in word and word.split("=", 1)[0].isidentifier()


def _unwrap(words: list[str]) -> tuple[list[str], list[str]]:
    """Drop wrappers such as ``sudo -E`` and ``env A=1``: return env's assignments and the rest."""
    assignments: list[str] = []
    while words and words[0].rsplit("/", 1)[-1] in _WRAPPERS:
        wrapper = words[0].rsplit("/", 1)[-1]
        words = words[1:]
        words = words[_leading(words, lambda w: w.startswith("-")) :]
        if wrapper == "env":
            count = _leading(words, lambda w: "=" in w)
            assignments, words = assignments + words[:count], words[count:]
    return assignments, words


def _redirections(words: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Split words into the command's own and ``(operator, target)`` redirections."""
    kept: list[str] = []
    redirects: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        if not (word and set(word) <= set("<>&")):
            kept.append(word)
            index += 1
            continue
        if kept and kept[-1].isdigit():
            kept.pop()  # the 2 of 2>
        redirects.append((word, words[index + 1] if index + 1 < len(words) else ""))
        index += 2
    return kept, redirects
