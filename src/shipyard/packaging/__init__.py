"""Chapter 02, packaging and publishing: the pyproject model, the PKG rules, build and publish.

- ``shipyard.packaging.pyproject``: :func:`load_pyproject` reads ``pyproject.toml`` once, with
  the line of every key, for the PKG rules (``shipyard.packaging.rules``).
- :mod:`shipyard.packaging.publish`: build a wheel, upload it with twine, install it with pip.
- :mod:`shipyard.packaging.build`: wheel and sdist with the real ``build`` frontend, its backends
  from Nexus (seeded by :mod:`shipyard.nexus.backends`); ``twine check``; what a wheel holds.
- :mod:`shipyard.packaging.versioning`: versions by hand or from git tags (hatch-vcs), explained.
- :mod:`shipyard.packaging.poetry`: ``poetry publish`` configured by ``POETRY_*`` variables.
- :mod:`shipyard.packaging.release`: which tag releases what, the deploy job, trusted publishing.
- ``shipyard.packaging.release_rules``: PKG016 on (registered by ``shipyard.packaging.rules``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard._lazy import lazy_exports
from shipyard.packaging.pyproject import Pyproject, load_pyproject, table

if TYPE_CHECKING:
    from shipyard.packaging import build, poetry, publish, release, versioning

# The chapter's tools (build, twine, poetry, git) load on first use: the PKG rules need only
# the pyproject model.
__getattr__, __dir__ = lazy_exports(
    __name__, {}, globals(), modules=["build", "poetry", "publish", "release", "versioning"]
)

#: The runbook chapter this package serves (``notebooks/<name>.ipynb``).
RUNBOOK_CHAPTER = "02_packaging_publishing"

__all__ = [
    "RUNBOOK_CHAPTER",
    "Pyproject",
    "build",
    "load_pyproject",
    "poetry",
    "publish",
    "release",
    "table",
    "versioning",
]
