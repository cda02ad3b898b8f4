"""Execute the runbook's notebooks once, in parallel, into the cache the site reads.

One executor serves every consumer of an executed chapter: the site build (its extension,
:mod:`shipyard.site.build`, starts it in the background and makes MyST-NB read each chapter only
once its execution is in the cache, so MyST-NB starts no kernel), ``python3 dev.py notebooks``
(which writes the cached outputs into the notebooks) and the tests (which compare the committed
outputs with the cached execution instead of executing again).

The cache is MyST-NB's own jupyter-cache (``.jupyter_cache``). Its key is a notebook's code cells,
which misses a change in the package the cells call. So every record written here also stores
:func:`package_fingerprint`: a hash of ``src/shipyard`` (code, sample projects, templates), and a
record whose fingerprint differs from the current one is removed before anything is matched, so a
change in the package re-executes every chapter and a page never shows an old message.

Chapters run in separate processes, as many at a time as there are cores, the longest first (by
its last duration in the cache, or else the one ``dev.py notebooks`` recorded in the notebook's
metadata, ``shipyard.execution_seconds``, which a fresh clone has); each kernel starts its own
sandbox on its own ports and state.
"""

from __future__ import annotations

import fcntl
import hashlib
import heapq
import os
import sys
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import shipyard
from shipyard.site._startup import defer_iri_grammar

if TYPE_CHECKING:
    from jupyter_cache.cache.main import JupyterCacheBase

__all__ = [
    "CANARY",
    "Execution",
    "cell_timeout",
    "ExecutionReport",
    "NotebookFailed",
    "execute",
    "executed_notebook",
    "package_fingerprint",
    "stale",
]

#: A value the kernels get for every secret they could read: no page or output may show it.
CANARY = "canary-Secret-7f3a9c"
#: Secrets set to :data:`CANARY` in every kernel's environment (all go to the sandbox).
SECRET_VARIABLES = (
    "SHIPYARD_NEXUS_PASSWORD",
    "SHIPYARD_GITLAB_TOKEN",
    "SHIPYARD_SANDBOX_ADMIN_PASSWORD",
)
#: Settings that would point a chapter at real systems: the runbook's build uses the sandbox.
TARGET_VARIABLES = ("SHIPYARD_NEXUS_URL", "SHIPYARD_GITLAB_URL", "SHIPYARD_TARGET")
#: The kernel's environment names the notebook it runs (the kernel-start count in the tests).
NOTEBOOK_VARIABLE = "SHIPYARD_NOTEBOOK"
#: The key under which a cache record stores the package fingerprint it was executed with.
FINGERPRINT_KEY = "shipyard_package"
#: Seconds one cell may run, unless the notebook's metadata sets ``mystnb.execution_timeout``
#: (MyST-NB's own key): chapter 06 runs a whole pipeline in one cell, which takes longer on a
#: machine whose caches are cold. Bounded: a hung cell fails within the hour.
TIMEOUT = 600
MAX_TIMEOUT = 3600

Log = Callable[[str], None]


class NotebookFailed(Exception):
    """A chapter raised in a cell not tagged ``raises-exception``."""

    def __init__(self, notebook: str, error: str) -> None:
        super().__init__(f"{notebook}: executing the notebook failed:\n{error}")
        self.notebook = notebook


@dataclass
class ExecutionReport:
    """What :func:`execute` did: chapters executed (with seconds) and chapters found cached."""

    executed: dict[str, float] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)
    failed: dict[str, NotebookFailed] = field(default_factory=dict)
    seconds: float = 0.0


def package_fingerprint(package_dir: Path | None = None) -> str:
    """Return a hash of every file of the package: its code, sample projects and templates."""
    root = package_dir or Path(shipyard.__file__).parent
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _stderr(message: str) -> None:
    print(f"notebooks: {message}", file=sys.stderr, flush=True)


@contextmanager
def _locked(cache_dir: Path) -> Generator[JupyterCacheBase]:
    """Open the cache, one executor at a time (two builds never execute the same chapter)."""
    from jupyter_cache import get_cache

    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / "shipyard-execute.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield get_cache(str(cache_dir))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _drop_stale_records(cache: JupyterCacheBase, fingerprint: str) -> dict[str, float]:
    """Remove records made with another package; return the last duration of each notebook."""
    durations: dict[str, float] = {}
    for record in cache.list_cache_records():
        data = record.data or {}
        seconds = data.get("execution_seconds")
        if isinstance(seconds, int | float):
            durations[Path(cast("str", record.uri)).name] = float(seconds)
        if data.get(FINGERPRINT_KEY) != fingerprint:
            cache.remove_cache(cast("int", record.pk))
    return durations


