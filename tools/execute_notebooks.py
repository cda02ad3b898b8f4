"""Re-execute the runbook notebooks and save their outputs in place (``python3 dev.py notebooks``).

Run this after a change that alters what a chapter prints, read the diff, and commit it: the
notebook tests compare the committed outputs with the cached execution of the current code.

The chapters run through the site's executor (:mod:`shipyard.site.execute`): in parallel, one
process per chapter, and into the same cache the site build reads, so a site build afterwards
starts no kernel. A chapter whose code and package are unchanged since its last execution comes
from the cache; ``--force`` executes every named chapter again.

    python3 dev.py notebooks [--force] [--jobs N] [notebooks/NN_name.ipynb ...]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat

from shipyard.site.execute import NotebookFailed, execute, executed_notebook

ROOT = Path(__file__).resolve().parent.parent
# Committed outputs must compare equal from run to run: placeholders for ports and temporary paths.
# The executor's kernels get it too (shipyard.site.execute), whoever starts them.
os.environ["SHIPYARD_STABLE_OUTPUT"] = "1"
CACHE = ROOT / ".jupyter_cache"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dev.py notebooks")
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--force", action="store_true", help="execute even when cached")
    parser.add_argument("--jobs", type=int, default=None, help="chapters at a time (cores)")
    options = parser.parse_args(argv)
    paths = [p.resolve() for p in options.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    try:
        report = execute(paths, CACHE, jobs=options.jobs, force=options.force)
    except NotebookFailed as failure:
        print(failure, file=sys.stderr)
        return 1
    for path in paths:
        notebook = executed_notebook(path, CACHE)
        notebook.metadata.pop("widgets", None)
        if path.name in report.executed:  # the executor starts the longest chapters first
            seconds = round(report.executed[path.name])
            notebook.metadata.setdefault("shipyard", {})["execution_seconds"] = seconds
        nbformat.write(notebook, path)
        how = "from the cache" if path.name in report.cached else "executed"
        print(f"{path.name}: outputs written ({how})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
