"""``python -m tests.fuzz``: run the fuzzing harness and print its figures per kind of file.

Exit status 1 when an input crashed (an exception that is not Shipyard's), hung, or took more
than two seconds in a reader or command; 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tests.fuzz.harness import KINDS, SLOW, largest, run_kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help=f"comma-separated kinds (default: all: {', '.join(KINDS)})",
    )
    parser.add_argument("--count", type=int, default=1000, help="inputs per kind (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(".fuzz-failures"),
        help="where failing inputs are saved (default .fuzz-failures)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--readers",
        action="store_true",
        help="also call each reader directly, not only the commands",
    )
    parser.add_argument(
        "--largest",
        action="store_true",
        help="also time a realistic file of each kind just under its size limit",
    )
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    reports, biggest = [], []
    for kind in kinds:
        start = time.perf_counter()
        report = run_kind(
            kind,
            args.count,
            args.seed,
            args.out,
            progress=lambda text: print(text, file=sys.stderr, flush=True),
            readers=args.readers,
        )
        print(
            f"{kind}: {report.inputs} inputs in {time.perf_counter() - start:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        reports.append(report.as_dict())
        if args.largest:
            biggest.append(largest(kind))
    print(
        f"{'kind':<12} {'inputs':>6} {'calls':>6} {'crashes':>7} {'> ' + str(SLOW) + ' s':>7} "
        f"{'max cpu s':>9}  {'largest input':>13}  results"
    )
    for r in reports:
        results = ", ".join(f"{k}: {v}" for k, v in r["results"].items())
        print(
            f"{r['kind']:<12} {r['inputs']:>6} {r['calls']:>6} {r['crashes']:>7} {r['slow']:>7} "
            f"{r['max_cpu_seconds']:>9.2f}  {r['largest_input_bytes']:>7} B "
            f"{r['largest_input_cpu_seconds']:>4.1f} s"
            f"  {results}"
        )
        for item in r["crash_details"][:5] + r["slow_details"][:5]:
            print(
                f"  input {item['input']} {item['entry']} {item['seconds']} s: "
                f"{item['detail'].strip().splitlines()[-1] if item['detail'] else ''}"
            )
    for b in biggest:
        entries = ", ".join(
            f"{k} {v['cpu']} s CPU, {v['wall']} s wall ({v['result']})"
            for k, v in b["entries"].items()
        )
        print(f"largest {b['kind']}: {b['bytes']:,} bytes: {entries}")
    if args.json:
        args.json.write_text(
            json.dumps({"kinds": reports, "largest": biggest}, indent=2), encoding="utf-8"
        )
    bad = sum(r["crashes"] + r["slow"] for r in reports)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
