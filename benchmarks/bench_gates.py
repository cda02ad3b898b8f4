"""Time ``shipyard gates run`` one gate at a time and concurrently, against its slowest gate.

Usage::

    .venv/bin/python benchmarks/bench_gates.py [PATH] [--only NAMES]

Runs ``shipyard gates run PATH --jobs 1 --progress`` (the gates one after another, as before
they ran concurrently), reads each gate's seconds from the progress lines, then runs it again
with the default jobs (the cores) and prints: the slowest gate, the sequential total, the
concurrent total, and concurrent / slowest gate (the target is at most 1.3). Both runs are in
one invocation, on a machine that may be shared: compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

LINE = re.compile(r"^gate (?P<name>[\w-]+): (?P<verdict>[\w ]+) in (?P<seconds>[\d.]+) s$")


def run(path: Path, jobs: int | None, only: str | None) -> tuple[float, dict[str, float]]:
    shipyard = Path(sys.executable).parent / "shipyard"
    command = [str(shipyard), "gates", "run", str(path), "--progress"]
    command += ["--jobs", str(jobs)] if jobs else []
    command += ["--only", only] if only else []
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    total = time.perf_counter() - start
    gates = {
        m["name"]: float(m["seconds"])
        for m in map(LINE.match, done.stderr.splitlines())
        if m is not None
    }
    print(f"--- jobs={jobs or 'cores'}: {total:.1f} s, exit {done.returncode}", flush=True)
    for line in done.stderr.splitlines():
        if LINE.match(line):
            print("   ", line)
    return total, gates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=".", type=Path)
    parser.add_argument("--only", default=None)
    options = parser.parse_args()
    sequential, gates = run(options.path, 1, options.only)
    concurrent, _ = run(options.path, None, options.only)
    slowest = max(gates, key=gates.__getitem__)
    print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"slowest gate alone ({slowest}): {gates[slowest]:.1f} s")
    print(f"one at a time: {sequential:.1f} s; concurrent: {concurrent:.1f} s")
    print(f"concurrent / slowest gate: {concurrent / gates[slowest]:.2f}")
    print(f"concurrent / one at a time: {concurrent / sequential:.2f}")


if __name__ == "__main__":
    main()
