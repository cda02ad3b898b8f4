from __future__ import annotations

from rich.console import Console

from shipyard.config import Secret
from shipyard.plans import Change, Plan, apply


def test_summary_and_masking():
    calls = []
    plan = Plan(
        [
            Change("create", "user", "deploy-ci", {"password": (None, Secret("canary-pw"))},
                   run=lambda: calls.append("user")),
            Change("update", "repository", "pypi-internal", {"writePolicy": ("ALLOW", "ALLOW_ONCE")},  # noqa: E501
                   run=lambda: calls.append("repo")),
            Change("noop", "role", "deploy"),
        ],
        target="sandbox",
    )  # fmt: skip
    assert plan.summary() == "Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged."
    shown = repr(plan) + plan._repr_html_()
    console = Console(record=True, width=120)
    console.print(plan)
    shown += console.export_text()
    assert "canary-pw" not in shown
    assert "password: ****" in shown and "ALLOW -> ALLOW_ONCE" in shown
    done = apply(plan)
    assert calls == ["user", "repo"] and len(done) == 2


def test_empty_plan_makes_no_calls():
    plan = Plan([Change("noop", "role", "deploy", run=lambda: 1 / 0)])
    assert plan.is_empty
    assert plan.summary() == "No changes: 1 object(s) already as desired."
    assert len(apply(plan)) == 0


def test_unknown_action():
    import pytest

    with pytest.raises(ValueError, match="unknown change action"):
        Change("rename", "x", "y")
