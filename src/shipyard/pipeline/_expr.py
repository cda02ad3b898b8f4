"""Evaluate GitLab CI ``rules:if`` expressions and ``rules``/``only``/``workflow`` against a ref.

GitLab's expression language (https://docs.gitlab.com/ci/jobs/job_rules/#cicd-variable-expressions):
``$VAR``, ``"string"``/``'string'``, ``null``, ``/regex/flags``, ``==``, ``!=``, ``=~``, ``!~``,
``&&``, ``||`` and parentheses; a bare variable is true when it is set and not empty. Evaluation
is three-valued: ``None`` means "cannot tell" (an expression this reader does not understand),
and callers then say nothing rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["OTHER_SCENARIOS", "SCENARIOS", "evaluate", "job_runs", "pipeline_runs"]

# Spaces between tokens are skipped by _tokens, not by the pattern: a pattern that starts with
# \s* is quadratic when searched over a long run of spaces.
_TOKEN = re.compile(
    r"""(?:
      (?P<var>\$\{?\w+\}?)
    | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<regex>/(?:[^/\\]|\\.)*/[a-z]*)
    | (?P<null>null\b)
    | (?P<op>==|!=|=~|!~|&&|\|\||\(|\))
    )""",
    re.VERBOSE,
)

#: Pipelines of code nobody has reviewed: a push to a feature branch, and a merge request.
SCENARIOS: dict[str, dict[str, str]] = {
    "a push to a feature branch": {
        "CI_COMMIT_BRANCH": "feature/x", "CI_COMMIT_REF_NAME": "feature/x",
        "CI_COMMIT_REF_SLUG": "feature-x", "CI_COMMIT_REF_PROTECTED": "false",
        "CI_PIPELINE_SOURCE": "push", "CI_DEFAULT_BRANCH": "main",
        "CI_COMMIT_BEFORE_SHA": "0" * 40,
    },
    "a merge request pipeline": {
        "CI_COMMIT_REF_NAME": "feature/x", "CI_COMMIT_REF_SLUG": "feature-x",
        "CI_COMMIT_REF_PROTECTED": "false", "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_DEFAULT_BRANCH": "main", "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_ID": "70", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/x",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_OPEN_MERGE_REQUESTS": "group/p!7",
        "CI_MERGE_REQUEST_EVENT_TYPE": "detached",
    },
}  # fmt: skip

_FEATURE_BRANCH = SCENARIOS["a push to a feature branch"]
#: Other pipelines anyone who can push a branch can start on it: checked when a job runs in
#: none of :data:`SCENARIOS` (a nightly job limited to schedules, a job for the Run button).
OTHER_SCENARIOS: dict[str, dict[str, str]] = {
    "a scheduled pipeline of a feature branch":
        {**_FEATURE_BRANCH, "CI_PIPELINE_SOURCE": "schedule"},
    "a pipeline run from the web on a feature branch":
        {**_FEATURE_BRANCH, "CI_PIPELINE_SOURCE": "web"},
}  # fmt: skip
# only:/except: keywords for a pipeline's source, and the $CI_PIPELINE_SOURCE each means
_SOURCES = {"api": "api", "external": "external", "pipelines": "pipeline",
            "schedules": "schedule", "triggers": "trigger", "web": "web", "chat": "chat",
            "external_pull_requests": "external_pull_request_event"}  # fmt: skip


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        while text[position].isspace():  # the text is stripped: a token follows
            position += 1
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(text[position:])
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], variables: Mapping[str, str]) -> None:
        self.tokens = tokens
        self.index = 0
        self.variables = variables

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.index += 1
        return token

    def parse(self) -> bool:
        value = self.disjunction()
        if self.peek()[0] != "end":
            raise ValueError(self.peek()[1])
        return value

    def disjunction(self) -> bool:
        value = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take()
            other = self.conjunction()
            value = value or other
        return value

    def conjunction(self) -> bool:
        value = self.comparison()
        while self.peek() == ("op", "&&"):
            self.take()
            other = self.comparison()
            value = value and other
        return value

    def comparison(self) -> bool:
        if self.peek() == ("op", "("):
            self.take()
            value = self.disjunction()
            if self.take() != ("op", ")"):
                raise ValueError("missing )")
            return value
        left = self.operand()
        kind, op = self.peek()
        if kind == "op" and op in ("==", "!=", "=~", "!~"):
            self.take()
            right = self.operand()
            return _compare(left, op, right)
        return bool(left)

    def operand(self) -> Any:
        kind, text = self.take()
        if kind == "var":
            return self.variables.get(text.strip("${}"))
        if kind == "str":
            return text[1:-1]
        if kind == "null":
            return None
        if kind == "regex":
            return _Regex(text)
        raise ValueError(text)


class _Regex:
    def __init__(self, literal: str) -> None:
        body, _, flags = literal[1:].rpartition("/")
        self.pattern = re.compile(body, re.IGNORECASE if "i" in flags else 0)


def _compare(left: Any, op: str, right: Any) -> bool:
    if op in ("==", "!="):
        if isinstance(right, _Regex) or isinstance(left, _Regex):
            raise ValueError("a regex compared with ==")
        return (left == right) == (op == "==")
    if isinstance(right, str) and right.startswith("/"):
        right = _Regex(right)  # a variable holding a regex
    if not isinstance(right, _Regex):
        raise ValueError("=~ needs a regex")
    found = left is not None and bool(right.pattern.search(str(left)))
    return found == (op == "=~")


def evaluate(expression: str, variables: Mapping[str, str]) -> bool | None:
    """Return the value of a ``rules:if`` expression, or ``None`` when it cannot be read."""
    try:
        return _Parser(_tokens(str(expression)), variables).parse()
    except (ValueError, re.error, IndexError):
        return None


def _rules_outcome(rules: Any, variables: Mapping[str, str]) -> bool | None:
    """Return whether a ``rules:`` list lets the job run (any ``when`` but ``never``)."""
    if not isinstance(rules, list):
        return None
    for entry in _flat(rules):
        if not isinstance(entry, dict):
            return None
        condition = entry.get("if")
        matched = True if condition is None else evaluate(condition, variables)
        if matched is None:
            return None
        if matched:
            return entry.get("when", "on_success") != "never"
    return False


def _flat(items: list[Any]) -> list[Any]:
    """Flatten nested lists: ``!reference`` tags put a list of rules inside ``rules:``."""
    flat: list[Any] = []
    for item in items:
        flat += _flat(item) if isinstance(item, list) else [item]
    return flat


def _ref_matches(ref: Any, variables: Mapping[str, str]) -> bool | None:
    """Return whether an ``only``/``except`` ref entry matches the scenario."""
    ref = str(ref)
    merge_request = variables.get("CI_PIPELINE_SOURCE") == "merge_request_event"
    keywords = {"branches": not merge_request and "CI_COMMIT_BRANCH" in variables,
                "merge_requests": merge_request, "tags": "CI_COMMIT_TAG" in variables,
                "pushes": variables.get("CI_PIPELINE_SOURCE") == "push"}  # fmt: skip
    if ref in keywords:
        return keywords[ref]
    if ref in _SOURCES:
        return variables.get("CI_PIPELINE_SOURCE") == _SOURCES[ref]
    name = variables.get("CI_COMMIT_REF_NAME", "")
    if merge_request:
        return False  # only: <branch> never matches a merge request pipeline
    if ref.startswith("/") and ref.rstrip("i").endswith("/"):
        try:
            return bool(_Regex(ref).pattern.search(name))
        except re.error:
            return None
    return ref == name


def _only_outcome(job: Mapping[str, Any], variables: Mapping[str, str]) -> bool | None:
    only, exclude = job.get("only"), job.get("except")
    merge_request = variables.get("CI_PIPELINE_SOURCE") == "merge_request_event"
    if only is None:
        runs: bool | None = not merge_request  # the default is only: [branches, tags]
    else:
        runs = _refs_outcome(only, variables)
    if runs and exclude is not None:
        excluded = _refs_outcome(exclude, variables)
        runs = None if excluded is None else not excluded
    return runs


def _any(results: list[bool | None]) -> bool | None:
    """Return True if one is true, None if none is but one cannot be told, else False."""
    if True in results:
        return True
    return None if None in results else False


def _refs_outcome(spec: Any, variables: Mapping[str, str]) -> bool | None:
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, list):
        return _any([_ref_matches(ref, variables) for ref in spec])
    if isinstance(spec, dict):
        return _complex_refs(spec, variables)
    return None


def _complex_refs(spec: dict[str, Any], variables: Mapping[str, str]) -> bool | None:
    """Return the outcome of ``only: {refs: [...], variables: [...]}``."""
    refs = spec.get("refs")
    outcome = True if refs is None else _refs_outcome(refs, variables)
    conditions = spec.get("variables")
    if outcome and isinstance(conditions, list):
        outcome = _any([evaluate(c, variables) for c in conditions])
    return outcome


def pipeline_runs(workflow: Any, variables: Mapping[str, str]) -> bool | None:
    """Return whether ``workflow:rules`` create a pipeline in the scenario."""
    rules = workflow.get("rules") if isinstance(workflow, dict) else None
    if rules is None:
        return True
    return _rules_outcome(rules, variables)


def job_runs(job: Mapping[str, Any], variables: Mapping[str, str]) -> bool | None:
    """Return whether a job (its ``rules``, or ``only``/``except``) runs in the scenario.

    ``when: manual`` counts as running: anyone with access to the pipeline can start it.
    """
    if job.get("rules") is not None:
        return _rules_outcome(job.get("rules"), variables)
    return _only_outcome(job, variables)
