"""The runbook's chapters, executed once per test run and shared by every test that reads them.

The chapters are executed by the site's executor (shipyard.site.execute) into the repository's
jupyter cache, which the site test's Sphinx build reads too. Every kernel started during the run
is counted by an IPython startup file (in a private IPYTHONDIR), so a test can prove that each
chapter was executed at most once, and only by the executor.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CACHE = ROOT / ".jupyter_cache"
KERNEL_LOG = "SHIPYARD_KERNEL_LOG"
STALE_AT_START = pytest.StashKey[list[str]]()
COUNT_TEST = "test_each_chapter_is_executed_once"

# Runs in every kernel before its first cell; leaves nothing in the notebook's namespace.
STARTUP = """\
def _shipyard_count_kernel_start():
    import os

    with open(os.environ["SHIPYARD_KERNEL_LOG"], "a", encoding="utf-8") as log:
        log.write(os.environ.get("SHIPYARD_NOTEBOOK", "?") + "\\t" + os.getcwd() + "\\n")


_shipyard_count_kernel_start()
del _shipyard_count_kernel_start
"""


def pytest_configure(config: pytest.Config) -> None:
    from shipyard.site.execute import stale

    config.stash[STALE_AT_START] = [path.name for path in stale(NOTEBOOKS, CACHE)]
    if os.environ.get(KERNEL_LOG):
        return
    directory = Path(tempfile.mkdtemp(prefix="shipyard-kernels-"))
    startup = directory / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-count-kernel-starts.py").write_text(STARTUP, encoding="utf-8")
    os.environ["IPYTHONDIR"] = str(directory / "ipython")
    os.environ[KERNEL_LOG] = str(directory / "kernels.log")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Count the kernels after every other test has run."""
    items.sort(key=lambda item: item.name.startswith(COUNT_TEST))


@pytest.fixture(scope="session")
def executed_notebook(request: pytest.FixtureRequest) -> Callable[[Path], object]:
    """Return a function giving a chapter with the outputs of its (cached) execution.

    The first use executes every stale chapter, in parallel; a chapter whose cell raised fails
    the tests that read it, with the cell's error, and no other.
    """
    from shipyard.site.execute import execute, executed_notebook

    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():  # the executor's progress lines, live
        report = execute(NOTEBOOKS, CACHE, raise_on_error=False)

    def read(path: Path) -> object:
        if path.name in report.failed:
            pytest.fail(str(report.failed[path.name]), pytrace=False)
        return executed_notebook(path, CACHE)

    return read
