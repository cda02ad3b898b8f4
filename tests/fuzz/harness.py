"""Feed mutated real files to every reader and every ``shipyard`` command that reads them.

For each kind of file (pyproject.toml, environment.yml, .gitlab-ci.yml, Dockerfile, pip.conf,
.pypirc), hypothesis draws a seed file from ``seeds/<kind>/`` and a few mutations of it
(:mod:`tests.fuzz.mutators`); the mutated file is written to a fresh directory and given to the
kind's readers and to the commands a user runs on it (``shipyard check``, ``env check``,
``image check``), in this process, as the CLI would run them.

The commands reach every reader (``check`` reads pyproject.toml through the PKG and NEX
loaders and the settings, ``env check`` environment.yml, ``image check`` the Dockerfile and
hadolint); ``--readers`` also calls the readers directly.

An outcome is fine when the call returns, exits, or raises one of Shipyard's errors (an
``InputError`` naming the file, a ``ConfigError``, a click usage error). Anything else is a
*crash*: an exception that is not Shipyard's. A call that takes more than :data:`SLOW` seconds
of CPU (this process's and its children's, e.g. hadolint's) is *slow*: CPU time is what the
call costs on a machine doing nothing else, and does not depend on how busy the machine running
the harness is; wall time is reported too. A call still running after :data:`HARD_LIMIT` seconds
of wall time is stopped and counted as a *hang*. Inputs that crash, are slow or hang are saved
with their traceback, to reproduce them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz import mutators

SEEDS = Path(__file__).parent / "seeds"
#: An input slower than this, in seconds, in one reader or command, is reported.
SLOW = 2.0
#: A call still running after this many seconds (wall time) is stopped and reported as a hang.
HARD_LIMIT = 120.0


@dataclass(frozen=True)
class Kind:
    """A kind of file: its name on disk, the readers that parse it, the commands that check it."""

    name: str
    file_name: str
    commands: tuple[tuple[str, ...], ...]
    readers: tuple[str, ...]


KINDS = {
    "pyproject": Kind("pyproject", "pyproject.toml", (("check", "{file}"),),
                      ("load_pyproject", "load_settings", "index_settings")),
    "environment": Kind("environment", "environment.yml",
                        (("env", "check", "{file}"), ("check", "{file}")), ("load_environment",)),
    "gitlab-ci": Kind("gitlab-ci", ".gitlab-ci.yml", (("check", "{file}"),), ("index_settings",)),
    "dockerfile": Kind("dockerfile", "Dockerfile",
                       (("image", "check", "{file}"), ("check", "{file}")), ("load_dockerfile",)),
    "pip": Kind("pip", "pip.conf", (("check", "{file}"),), ("index_settings",)),
    "pypirc": Kind("pypirc", ".pypirc", (("check", "{file}"),), ("index_settings",)),
}  # fmt: skip


def _readers() -> dict[str, Callable[[Path], Any]]:
    from shipyard import images
    from shipyard.config import load_settings
    from shipyard.environments import envfile
    from shipyard.nexus import indexconf
    from shipyard.packaging import pyproject

    return {
        "load_pyproject": pyproject.load_pyproject,
        "load_settings": lambda path: load_settings(path.parent, environ={}),
        "index_settings": indexconf.load,
        "load_environment": envfile.load_environment,
        "load_dockerfile": images.load_dockerfile,
    }


@dataclass(frozen=True)
class Case:
    """One input: a seed file and the mutations applied to it, each with its random seed."""

    kind: str
    seed: str
    steps: tuple[tuple[str, int], ...]
    target: str = ""

    def data(self) -> bytes:
        """Return the mutated file."""
        data = (SEEDS / self.kind / self.seed).read_bytes()
        table = {m.__name__: m for m in mutators.BY_KIND[self.kind]}
        for name, seed in self.steps:
            data = table[name](data, random.Random(seed), self.kind)
        return data


@dataclass
class Outcome:
    """What one reader or command did with one input."""

    entry: str
    seconds: float  # CPU time, this process and its children
    wall: float
    result: str  # "ok", "exit N", "shipyard: <error class>", "crash", "hang"
    detail: str = ""


@dataclass
class KindReport:
    """The figures of one kind of file."""

    kind: str
    inputs: int = 0
    calls: int = 0
    results: dict[str, int] = field(default_factory=dict)
    crashes: list[dict[str, Any]] = field(default_factory=list)
    slow: list[dict[str, Any]] = field(default_factory=list)
    max_seconds: float = 0.0
    max_seconds_entry: str = ""
    max_wall: float = 0.0
    largest_bytes: int = 0
    largest_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "kind": self.kind, "inputs": self.inputs, "calls": self.calls,
            "results": dict(sorted(self.results.items())), "crashes": len(self.crashes),
            "slow": len(self.slow), "max_cpu_seconds": round(self.max_seconds, 3),
            "max_wall_seconds": round(self.max_wall, 3),
            "max_seconds_entry": self.max_seconds_entry,
            "largest_input_bytes": self.largest_bytes,
            "largest_input_cpu_seconds": round(self.largest_seconds, 3),
            "crash_details": self.crashes[:20], "slow_details": self.slow[:20],
        }  # fmt: skip


def cases(kind: str, count: int, seed: int) -> list[Case]:
    """Draw ``count`` inputs of a kind with hypothesis, reproducibly from ``seed``."""
    import hypothesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import strategies as st

    names = sorted(p.name for p in (SEEDS / kind).iterdir() if p.is_file())
    steps = st.tuples(st.sampled_from([m.__name__ for m in mutators.BY_KIND[kind]]),
                      st.integers(0, 2**32 - 1))  # fmt: skip
    targets = st.sampled_from(["", "", "", "build", "0", "1", "²", "9" * 30, "BUILD", "x" * 300])
    drawn: list[Case] = []

    @hypothesis.seed(seed)
    @hypothesis.settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
                         suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.sampled_from(names), st.lists(steps, min_size=1, max_size=3), targets)
    def draw(name: str, chosen: list[tuple[str, int]], target: str) -> None:
        drawn.append(Case(kind, name, tuple(chosen), target if kind == "dockerfile" else ""))

    draw()
    return drawn[:count]


class _Hang(BaseException):
    """Raised by the alarm in a call that runs past :data:`HARD_LIMIT` (not an Exception)."""


@contextlib.contextmanager
def _limit(seconds: float) -> Iterator[None]:
    def alarm(signum: int, frame: object) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _classify(call: Callable[[], object]) -> tuple[str, str]:
    import click

    from shipyard.errors import ShipyardError

    try:
        with _limit(HARD_LIMIT):
            call()
    except _Hang:
        return "hang", f"stopped after {HARD_LIMIT:g} s"
    except SystemExit as exc:
        return f"exit {exc.code}", ""
    except ShipyardError as exc:
        return f"shipyard: {type(exc).__name__}", str(exc)[:300]
    except (click.ClickException, click.Abort) as exc:
        return f"click: {type(exc).__name__}", str(exc)[:300]
    except Exception:  # noqa: BLE001 - what the harness looks for
        return "crash", traceback.format_exc(limit=-6)
    return "ok", ""


def _command(args: list[str]) -> Callable[[], object]:
    from shipyard.cli import cli

    def call() -> object:
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            return cli.main(args=args, prog_name="shipyard", standalone_mode=False)

    return call


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def run_case(case: Case, workdir: Path, *, readers: bool = False) -> list[Outcome]:
    """Write the input to a fresh directory and give it to every reader and command of its kind."""
    kind = KINDS[case.kind]
    directory = Path(tempfile.mkdtemp(dir=workdir))
    path = directory / kind.file_name
    path.write_bytes(case.data())
    table = _readers()
    outcomes = []
    entries: list[tuple[str, Callable[[], object]]] = [
        (name, lambda r=table[name]: r(path)) for name in (kind.readers if readers else ())
    ]
    for command in kind.commands:
        args = [a.replace("{file}", str(path)) for a in command]
        if case.target and command[0] == "image":
            args += ["--target", case.target]
        entries.append(("shipyard " + " ".join(command[:-1]), _command(args)))
    cwd = Path.cwd()
    os.chdir(directory)  # `image check` takes the current directory as the build context
    try:
        for name, call in entries:
            start, cpu = time.perf_counter(), _cpu()
            result, detail = _classify(call)
            wall = time.perf_counter() - start
            outcomes.append(Outcome(name, _cpu() - cpu, wall, result, detail))
    finally:
        os.chdir(cwd)
    return outcomes


def run_kind(kind: str, count: int, seed: int, out: Path | None = None,
             progress: Callable[[str], None] | None = None, *,
             readers: bool = False) -> KindReport:  # fmt: skip
    """Run ``count`` mutated inputs of a kind and return the figures."""
    report = KindReport(kind)
    with tempfile.TemporaryDirectory(prefix=f"shipyard-fuzz-{kind}-") as work:
        for number, case in enumerate(cases(kind, count, seed)):
            data = case.data()
            outcomes = run_case(case, Path(work), readers=readers)
            report.inputs += 1
            total = sum(o.seconds for o in outcomes)
            if len(data) >= report.largest_bytes:
                report.largest_bytes, report.largest_seconds = len(data), total
            for outcome in outcomes:
                _record(report, case, number, data, outcome, out)
            if progress and (number + 1) % 100 == 0:
                progress(f"{kind}: {number + 1}/{count}")
    return report


def _record(report: KindReport, case: Case, number: int, data: bytes, outcome: Outcome,
            out: Path | None) -> None:  # fmt: skip
    report.calls += 1
    key = outcome.result if outcome.result.startswith(("crash", "hang")) else outcome.result
    report.results[key] = report.results.get(key, 0) + 1
    if outcome.seconds > report.max_seconds:
        report.max_seconds, report.max_seconds_entry = outcome.seconds, outcome.entry
    report.max_wall = max(report.max_wall, outcome.wall)
    item = {"input": number, "entry": outcome.entry, "seconds": round(outcome.seconds, 3),
            "wall": round(outcome.wall, 3),
            "bytes": len(data), "seed": case.seed, "steps": [list(s) for s in case.steps],
            "target": case.target, "detail": outcome.detail[-1500:]}  # fmt: skip
    bad = outcome.result in ("crash", "hang")
    if bad:
        report.crashes.append(item)
    if outcome.seconds > SLOW or outcome.result == "hang":
        report.slow.append(item)
    if out is not None and (bad or outcome.seconds > SLOW):
        out.mkdir(parents=True, exist_ok=True)
        stem = out / f"{case.kind}-{number}"
        stem.with_suffix(".bin").write_bytes(data)
        stem.with_suffix(".json").write_text(json.dumps(item, indent=2), encoding="utf-8")


# -- the largest file of each kind ----------------------------------------------------------------

_BLOCKS = {
    "pyproject": ('[project]\nname = "big"\nversion = "1.0"\n',
                  '[tool.fuzz.t{n}]\nname = "value-{n}"\nitems = ["a", "b", {{c = {n}}}]\n'),
    "environment": ("name: big\nchannels: [conda-forge]\ndependencies:\n",
                    "  - package-number-{n} >=1.{n},<2\n"),
    "gitlab-ci": ("stages: [test]\n",
                  "job-{n}:\n  stage: test\n  script:\n    - pip install -r requirements.txt\n"
                  "    - pytest tests/test_{n}.py\n"),
    "dockerfile": ("FROM python:3.12-slim AS base\n",
                   "FROM base AS stage{n}\nRUN pip install --no-cache-dir package-{n}==1.0\n"),
    "pip": ("[global]\nextra-index-url =\n", "    https://nexus.example.com/repository/r{n}/simple\n"),
    "pypirc": ("[distutils]\nindex-servers = s0\n",
               "[s{n}]\nrepository = https://nexus.example.com/repository/r{n}/\nusername = u\n"),
}  # fmt: skip


def largest(kind: str) -> dict[str, Any]:
    """Check a realistic file of the kind just under its size limit, and time every entry."""
    from shipyard import _reading

    head, block = _BLOCKS[kind]
    limit = _reading.size_limit(kind) - 1024
    parts, size, n = [head], len(head), 0
    while size + len(block) + 16 < limit:
        text = block.format(n=n)
        parts.append(text)
        size += len(text)
        n += 1
    data = "".join(parts).encode()
    with tempfile.TemporaryDirectory(prefix="shipyard-fuzz-largest-") as work:
        kind_dir = Path(work) / "seed"
        kind_dir.mkdir()
        case = _LiteralCase(kind, data)
        outcomes = run_case(case, Path(work), readers=True)  # type: ignore[arg-type]
    return {"kind": kind, "bytes": len(data),
            "entries": {o.entry: {"cpu": round(o.seconds, 3), "wall": round(o.wall, 3),
                                  "result": o.result}
                        for o in outcomes}}  # fmt: skip


@dataclass(frozen=True)
class _LiteralCase:
    kind: str
    literal: bytes
    target: str = ""

    def data(self) -> bytes:
        return self.literal
