"""Plans: what would change on a remote system, shown before anything changes.

A module that manages remote state (Nexus repositories, GitLab variables, ...) compares the desired
state with what it reads, and returns a :class:`Plan` of :class:`Change` objects: one per object,
``create``, ``update``, ``delete`` or ``noop``. The plan shows itself as an HTML table in a notebook
and as a table in a terminal; applying it is the managing module's job, and an empty plan (only
no-ops) makes no calls at all. Secret values never appear: a changed secret shows as ``****``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from shipyard.config import Secret
from shipyard.errors import OperationError, ShipyardError

__all__ = ["ACTIONS", "Change", "Plan", "apply"]

ACTIONS = ("create", "update", "delete", "noop")
_SYMBOLS = {"create": "+", "update": "~", "delete": "-", "noop": "="}


def _show(value: Any) -> str:
    if isinstance(value, Secret):
        return "****"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v) for v in value) or "(empty)"
    return str(value)


@dataclass(frozen=True)
class Change:
    """One object's change.

    Attributes:
        action: ``create``, ``update``, ``delete`` or ``noop``.
        kind: What the object is, e.g. ``repository``, ``role``, ``CI variable``.
        name: The object's name.
        fields: field -> (current, desired); current is ``None`` on ``create``.
            :class:`~shipyard.config.Secret` values are shown masked.
        note: A short explanation, e.g. why a variable cannot be masked.
        run: What :func:`apply` calls to make the change; ``None`` for a no-op.
    """

    action: str
    kind: str
    name: str
    fields: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    note: str = ""
    run: Callable[[], object] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            msg = f"unknown change action {self.action!r}; expected one of {', '.join(ACTIONS)}"
            raise ValueError(msg)

    def describe(self) -> str:
        """Return the changed fields as ``field: old -> new`` (only the new value on create)."""
        parts = []
        for key, (old, new) in self.fields.items():
            if self.action == "create":
                parts.append(f"{key}: {_show(new)}")
            else:
                parts.append(f"{key}: {_show(old)} -> {_show(new)}")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


class Plan:
    """An ordered list of changes against one target.

    Args:
        changes: The changes, in the order they must be applied.
        target: Where they would be applied, e.g. ``sandbox Nexus at http://127.0.0.1:<port>``.
    """

    def __init__(self, changes: Iterable[Change], target: str = "") -> None:
        self.changes = list(changes)
        self.target = target

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    @property
    def pending(self) -> list[Change]:
        """The changes that are not no-ops."""
        return [c for c in self.changes if c.action != "noop"]

    @property
    def is_empty(self) -> bool:
        """Whether applying would change nothing."""
        return not self.pending

    def summary(self) -> str:
        """Return e.g. ``Plan: 2 to create, 1 to update, 0 to delete, 3 unchanged.``."""
        counts = {action: sum(1 for c in self.changes if c.action == action) for action in ACTIONS}
        if self.is_empty:
            return f"No changes: {counts['noop']} object(s) already as desired."
        return (
            f"Plan: {counts['create']} to create, {counts['update']} to update, "
            f"{counts['delete']} to delete, {counts['noop']} unchanged."
        )

    def __repr__(self) -> str:
        lines = [f"{_SYMBOLS[c.action]} {c.kind} {c.name}  {c.describe()}".rstrip() for c in self]
        header = [f"Target: {self.target}"] if self.target else []
        return "\n".join([*header, *lines, self.summary()])

    def __rich__(self):  # noqa: ANN204 - rich is imported lazily
        from rich.console import Group
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=escape(self.target) or None, pad_edge=False)
        for column in ("", "action", "kind", "name", "details"):
            table.add_column(column, overflow="fold")
        styles = {"create": "green", "update": "yellow", "delete": "red", "noop": "dim"}
        for c in self:
            style = styles[c.action]
            table.add_row(
                _SYMBOLS[c.action],
                f"[{style}]{c.action}[/]",
                c.kind,
                escape(c.name),
                escape(c.describe()),
            )
        return Group(table, self.summary())

    def _repr_html_(self) -> str:
        rows = "".join(
            f'<tr class="shipyard-{c.action}">'
            f"<td>{_SYMBOLS[c.action]}</td><td>{c.action}</td><td>{html.escape(c.kind)}</td>"
            f"<td><code>{html.escape(c.name)}</code></td><td>{html.escape(c.describe())}</td></tr>"
            for c in self
        )
        caption = f"<caption>{html.escape(self.target)}</caption>" if self.target else ""
        return (
            f'<table class="shipyard-plan">{caption}'
            "<thead><tr><th></th><th>action</th><th>kind</th><th>name</th><th>details</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p>{html.escape(self.summary())}</p>"
        )


def apply(plan: Plan) -> Plan:
    """Make the plan's pending changes, in order; an empty plan makes no call at all.

    When a change fails, the error says which changes were made before it and which were not
    (its ``applied`` and ``not_applied``, and its hint): nothing half-applied goes unreported. A
    change whose request got no answer may have been made; the next plan shows whether it was.

    Args:
        plan: A plan made by one of Shipyard's ``plan_*`` functions.

    Returns:
        The plan of what was applied (its pending changes), for display.

    Raises:
        ShipyardError: A change failed (an :class:`~shipyard.errors.OperationError` naming the
            operation, for a remote call); the changes after it were not attempted.
    """
    done: list[Change] = []
    pending = plan.pending
    for index, change in enumerate(pending):
        if change.run is None:
            msg = f"{change.action} {change.kind} {change.name!r} has nothing to run"
            raise ValueError(msg)
        try:
            change.run()
        except ShipyardError as exc:
            _report_progress(exc, done, pending[index:])
            raise
        done.append(change)
    return Plan(done, plan.target)


def _label(change: Change) -> str:
    return f"{change.action} {change.kind} {change.name!r}"


def _report_progress(exc: ShipyardError, done: list[Change], rest: list[Change]) -> None:
    """Record on ``exc`` what was applied before it and what was not, and say so in its hint."""
    exc.applied = tuple(_label(c) for c in done)
    exc.not_applied = tuple(_label(c) for c in rest)
    failed, later = rest[0], rest[1:]
    unknown = isinstance(exc, OperationError) and exc.status is None
    parts = [f"Applied before the failure: {', '.join(exc.applied) or 'nothing'}."]
    if unknown:
        parts.append(f"{_label(failed)} got no answer: it may or may not have been made.")
    else:
        parts.append(f"Not applied: {_label(failed)} (failed).")
    if later:
        parts.append(f"Not attempted: {', '.join(_label(c) for c in later)}.")
    parts.append("Plan again to see what is still missing.")
    exc.hint = " ".join([*parts, exc.hint]) if exc.hint else " ".join(parts)
