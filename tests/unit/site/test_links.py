"""Links from notebook outputs into the site become links relative to the page holding them."""

from shipyard.site.links import relative_links, site_urls

BASE = "https://shipyard.gitlab.io/shipyard/"


def test_links_into_the_site_become_relative():
    html = (
        f'<a href="{BASE}docs/reference/rules/pkg008.html">PKG008</a>'
        '<a href="https://docs.astral.sh/ruff/rules/unused-import">F401</a>'
    )
    text, targets = relative_links(html, [BASE], "../")
    assert 'href="../docs/reference/rules/pkg008.html"' in text
    assert 'href="https://docs.astral.sh/ruff/rules/unused-import"' in text
    assert targets == ["docs/reference/rules/pkg008.html"]


def test_site_urls_include_the_default_and_the_environment(monkeypatch):
    monkeypatch.setenv("SHIPYARD_DOCS_URL", "https://docs.corp.local/runbook")
    assert set(site_urls()) == {BASE, "https://docs.corp.local/runbook/"}
