"""LIC: dependency licenses, the findings of the licenses gate.

These rules are checked by the licenses gate (``shipyard gates run --only licenses``,
:mod:`shipyard.gates.licenses`), which reads the metadata of the project's installed
dependencies; ``shipyard check`` does not run them. The allow-list is ``licenses-allow`` in
``[tool.shipyard.gates]``.
"""

from __future__ import annotations

from shipyard.rules import external

__all__: list[str] = []


external(
    "LIC001",
    "Every dependency uses an allowed license",
    "error",
    why="""
        What the project installs, it ships: a wheel or an image that includes a GPL library can
        oblige the company to publish its own code under the GPL, and an AGPL one even for a
        service only used over the network. Legal decides the allow-list once; the gate applies
        it to every dependency on every commit, direct or pulled in by another. The license is
        read as PEP 639 orders it: `License-Expression`, then a `License` field that is an SPDX
        expression, then the `License ::` classifiers. `MIT OR GPL-2.0-only` passes (you may
        choose MIT); `MIT AND GPL-2.0-only` does not.
    """,
    bad="""
        [project]
        dependencies = ["legacy-report>=1.0"]  # License-Expression: GPL-3.0-only
    """,
    good="""
        [project]
        dependencies = ["tabulate>=0.9"]  # License-Expression: MIT
    """,
    fix="""
        Replace the dependency with one under an allowed license. If legal has approved this
        one, list it in `licenses-ignore` with the approval in a comment; add a license to
        `licenses-allow` only when legal allows it for every dependency.
    """,
    checked_by="gate:licenses",
)


external(
    "LIC002",
    "Every dependency declares a license",
    "error",
    why="""
        A dependency whose metadata declares no license Shipyard can read (no
        `License-Expression`, a `License` field that is free text, no license classifier), or
        that is not installed, cannot be shown to be allowed. All rights are reserved unless a
        license says otherwise, so an unknown license is a finding, not a pass.
    """,
    bad="""
        Metadata-Version: 2.4
        Name: internal-helpers
        Version: 0.3
    """,
    good="""
        Metadata-Version: 2.4
        Name: internal-helpers
        Version: 0.3
        License-Expression: MIT
    """,
    fix="""
        Install the project's dependencies before the gate runs. For a package you own, declare
        `license = "MIT"` (an SPDX expression) in its pyproject.toml; for a third-party one, read
        its license, and once legal has approved it, list it in `licenses-ignore` with a comment.
    """,
    language="text",
    checked_by="gate:licenses",
)
