"""Hostile .gitlab-ci.yml files give findings, never a crash: generated documents and fragments."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.config import Settings
from shipyard.pipeline import parse, pipeline_diagram
from shipyard.rules import all_rules, run_rules

RULES = [r for r in all_rules() if r.family == "CI"]
KEYS = ["script", "before_script", "rules", "only", "except", "needs", "extends", "image",
        "services", "stage", "stages", "variables", "artifacts", "environment", "when", "include",
        "workflow", "default", "parallel", "if", "job", "component", "project", "ref", "name",
        "paths", "expire_in", "matrix", "spec", "inputs", "pages", ".t", "j"]  # fmt: skip
WORDS = ["x", "twine upload d", "docker push a", "$CI_COMMIT_TAG", "$A == 'b'", "/^v/", "pytest",
         "main", "tags", "manual", "never", "python:latest", "a@1", "~latest", ".t", "j",
         "-p $X", "$[[ inputs.a ]]", "((", "$A =~ /(/"]  # fmt: skip
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(WORDS))
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=25,
)  # fmt: skip
FRAGMENTS = [
    "spec:\n  inputs:\n    a: {default: 1}\n", "---\n", "j:\n", "  script:\n",
    "    - !reference [.t, script]\n", "    - !reference [x]\n", "  rules: !reference [.t, r]\n",
    ".t: &a\n", "  <<: *a\n", "  extends: .t\n", "  image: $[[ inputs.a ]]\n", "  needs: [j]\n",
    "  - x\n", "k: *a\n", "  when: $[[ inputs.b | expand_vars ]]\n", "\t\n", "- - -\n",
    "include: {component: a/b@~latest}\n", "  parallel: {matrix: [{A: [1, 2]}]}\n",
]  # fmt: skip


def check(text: str) -> None:
    run_rules(RULES, parse(text), ".gitlab-ci.yml", Settings())
    repr(pipeline_diagram(text))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(KEYS), trees, max_size=6))
def test_any_document_gives_findings_not_crashes(document):
    check(json.dumps(document))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_any_arrangement_of_tags_anchors_and_headers_gives_findings(fragments):
    check("".join(fragments))
