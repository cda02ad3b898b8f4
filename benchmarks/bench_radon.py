"""Time radon's CLI (``radon cc`` + ``radon mi``) against shipyard's complexity engine.

Usage::

    .venv/bin/python benchmarks/bench_radon.py [--jobs N] [PATH ...]

Without paths, measures the installed sphinx, docutils, pygments and babel packages (pygments
holds literal tables that take ``radon mi`` minutes). Both sides run as subprocesses of this
interpreter, as a CI job would run them, in an empty directory so that no ``radon.cfg``,
``setup.cfg`` or ``pyproject.toml`` changes radon's defaults. For each path it prints files,
lines, the radon times, the engine's time and the ratio, then every grade or score on which the
two disagree (none is the expected outcome).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_PACKAGES = ("sphinx", "docutils", "pygments", "babel")

# The engine's side: the same JSON shapes radon prints, so the comparison is like for like.
ENGINE = """
import json, sys
from shipyard.gates.radon_engine.complexity import analyze_paths
jobs = int(sys.argv[1]) if sys.argv[1] != "auto" else None
cc, mi = {}, {}
for module in analyze_paths(sys.argv[2:], jobs=jobs):
    name = str(module.path)
    if module.mi is None:
        mi[name] = {"error": str(module.error)}
    else:
        mi[name] = {"mi": module.mi, "rank": module.mi_rank}
    if module.total_complexity is None:  # not parsed: radon cc reports an error as well
        cc[name] = {"error": str(module.error)}
    elif module.blocks:
        cc[name] = [
            {"type": b.kind, "rank": b.rank, "complexity": b.complexity, "name": b.name,
             "lineno": b.lineno, "endline": b.endline, "col_offset": b.col_offset,
             "classname": b.classname}
            for b in module.blocks
        ]
json.dump({"cc": cc, "mi": mi}, sys.stdout)
"""
BLOCK_FIELDS = (
    "type",
    "name",
    "classname",
    "lineno",
    "endline",
    "col_offset",
    "complexity",
    "rank",
)


def default_paths() -> list[Path]:
    paths = []
    for name in DEFAULT_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            paths.append(Path(next(iter(spec.submodule_search_locations))))
    return paths


def run(command: list[str], cwd: str) -> tuple[float, dict]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(done.stdout)


def count(path: Path) -> tuple[int, int]:
    from shipyard.gates._files import iter_python_files

    files = list(iter_python_files([path]))
    lines = 0
    for file in files:
        with open(file, "rb") as stream:
            lines += sum(1 for _ in stream)
    return len(files), lines


def mi_view(entry: dict | None) -> object:
    """One module's ``radon mi -j`` entry (or the engine's), reduced to what must match."""
    if entry is None:
        return "missing"
    return "error" if "error" in entry else (entry["mi"], entry["rank"])


def cc_view(entry: list | dict | None) -> object:
    """One module's ``radon cc -j`` entry (or the engine's); no entry means no blocks."""
    if isinstance(entry, dict):
        return "error"
    return [tuple(block.get(field) for field in BLOCK_FIELDS) for block in entry or []]


def mismatches(radon_cc: dict, radon_mi: dict, engine: dict) -> list[str]:
    problems = []
    for kind, theirs, ours, view in (
        ("mi", radon_mi, engine["mi"], mi_view),
        ("cc", radon_cc, engine["cc"], cc_view),
    ):
        for name in sorted(set(theirs) | set(ours)):
            expected, got = view(theirs.get(name)), view(ours.get(name))
            if expected != got:
                problems.append(f"{kind} {name}: radon {expected!s:.300} engine {got!s:.300}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--jobs", default="auto", help="engine processes (default: all CPUs)")
    args = parser.parse_args()
    paths = [path.resolve() for path in args.paths] or default_paths()
    python = sys.executable
    header = f"{'path':<28} {'files':>6} {'lines':>8} {'cc s':>8} {'mi s':>8} {'radon s':>8}"
    print(f"{header} {'engine s':>9} {'ratio':>7} {'mismatches':>10}", flush=True)
    failed = False
    with tempfile.TemporaryDirectory() as empty:
        for path in paths:
            files, lines = count(path)
            cc_time, radon_cc = run([python, "-m", "radon", "cc", "-s", "-j", str(path)], empty)
            mi_time, radon_mi = run([python, "-m", "radon", "mi", "-s", "-j", str(path)], empty)
            engine_time, engine = run([python, "-c", ENGINE, args.jobs, str(path)], empty)
            radon_time = cc_time + mi_time
            problems = mismatches(radon_cc, radon_mi, engine)
            failed |= bool(problems)
            label = path.name if path.is_dir() else f"{path.parent.name}/{path.name}"
            print(
                f"{label:<28} {files:>6} {lines:>8} {cc_time:>8.2f} {mi_time:>8.2f} "
                f"{radon_time:>8.2f} {engine_time:>9.2f} {radon_time / engine_time:>6.1f}x "
                f"{len(problems):>10}",
                flush=True,
            )
            for problem in problems:
                print(f"    {problem}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
