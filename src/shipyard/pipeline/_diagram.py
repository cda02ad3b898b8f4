"""Draw a pipeline's stages and ``needs`` as an SVG picture (a notebook displays it)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from shipyard.pipeline import _jobs
from shipyard.pipeline.ciyaml import CiFile, parse

__all__ = ["PipelineDiagram", "pipeline_diagram"]

_BOX_W, _BOX_H, _GAP_X, _GAP_Y, _TOP = 150, 34, 60, 12, 40


def _matrix_size(parallel: object) -> int:
    if isinstance(parallel, int):
        return parallel
    if isinstance(parallel, dict) and isinstance(parallel.get("matrix"), list):
        total = 0
        for entry in parallel["matrix"]:
            size = 1
            for value in entry.values() if isinstance(entry, dict) else []:
                size *= len(value) if isinstance(value, list) else 1
            total += size
        return total
    return 1


@dataclass(frozen=True)
class PipelineDiagram:
    """Stages as columns, jobs as boxes, ``needs`` as arrows.

    Attributes:
        columns: Each stage with its jobs: (stage, [(job, parallel count, publishes)]).
        needs: (needed job, job) pairs.
    """

    columns: tuple[tuple[str, tuple[tuple[str, int, bool], ...]], ...]
    needs: tuple[tuple[str, str], ...]

    def __repr__(self) -> str:
        lines = []
        for stage, jobs in self.columns:
            shown = [f"{n}{f' x{c}' if c > 1 else ''}" for n, c, _ in jobs]
            lines.append(f"{stage}: {', '.join(shown)}")
        lines += [f"  {a} -> {b}" for a, b in self.needs]
        return "\n".join(lines)

    def _positions(self) -> dict[str, tuple[float, float]]:
        places = {}
        for column, (_, jobs) in enumerate(self.columns):
            for row, (name, _, _) in enumerate(jobs):
                places[name] = (10 + column * (_BOX_W + _GAP_X), _TOP + row * (_BOX_H + _GAP_Y))
        return places

    def _repr_svg_(self) -> str:
        places = self._positions()
        rows = max((len(jobs) for _, jobs in self.columns), default=1)
        width = 20 + len(self.columns) * (_BOX_W + _GAP_X) - _GAP_X
        height = _TOP + rows * (_BOX_H + _GAP_Y) + 30
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            'width="100%" role="img" aria-label="pipeline stages and needs" '
            'font-family="sans-serif">',
            '<defs><marker id="needs" markerWidth="8" markerHeight="6" refX="7" refY="3" '
            'orient="auto"><path d="M0,0 L8,3 L0,6 z" fill="#888"/></marker></defs>',
        ]
        for column, (stage, _) in enumerate(self.columns):
            x = 10 + column * (_BOX_W + _GAP_X) + _BOX_W / 2
            parts.append(
                f'<text x="{x}" y="22" text-anchor="middle" font-size="14" '
                f'font-weight="bold" fill="#1d4e89">{html.escape(stage)}</text>'
            )
        for needed, job in self.needs:
            if needed in places and job in places:
                (x1, y1), (x2, y2) = places[needed], places[job]
                parts.append(
                    f'<path d="M{x1 + _BOX_W},{y1 + _BOX_H / 2} C{x1 + _BOX_W + 30},'
                    f'{y1 + _BOX_H / 2} {x2 - 30},{y2 + _BOX_H / 2} {x2 - 2},{y2 + _BOX_H / 2}" '
                    'fill="none" stroke="#888" stroke-width="1.2" marker-end="url(#needs)"/>'
                )
        for _, jobs in self.columns:
            for name, count, publishes in jobs:
                x, y = places[name]
                fill, stroke = ("#fdf0e6", "#c0661c") if publishes else ("#eef4fb", "#2f6eb5")
                label = f"{name} ×{count}" if count > 1 else name
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="7" '
                    f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
                    f'<text x="{x + _BOX_W / 2}" y="{y + 21}" text-anchor="middle" '
                    f'font-size="12" fill="#222">{html.escape(label)}</text>'
                )
        parts.append(
            f'<text x="10" y="{height - 10}" font-size="12" fill="#555">arrows: needs (a job '
            "without needs waits for every job of the earlier stages); orange: publishes; "
            "×N: parallel jobs</text></svg>"
        )
        return "".join(parts)


def pipeline_diagram(pipeline: CiFile | str) -> PipelineDiagram:
    """Return the diagram of a pipeline (a parsed file, or its text).

    Jobs that publish are drawn in orange; ``×N`` is the number of parallel jobs.
    """
    ci = parse(pipeline) if isinstance(pipeline, str) else pipeline
    by_stage: dict[str, list[tuple[str, int, bool]]] = {}
    needs: list[tuple[str, str]] = []
    for job in ci.jobs() if ci.data is not None else []:
        entry = (job.name, _matrix_size(job.get("parallel")), bool(_jobs.publish_command(ci, job)))
        by_stage.setdefault(_jobs.stage_of(job), []).append(entry)
        needs += [(name, job.name) for name in _jobs.needed(job) or []]
    columns = tuple((s, tuple(by_stage[s])) for s in ci.stages() if s in by_stage) if \
        ci.data is not None else ()  # fmt: skip
    return PipelineDiagram(columns, tuple(needs))
