"""Container images: check Dockerfiles, render a reference one, and compute release tags.

The runbook's image guidelines, as code:

- :func:`check` runs the IMG rules (non-root, multi-stage, pinned bases, tool variables, no
  secrets, ...) and hadolint on a project's Dockerfiles, and returns one list of findings;
- :func:`render` writes a reference multi-stage ``Dockerfile`` and ``.dockerignore`` (variants
  ``uv``, ``poetry`` and ``micromamba``) that pass every one of those checks;
- :func:`release_tags` and :func:`publish_commands` say which tags a release gets and show the
  commands that push them to the GitLab container registry and Docker Hub.

- :func:`build_image` builds an image daemonless (buildah), runs it with no network (podman),
  reports what it measured on the image (uid, size, layers, leaks) and pushes it.

The checks read files; :func:`build_image` is where the text's claims become measurements.
"""

from __future__ import annotations

import difflib
import html
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from shipyard._reading import file_limits
from shipyard.config import Settings, load_settings
from shipyard.errors import ConfigError, InputError, did_you_mean
from shipyard.findings import Finding, Findings
from shipyard.images.build import ImageReport, build_image
from shipyard.images.dockerfile import Dockerfile, Instruction, Stage, parse
from shipyard.images.lab import Comparison, compare, image_project
from shipyard.images.leaks import Leak
from shipyard.images.publish import (
    Pulled,
    Pushed,
    RegistryInfo,
    pull_by_digest,
    push_image,
    registry,
)
from shipyard.images.render import VARIANTS, render, render_dockerfile, render_dockerignore
from shipyard.images.tags import PublishCommands, ReleaseTags, publish_commands, release_tags
from shipyard.images.verdict import check_image

#: The runbook chapter this package serves (``notebooks/<name>.ipynb``).
RUNBOOK_CHAPTER = "04_image_guidelines"

__all__ = [
    "RUNBOOK_CHAPTER",
    "VARIANTS",
    "Diff",
    "Dockerfile",
    "Comparison",
    "HadolintResult",
    "ImageContext",
    "ImageReport",
    "Instruction",
    "Leak",
    "PublishCommands",
    "Pulled",
    "Pushed",
    "RegistryInfo",
    "ReleaseTags",
    "Selection",
    "Stage",
    "build_image",
    "check",
    "check_image",
    "check_text",
    "compare",
    "diff",
    "example",
    "find_dockerfiles",
    "hadolint",
    "image_project",
    "is_dockerfile_name",
    "load_dockerfile",
    "publish_commands",
    "pull_by_digest",
    "push_image",
    "registry",
    "release_tags",
    "render",
    "render_dockerfile",
    "render_dockerignore",
    "selection",
]

# The re-exported types and functions are documented, and referenced, as shipyard.images.*.
for _public in (Dockerfile, Instruction, Stage, PublishCommands, ReleaseTags, publish_commands,
                release_tags, render, render_dockerfile, render_dockerignore, ImageReport, Leak,
                build_image, pull_by_digest, Comparison, compare, image_project, Pulled, Pushed,
                RegistryInfo, push_image, registry, check_image):  # fmt: skip
    _public.__module__ = __name__

# Directories never searched for Dockerfiles: environments, caches, VCS data, dependencies.
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox",
                ".mypy_cache", ".ruff_cache", ".pytest_cache", ".jupyter_cache", ".hypothesis",
                "site-packages"}  # fmt: skip
# Names like Dockerfile.<x> that are not Dockerfiles.
_NOT_DOCKERFILE_SUFFIXES = (".dockerignore", ".j2", ".jinja", ".jinja2", ".tmpl", ".template",
                            ".in", ".md", ".txt", ".orig", ".bak", ".rej", ".swp")  # fmt: skip
# hadolint rules an IMG rule reports better; dropped when the IMG rule fires on the same line.
SUPERSEDES = {
    "IMG001": ("DL3002",),
    "IMG003": ("DL3006", "DL3007"),
    "IMG007": ("DL3064",),
    "IMG009": ("DL3009", "DL3015", "DL3019"),
}
_TOOL_ID = re.compile(r"^(DL|SC)\d{0,4}$")
_PRAGMA = re.compile(r"^\s*#\s*shipyard\s+ignore\s*=\s*([A-Z0-9, ]+)", re.IGNORECASE)


