"""One test run executes each chapter at most once: the comparisons and the site share it.

Runs after every other test (tests/functional/conftest.py orders it last). Every kernel the run
started wrote the chapter it ran (or "?", for a kernel not started by the runbook's executor: a
Sphinx build executing on its own, a test executing a chapter itself) and its working directory
to the kernel log.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from tests.functional.conftest import KERNEL_LOG, NOTEBOOKS, STALE_AT_START

CHAPTERS = NOTEBOOKS[0].parent


def test_each_chapter_is_executed_once(executed_notebook, pytestconfig):
    log = Path(os.environ[KERNEL_LOG])
    started: Counter[str] = Counter()
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else []:
        name, cwd = line.split("\t", 1)
        # A kernel outside the executor counts when it runs in notebooks/, as a chapter's does
        # (MyST-NB executing on its own, a test executing a chapter); other tests execute small
        # notebooks of their own elsewhere.
        if name in {path.name for path in NOTEBOOKS} or (name == "?" and cwd == str(CHAPTERS)):
            started[name] += 1
    assert "?" not in started, f"kernels started outside the executor: {started}"
    assert all(count == 1 for count in started.values()), f"executed twice: {started}"
    # Exactly the chapters whose cached execution was missing or stale when the run began: all
    # of them on a fresh clone (CI), none on a run with nothing changed.
    stale = pytestconfig.stash[STALE_AT_START]
    assert sorted(started) == sorted(stale)
    assert len(stale) <= len(NOTEBOOKS)
