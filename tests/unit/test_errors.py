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


def test_notebook_display_shows_message_hint_and_docs_link():
    from shipyard.errors import ConfigError

    error = ConfigError("no sample project 'nope'", hint="Pass one of: my_app.",
                        doc_url="https://example.org/docs/config.html")  # fmt: skip
    # IPython shows _render_traceback_() in place of the traceback.
    assert error._render_traceback_() == [
        "ConfigError: no sample project 'nope'",
        "hint: Pass one of: my_app.",
        "docs: https://example.org/docs/config.html",
    ]
    html = error._repr_html_()
    assert "Pass one of: my_app." in html
    assert '<a href="https://example.org/docs/config.html">' in html


def test_operation_error_display_has_the_default_hint():
    from shipyard.errors import OperationError

    error = OperationError("read the index", status=401, hint="The credentials were refused.")
    assert error._render_traceback_()[1] == "hint: The credentials were refused."
