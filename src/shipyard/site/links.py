"""Links from notebook outputs into the site stay inside the site it is built as.

A finding's ``doc_url`` is absolute: the published runbook's base URL (the ``docs-url`` setting)
plus ``docs/reference/rules/<id>.html``. That is right in a live kernel, in a terminal and in a
GitLab report, where nothing else is at hand. In the site, a findings table that links to the
published copy sends the reader off-site, to pages that may be of another version, or to nothing
when the site is read from ``public/`` or a review app. So the site build rewrites every link of a
notebook's HTML output that starts with the base URL into a link relative to the page holding it
(``../docs/reference/rules/pkg008.html`` from ``notebooks/``), and fails (a warning, an error
under ``-W``) when that page is not one the build has. The notebook does not need to know where it
is rendered: the site knows its own base URL.

Enabled in ``conf.py`` as the Sphinx extension ``shipyard.site.links``. The base URLs rewritten are
the default of ``docs-url``, ``SHIPYARD_DOCS_URL`` when set, and ``shipyard_site_urls`` from
``conf.py``.
"""

from __future__ import annotations

import os
import re
from typing import Any

from docutils import nodes

__all__ = ["relative_links", "setup", "site_urls"]

_HREF = re.compile(r'(href|src)="([^"]*)"')


def site_urls(extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Return the base URLs under which a link points into this site, each ending in ``/``."""
    from shipyard.config import Settings

    bases = [Settings.docs_url, os.environ.get("SHIPYARD_DOCS_URL", ""), *extra]
    return sorted({b.rstrip("/") + "/" for b in bases if b}, key=len, reverse=True)


def relative_links(text: str, bases: list[str], to_root: str) -> tuple[str, list[str]]:
    """Rewrite links in ``text`` that start with one of ``bases`` to ``to_root`` + the rest.

    Args:
        text: HTML.
        bases: Base URLs of the site, each ending in ``/``.
        to_root: The way from the page to the site's root, e.g. ``../`` (empty at the root).

    Returns:
        The rewritten HTML, and the site-relative paths it links to (``docs/.../pkg008.html``).
    """
    targets: list[str] = []

    def replace(match: re.Match[str]) -> str:
        url = match.group(2)
        for base in bases:
            if url.startswith(base):
                path = url[len(base) :]
                targets.append(path)
                return f'{match.group(1)}="{to_root}{path}"'
        return match.group(0)

    return _HREF.sub(replace, text), targets


def _rewrite(app: Any, doctree: nodes.document, docname: str) -> None:
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    bases = site_urls(app.config.shipyard_site_urls)
    to_root = "../" * app.builder.get_target_uri(docname).count("/")
    for raw in doctree.findall(nodes.raw):
        if "html" not in raw.get("format", "").split():
            continue
        text, targets = relative_links(raw.astext(), bases, to_root)
        if not targets:
            continue
        raw.children = [nodes.Text(text)]
        for target in targets:
            name = target.split("#")[0].removesuffix(".html")
            if name not in app.env.all_docs:
                logger.warning(
                    "a notebook output links to %s, which this site has no page for",
                    target, location=(docname, raw.line),
                )  # fmt: skip


def setup(app: Any) -> dict[str, Any]:
    """Register the rewriting with Sphinx."""
    app.add_config_value("shipyard_site_urls", [], "html")
    app.connect("doctree-resolved", _rewrite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
