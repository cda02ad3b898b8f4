"""Run a function over many files on all cores, returning results in the files' order.

Measuring a module is CPU-bound Python, so threads do not help; processes do. Files differ in
size by a factor of a thousand (a literal table next to an ``__init__.py``), so they are sent
largest first, in batches of similar total size: the big ones start early instead of finishing
last on one core, and the small ones travel together instead of paying a round trip each.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

__all__ = ["available_cpus", "map_files"]

_T = TypeVar("_T")

# Below this much source, starting the workers (tens of milliseconds) costs more than the other
# cores save.
_IN_PROCESS_BYTES = 256 * 1024
# Batches per worker: enough to even out the load, few enough to keep round trips cheap.
_BATCHES_PER_JOB = 8


def available_cpus() -> int:
    """Return the number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_files(
    function: Callable[[Path], _T], files: Sequence[Path], *, jobs: int | None = None
) -> list[_T]:
    """Return ``[function(file) for file in files]``, computed in up to ``jobs`` processes.

    Args:
        function: A module-level function (it is sent to the workers by name) that does not
            raise for a bad file.
        files: The files, in the order the results are wanted.
        jobs: The number of processes; ``None`` for :func:`available_cpus`, ``1`` to stay in
            this process. Less than 256 kB of files are always handled in this process.

    Returns:
        The results, in the order of ``files``.

    Raises:
        ValueError: ``jobs`` is less than 1.
    """
    if jobs is None:
        jobs = available_cpus()
    if jobs < 1:
        msg = f"jobs must be 1 or more, not {jobs!r}"
        raise ValueError(msg)
    sizes = [_size(path) for path in files]
    if jobs == 1 or len(files) < 2 or sum(sizes) < _IN_PROCESS_BYTES:
        return [function(path) for path in files]
    return _in_processes(function, files, _batches(sizes, jobs), jobs)


def _in_processes(
    function: Callable[[Path], _T], files: Sequence[Path], batches: list[list[int]], jobs: int
) -> list[_T]:
    """Run the batches in worker processes and put each result back at its file's index."""
    results: dict[int, _T] = {}
    workers = min(jobs, len(batches))
    with ProcessPoolExecutor(max_workers=workers, mp_context=_start_method()) as pool:
        work = [(function, [files[index] for index in batch]) for batch in batches]
        for batch, outcome in zip(batches, pool.map(_run_batch, work), strict=True):
            results.update(zip(batch, outcome, strict=True))
    return [results[index] for index in range(len(files))]


def _batches(sizes: Sequence[int], jobs: int) -> list[list[int]]:
    """Group file indexes, largest files first, into batches of about the same total size."""
    order = sorted(range(len(sizes)), key=lambda index: -sizes[index])
    target = sum(sizes) / (jobs * _BATCHES_PER_JOB)
    batches: list[list[int]] = []
    current: list[int] = []
    current_size = 0
    for index in order:
        current.append(index)
        current_size += sizes[index]
        if current_size >= target:
            batches.append(current)
            current, current_size = [], 0
    if current:
        batches.append(current)
    return batches


def _start_method() -> multiprocessing.context.BaseContext | None:
    """Return how to start workers: forking, the fastest, only when no other thread runs.

    A fork copies a lock another thread may hold, and Python 3.12+ warns about it; with
    threads about (a notebook kernel, a test runner's plugins), a fork server is safe.
    """
    if sys.platform != "linux":
        return None  # the platform's default: spawn
    return multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")


def _run_batch(work: tuple[Callable[[Path], _T], list[Path]]) -> list[_T]:
    function, paths = work
    return [function(path) for path in paths]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
