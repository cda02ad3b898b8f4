"""The site extension: chapters execute while Sphinx reads the other pages, and only when stale.

A two-chapter site in a temporary directory, built in this process with the site's extension
(shipyard.site.build) and MyST-NB, as conf.py configures them. Every kernel started is counted
by the IPython startup file tests/functional/conftest.py installs (the kernel log).
"""

from __future__ import annotations

import io
import os
import textwrap
from pathlib import Path

import nbformat
import pytest
from sphinx.application import Sphinx

from shipyard.site import execute as executor
from tests.functional.conftest import KERNEL_LOG

CONF = """\
extensions = ["shipyard.site.build", "myst_nb"]
shipyard_notebooks = "chapters/*.ipynb"
nb_execution_mode = "cache"
nb_execution_cache_path = ".jupyter_cache"
nb_execution_raise_on_error = True
exclude_patterns = ["_build", ".jupyter_cache", "jupyter_execute"]
"""
INDEX = """\
# Tiny runbook

```{toctree}
page
chapters/overlap_fast
chapters/overlap_slow
```
"""


def _chapter(path: Path, code: str) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    notebook.cells = [nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_code_cell(code)]
    nbformat.write(notebook, path)


@pytest.fixture
def tiny_site(tmp_path: Path) -> Path:
    (tmp_path / "conf.py").write_text(CONF)
    (tmp_path / "index.md").write_text(INDEX)
    (tmp_path / "page.md").write_text("# A page\n\nNot a chapter.\n")
    (tmp_path / "chapters").mkdir()
    show = "import os\nprint('ran in', os.environ['SHIPYARD_NOTEBOOK'])"
    _chapter(tmp_path / "chapters" / "overlap_fast.ipynb", show)
    _chapter(tmp_path / "chapters" / "overlap_slow.ipynb", f"import time\ntime.sleep(3)\n{show}")
    return tmp_path


def _kernels(site: Path) -> list[str]:
    """Return the chapters whose kernels started in the site's chapters/ ("?": not ours)."""
    log = Path(os.environ[KERNEL_LOG])
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    cwd = str(site / "chapters")
    return sorted(name for name, where in (line.split("\t", 1) for line in lines) if where == cwd)


def _build(site: Path) -> tuple[list[str], str]:
    """Build the site; return the documents Sphinx read, in order, and what the executor said."""
    read: list[str] = []
    said = io.StringIO()
    app = Sphinx(site, site, site / "_build" / "html", site / "_build" / "doctrees", "html",
                 status=io.StringIO(), warning=said, freshenv=False)  # fmt: skip
    app.connect("source-read", lambda app, docname, source: read.append(docname))
    app.build()
    assert app.statuscode == 0, said.getvalue()
    return read, said.getvalue()


def test_chapters_execute_while_pages_are_read_and_only_when_stale(tiny_site, monkeypatch):
    monkeypatch.setattr(executor, "_stderr", lambda line: None)
    before = _kernels(tiny_site)
    read, _ = _build(tiny_site)
    # The pages first, then the chapters: the quick one before the one still executing.
    assert read[:2] == ["index", "page"] or read[:2] == ["page", "index"]
    assert set(read[2:]) == {"chapters/overlap_fast", "chapters/overlap_slow"}
    started = _kernels(tiny_site)
    assert len(started) - len(before) == 2 and "?" not in started, started
    page = (tiny_site / "_build" / "html" / "chapters" / "overlap_slow.html").read_text()
    assert "ran in overlap_slow.ipynb" in page  # the executor's kernel, not MyST-NB's own

    # Nothing changed: nothing read again, no kernel.
    read, _ = _build(tiny_site)
    assert read == []
    assert _kernels(tiny_site) == started

    # The package changed (its fingerprint): every chapter executes and is read again, though
    # no file of the site changed.
    monkeypatch.setattr(executor, "package_fingerprint", lambda package_dir=None: "changed")
    read, _ = _build(tiny_site)
    assert sorted(read) == ["chapters/overlap_fast", "chapters/overlap_slow"]
    assert len(_kernels(tiny_site)) == len(started) + 2


def test_a_failing_chapter_fails_the_build_naming_it(tiny_site, monkeypatch):
    monkeypatch.setattr(executor, "_stderr", lambda line: None)
    _chapter(tiny_site / "chapters" / "overlap_fast.ipynb", "raise ValueError('on purpose')")
    with pytest.raises(Exception, match=r"(?s)overlap_fast.ipynb.*on purpose"):
        _build(tiny_site)
    # The other chapter was still executed and cached.
    cache = tiny_site / ".jupyter_cache"
    assert executor.stale(sorted((tiny_site / "chapters").glob("*.ipynb")), cache) == [
        tiny_site / "chapters" / "overlap_fast.ipynb"
    ]


def test_iri_grammar_is_compiled_on_first_use():
    import subprocess
    import sys

    code = textwrap.dedent("""
        import sys, time
        from shipyard.site._startup import defer_iri_grammar
        defer_iri_grammar()
        import jsonschema
        assert "rfc3987_syntax.syntax_helpers" not in sys.modules
        check = jsonschema.FormatChecker()
        assert check.conforms("https://example.org/a b", "iri") is False
        assert check.conforms("https://example.org/ä", "iri") is True
        assert "rfc3987_syntax.syntax_helpers" in sys.modules
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
