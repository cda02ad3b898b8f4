"""Findings: what a check found, where, and which rule explains it; and the ways to report them.

A :class:`Finding` is the one shape every check returns. Reporters turn a list of findings into a
terminal table (:func:`render_text`), a JSON array (:func:`to_json`), or GitLab Code Quality JSON
(:func:`to_codequality`), which a merge request shows inline. :class:`Findings` wraps a list for
notebooks, where it displays as an HTML table.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass

from shipyard.config import SEVERITIES

__all__ = [
    "Finding",
    "Findings",
    "reaches",
    "render_text",
    "summary",
    "to_codequality",
    "to_json",
]

#: Up to this many findings print as a table; more print one line each.
TABLE_ROWS = 300
# GitLab Code Quality accepts info, minor, major, critical, blocker.
_CODEQUALITY_SEVERITY = {"info": "info", "warning": "major", "error": "critical"}


@dataclass(frozen=True, order=True)
class Finding:
    """One problem a rule found.

    Attributes:
        rule_id: The rule's stable id, e.g. ``PKG004``.
        severity: ``error``, ``warning`` or ``info``.
        path: The file, relative to the checked directory, with ``/`` separators.
        line: 1-based line the problem is on (1 when the whole file is concerned).
        message: What is wrong here, specifically.
        doc_url: The runbook page of the rule: why it matters and how to fix it.
    """

    path: str
    line: int
    rule_id: str
    severity: str
    message: str
    doc_url: str

    def as_dict(self) -> dict[str, object]:
        """Return the finding with exactly the keys of ``--format json``."""
        data = asdict(self)
        return {
            key: data[key] for key in ("rule_id", "severity", "path", "line", "message", "doc_url")
        }

    def fingerprint(self) -> str:
        """Return a stable id for GitLab to track this finding across commits.

        The line is left out on purpose: a finding that moves because lines were added above it is
        the same finding, and GitLab should not report it as fixed and new.
        """
        key = "\0".join((self.rule_id, self.path, self.message))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()


def reaches(severity: str, threshold: str) -> bool:
    """Tell whether ``severity`` reaches ``threshold`` (``info`` < ``warning`` < ``error``)."""
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)


def to_json(findings: Iterable[Finding]) -> str:
    """Return the findings as a JSON array of objects with the keys of :meth:`Finding.as_dict`."""
    return json.dumps([f.as_dict() for f in findings], indent=2)


def to_codequality(findings: Iterable[Finding]) -> str:
    """Return the findings as a GitLab Code Quality report (the ``codequality`` artifact)."""
    issues = [
        {
            "type": "issue",
            "check_name": f.rule_id,
            "description": f"{f.rule_id}: {f.message}",
            "categories": ["Style"] if f.severity == "info" else ["Bug Risk"],
            "fingerprint": f.fingerprint(),
            "severity": _CODEQUALITY_SEVERITY[f.severity],
            "location": {"path": f.path, "lines": {"begin": f.line}},
        }
        for f in findings
    ]
    return json.dumps(issues, indent=2)


def _table(findings: Sequence[Finding], width: int = 80):  # noqa: ANN202 - rich is imported lazily
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_lines=False, pad_edge=False)
    # A location folded mid-way reads as another line ("x.yml:1" over "9"): when the locations
    # fit beside a message column of 16 or more, their column keeps its width and the message
    # wraps instead.
    longest = max((len(f"{f.path}:{f.line}") for f in findings), default=8)
    fixed = longest if longest <= width - 40 else None
    table.add_column("location", overflow="fold", width=fixed)
    for column in ("rule", "severity", "message"):
        table.add_column(column, overflow="fold")
    styles = {"error": "bold red", "warning": "yellow", "info": "cyan"}
    for f in findings:
        severity = f"[{styles[f.severity]}]{f.severity}[/]"
        table.add_row(escape(f"{f.path}:{f.line}"), f.rule_id, severity, escape(f.message))
    return table


def summary(findings: Sequence[Finding]) -> str:
    """Return a one-line count of the findings by severity, e.g. ``2 errors, 1 warning``."""
    if not findings:
        return "no findings"
    parts = []
    for severity in reversed(SEVERITIES):
        count = sum(1 for f in findings if f.severity == severity)
        if count:
            parts.append(f"{count} {severity}{'' if count == 1 else 's'}")
    return ", ".join(parts)


def render_text(findings: Sequence[Finding], console=None) -> None:  # noqa: ANN001
    """Print the findings as a table, then a one-line summary, to a rich console."""
    from rich.console import Console

    console = console or Console()
    if len(findings) > TABLE_ROWS:
        # A table of thousands of rows takes rich seconds to lay out and nobody reads it: print
        # one line per finding instead, every one of them.
        for f in findings:
            console.out(
                f"{f.path}:{f.line}: {f.rule_id} [{f.severity}] {f.message}", highlight=False
            )
    elif findings:
        console.print(_table(findings, console.width))
    console.print(summary(findings))


class Findings(Sequence[Finding]):
    """A list of findings that displays as a table in a notebook and in a terminal.

    Args:
        findings: The findings, in the order to show them.
    """

    def __init__(self, findings: Iterable[Finding] = ()) -> None:
        self._items = sorted(findings)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - Sequence protocol
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._items)

    def __repr__(self) -> str:
        lines = [f"{f.path}:{f.line}: {f.rule_id} [{f.severity}] {f.message}" for f in self]
        return "\n".join([*lines, summary(self._items)])

    def __rich__(self):  # noqa: ANN204
        from rich.console import Group

        return Group(_table(self._items), summary(self._items)) if self._items else summary([])

    def rule_ids(self) -> list[str]:
        """Return the ids of the rules that found something, each once, in order."""
        return sorted({f.rule_id for f in self})

    def _repr_html_(self) -> str:
        if not self._items:
            return "<p>No findings.</p>"
        rows = "".join(
            "<tr>"
            f"<td><code>{html.escape(f.path)}:{f.line}</code></td>"
            f'<td><a href="{html.escape(f.doc_url)}">{html.escape(f.rule_id)}</a></td>'
            f'<td class="shipyard-{f.severity}">{f.severity}</td>'
            f"<td>{html.escape(f.message)}</td>"
            "</tr>"
            for f in self._items
        )
        return (
            '<table class="shipyard-findings">'
            "<thead><tr><th>location</th><th>rule</th><th>severity</th><th>message</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f"<p>{html.escape(summary(self._items))}</p>"
        )