@dataclass
class ImageContext:
    """What the IMG rules check: one Dockerfile, the stages that become images, its context.

    Attributes:
        dockerfile: The parsed Dockerfile.
        path: The Dockerfile as findings show it (relative to the checked directory).
        finals: The stages that become images: ``--target`` stages, else the last one.
        dockerignore: The ``.dockerignore`` a build uses, or ``None`` when there is none.
        dockerignore_shown: That file as findings show it.
        context_dir: The build context directory, or ``None`` when only the text is checked.
    """

    dockerfile: Dockerfile
    path: str
    finals: list[Stage]
    dockerignore: Path | None = None
    dockerignore_shown: str = ".dockerignore"
    context_dir: Path | None = None


@dataclass(frozen=True)
class Selection:
    """Which checks run: registry rules, and whether and which hadolint codes.

    Attributes:
        select: Rule id prefixes for the registry (empty: all).
        ignore: Rule ids the registry skips.
        own: Whether any registry rule runs at all.
        hadolint: Whether hadolint runs.
        tool_select: hadolint code prefixes to keep (empty: all).
        tool_ignore: hadolint codes to drop.
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    own: bool = True
    hadolint: bool = True
    tool_select: tuple[str, ...] = ()
    tool_ignore: tuple[str, ...] = field(default=())

    def keeps(self, code: str) -> bool:
        """Tell whether a hadolint finding with this code is reported."""
        if code in self.tool_ignore:
            return False
        return not self.tool_select or any(code.startswith(p) for p in self.tool_select)


def selection(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Selection:
    """Split ``--select``/``--ignore`` ids into Shipyard's rules and hadolint's ``DL``/``SC`` codes.

    hadolint runs when nothing is selected, or when a ``DL``/``SC`` prefix is: ``--select IMG``
    runs only Shipyard's rules, ``--select IMG,DL`` both.
    """
    own_select, tool_select = _split_ids(select)
    own_ignore, tool_ignore = _split_ids(ignore)
    return Selection(
        select=own_select,
        ignore=own_ignore,
        own=bool(own_select) or not tool_select,
        hadolint=not (own_select or tool_select) or bool(tool_select),
        tool_select=tool_select,
        tool_ignore=tool_ignore,
    )


def _split_ids(ids: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split ids (upper-cased, blanks dropped) into Shipyard's and hadolint's ``DL``/``SC`` ones."""
    cleaned = [i.strip().upper() for i in ids if i.strip()]
    own = tuple(i for i in cleaned if not _TOOL_ID.match(i))
    tool = tuple(i for i in cleaned if _TOOL_ID.match(i))
    return own, tool


def is_dockerfile_name(name: str) -> bool:
    """Tell whether a file is named like a Dockerfile (``Dockerfile``, ``*.Dockerfile``, ...)."""
    if name == "Dockerfile" or (name.endswith(".Dockerfile") and len(name) > 11):
        return True
    return name.startswith("Dockerfile.") and not name.endswith(_NOT_DOCKERFILE_SUFFIXES)


def find_dockerfiles(root: Path | str = ".") -> list[Path]:
    """Return the Dockerfiles under ``root``, sorted, skipping environments, caches and ``.git``."""
    root = Path(root)
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d not in SKIPPED_DIRS and not (Path(directory, d) / "pyvenv.cfg").exists()
        )
        found += [Path(directory, f) for f in files if is_dockerfile_name(f)]
    return sorted(found)


def load_dockerfile(path: Path | str) -> Dockerfile:
    """Read and parse a Dockerfile.

    Raises:
        InputError: The file is missing, unreadable, or not a Dockerfile (with the line).
    """
    from shipyard import _reading

    path = Path(path)
    data = _reading.read_bytes(path, "dockerfile")
    return parse(data, path)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _context(path: Path, root: Path, targets: tuple[str, ...]) -> ImageContext:
    from shipyard.images.dockerignore import find_dockerignore

    dockerfile = load_dockerfile(path)
    ignore_file = find_dockerignore(path, root)
    context_dir = (
        ignore_file.parent if ignore_file and ignore_file.name == ".dockerignore" else (path.parent)
    )
    return ImageContext(
        dockerfile=dockerfile,
        path=_shown(path, root),
        finals=dockerfile.final_stages(targets),
        dockerignore=ignore_file,
        dockerignore_shown=_shown(ignore_file, root) if ignore_file else ".dockerignore",
        context_dir=context_dir,
    )


