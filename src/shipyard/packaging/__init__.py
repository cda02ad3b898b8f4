"""Chapter 02, packaging and publishing: the pyproject model, the PKG rules, build and publish.

- ``shipyard.packaging.pyproject``: :func:`load_pyproject` reads ``pyproject.toml`` once, with
  the line of every key, for the PKG rules (``shipyard.packaging.rules``).
- :mod:`shipyard.packaging.publish`: build a wheel, upload it with twine, install it with pip.
"""

from __future__ import annotations

from shipyard.packaging import publish
from shipyard.packaging.pyproject import Pyproject, load_pyproject, table

#: The runbook chapter this package serves (``notebooks/<name>.ipynb``).
RUNBOOK_CHAPTER = "02_packaging_publishing"

__all__ = ["RUNBOOK_CHAPTER", "Pyproject", "load_pyproject", "publish", "table"]
