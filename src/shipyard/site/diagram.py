"""The ``path-diagram`` directive: the runbook's path, each step linking to its chapter.

The landing page draws :func:`shipyard.runbook.path_diagram` inline (an SVG whose steps are
links), from a list of one line per chapter in the directive's body::

    ```{path-diagram}
    publish: notebooks/01_nexus_setup
    deploy: notebooks/03_micromamba_provisioning
    ```

The key is a step of the diagram (``build``, ``test``, ``publish``, ``deploy``) or one of its notes
(``images``, ``pipeline``); the value is the chapter's document. A step without a line is drawn
without a link, so a chapter joins the diagram with one line. An unknown key, or a document the
site does not have, is an error (the build fails under ``-W``) rather than a link to nothing.
Enabled in ``conf.py`` as the Sphinx extension ``shipyard.site.diagram``.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

__all__ = ["PathDiagramDirective", "setup"]


class PathDiagramDirective(SphinxDirective):
    """Draw the path diagram with links to the chapters listed in the body."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        """Return the diagram as inline SVG, or an error for a bad line."""
        from sphinx.util.osutil import relative_uri

        from shipyard.runbook import DIAGRAM_KEYS, path_diagram

        builder = self.env.app.builder
        here = builder.get_target_uri(self.env.docname)
        links: dict[str, str] = {}
        for offset, line in enumerate(self.content):
            if not line.strip():
                continue
            key, _, docname = (part.strip() for part in line.partition(":"))
            problem = ""
            if key not in DIAGRAM_KEYS:
                problem = f"unknown step {key!r}: use one of {', '.join(DIAGRAM_KEYS)}"
            elif docname not in self.env.found_docs:
                problem = f"{key}: no document {docname!r} in this site"
            if problem:
                lineno = self.content_offset + offset + 1
                return [self.state.document.reporter.error(f"path-diagram: {problem}", line=lineno)]
            links[key] = relative_uri(here, builder.get_target_uri(docname))
        svg = path_diagram(links)._repr_svg_()
        return [nodes.raw("", f'<div class="shipyard-path">{svg}</div>', format="html")]


def setup(app: Any) -> dict[str, Any]:
    """Register the directive with Sphinx."""
    app.add_directive("path-diagram", PathDiagramDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
