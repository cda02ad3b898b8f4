"""The committed reference pages match what the code generates."""

from __future__ import annotations

from shipyard.site import docgen as _docgen
from tests.conftest import ROOT


def test_generated_pages_are_current():
    stale = [
        name
        for name, text in _docgen.pages().items()
        if not (ROOT / name).is_file() or (ROOT / name).read_text(encoding="utf-8") != text
    ]
    if stale:
        import difflib

        name = stale[0]
        committed = (ROOT / name).read_text(encoding="utf-8") if (ROOT / name).is_file() else ""
        diff = difflib.unified_diff(
            committed.splitlines(), _docgen.pages()[name].splitlines(), "committed", "generated",
            lineterm="", n=1,
        )  # fmt: skip
        detail = "\n".join(list(diff)[:30])
        raise AssertionError(f"stale pages (run `python3 dev.py generate`): {stale}\n{detail}")


def test_no_orphan_rule_pages():
    generated = set(_docgen.pages())
    committed = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "docs/reference/rules").glob("*.md")
    }
    assert committed <= generated, f"pages of no rule: {sorted(committed - generated)}"


def test_rule_page_shows_badge_and_examples():
    page = _docgen.pages()["docs/reference/rules/pkg010.md"]
    assert "{rule}`PKG010`" in page
    assert "## Why it matters" in page and "## How to fix it" in page


def test_rule_role_links_a_known_rule_and_refuses_an_unknown_one():
    from docutils import nodes

    from shipyard.site.roles import rule_role

    class Inliner:
        class reporter:  # noqa: N801 - docutils' attribute name
            @staticmethod
            def error(message, line):
                return nodes.system_message(
                    message, level=3, type="ERROR", line=line, source="page.md"
                )

        @staticmethod
        def problematic(rawtext, text, message):
            return nodes.problematic(rawtext, text)

    (link,), messages = rule_role("rule", "{rule}`IMG001`", "IMG001", 1, Inliner())
    assert not messages and link["reftarget"] == "/docs/reference/rules/img001"
    assert "sd-bg-danger" in link.children[0]["classes"]
    _, (message,) = rule_role("rule", "{rule}`IMG999`", "IMG999", 7, Inliner())
    assert "unknown rule id 'IMG999'" in message.astext() and message["line"] == 7


def test_architecture_table_names_every_chapter_package():
    page = _docgen.pages(ROOT)["docs/explanation/_generated/architecture.md"]
    assert "`shipyard.images` | [IMG]" in page and "`shipyard image`" in page
    assert "<svg" in page and ">cli</text>" in page
