"""Hostile pyproject.toml files give findings or a clean InputError, never a crash."""

from __future__ import annotations

import json
import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard import audit
from shipyard.errors import InputError
from shipyard.findings import to_codequality, to_json

KEYS = ["build-system", "project", "tool", "requires", "build-backend", "name", "version",
        "dynamic", "readme", "license", "scripts", "requires-python", "poetry", "hatch",
        "packages", "file", "dependencies", "include", "from", "gui-scripts"]  # fmt: skip
printable = st.characters(blacklist_categories=("Cc", "Cs"))
scalars = st.one_of(
    st.text(printable, max_size=12), st.integers(), st.booleans(), st.floats(allow_nan=False)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=20,
)  # fmt: skip
documents = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)


def dump(value, prefix=""):
    """A tiny TOML writer: inline tables and arrays, enough for generated documents."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(dump(v) for v in value) + "]"
    return "{" + ", ".join(f'"{k}" = {dump(v)}' for k, v in value.items()) + "}"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=documents)
def test_any_document_gives_findings_not_crashes(tmp_path, document):
    text = "\n".join(f'"{k}" = {dump(v)}' for k, v in document.items())
    tomllib.loads(text)  # the generator writes valid TOML
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    findings = audit.check(tmp_path)
    json.loads(to_json(findings))
    json.loads(to_codequality(findings))
    assert all(f.line >= 1 for f in findings)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_any_bytes_give_findings_or_input_error(tmp_path, raw):
    (tmp_path / "pyproject.toml").write_bytes(raw)
    try:
        audit.check(tmp_path)
    except InputError as error:
        assert error.path.name == "pyproject.toml"
