"""The ``{rule}`` role: a rule id in any page or chapter, as a badge that links to its page.

``{rule}`IMG001``` renders ``IMG001`` in its severity's colour and links to
``docs/reference/rules/img001``; an id the registry does not know is an error, so with ``-W`` the
build fails instead of publishing a link to nothing. Enabled in ``conf.py`` as the Sphinx
extension ``shipyard.site.roles``, like the ``{rr}`` role of the Scientific Python guide.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx import addnodes

__all__ = ["BADGE_COLOURS", "rule_role", "setup"]

#: The sphinx-design colour of each severity's badge.
BADGE_COLOURS = {"error": "danger", "warning": "warning", "info": "info"}
RULE_PAGES = "/docs/reference/rules"


def rule_role(
    name: str, rawtext: str, text: str, lineno: int, inliner: Any,
    options: dict[str, Any] | None = None, content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:  # fmt: skip
    """Return a badge linking to the rule ``text``, or an error for an unknown id."""
    from shipyard.errors import UnknownRuleError
    from shipyard.rules import get_rule

    try:
        found = get_rule(text.strip())
    except UnknownRuleError as exc:
        message = inliner.reporter.error(f"{{rule}}: {exc}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    colour = BADGE_COLOURS[found.severity]
    link = addnodes.pending_xref(
        rawtext, refdomain="std", reftype="doc", reftarget=f"{RULE_PAGES}/{found.id.lower()}",
        refexplicit=True, refwarn=True,
    )  # fmt: skip
    link += nodes.inline(
        found.id, found.id,
        classes=["sd-sphinx-override", "sd-badge", f"sd-bg-{colour}", f"sd-bg-text-{colour}"],
    )  # fmt: skip
    return [link], []


def setup(app: Any) -> dict[str, Any]:
    """Register the role with Sphinx."""
    app.add_role("rule", rule_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