def _pragmas(dockerfile: Dockerfile) -> dict[int, set[str]]:
    """Map each instruction's line to the ids ``# shipyard ignore=...`` comments above it name."""
    lines = dockerfile.lines
    result: dict[int, set[str]] = {}
    for instruction in dockerfile.instructions:
        ids: set[str] = set()
        number = instruction.line - 1
        while number >= 1 and lines[number - 1].lstrip().startswith("#"):
            match = _PRAGMA.match(lines[number - 1])
            if match:
                ids.update(i.strip().upper() for i in match[1].split(",") if i.strip())
            number -= 1
        if ids:
            result[instruction.line] = ids
    return result


def _run_own(context: ImageContext, rules: list, settings: Settings) -> list[Finding]:
    from shipyard.rules import run_rules

    pragmas = _pragmas(context.dockerfile)
    return [
        f
        for f in run_rules(rules, context, context.path, settings)
        if not (f.path == context.path and f.rule_id in pragmas.get(f.line, ()))
    ]


def _run_hadolint(
    targets: list,
    root: Path | None,
    chosen: Selection,
    settings: Settings,
    own: list[Finding],
) -> list[Finding]:
    """Run hadolint, keep what the selection keeps, drop what an IMG finding already says."""
    from shipyard.images import linter

    reported = {(f.path, f.line, code) for f in own for code in SUPERSEDES.get(f.rule_id, ())}
    findings = []
    for issue in linter.run(targets, root):
        if issue.code == linter.NOT_RUN:
            findings.append(Finding(issue.path, issue.line, issue.code, issue.severity,
                                    issue.message, issue.doc_url))  # fmt: skip
            continue
        if not chosen.keeps(issue.code) or (issue.path, issue.line, issue.code) in reported:
            continue
        severity = settings.severity.get(issue.code, issue.severity)
        findings.append(Finding(issue.path, issue.line, issue.code, severity, issue.message,
                                issue.doc_url))  # fmt: skip
    return findings


def _targets(files: list[Path], root: Path, parsed: Sequence[Dockerfile | None]) -> list:
    from shipyard.images import linter

    result = []
    for path, dockerfile in zip(files, parsed, strict=True):
        try:
            argument = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            argument = str(path.resolve())
        result.append(linter.target(argument, _shown(path, root), dockerfile))
    return result


def _check_files(
    files: list[Path], root: Path, chosen: Selection, settings: Settings, targets: tuple[str, ...]
) -> list[Finding]:
    from shipyard.rules import selected_rules

    rules = []
    if chosen.own:
        rules = [r for r in selected_rules(chosen.select, chosen.ignore) if r.family == "IMG"]
    contexts = [_context(path, root, targets) for path in files]
    own = [f for context in contexts for f in _run_own(context, rules, settings)]
    tool = []
    if chosen.hadolint:
        parsed = [c.dockerfile for c in contexts]
        tool = _run_hadolint(_targets(files, root, parsed), root, chosen, settings, own)
    return own + tool


