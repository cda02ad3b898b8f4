"""GitLab's rules:if expressions, evaluated the way GitLab documents them."""

from __future__ import annotations

import pytest

from shipyard.pipeline._expr import SCENARIOS, evaluate, job_runs, pipeline_runs

VARIABLES = {"CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main", "EMPTY": "",
             "PATTERN": "/^ma/"}  # fmt: skip


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", True),
        ('$CI_COMMIT_BRANCH == "main"', True),
        ("$CI_COMMIT_BRANCH != 'main'", False),
        ("$CI_COMMIT_TAG", False),  # unset
        ("$EMPTY", False),  # set but empty
        ("$CI_COMMIT_TAG == null", True),
        ("$CI_COMMIT_BRANCH =~ /^MA/i", True),
        ("$CI_COMMIT_BRANCH !~ /^feat/", True),
        ("$CI_COMMIT_BRANCH =~ $PATTERN", True),  # a variable holding a regex
        ("$CI_COMMIT_TAG || $CI_COMMIT_BRANCH == 'main' && $EMPTY", False),  # && binds first
        ("($CI_COMMIT_TAG || $CI_COMMIT_BRANCH == 'main') && $CI_DEFAULT_BRANCH", True),
        ("${CI_COMMIT_BRANCH} == 'main'", True),
    ],
)
def test_evaluate(expression, value):
    assert evaluate(expression, VARIABLES) is value


@pytest.mark.parametrize("expression", ["$A == ((", "$A === 'b'", "$A =~ 'x'", "$A == /x/", ""])
def test_what_cannot_be_read_is_unknown_not_false(expression):
    assert evaluate(expression, VARIABLES) is None


def test_rules_first_match_wins_and_never_stops():
    feature = SCENARIOS["a push to a feature branch"]
    rules = [{"if": "$CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH", "when": "never"}, {"when": "always"}]
    assert job_runs({"rules": rules}, feature) is False
    assert job_runs({"rules": [[{"when": "manual"}]]}, feature) is True  # !reference nests lists


def test_only_and_except_refs():
    feature = SCENARIOS["a push to a feature branch"]
    merge_request = SCENARIOS["a merge request pipeline"]
    assert job_runs({}, feature) is True and job_runs({}, merge_request) is False
    assert job_runs({"only": ["/^feature/"]}, feature) is True
    assert job_runs({"only": ["branches"], "except": ["/^feature/"]}, feature) is False
    assert job_runs({"only": {"refs": ["branches"], "variables": ["$DEPLOY"]}}, feature) is False


def test_workflow_without_a_matching_rule_creates_no_pipeline():
    feature = SCENARIOS["a push to a feature branch"]
    assert pipeline_runs({"rules": [{"if": "$CI_COMMIT_TAG"}]}, feature) is False
    assert pipeline_runs(None, feature) is True
