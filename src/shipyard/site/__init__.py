"""The runbook site's side of Shipyard: the reference pages generated from code, the Sphinx roles.

:mod:`shipyard.site.docgen` writes the rule, CLI, configuration and gate pages from the registry
and the command; ``python3 dev.py generate`` runs it and a test fails when a page is stale.
"""

__all__: list[str] = []  # the modules are the API: docgen, roles
