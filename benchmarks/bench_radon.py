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
from shipyard.gates._complexity import analyze_paths
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


def mismatches(radon_cc: dict, radon_mi: dict, engine: dict) -> list[str]:
    problems = []
    for name in sorted(set(radon_mi) | set(engine["mi"])):
        theirs, ours = radon_mi.get(name), engine["mi"].get(name)
        if theirs is None or ours is None:
            problems.append(f"mi {name}: only in {'engine' if theirs is None else 'radon'}")
        elif ("error" in theirs) != ("error" in ours) or ("error" not in theirs and theirs != ours):
            problems.append(f"mi {name}: radon {theirs} engine {ours}")
    for name in sorted(set(radon_cc) | set(engine["cc"])):
        theirs, ours = radon_cc.get(name), engine["cc"].get(name)
        if isinstance(theirs, dict) or isinstance(ours, dict):
            if not (isinstance(theirs, dict) and isinstance(ours, dict)):
                problems.append(f"cc {name}: radon {theirs!s:.200} engine {ours!s:.200}")
            continue
        theirs = [tuple(block.get(f) for f in BLOCK_FIELDS) for block in theirs or []]
        ours = [tuple(block.get(f) for f in BLOCK_FIELDS) for block in ours or []]
        if theirs != ours:
            diff = [pair for pair in zip(theirs, ours, strict=False) if pair[0] != pair[1]]
            first = diff[0] if diff else (len(theirs), len(ours))
            problems.append(f"cc {name}: first difference radon/engine {first}")
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
