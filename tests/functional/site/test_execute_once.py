"""One test run executes each chapter at most once: the comparisons and the site share it.

Runs after every other test (tests/functional/conftest.py orders it last). Every kernel the run
started wrote the chapter it ran (or "?", for a kernel not started by the runbook's executor: a
Sphinx build executing on its own, a test executing a chapter itself) to the kernel log.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from tests.functional.conftest import KERNEL_LOG, NOTEBOOKS, STALE_AT_START


def test_each_chapter_is_executed_once(executed_notebook, pytestconfig):
    log = Path(os.environ[KERNEL_LOG])
    names = {path.name for path in NOTEBOOKS} | {"?"}  # other tests execute their own notebooks
    lines = log.read_text(encoding="utf-8").split() if log.exists() else []
    started = Counter(name for name in lines if name in names)
    assert "?" not in started, f"kernels started outside the executor: {started}"
    assert all(count == 1 for count in started.values()), f"executed twice: {started}"
    # Exactly the chapters whose cached execution was missing or stale when the run began: all
    # of them on a fresh clone (CI), none on a run with nothing changed.
    stale = pytestconfig.stash[STALE_AT_START]
    assert sorted(started) == sorted(stale)
    assert len(stale) <= len(NOTEBOOKS)
