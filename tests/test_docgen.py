"""The committed reference pages match what the code generates."""

from __future__ import annotations

from pathlib import Path

from shipyard import _docgen

ROOT = Path(__file__).resolve().parent.parent


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
    assert "{bdg-danger}`PKG010`" in page
    assert "## Why it matters" in page and "## How to fix it" in page
