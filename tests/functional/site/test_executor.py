"""The executor: a cached execution is reused, and a package change executes again."""

from __future__ import annotations

import nbformat
import pytest

from shipyard.site import execute as executor


@pytest.fixture
def tiny(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    notebook.cells = [
        nbformat.v4.new_code_cell("import os\nprint(os.environ['SHIPYARD_NOTEBOOK'])")
    ]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)
    return path


def test_cached_until_the_package_changes(tiny, tmp_path, monkeypatch):
    cache, lines = tmp_path / "cache", []
    first = executor.execute([tiny], cache, log=lines.append)
    assert list(first.executed) == ["tiny.ipynb"] and not first.cached
    outputs = executor.executed_notebook(tiny, cache).cells[0].outputs
    assert outputs[0]["text"] == "tiny.ipynb\n"
    assert any(line.startswith("tiny.ipynb executed in ") for line in lines)

    again = executor.execute([tiny], cache, log=lines.append)
    assert again.cached == ["tiny.ipynb"] and not again.executed
    assert executor.stale([tiny], cache) == []

    monkeypatch.setattr(executor, "package_fingerprint", lambda package_dir=None: "changed")
    assert executor.stale([tiny], cache) == [tiny]
    changed = executor.execute([tiny], cache, log=lines.append)
    assert list(changed.executed) == ["tiny.ipynb"]


def test_a_failing_cell_names_the_notebook_and_is_not_cached(tiny, tmp_path):
    notebook = nbformat.read(tiny, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("raise ValueError('on purpose')"))
    nbformat.write(notebook, tiny)
    cache = tmp_path / "cache"
    with pytest.raises(executor.NotebookFailed, match=r"(?s)tiny.ipynb.*on purpose"):
        executor.execute([tiny], cache, log=lambda line: None)
    report = executor.execute([tiny], cache, raise_on_error=False, log=lambda line: None)
    assert "tiny.ipynb" in report.failed and not report.executed
