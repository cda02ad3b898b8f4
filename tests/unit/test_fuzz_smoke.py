"""A short, fixed-seed run of the fuzzing harness (the full one: ``python -m tests.fuzz``)."""

from __future__ import annotations

import pytest

from tests.fuzz.harness import KINDS, cases, run_kind


@pytest.mark.parametrize("kind", list(KINDS))
def test_mutated_files_end_in_findings_or_shipyard_errors(kind):
    report = run_kind(kind, count=5, seed=14)
    assert report.inputs == 5
    assert report.calls >= 5
    assert report.crashes == [], report.crashes[0]["detail"] if report.crashes else ""
    assert not any(item["detail"].startswith("stopped") for item in report.slow)


def test_the_same_seed_draws_the_same_inputs():
    assert cases("pip", 5, seed=3) == cases("pip", 5, seed=3)
    assert cases("pip", 5, seed=3) != cases("pip", 5, seed=4)
