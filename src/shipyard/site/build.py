"""The site build's Sphinx extension: chapters execute while Sphinx reads the other pages.

Added to ``extensions`` in ``conf.py``. When the configuration is read, it starts the executor
(:class:`shipyard.site.execute.Execution`) in the background on every stale chapter matched by
``shipyard_notebooks`` (a glob below the source directory, ``notebooks/*.ipynb``) and returns at
once. Sphinx then reads the pages that are not chapters (rules, reference, guides) while the
kernels run; the chapters are read last, in the order their executions should finish, and reading
a chapter waits only for that chapter's execution. MyST-NB (``nb_execution_mode = "cache"``)
finds each one in the cache and starts no kernel.

A chapter executed again though its file did not change (the package did) is re-read. With
nothing changed, nothing executes and Sphinx re-reads nothing.

List it first in ``extensions``: it also defers the IRI grammar jsonschema compiles when MyST-NB
imports it (:func:`shipyard.site._startup.defer_iri_grammar`), a quarter of a rebuild with
nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.site._startup import defer_iri_grammar
from shipyard.site.execute import Execution

__all__ = ["setup"]

_RUN = "_shipyard_execution"


@dataclass
class _Chapters:
    run: Execution
    #: Sphinx's document name of each chapter (``notebooks/00_quickstart``) -> its file name.
    docnames: dict[str, str]


def _start(app: Any, config: Any) -> None:
    """Start executing the stale chapters; record which documents they are."""
    root = Path(app.srcdir)
    notebooks = sorted(root.glob(config.shipyard_notebooks))
    cache = root / (config.nb_execution_cache_path or ".jupyter_cache")
    # MyST-NB opens a relative path from the working directory: make it the executor's.
    config.nb_execution_cache_path = str(cache)
    docnames = {path.relative_to(root).with_suffix("").as_posix(): path.name for path in notebooks}
    setattr(app, _RUN, _Chapters(Execution(notebooks, cache).start(), docnames))


def _chapters(app: Any) -> _Chapters | None:
    return getattr(app, _RUN, None)


def _executed_again(app: Any, env: Any, added: set, changed: set, removed: set) -> list[str]:
    """Re-read a chapter that executes again though its file did not change."""
    chapters = _chapters(app)
    if chapters is None:
        return []
    todo = {path.name for path in chapters.run.todo}
    found = env.found_docs
    return [doc for doc, name in chapters.docnames.items() if name in todo and doc in found]


def _chapters_last(app: Any, env: Any, docnames: list[str]) -> None:
    """Read the other pages first, then each chapter in the order it should be executed."""
    chapters = _chapters(app)
    if chapters is None:
        return
    if app.parallel > 1:  # forked readers cannot wait on this process's executor
        chapters.run.join()
        return
    names = chapters.docnames
    last = sorted(
        (d for d in docnames if d in names), key=lambda d: chapters.run.finish.get(names[d], 0.0)
    )
    docnames[:] = [doc for doc in docnames if doc not in names] + last


def _wait_for_chapter(app: Any, docname: str, source: list[str]) -> None:
    """Before a chapter is parsed, wait until its execution is in the cache."""
    chapters = _chapters(app)
    if chapters is not None and docname in chapters.docnames:
        chapters.run.wait_for(chapters.docnames[docname])


def _finish(app: Any, error: Exception | None) -> None:
    """Wait for every chapter, also when the build failed (their executions are cached)."""
    chapters = _chapters(app)
    if chapters is not None:
        chapters.run.join(raise_on_error=error is None)


def setup(app: Any) -> dict[str, Any]:
    """Register ``shipyard_notebooks`` and the hooks that execute the chapters beside the build."""
    defer_iri_grammar()  # before MyST-NB, listed after this extension, imports jsonschema
    app.add_config_value("shipyard_notebooks", "notebooks/*.ipynb", "env", types=[str])
    app.connect("config-inited", _start)
    app.connect("env-get-outdated", _executed_again)
    app.connect("env-before-read-docs", _chapters_last)
    app.connect("source-read", _wait_for_chapter)
    app.connect("build-finished", _finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
