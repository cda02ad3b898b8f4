"""The image chapter's build lab: one app, single-stage and multi-stage Dockerfiles, side by side.

:func:`image_project` lays out the runbook's sample app ready to build: its ``uv.lock`` (resolved
once and shipped with Shipyard, so every build installs the same versions), a ``README.md``
(hatchling needs the one its pyproject names), the reference multi-stage ``Dockerfile``, seed 004's
single-stage one made buildable here (``Dockerfile.single``) and a careless one that passes a
token as a build argument (``Dockerfile.careless``). :func:`compare` puts measured reports side by
side.

Sizes in :class:`Comparison` are rounded (the image to 10 MB, what the Dockerfile adds to 5 MB):
a Debian security update in the base or a new uv release moves them by a few hundred kB, and
the chapter's committed output must not change with them. :class:`ImageReport` has the bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shipyard.images.build import STAND_IN_PYTHON, ImageReport
from shipyard.runbook import Workspace, sample_project

__all__ = ["Comparison", "compare", "image_project"]


def _build_file(name: str) -> str:
    folder = resources.files("shipyard.images") / "templates" / "build"
    return (folder / name).read_text(encoding="utf-8")


def image_project(into: Path | str | None = None) -> Workspace:
    """Copy the sample app into a fresh workspace with its lock and three Dockerfiles.

    Args:
        into: The directory to copy into; a new temporary directory when omitted.

    Returns:
        A workspace holding ``Dockerfile`` (the reference, rendered for the sandbox's Python),
        ``Dockerfile.single`` and ``Dockerfile.careless``.
    """
    from shipyard.images.render import render_dockerfile, render_dockerignore

    project = sample_project("my_app", into)
    project.write("README.md", "# my_app\n\nThe runbook's sample app.\n")
    project.write("uv.lock", _build_file("my_app.uv.lock"))
    project.write("Dockerfile", render_dockerfile(project.path, "uv", python=STAND_IN_PYTHON))
    project.write(".dockerignore", render_dockerignore("uv"))
    project.write("Dockerfile.single", _build_file("single-stage.dockerfile"))
    project.write("Dockerfile.careless", _build_file("careless.dockerfile"))
    return project


def _round(value: float, step: int) -> int:
    return int(round(value / step) * step)


@dataclass(frozen=True)
class Comparison:
    """Measured images side by side: who they run as, how big they are, what they leak."""

    reports: Mapping[str, ImageReport]

    def rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """Return one row per image: name, runs as, size, added, layers, leaks."""
        rows = []
        for name, report in self.reports.items():
            runs_as = "not measured" if report.uid is None else f"uid {report.uid}" + (
                " (root)" if report.uid == 0 else "")  # fmt: skip
            added = "?" if report.base_bytes is None else \
                f"~{_round((report.size_bytes - report.base_bytes) / 1e6, 5)} MB"  # fmt: skip
            leaks = ", ".join(sorted({leak.name for leak in report.leaks})) or "none"
            rows.append((name, runs_as, f"~{_round(report.size_bytes / 1e6, 10)} MB", added,
                         str(report.layers), leaks))  # fmt: skip
        return rows

    def __repr__(self) -> str:
        header = ("image", "runs as", "size", "over its base", "layers", "leaks")
        rows = [header, *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                         .rstrip() for row in rows)  # fmt: skip

    def _repr_html_(self) -> str:
        import html

        head = "".join(f"<th>{h}</th>" for h in ("image", "runs as", "size", "over its base",
                                                  "layers", "leaks"))  # fmt: skip
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self.rows())  # fmt: skip
        return f'<table class="shipyard-findings"><thead><tr>{head}</tr></thead><tbody>{body}' \
            "</tbody></table>"  # fmt: skip


def compare(**reports: ImageReport) -> Comparison:
    """Put measured images side by side, in the order given (``single=..., multi=...``)."""
    return Comparison(reports)
