"""Every chapter's committed outputs are what the current code prints.

The comparison reads the chapter's execution from the site's cache (executed once per run, by
the executor the site build uses) and diffs it with pytest-notebook's diff, ignoring the paths
in pyproject.toml's ``nb_diff_ignore``. A new ``notebooks/NN_*.ipynb`` is picked up by itself.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from pytest_notebook.diffing import diff_notebooks, diff_to_string, filter_diff
from pytest_notebook.post_processors import load_processor

from shipyard.site.execute import CANARY
from tests.functional.conftest import NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_committed_outputs_match_the_execution(path, executed_notebook, pytestconfig):
    committed = nbformat.read(path, as_version=4)
    executed, _ = load_processor("coalesce_streams")(executed_notebook(path), {})
    ignore = list(pytestconfig.getini("nb_diff_ignore"))
    diff = filter_diff(diff_notebooks(committed, executed), ignore)
    assert not diff, (
        diff_to_string(committed, diff, use_git=False, use_color=False)
        + f"\nStale outputs: run `python3 dev.py notebooks notebooks/{path.name}`, commit them."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_secret_in_any_output(path, executed_notebook):
    """The kernels ran with every secret set to the canary: no output shows it."""
    outputs = json.dumps([cell.get("outputs", []) for cell in executed_notebook(path).cells])
    assert CANARY not in outputs
