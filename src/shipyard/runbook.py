"""What the runbook notebooks display: the target, sample projects, commands and the path diagram.

Where outputs must be stable (the site build and the notebook tests set
``SHIPYARD_STABLE_OUTPUT=1``), temporary directories show as ``<workspace>`` and loopback ports as
``<port>``, so nothing volatile reaches a committed output. In a live kernel the real values show,
so a printed URL or ``pip.conf`` can be copied as it is.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shipyard._tempdirs import temporary_directory
from shipyard.config import Settings, load_settings
from shipyard.errors import ConfigError, did_you_mean

__all__ = [
    "DIAGRAM_KEYS",
    "CommandResult",
    "PathDiagram",
    "TargetInfo",
    "Workspace",
    "normalise",
    "path_diagram",
    "sample_project",
    "stable_output",
    "target",
]

_PLACEHOLDERS: dict[str, str] = {}
_LOOPBACK_PORT = re.compile(r"(127\.0\.0\.1|localhost):\d+")
#: Set to ``1`` where outputs are committed or compared: the site build and the notebook tests.
STABLE_OUTPUT_ENV = "SHIPYARD_STABLE_OUTPUT"


def stable_output() -> bool:
    """Tell whether outputs must be stable (``SHIPYARD_STABLE_OUTPUT=1``): placeholders on."""
    return os.environ.get(STABLE_OUTPUT_ENV, "").strip().lower() in ("1", "true", "yes")


def normalise(text: str) -> str:
    """Replace volatile values in ``text`` where outputs must be stable; else return it as is.

    With ``SHIPYARD_STABLE_OUTPUT=1``, workspace paths become ``<workspace>`` and loopback ports
    ``<port>``, so committed notebook outputs compare equal from run to run. Every function that
    prints for a notebook passes its output through here.
    """
    if not stable_output():
        return text
    for path, placeholder in sorted(_PLACEHOLDERS.items(), key=lambda item: -len(item[0])):
        text = text.replace(path, placeholder)
    return _LOOPBACK_PORT.sub(r"\1:<port>", text)


@dataclass(frozen=True)
class TargetInfo:
    """Where the runbook's actions go, and why."""

    name: str
    reason: str
    nexus: str
    gitlab: str

    def __repr__(self) -> str:
        return (
            f"Target: {self.name} ({self.reason})\n  Nexus:  {self.nexus}\n  GitLab: {self.gitlab}"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{k}</th><td>{html.escape(v)}</td></tr>"
            for k, v in (("target", f"{self.name} ({self.reason})"), ("Nexus", self.nexus),
                         ("GitLab", self.gitlab))
        )  # fmt: skip
        return f'<table class="shipyard-target">{rows}</table>'


def target(settings: Settings | None = None) -> TargetInfo:
    """Say which target the runbook will act on: the sandbox, or the real systems settings name."""
    settings = settings or load_settings()
    systems = {system: settings.target_of(system) for system in ("nexus", "gitlab")}
    name = settings.resolved_target if len(set(systems.values())) == 1 else "mixed"
    if settings.target:
        reason = "SHIPYARD_TARGET is set"
    elif name == "mixed":
        reason = "each system by its own URL setting"
    elif name == "real":
        reason = "SHIPYARD_NEXUS_URL and SHIPYARD_GITLAB_URL are set"
    else:
        reason = "the default: no SHIPYARD_* setting names a real system"
    nexus = _system_line(systems["nexus"], "Nexus", settings.nexus_url, "SHIPYARD_NEXUS_URL")
    gitlab = _system_line(
        systems["gitlab"], "GitLab API", settings.gitlab_url, "SHIPYARD_GITLAB_URL"
    )
    return TargetInfo(name, reason, normalise(nexus), normalise(gitlab))


def _system_line(chosen: str, what: str, url: str, env: str) -> str:
    """Say where one system's calls go: the sandbox, or the real URL (or that it is missing)."""
    if chosen == "sandbox":
        return f"sandbox {what} on 127.0.0.1, started by the chapters that need it"
    return url or f"({env} not set)"


