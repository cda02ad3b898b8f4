from __future__ import annotations

import pytest
from rich.console import Console

from shipyard.config import Secret
from shipyard.errors import OperationError
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


def _failing_plan(error: Exception) -> tuple[Plan, list[str]]:
    made: list[str] = []

    def fail() -> None:
        raise error

    changes = [
        Change("create", "repository", "pypi-internal", run=lambda: made.append("repository")),
        Change("noop", "role", "unchanged"),
        Change("create", "role", "deploy", run=fail),
        Change("create", "user", "deploy-ci", run=lambda: made.append("user")),
    ]
    return Plan(changes, "sandbox"), made


def test_a_failed_apply_says_what_was_made_and_what_not():
    error = OperationError("create role 'deploy'", status=409, hint="Pick another name.")
    plan, made = _failing_plan(error)
    with pytest.raises(OperationError) as caught:
        apply(plan)
    assert made == ["repository"]  # nothing after the failure is attempted
    assert caught.value.applied == ("create repository 'pypi-internal'",)
    assert caught.value.not_applied == ("create role 'deploy'", "create user 'deploy-ci'")
    assert caught.value.hint == (
        "Applied before the failure: create repository 'pypi-internal'. "
        "Not applied: create role 'deploy' (failed). "
        "Not attempted: create user 'deploy-ci'. Plan again to see what is still missing. "
        "Pick another name."
    )


def test_a_change_without_an_answer_is_reported_as_unknown():
    plan, _ = _failing_plan(OperationError("create role 'deploy'", status=None))
    with pytest.raises(OperationError) as caught:
        apply(plan)
    assert "create role 'deploy' got no answer: it may or may not have been made." in (
        caught.value.hint
    )
