"""Shipyard: the helpers behind the runbook for shipping Python on GitLab with a private Nexus.

The public modules are the interface the runbook notebooks and the ``shipyard`` command use:
:mod:`shipyard.config`, :mod:`shipyard.errors`, :mod:`shipyard.findings`, :mod:`shipyard.plans`,
:mod:`shipyard.rules`, :mod:`shipyard.audit` and :mod:`shipyard.runbook`. Importing ``shipyard``
itself imports nothing heavy.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