def _recorded_seconds(path: Path) -> float:
    """Return the duration ``dev.py notebooks`` recorded in the notebook (0 when none)."""
    import nbformat

    hint = nbformat.read(path, as_version=4).metadata.get("shipyard", {})
    seconds = hint.get("execution_seconds", 0) if isinstance(hint, dict) else 0
    return float(seconds) if isinstance(seconds, int | float) else 0.0


def _is_cached(cache: JupyterCacheBase, path: Path) -> bool:
    import nbformat

    try:
        cache.match_cache_notebook(nbformat.read(path, as_version=4))
    except KeyError:
        return False
    return True


def stale(notebooks: Sequence[Path], cache_dir: Path) -> list[Path]:
    """Return the notebooks :func:`execute` would execute now (without changing the cache)."""
    from jupyter_cache import get_cache

    if not cache_dir.is_dir():
        return list(notebooks)
    cache = get_cache(str(cache_dir))
    fingerprint = package_fingerprint()
    current = set()
    for record in cache.list_cache_records():
        if (record.data or {}).get(FINGERPRINT_KEY) == fingerprint:
            current.add(record.hashkey)
    import nbformat

    result = []
    for path in notebooks:
        _, hashkey = cache.create_hashed_notebook(nbformat.read(path, as_version=4))
        if hashkey not in current:
            result.append(path)
    return result


def _kernel_environment(notebook: Path) -> None:
    # Committed outputs compare equal from run to run: placeholders for ports and temporary
    # paths (shipyard.runbook.normalise).
    os.environ["SHIPYARD_STABLE_OUTPUT"] = "1"
    # The same kernel environment whoever runs the executor: not the caller's terminal size,
    # not pytest's variables (a test run's kernels must print what a site build's print).
    for name in [n for n in os.environ if n.startswith("PYTEST_") or n in ("COLUMNS", "LINES")]:
        os.environ.pop(name, None)
    for name in TARGET_VARIABLES:
        os.environ.pop(name, None)
    for name in SECRET_VARIABLES:
        os.environ[name] = CANARY
    os.environ[NOTEBOOK_VARIABLE] = notebook.name


def cell_timeout(metadata: Mapping[str, Any]) -> int:
    """Return the seconds a cell of the notebook may run (its ``mystnb.execution_timeout``)."""
    settings = metadata.get("mystnb")
    wanted = settings.get("execution_timeout") if isinstance(settings, Mapping) else None
    if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted <= 0:
        return TIMEOUT
    return min(wanted, MAX_TIMEOUT)


def _execute_one(path_text: str, announce: bool) -> tuple[str, float, str | None]:
    """Execute one notebook in this (worker) process; return its JSON, seconds, and any error."""
    defer_iri_grammar()  # a second of every worker's start, before its kernel starts
    import nbclient
    import nbformat

    path = Path(path_text)
    _kernel_environment(path)
    if announce:
        _stderr(f"{path.name} started")
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=cell_timeout(notebook.metadata),
        # No timestamps in the cells' metadata: jupyter-cache's key hashes it.
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except Exception as error:  # a failing cell, a dead kernel, a timeout: all say which
        return "", time.perf_counter() - start, f"{type(error).__name__}: {error}"
    notebook.metadata.pop("widgets", None)
    return nbformat.writes(notebook), time.perf_counter() - start, None


def _jobs(wanted: int | None, count: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(wanted or cores or 1, count))


