"""Sphinx configuration: the repository root is the source directory of the runbook site."""

import os

import shipyard

# The site shows committed, stable outputs: placeholders for ports and temporary paths. The
# kernels myst-nb starts inherit this (see shipyard.runbook.normalise); a live kernel shows real
# values.
os.environ["SHIPYARD_STABLE_OUTPUT"] = "1"

project = "Shipyard"
author = "Shipyard developers"
copyright = "2026, Shipyard developers"  # noqa: A001 - Sphinx's name
release = version = shipyard.__version__

extensions = [
    # First: executes the stale chapters in the background while Sphinx reads the other pages,
    # each chapter read once its execution is cached (MyST-NB then starts no kernel).
    "shipyard.site.build",
    "myst_nb",
    "sphinx_design",
    "sphinx_copybutton",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "shipyard.site.roles",  # {rule}`IMG001`: a badge linking to the rule's page
    "shipyard.site.links",  # notebook outputs link to pages of this site, not the published one
    "shipyard.site.diagram",  # {path-diagram}: the landing page's path, steps linking to chapters
]

root_doc = "index"
# Everything generated or not part of the site stays out of the sources: the second build would
# otherwise read cached executed notebooks as documents and -W would fail.
exclude_patterns = [
    "public",
    ".venv",
    ".jupyter_cache",
    "jupyter_execute",
    "_build",
    "src",
    "tests",
    "benchmarks",
    "reports",
    "dist",
    "README.md",
    "**/.ipynb_checkpoints",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".git",
    ".ci",
    "tools",
    "docs/explanation/_generated",  # fragments the explanation pages include
]

# Notebooks: executed on build (by shipyard.site.build), cached, and a cell that raises fails the
# build unless it is tagged raises-exception. The cache lives in .jupyter_cache, keyed on each
# notebook's code cells and the package's fingerprint (shipyard.site.execute).
shipyard_notebooks = "notebooks/*.ipynb"
nb_execution_mode = "cache"
nb_execution_cache_path = ".jupyter_cache"
nb_execution_raise_on_error = True
nb_execution_timeout = 600
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist", "substitution"]
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = "Shipyard runbook"
html_static_path = ["docs/_static"]
html_css_files = ["shipyard.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

nitpicky = True
# No intersphinx (the build runs offline): references to the standard library and third-party
# types cannot resolve, and are not ours to document.
nitpick_ignore_regex = [
    (r"py:.*", r"(pathlib|collections\.abc|typing|dataclasses|tomllib|click|rich|enum)\..*"),
    (r"py:class", r"(Path|Any|Callable|Iterable|Iterator|Mapping|Sequence|NamedTuple|T)"),
    # Private modules (shipyard._x) are not documented; public signatures may still name them.
    (r"py:class", r"(_toml\.KeyLines|shipyard\.([a-z]+\.)*_[a-z_]+\..*)"),
]
suppress_warnings = ["myst.header"]
