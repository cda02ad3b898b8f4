"""Re-execute the runbook notebooks and save their outputs in place (``python3 dev.py notebooks``).

Run this after a change that alters what a chapter prints, read the diff, and commit it: the
notebook tests compare fresh outputs with the committed ones.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parent.parent
# Committed outputs must compare equal from run to run: placeholders for ports and temporary paths.
# The kernels inherit this environment (see shipyard.runbook.normalise).
os.environ["SHIPYARD_STABLE_OUTPUT"] = "1"


def execute(path: Path) -> float:
    start = time.perf_counter()
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return time.perf_counter() - start


def main(names: list[str]) -> None:
    paths = [Path(n) for n in names] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: executed in {execute(path):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
