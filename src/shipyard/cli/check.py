"""``shipyard check`` and ``shipyard rules``: every rule family over a project; the rule list."""

from __future__ import annotations

from pathlib import Path

import click

from shipyard.cli._common import (
    fail_on_option,
    format_option,
    ignore_option,
    report,
    select_option,
    split,
)

__all__ = ["check", "rules"]


@click.command()
@click.argument("path", default=".", type=click.Path(path_type=Path))
@format_option()
@select_option(
    "Run only rules whose id starts with one of these (comma-separated, e.g. PKG,IMG001)."
)
@ignore_option()
@fail_on_option()
def check(
    path: Path, output_format: str, select: tuple[str, ...], ignore: tuple[str, ...],
    fail_on: str | None,
) -> None:  # fmt: skip
    """Check the project at PATH (a directory or its pyproject.toml) against Shipyard's rules."""
    from shipyard import audit
    from shipyard.config import load_settings

    root = path if path.is_dir() else path.parent
    settings = load_settings(root) if path.exists() else None
    result = audit.check(path, settings=settings, select=split(select), ignore=split(ignore))
    report(result, output_format, fail_on or (settings.fail_on if settings else "warning"))


@click.command()
@format_option(("text", "json"), "text: one line per rule; json: an array of rules.")
def rules(output_format: str) -> None:
    """List every rule: id, severity and title."""
    import json

    from shipyard.rules import all_rules

    active = [r for r in all_rules() if not r.removed]
    if output_format == "json":
        rows = [{"id": r.id, "severity": r.severity, "title": r.title, "doc_url": r.doc_url()}
                for r in active]  # fmt: skip
        click.echo(json.dumps(rows, indent=2))
        return
    for r in active:
        click.echo(f"{r.id}  {r.severity:<7}  {r.title}")