class Workspace:
    """A copy of a sample project in a fresh directory, shown as ``<workspace>/<name>``.

    Args:
        path: The project directory.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return str(self.path)

    def files(self) -> list[str]:
        """Return the project's files, relative to it, sorted."""
        return sorted(
            p.relative_to(self.path).as_posix()
            for p in self.path.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        )

    def read(self, name: str) -> str:
        """Return the text of one of the project's files."""
        return (self.path / name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> Path:
        """Write (create or replace) one of the project's files and return its path."""
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def run(self, command: str) -> CommandResult:
        """Run a shell command in the project directory, as a reader would type it.

        ``shipyard`` and ``python`` resolve to the ones of the running interpreter's environment.
        """
        env = dict(os.environ, COLUMNS="100", NO_COLOR="1", TERM="dumb")
        bindir = str(Path(sys.executable).parent)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        # A shell on purpose: the command is the runbook's own text, shown to the reader exactly
        # as they would type it (pipes, ';'). It never holds input from elsewhere.
        done = subprocess.run(  # nosec B602 # nosemgrep: shipyard-subprocess-shell-true
            command, shell=True, cwd=self.path, env=env, capture_output=True, text=True, check=False
        )
        return CommandResult(command, done.returncode, normalise(done.stdout + done.stderr))

    def __repr__(self) -> str:
        listing = "\n".join(f"  {name}" for name in self.files())
        return f"{normalise(str(self.path))}\n{listing}"


@dataclass(frozen=True)
class CommandResult:
    """A command that ran, its exit status and its output (normalised)."""

    command: str
    returncode: int
    output: str

    def __repr__(self) -> str:
        return f"$ {self.command}\n{self.output.rstrip()}\n[exit status {self.returncode}]"


def sample_project(name: str = "my_app", into: Path | str | None = None) -> Workspace:
    """Copy one of the sample projects shipped with Shipyard into a fresh workspace.

    Args:
        name: The sample's name (``my_app``: the seed's hatchling project with a ``my-app`` script).
        into: The directory to copy into; when omitted, a new temporary directory, removed when
            the process (the notebook's kernel) exits.

    Returns:
        The copy, whose paths display as ``<workspace>/<name>``.

    Raises:
        ConfigError: No sample has that name; the message suggests the closest.
    """
    source = resources.files("shipyard") / "samples" / name
    if not source.is_dir():
        available = sorted(p.name for p in (resources.files("shipyard") / "samples").iterdir())
        msg = f"no sample project {name!r}{did_you_mean(name, available)}"
        raise ConfigError(msg, hint=f"Pass one of: {', '.join(available)}.")
    base = Path(into) if into else temporary_directory("shipyard-")
    _PLACEHOLDERS[str(base)] = "<workspace>"
    _PLACEHOLDERS[str(base.resolve())] = "<workspace>"
    destination = base / name
    with resources.as_file(source) as path:
        shutil.copytree(path, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return Workspace(destination)


_STAGES = (
    ("build", "wheel (hatchling)", "packaging"),
    ("test", "gates + pytest in the\nmicromamba env", "quality gates"),
    ("publish", "twine upload to\nNexus (hosted PyPI)", "Nexus setup"),
    ("deploy", "micromamba env + pip\n--no-deps from Nexus", "micromamba"),
)
#: What the line under the boxes names, with the key a link for it is given under.
_NOTES = (
    ("", "quality gates on every commit; "),
    ("images", "image guidelines"),
    ("", " for services; "),
    ("pipeline", "the pipeline"),
    ("", " chapter runs it all"),
)
#: The keys :class:`PathDiagram` takes links for: the stages, then the notes.
DIAGRAM_KEYS = tuple(stage for stage, _, _ in _STAGES) + tuple(k for k, _ in _NOTES if k)


def _link(href: str | None, inner: str, title: str) -> str:
    if not href:
        return inner
    return f'<a href="{html.escape(href)}"><title>{html.escape(title)}</title>{inner}</a>'


class PathDiagram:
    """The path a commit takes, build -> test -> publish -> deploy, as an SVG picture.

    Args:
        links: Where each step links to, by key (``build``, ``test``, ``publish``, ``deploy``,
            ``images``, ``pipeline``); a step without a link is drawn without one.
    """

    def __init__(self, links: dict[str, str] | None = None) -> None:
        self.links = dict(links or {})

    def _repr_svg_(self) -> str:
        box_w, box_h, gap, top = 160, 86, 40, 20
        width = 20 + len(_STAGES) * box_w + (len(_STAGES) - 1) * gap
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 190" width="100%" '
            'role="img" aria-label="build, test, publish, deploy" font-family="sans-serif">',
            '<defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="9" refY="4" '
            'orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#555"/></marker></defs>',
        ]
        for index, (stage, what, chapter) in enumerate(_STAGES):
            x = 10 + index * (box_w + gap)
            box = [
                f'<rect x="{x}" y="{top}" width="{box_w}" height="{box_h}" rx="10" '
                'fill="#eef4fb" stroke="#2f6eb5" stroke-width="2"/>'
                f'<text x="{x + box_w / 2}" y="{top + 26}" text-anchor="middle" font-size="18" '
                f'font-weight="bold" fill="#1d4e89">{stage}</text>'
            ]
            for offset, line in enumerate(what.split("\n")):
                box.append(
                    f'<text x="{x + box_w / 2}" y="{top + 50 + offset * 17}" text-anchor="middle" '
                    f'font-size="13" fill="#333">{html.escape(line)}</text>'
                )
            style = (
                'fill="#1d4e89" text-decoration="underline"'
                if stage in self.links
                else 'fill="#666"'
            )
            box.append(
                f'<text x="{x + box_w / 2}" y="{top + box_h + 24}" text-anchor="middle" '
                f'font-size="12" {style}>chapter: {chapter}</text>'
            )
            parts.append(_link(self.links.get(stage), "".join(box), f"chapter: {chapter}"))
            if index:
                parts.append(
                    f'<line x1="{x - gap + 2}" y1="{top + box_h / 2}" x2="{x - 4}" '
                    f'y2="{top + box_h / 2}" stroke="#555" stroke-width="2" '
                    'marker-end="url(#arrow)"/>'
                )
        notes = "".join(
            _link(self.links.get(key), f'<tspan fill="#1d4e89" text-decoration="underline">'
                  f"{html.escape(text)}</tspan>", f"chapter: {text}")
            if key in self.links else html.escape(text)
            for key, text in _NOTES
        )  # fmt: skip
        parts.append(
            f'<text x="{width / 2}" y="172" text-anchor="middle" font-size="13" fill="#333">'
            f"{notes}</text></svg>"
        )
        return "".join(parts)

    def __repr__(self) -> str:
        return " -> ".join(stage for stage, _, _ in _STAGES)


def path_diagram(links: dict[str, str] | None = None) -> PathDiagram:
    """Return the diagram of the path the runbook teaches (displays as SVG in a notebook).

    Args:
        links: Where each step links to, by key (see :class:`PathDiagram`); none by default.
    """
    return PathDiagram(links)
