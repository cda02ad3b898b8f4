"""Time the runbook's execution: the site build against plain nbconvert, rebuilds, the test run.

Usage::

    .venv/bin/python benchmarks/bench_runbook.py [--ref REF] [--skip-test] [--json FILE]

Exports the tree of a git ref (default ``HEAD``; ``main`` for the state before a change) into a
fresh directory, as a clean clone would be, and runs there, with this interpreter and
``PYTHONPATH`` pointing at the export's ``src`` (so the export's package is the one imported,
by the build and by every kernel):

1. ``sequential``: plain ``jupyter nbconvert --execute`` of every ``notebooks/*.ipynb``, one
   after another (the naive baseline);
2. ``cold site``: ``sphinx-build`` with no jupyter cache and no previous build;
3. ``no-change rebuild``: the same command again (the incremental build a developer runs);
4. ``package change``: a comment appended to ``src/shipyard/runbook.py``, then the same command;
5. ``test``: ``python -m pytest`` in the export (what ``python3 dev.py test`` runs), with a cold
   jupyter cache (CI's case).

Every kernel started in a step is counted by an IPython startup file (a private ``IPYTHONDIR``).
It prints each step's seconds and kernel starts, then the ratios; the machine is shared, so
compare ratios from one run, not seconds between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXECUTED = re.compile(r"^notebooks: (\S+) executed in ([0-9.]+) s$", re.MULTILINE)
STARTUP = """\
def _bench_count():
    import os

    with open(os.environ["BENCH_KERNEL_LOG"], "a", encoding="utf-8") as log:
        log.write("kernel\\n")


_bench_count()
del _bench_count
"""


def export(ref: str, into: Path) -> Path:
    tree = into / "repo"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


class Bench:
    def __init__(self, tree: Path, scratch: Path) -> None:
        self.tree = tree
        self.scratch = scratch
        ipython = scratch / "ipython"
        (ipython / "profile_default" / "startup").mkdir(parents=True)
        (ipython / "profile_default" / "startup" / "00-count.py").write_text(STARTUP)
        self.env = dict(os.environ, PYTHONPATH=str(tree / "src"), IPYTHONDIR=str(ipython))
        for name in ("SHIPYARD_NEXUS_URL", "SHIPYARD_GITLAB_URL", "SHIPYARD_TARGET"):
            self.env.pop(name, None)
        self.results: dict[str, dict[str, float | int]] = {}
        self.load_at_start = os.getloadavg()[0]

    def step(self, name: str, command: list[str], cwd: Path | None = None) -> None:
        log = self.scratch / f"kernels-{len(self.results)}.log"
        env = dict(self.env, BENCH_KERNEL_LOG=str(log))
        env.pop("SHIPYARD_KERNEL_LOG", None)
        print(f"--- {name}: {' '.join(command)}", flush=True)
        start = time.perf_counter()
        result = subprocess.run(
            command, cwd=cwd or self.tree, env=env, capture_output=True, text=True, check=False
        )
        seconds = time.perf_counter() - start
        kernels = len(log.read_text().split()) if log.exists() else 0
        if result.returncode:
            print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
            sys.exit(f"{name} failed (exit {result.returncode})")
        self.results[name] = {"seconds": round(seconds, 1), "kernels": kernels}
        load = os.getloadavg()[0]
        self.results[name]["load"] = round(load, 1)
        print(
            f"    {seconds:7.1f} s, {kernels} kernel start(s), load average {load:.1f}", flush=True
        )
        # The site's executor says how long each chapter took: the longest bounds the build.
        chapters = {m[1]: float(m[2]) for m in EXECUTED.finditer(result.stderr)}
        if chapters:
            longest = max(chapters, key=chapters.__getitem__)
            self.results[name]["longest chapter"] = round(chapters[longest], 1)
            print(f"    longest chapter {longest}: {chapters[longest]:.1f} s", flush=True)

    def sphinx(self) -> list[str]:
        return [sys.executable, "-m", "sphinx", "-q", "-b", "html", ".", "public"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ref", default="HEAD", help="git ref to measure (default HEAD)")
    parser.add_argument("--skip-test", action="store_true", help="skip the pytest run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-runbook-") as scratch_dir:
        scratch = Path(scratch_dir)
        tree = export(options.ref, scratch)
        bench = Bench(tree, scratch)
        notebooks = sorted(str(p) for p in (tree / "notebooks").glob("*.ipynb"))
        out = scratch / "nbconvert"
        bench.step(
            "sequential nbconvert",
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
             "--ExecutePreprocessor.timeout=600", "--output-dir", str(out), *notebooks],
        )  # fmt: skip
        bench.step("cold site", bench.sphinx())
        bench.step("no-change rebuild", bench.sphinx())
        with (tree / "src" / "shipyard" / "runbook.py").open("a") as module:
            module.write("# a package change (bench_runbook.py)\n")
        bench.step("package change rebuild", bench.sphinx())
        if not options.skip_test:
            shutil.rmtree(tree / ".jupyter_cache", ignore_errors=True)
            shutil.rmtree(tree / "public", ignore_errors=True)
            pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            bench.step("test (cold cache)", pytest)
    report(bench.results, options, bench.load_at_start)


def report(
    results: dict[str, dict[str, float | int]], options: argparse.Namespace, load_at_start: float
) -> None:
    seconds = {name: float(r["seconds"]) for name, r in results.items()}
    cold, sequential = seconds["cold site"], seconds["sequential nbconvert"]
    ratios = {
        "cold site / sequential nbconvert": cold / sequential,
        "cold site / no-change rebuild": cold / seconds["no-change rebuild"],
        "package change rebuild / cold site": seconds["package change rebuild"] / cold,
    }
    if "longest chapter" in results["cold site"]:
        # 1.0 would be a build that costs nothing but its longest chapter.
        ratios["cold site / its longest chapter"] = cold / float(
            results["cold site"]["longest chapter"]
        )
    if "test (cold cache)" in seconds:
        ratios["test / cold site"] = seconds["test (cold cache)"] / cold
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    print(f"\nref {options.ref} on {machine}")
    for name, value in ratios.items():
        print(f"{name:40} {value:6.2f}")
    if options.json:
        options.json.write_text(
            json.dumps({"ref": options.ref, "machine": machine, "steps": results,
                        "ratios": {k: round(v, 2) for k, v in ratios.items()}}, indent=2)
        )  # fmt: skip


if __name__ == "__main__":
    main()