def _run_pool(todo: list[Path], workers: int, cache_dir: Path, run: Execution) -> None:
    """Execute ``todo`` in ``workers`` processes, caching each execution as it finishes."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_dir))  # this thread's own connection
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        running: dict[Future[Any], Path] = {
            pool.submit(_execute_one, str(path), run.log is _stderr): path for path in todo
        }
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                path = running.pop(future)
                text, seconds, error = future.result()
                if error is None:
                    data = {"execution_seconds": seconds, FINGERPRINT_KEY: run.fingerprint}
                    notebook = nbformat.reads(text, as_version=4)
                    bundle = CacheBundleIn(notebook, str(path), data=data)
                    cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
                run.finished(path, seconds, error)


def _predicted_finish(
    todo: list[Path], durations: dict[str, float], workers: int
) -> dict[str, float]:
    """Return when each chapter should finish, in seconds, if they take their last durations."""
    slots = [0.0] * workers
    finish = {}
    for path in todo:  # the pool starts them in this order, each on the first free worker
        start = heapq.heappop(slots)
        finish[path.name] = start + durations.get(path.name, 0.0)
        heapq.heappush(slots, finish[path.name])
    return finish


class Execution:
    """The stale chapters executing in a background thread, while the caller does other work.

    :meth:`start` decides, before it returns, which chapters execute (:attr:`todo`) and which
    come from the cache; the site build then reads its other pages while the chapters execute,
    and :meth:`wait_for` blocks only until one chapter is in the cache.
    """

    def __init__(
        self,
        notebooks: Sequence[Path],
        cache_dir: Path,
        *,
        jobs: int | None = None,
        force: bool = False,
        log: Log = _stderr,
    ) -> None:
        self.notebooks = list(notebooks)
        self.cache_dir = cache_dir
        self.jobs = jobs
        self.force = force
        self.log = log
        self.report = ExecutionReport()
        self.todo: list[Path] = []
        #: Seconds from the start until each chapter should be in the cache (0 when cached).
        self.finish: dict[str, float] = {}
        self.fingerprint = ""
        self._done = {path.name: threading.Event() for path in self.notebooks}
        self._thread: threading.Thread | None = None
        self._lock = ExitStack()
        self._start = 0.0

    def start(self) -> Execution:
        """Plan under the cache's lock and start executing; return at once."""
        self._start = time.perf_counter()
        self.fingerprint = package_fingerprint()
        cache = self._lock.enter_context(_locked(self.cache_dir))
        try:
            durations = _drop_stale_records(cache, self.fingerprint)
            self.todo = [p for p in self.notebooks if self.force or not _is_cached(cache, p)]
        except BaseException:
            self._lock.close()
            raise
        self.report.cached = [p.name for p in self.notebooks if p not in self.todo]
        for name in self.report.cached:
            self._done[name].set()
        if not self.todo:
            self._lock.close()
            self.report.seconds = time.perf_counter() - self._start
            return self
        for path in self.todo:
            durations.setdefault(path.name, _recorded_seconds(path))
        # The longest chapter first: it bounds the whole run.
        self.todo.sort(key=lambda p: -durations[p.name])
        workers = _jobs(self.jobs, len(self.todo))
        self.finish = _predicted_finish(self.todo, durations, workers)
        self.log(f"{len(self.todo)} to execute, {len(self.report.cached)} cached, "
                 f"{workers} at a time")  # fmt: skip
        self._thread = threading.Thread(
            target=self._run, args=(workers,), name="shipyard-notebooks"
        )
        self._thread.start()
        return self

    def _run(self, workers: int) -> None:
        try:
            _run_pool(self.todo, workers, self.cache_dir, self)
        except BaseException as error:  # the pool broke: no chapter may wait forever
            for path in self.todo:
                if not self._done[path.name].is_set():
                    self.finished(path, 0.0, f"{type(error).__name__}: {error}")
        finally:
            self._lock.close()
            self.report.seconds = time.perf_counter() - self._start
            self.log(f"done in {self.report.seconds:.1f} s")

    def finished(self, path: Path, seconds: float, error: str | None) -> None:
        """Record one chapter's end (called by the pool) and wake whoever waits for it."""
        if error is None:
            self.report.executed[path.name] = seconds
            self.log(f"{path.name} executed in {seconds:.1f} s")
        else:
            self.report.failed[path.name] = NotebookFailed(path.name, error)
            self.log(f"{path.name} FAILED after {seconds:.1f} s")
        self._done[path.name].set()

    def wait_for(self, name: str) -> None:
        """Block until chapter ``name`` is in the cache; raise its failure if it failed."""
        self._done[name].wait()
        if name in self.report.failed:
            raise self.report.failed[name]

    def join(self, *, raise_on_error: bool = True) -> ExecutionReport:
        """Wait for every chapter; raise the first failure unless ``raise_on_error`` is False."""
        if self._thread is not None:
            self._thread.join()
        if self.report.failed and raise_on_error:
            raise next(iter(self.report.failed.values()))
        return self.report


def execute(
    notebooks: Sequence[Path],
    cache_dir: Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    raise_on_error: bool = True,
    log: Log = _stderr,
) -> ExecutionReport:
    """Execute every notebook not in the cache for the current package, in parallel.

    Args:
        notebooks: The chapters, e.g. ``sorted(Path("notebooks").glob("*.ipynb"))``.
        cache_dir: The jupyter-cache directory the site reads (``.jupyter_cache``).
        jobs: How many chapters at a time; the number of usable cores when omitted.
        force: Execute every notebook even when its execution is cached.
        raise_on_error: Raise the first failure (after every chapter ran); when False, the
            failures are in the report's ``failed``.
        log: Receives one line when a chapter starts and one when it finishes.

    Raises:
        NotebookFailed: A cell raised; the other chapters are still executed and cached.
    """
    run = Execution(notebooks, cache_dir, jobs=jobs, force=force, log=log).start()
    return run.join(raise_on_error=raise_on_error)


def executed_notebook(path: Path, cache_dir: Path) -> Any:
    """Return ``path`` with the outputs of its cached execution (KeyError when there is none)."""
    import nbformat
    from jupyter_cache import get_cache

    _, merged = get_cache(str(cache_dir)).merge_match_into_notebook(
        nbformat.read(path, as_version=4)
    )
    return merged
