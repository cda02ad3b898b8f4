"""Time what ``shipyard --help`` and ``shipyard check`` import, against bare interpreter start-up.

Usage::

    .venv/bin/python benchmarks/bench_imports.py [--python OTHER/bin/python] [--runs N]

In a fresh directory holding only a clean ``pyproject.toml`` (the sample ``my_app``'s), runs
``python -c pass``, ``shipyard --help`` and ``shipyard check .`` N times each with the given
interpreter (default: this one; pass another checkout's venv to compare) and prints the median
wall time, the ratio to ``python -c pass``, and, from ``python -X importtime``, how many modules
the command imported and whether requests, rattler, twine or jinja2 were among them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("requests", "rattler", "twine", "jinja2", "asyncio")
CHECK = "import sys; from shipyard.cli import main; sys.exit(main(sys.argv[1:]))"


def wall(command: list[str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def modules(python: str, args: list[str], cwd: Path) -> list[str]:
    done = subprocess.run(
        [python, "-X", "importtime", "-c", CHECK, *args],
        cwd=cwd, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return [
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line and "cumulative" not in line
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    sample = Path(__file__).resolve().parent.parent / "src/shipyard/samples/my_app/pyproject.toml"
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as directory:
        cwd = Path(directory)
        (cwd / "pyproject.toml").write_text(sample.read_text())
        python = options.python
        base = wall([python, "-c", "pass"], cwd, options.runs)
        print(f"{options.python}: python -c pass {base:.2f} s (median of {options.runs})")
        for args in (["--help"], ["check", "."]):
            seconds = wall([python, "-c", CHECK, *args], cwd, options.runs)
            names = modules(python, args, cwd)
            heavy = sorted({h for h in HEAVY for n in names if n == h or n.startswith(h + ".")})
            ratio = seconds / base
            print(f"shipyard {' '.join(args):8} {seconds:5.2f} s = {ratio:4.1f}x start-up, "
                  f"{len(names)} modules, heavy: {', '.join(heavy) or 'none'}")  # fmt: skip


if __name__ == "__main__":
    main()
