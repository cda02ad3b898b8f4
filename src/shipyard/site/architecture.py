"""The architecture page's generated parts: chapter ↔ package ↔ rule family ↔ CLI group.

Everything here is read from the code, so the page cannot drift from it: the chapter packages and
the notebook each names (``RUNBOOK_CHAPTER``), the rule families of the registry
(:data:`shipyard.rules.FAMILIES`), the command groups of :mod:`shipyard.cli` and the chapter each
imports, and the layers of the import-linter contract in ``pyproject.toml``, drawn as SVG.
"""

from __future__ import annotations

import ast
import html
import importlib
import inspect
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CHAPTER_PACKAGES", "Row", "diagram", "rows", "table"]

#: The chapter packages, in the runbook's order.
CHAPTER_PACKAGES = (
    "shipyard.nexus",
    "shipyard.packaging",
    "shipyard.environments",
    "shipyard.images",
    "shipyard.gates",
    "shipyard.pipeline",
)


@dataclass(frozen=True)
class Row:
    """One chapter package and what belongs to it."""

    package: str
    chapter: str
    families: tuple[str, ...]
    commands: tuple[str, ...]


def _imported_names(node: ast.AST) -> list[str]:
    """Return the module names an import statement can bring in (``from a import b``: a, a.b)."""
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


def _imported_chapters(module: str) -> set[str]:
    """Return the chapter packages a module imports (at its top or inside functions)."""
    tree = ast.parse(inspect.getsource(importlib.import_module(module)))
    names = {name for node in ast.walk(tree) for name in _imported_names(node)}
    return {p for p in CHAPTER_PACKAGES for n in names if n == p or n.startswith(p + ".")}


def _command_groups() -> dict[str, list[str]]:
    """Return, per chapter package, the ``shipyard`` commands whose module imports it."""
    from shipyard.cli import cli

    groups: dict[str, list[str]] = {}
    for name, command in sorted(cli.commands.items()):
        module = inspect.getmodule(command.callback) if command.callback else None
        for package in _imported_chapters(module.__name__) if module else ():
            groups.setdefault(package, []).append(name)
    return groups


def _chapter(package: object, root: Path) -> str:
    """Return the notebook a chapter package names, if it exists."""
    chapter = getattr(package, "RUNBOOK_CHAPTER", "")
    return chapter if chapter and (root / "notebooks" / f"{chapter}.ipynb").exists() else ""


def rows(root: Path) -> list[Row]:
    """Return a row per chapter package that exists, with its chapter, families and commands."""
    from shipyard.rules import FAMILIES

    groups = _command_groups()
    result = []
    for package in CHAPTER_PACKAGES:
        try:
            loaded = importlib.import_module(package)
        except ImportError:
            continue
        families = tuple(p for p, (m, _) in FAMILIES.items() if m.startswith(package + "."))
        result.append(
            Row(package, _chapter(loaded, root), families, tuple(groups.get(package, ())))
        )
    return result


def table(root: Path) -> str:
    """Return the Markdown table of chapters, packages, rule families and CLI groups."""
    lines = [
        "| chapter | package | rule families | command line |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows(root):
        chapter = f"[{row.chapter}](../../notebooks/{row.chapter}.ipynb)" if row.chapter else "—"
        families = ", ".join(f"[{f}](../reference/rules/index.md)" for f in row.families) or "—"
        commands = ", ".join(f"`shipyard {c}`" for c in row.commands) or "—"
        lines.append(f"| {chapter} | `{row.package}` | {families} | {commands} |")
    return "\n".join(lines) + "\n"


def _layers(root: Path) -> list[list[str]]:
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            return [
                [m.strip().strip("()") for m in layer.replace("|", ":").split(":")]
                for layer in contract["layers"]
            ]
    return []


def diagram(root: Path) -> str:
    """Return the layers of the import contract as an SVG: each row imports only rows below it."""
    layers = _layers(root)
    box_h, gap, width, char = 26, 14, 860, 7.2
    height = len(layers) * (box_h + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="shipyard-architecture" role="img" aria-label="Shipyard\'s layers">'
    ]
    for index, layer in enumerate(layers):
        y = index * (box_h + gap)
        widths = [len(m.removeprefix("shipyard.")) * char + 20 for m in layer]
        x = (width - sum(widths) - 8 * (len(layer) - 1)) / 2
        for module, w in zip(layer, widths, strict=True):
            short = html.escape(module.removeprefix("shipyard."))
            parts.append(
                f'<rect x="{x:.0f}" y="{y}" width="{w:.0f}" height="{box_h}" rx="5" '
                f'fill="#eef3fb" stroke="#3465a4"/><text x="{x + w / 2:.0f}" y="{y + 17}" '
                f'text-anchor="middle" font-family="monospace" font-size="12">{short}</text>'
            )
            x += w + 8
        if index + 1 < len(layers):  # an arrow down: "imports"
            mid, top = width / 2, y + box_h
            parts.append(
                f'<path d="M{mid:.0f},{top + 1} V{top + gap - 5} l-4,0 l4,5 l4,-5 l-4,0" '
                f'stroke="#888" fill="#888"/>'
            )
    parts.append("</svg>")
    return "".join(parts)
