"""What every ``shipyard`` command shares: the output options, value splitting and the report.

Options are defined once here and applied as decorators, so ``--format`` and ``--fail-on`` read
the same in every command that checks files, and every such command prints and exits through
:func:`report`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from shipyard.config import SEVERITIES

if TYPE_CHECKING:
    from shipyard.findings import Finding

__all__ = [
    "FORMATS",
    "fail_on_option",
    "format_option",
    "ignore_option",
    "report",
    "select_option",
    "split",
]

FORMATS = ("text", "json", "codequality")

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def format_option(choices: Sequence[str] = FORMATS, help_text: str = "") -> Decorator:
    """``--format``: text, json and (for findings) GitLab's Code Quality report."""
    default_help = (
        "text: a table; json: an array of findings; codequality: GitLab's Code Quality report."
    )
    return click.option(
        "--format", "output_format", type=click.Choice(list(choices)), default="text",
        show_default=True, help=help_text or default_help,
    )  # fmt: skip


def fail_on_option(default_help: str = "the fail-on setting, 'warning'") -> Decorator:
    """``--fail-on``: the lowest severity that fails the check."""
    return click.option(
        "--fail-on", type=click.Choice(SEVERITIES), default=None,
        help=f"Lowest severity that fails the check (default: {default_help}).",
    )  # fmt: skip


def select_option(help_text: str) -> Decorator:
    """``--select``: run only rules whose id starts with one of the given prefixes."""
    return click.option("--select", multiple=True, metavar="PREFIXES", help=help_text)


def ignore_option(help_text: str = "Skip these rule ids (comma-separated).") -> Decorator:
    """``--ignore``: skip these rule ids."""
    return click.option("--ignore", multiple=True, metavar="IDS", help=help_text)


def split(values: Sequence[str]) -> list[str]:
    """Split repeated, comma-separated option values into one list: ``("a,b", "c")`` → a, b, c."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def report(result: Sequence[Finding], output_format: str, threshold: str) -> NoReturn:
    """Print findings as ``text``, ``json`` or ``codequality``; exit 1 if one reaches ``threshold``.

    Every command that checks files ends here, so they all print and exit the same way.
    """
    from shipyard import findings
    from shipyard.audit import fails

    if output_format == "json":
        click.echo(findings.to_json(result))
    elif output_format == "codequality":
        click.echo(findings.to_codequality(result))
    else:
        from rich.console import Console

        findings.render_text(result, Console(highlight=False))
    raise click.exceptions.Exit(1 if fails(result, threshold) else 0)
