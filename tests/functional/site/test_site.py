"""The site builds with warnings as errors, shows executed chapters, and leaks no secret.

The build reuses the repository's jupyter cache (.jupyter_cache), like `python3 dev.py site`, so
a notebook is executed only when its code changed since the last build.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CANARY = "canary-Secret-7f3a9c"
SPHINX_PROBLEM = re.compile(r"(^|: )(WARNING|ERROR|CRITICAL|SEVERE): ")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, SHIPYARD_NEXUS_PASSWORD=CANARY, SHIPYARD_GITLAB_TOKEN=CANARY)
    env.pop("SHIPYARD_NEXUS_URL", None)
    env.pop("SHIPYARD_GITLAB_URL", None)
    command = [sys.executable, "-m", "sphinx", "-nW", "--keep-going", "-q", "-b", "html",
               "-d", str(out / "doctrees"), str(ROOT), str(out / "html")]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    # Sphinx's own messages ("file:line: WARNING: ..."), not the kernel's log lines.
    warnings = [line for line in result.stderr.splitlines() if SPHINX_PROBLEM.search(line)]
    assert result.returncode == 0 and not warnings, result.stderr[-4000:]
    return out / "html"


def test_landing_page_and_navigation(site):
    index = (site / "index.html").read_text()
    for section in ("Tutorial", "How-to guides", "Reference", "Explanation"):
        assert section in index
    assert (site / "search.html").is_file() and (site / "searchindex.js").is_file()


def test_quickstart_has_executed_outputs(site):
    page = (site / "notebooks" / "00_quickstart.html").read_text()
    assert "<svg" in page  # the path diagram
    assert "PKG008" in page and "shipyard-findings" in page
    assert "[exit status 1]" in page and "[exit status 0]" in page
    assert "<workspace>" in page.replace("&lt;", "<").replace("&gt;", ">")


def test_every_rule_has_a_page(site):
    from shipyard.rules import all_rules

    for rule in all_rules():
        page = site / "docs" / "reference" / "rules" / f"{rule.id.lower()}.html"
        text = page.read_text()
        assert f"{rule.id}: " in text and "Why it matters" in text


def test_api_reference_from_docstrings(site):
    page = (site / "docs" / "reference" / "api.html").read_text()
    assert (
        "shipyard.findings.Finding" in page and "Return the finding with exactly the keys" in page
    )


def test_no_secret_in_any_page(site):
    leaks = [p for p in site.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]
    assert not leaks


def browse(url: str, window: str = "") -> str:
    """Return the DOM a real (headless) Chromium shows for ``url`` once its scripts have run.

    ``window`` is the window's size, e.g. ``1280,1000`` (Chromium's default when empty).
    """
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is missing: `python3 dev.py test` installs it (Debian: chromium)"
    profile = Path(__import__("tempfile").mkdtemp(prefix="shipyard-chromium-"))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom"]  # fmt: skip
    if window:
        flags.append(f"--window-size={window}")
    result = subprocess.run(
        [chromium, *flags, url], capture_output=True, text=True, timeout=120, check=False
    )
    shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_browser_renders_chapter(site):
    dom = browse((site / "notebooks" / "00_quickstart.html").as_uri())
    assert "<svg" in dom and "shipyard-findings" in dom
    assert "On this page" in dom  # the theme's scripts and layout ran


def test_browser_search_finds_rule_pages(site):
    dom = browse((site / "search.html").as_uri() + "?q=PKG008")
    assert "Search finished, found" in dom
    assert "docs/reference/rules/pkg008.html" in dom


FINDINGS_TABLE = re.compile(r'<table class="shipyard-findings">.*?</table>', re.S)
HREF = re.compile(r'href="([^"]*)"')


def test_every_findings_link_names_a_page_of_the_site(site):
    """Follow every link of every findings table on every page: rule pages are inside the site."""
    from shipyard.config import Settings

    followed = 0
    for page in site.rglob("*.html"):
        for table in FINDINGS_TABLE.findall(page.read_text(encoding="utf-8")):
            for href in HREF.findall(table):
                href = href.replace("&amp;", "&")
                assert not href.startswith(Settings.docs_url), f"{page}: off-site link {href}"
                if href.startswith(("https://", "http://")):
                    continue  # a tool's own documentation (ruff, hadolint, bandit, ...)
                target = (page.parent / href.split("#")[0]).resolve()
                assert target.is_file(), f"{page.relative_to(site)} links to missing {href}"
                followed += 1
    assert followed >= 20  # the chapters' findings tables link to many rule pages


def test_landing_page_draws_the_path_with_links_to_the_chapters(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    diagram = index[index.index('<div class="shipyard-path">') :].split("</svg>")[0]
    links = HREF.findall(diagram)
    assert "notebooks/01_nexus_setup.html" in links and "notebooks/05_quality_gates.html" in links
    for href in links:
        assert (site / href).is_file(), href


# Injected into a copy of a chapter page: once laid out, report every element of an output table
# or a preformatted block that reaches past the right edge of the article column.
MEASURE = """<script>
window.addEventListener("load", function () {
  var article = document.querySelector("article.bd-article");
  var limit = article.getBoundingClientRect().right + 1, wide = [];
  var selector = "table[class^='shipyard-'], table[class^='shipyard-'] *, .bd-article pre";
  document.querySelectorAll(selector).forEach(function (el) {
    var box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > limit) {
      wide.push(el.tagName + " +" + Math.round(box.right - limit) + "px: " +
                (el.textContent || "").slice(0, 60));
    }
  });
  var out = document.createElement("pre");
  out.id = "shipyard-measure";
  out.textContent = JSON.stringify({
    tables: document.querySelectorAll("table.shipyard-findings").length, wide: wide});
  document.body.appendChild(out);
});
</script>"""


@pytest.mark.parametrize("chapter", ["00_quickstart", "04_image_guidelines", "05_quality_gates"])
def test_browser_output_tables_fit_the_page(site, chapter):
    page = site / "notebooks" / f"{chapter}.html"
    probe = page.with_name(f"_measure_{chapter}.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"))
    dom = browse(probe.as_uri(), window="1280,1000")
    found = re.search(r'<pre id="shipyard-measure"[^>]*>(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    result = json.loads(html.unescape(found.group(1)))
    assert result["tables"] >= 1
    assert not result["wide"], result["wide"][:10]
