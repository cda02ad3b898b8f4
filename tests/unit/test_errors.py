from __future__ import annotations

from shipyard.config import Secret
from shipyard.errors import InputError, OperationError, redact


def test_input_error_location():
    error = InputError("bad value", path="a/pyproject.toml", line=3, column=7, rule_id="PKG001")
    assert str(error) == "a/pyproject.toml:3:7: bad value [PKG001]"
    assert InputError("x", path="f").location == "f"


def test_redact_urls_and_secrets():
    text = "GET https://deploy:s3cret-canary@nexus.local/x failed; token glpat-canary"
    shown = redact(text, [Secret("glpat-canary"), "", None])
    assert "s3cret-canary" not in shown and "glpat-canary" not in shown
    assert "https://****@nexus.local/x" in shown


def test_redact_longest_first():
    assert redact("abc abcdef", ["abc", "abcdef"]) == "**** ****"


def test_operation_error_message():
    error = OperationError("create repository 'pypi-internal'", status=400, server_message="dup",
                           url="http://127.0.0.1/service/rest/v1/repositories")  # fmt: skip
    assert str(error).startswith("create repository 'pypi-internal' failed (HTTP 400) at http://")
    assert OperationError("x", status=None).message == "x failed (no answer)"