def check(
    path: Path | str = ".",
    *,
    files: Iterable[Path | str] = (),
    targets: Iterable[str] = (),
    settings: Settings | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> Findings:
    """Check Dockerfiles against the IMG rules and hadolint.

    Args:
        path: The project directory (the build context; its ``.hadolint.yaml`` applies), or a
            Dockerfile in it.
        files: The Dockerfiles to check; every Dockerfile under ``path`` when empty.
        targets: Stages that become images (``docker build --target``); the last stage when
            empty.
        settings: Settings (ignores, severities); read from ``path``'s pyproject.toml if omitted.
        select: Rule ids or prefixes to run (``IMG001``, ``IMG``, ``DL3008``, ``DL``).
        ignore: Rule ids to skip.

    Returns:
        The findings, Shipyard's and hadolint's, sorted by file and line.

    Raises:
        InputError: A Dockerfile cannot be read or is not a Dockerfile, a target names no
            stage, or the hadolint configuration is invalid.
        UnknownRuleError: A selected or ignored id matches no rule.
    """
    path = Path(path)
    if not path.exists():
        msg = "no such file or directory"
        raise InputError(msg, path=path, hint="Pass a project directory or a Dockerfile.")
    root = path if path.is_dir() else path.parent
    settings = settings or load_settings(root)
    chosen = selection([*settings.select, *select], [*settings.ignore, *ignore])
    chosen_files = [Path(f) for f in files] or (
        [path] if path.is_file() else find_dockerfiles(root)
    )
    with file_limits(settings.max_file_size):
        return Findings(_check_files(chosen_files, root, chosen, settings, tuple(targets)))


def check_text(
    text: str,
    *,
    name: str = "Dockerfile",
    targets: Iterable[str] = (),
    settings: Settings | None = None,
    hadolint: bool = True,
) -> Findings:
    """Check the text of a Dockerfile, without its build context (so IMG010 does not apply).

    Args:
        text: The Dockerfile.
        name: How findings name it.
        targets: Stages that become images; the last stage when empty.
        settings: Settings; the defaults when omitted.
        hadolint: Run hadolint too.

    Raises:
        InputError: The text is not a Dockerfile.
    """
    from shipyard.images import linter
    from shipyard.rules import selected_rules

    settings = settings or Settings()
    chosen = selection(settings.select, settings.ignore)
    dockerfile = parse(text, name)
    context = ImageContext(dockerfile, name, dockerfile.final_stages(tuple(targets)))
    rules = [r for r in selected_rules(chosen.select, chosen.ignore) if r.family == "IMG"]
    own = _run_own(context, rules, settings) if chosen.own else []
    tool = []
    if hadolint and chosen.hadolint:
        target = linter.target(name, name, dockerfile)
        if target.text is None and not target.skip:
            target = linter.Target(name, name, text, ())
        tool = _run_hadolint([target], None, chosen, settings, own)
    return Findings(own + tool)


@dataclass(frozen=True)
class HadolintResult:
    """hadolint's own verdict on some Dockerfiles, with its version."""

    version: str
    findings: Findings

    def __repr__(self) -> str:
        return f"hadolint {self.version}: {self.findings!r}"

    def _repr_html_(self) -> str:
        return f"<p>hadolint {html.escape(self.version)}</p>" + self.findings._repr_html_()


def hadolint(path: Path | str = ".", *, files: Iterable[Path | str] = ()) -> HadolintResult:
    """Run hadolint alone, as its own CLI would, on a project's Dockerfiles.

    Args:
        path: The project directory (its ``.hadolint.yaml`` applies) or a Dockerfile.
        files: The Dockerfiles; every Dockerfile under ``path`` when empty.
    """
    from shipyard.images import linter

    path = Path(path)
    root = path if path.is_dir() else path.parent
    chosen_files = [Path(f) for f in files] or (
        [path] if path.is_file() else find_dockerfiles(root)
    )
    parsed = [load_dockerfile(f) for f in chosen_files]
    targets = _targets(chosen_files, root, parsed)
    findings = _run_hadolint(targets, root, Selection(), Settings(), [])
    return HadolintResult(linter.version(), Findings(findings))


def example(name: str) -> str:
    """Return the text of a Dockerfile shipped with Shipyard for the runbook and tests.

    Args:
        name: ``seed-004`` (the uv-based Dockerfile of the runbook's seed) or one of its fix
            steps, ``seed-004-step1`` ... ``seed-004-step4``.

    Raises:
        ConfigError: No example has that name; the message suggests the closest.
    """
    folder = resources.files("shipyard.images") / "templates" / "examples"
    candidate = folder / f"{name}.dockerfile"
    if not candidate.is_file():
        available = sorted(p.name.removesuffix(".dockerfile") for p in folder.iterdir())
        msg = f"no example {name!r}{did_you_mean(name, available)}"
        raise ConfigError(msg, hint=f"Pass one of: {', '.join(available)}.")
    return candidate.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Diff:
    """A unified diff between two versions of a file, for a notebook."""

    lines: tuple[str, ...]

    def __repr__(self) -> str:
        return "\n".join(self.lines) if self.lines else "(no change)"

    def _repr_html_(self) -> str:
        styles = {"+": "shipyard-added", "-": "shipyard-removed", "@": "shipyard-hunk"}
        rows = "".join(
            f'<span class="{styles.get(line[:1], "")}">{html.escape(line)}</span>\n'
            for line in self.lines
        )
        return f'<pre class="shipyard-diff">{rows or "(no change)"}</pre>'


def diff(before: str, after: str, name: str = "Dockerfile") -> Diff:
    """Return the unified diff from ``before`` to ``after``."""
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), f"a/{name}", f"b/{name}", lineterm="", n=1
    )
    return Diff(tuple(lines))
