"""Benchmark: lock 30 specs against a synthetic channel of 5,000+ records (not a test).

    .venv/bin/python benchmarks/bench_env_lock.py [--records N] [--repeat R]

The channel is written to a temporary directory as ``file://`` repodata shaped like conda-forge's:
a python with four minor versions and python_abi, and library packages with several versions and
builds each, depending on python_abi (for ``py3XX`` builds) and on lower-numbered libraries with
``>=x,<y`` ranges, as compiled conda-forge packages do. Prints the channel size, the cold lock time
(repodata parsed) and the warm times.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from shipyard import environments

PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def record(name: str, version: str, build: str, depends: list[str], subdir: str) -> dict:
    hashes = {"md5": "0" * 32, "sha256": "0" * 64, "size": 1}
    return {"name": name, "version": version, "build": build, "build_number": 0,
            "depends": depends, "subdir": subdir, "license": "MIT",
            "timestamp": 1_700_000_000_000, **hashes}  # fmt: skip


def make_channel(root: Path, target: int) -> int:
    rng = random.Random(4)
    packages: dict[str, dict] = {}
    for py in PYTHONS:
        tag = py.replace(".", "")
        abi = record("python_abi", py, f"5_cp{tag}", [], "linux-64")
        abi["constrains"] = [f"python {py}.*"]
        packages[f"python_abi-{py}-5_cp{tag}.tar.bz2"] = abi
        packages[f"python-{py}.0-h0_cpython.tar.bz2"] = record(
            "python", f"{py}.0", "h0_cpython", [f"python_abi {py}.* *_cp{tag}", "libzlib >=1.3"],
            "linux-64")  # fmt: skip
    packages["libzlib-1.3.1-h0_0.tar.bz2"] = record("libzlib", "1.3.1", "h0_0", [], "linux-64")
    index = 0
    while len(packages) < target:
        name = f"lib{index:03d}"
        for major in range(1, 4):
            for minor in range(0, 3):
                version = f"{major}.{minor}.0"
                deps = [f"lib{d:03d} >={rng.randint(1, 2)},<4" for d in
                        rng.sample(range(index), k=min(index, rng.randint(0, 3)))]  # fmt: skip
                for py in PYTHONS:
                    tag = py.replace(".", "")
                    build = f"py{tag}h{index:04x}_0"
                    packages[f"{name}-{version}-{build}.tar.bz2"] = record(
                        name, version, build, [*deps, "python", f"python_abi {py}.* *_cp{tag}"],
                        "linux-64")  # fmt: skip
        index += 1
    for subdir, content in (("linux-64", packages), ("noarch", {})):
        (root / subdir).mkdir(parents=True, exist_ok=True)
        document = {"info": {"subdir": subdir}, "packages": content, "packages.conda": {},
                    "removed": [], "repodata_version": 1}  # fmt: skip
        (root / subdir / "repodata.json").write_text(json.dumps(document))
    return len(packages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        count = make_channel(root / "channel", args.records)
        specs = ["python=3.12", *[f"lib{i:03d} >=1" for i in range(0, 87, 3)]][:30]
        env_file = root / "environment.yml"
        env_file.write_text("dependencies:\n" + "".join(f"  - {s}\n" for s in specs))
        env = environments.load_environment(env_file, project_name="")
        channel = (root / "channel").as_uri() + "/"
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            lock = environments.lock(env, channels=[channel], cache_dir=root / "cache")
            times.append(time.perf_counter() - started)
        print(f"channel: {count} records; specs: {len(specs)}; "
              f"solved: {len(lock.packages)} packages")  # fmt: skip
        print(f"lock (first, repodata parsed): {times[0] * 1000:.0f} ms")
        warm = times[1:] or times
        print(f"lock (again, median of {len(warm)}): {statistics.median(warm) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
