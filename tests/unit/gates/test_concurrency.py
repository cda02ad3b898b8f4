"""Independent gates run at the same time, report as they finish, and share one file walk."""

from __future__ import annotations

import sys
import threading
import time
import types

import pytest

from shipyard.gates import _model, runner
from tests.unit.cli.test_cli import run as shipyard

from ._helpers import write_project

BARRIER = threading.Barrier(2, timeout=5)


def _gate_module(name: str, seconds: float, wait_for_partner: bool) -> types.ModuleType:
    module = types.ModuleType(f"tests_fake_gate_{name}")

    def run(context):
        paths = context.paths  # every gate reads the shared list
        if wait_for_partner:
            BARRIER.wait()  # fails (BrokenBarrierError) unless the other gate runs meanwhile
        time.sleep(seconds)
        status = _model.FAILED if name == "slow" else _model.PASSED
        return _model.GateResult(name, "a threshold", f"{len(paths)} path(s)", status)

    module.run = run
    module.threshold = lambda context: "a threshold"
    return module


@pytest.fixture
def fake_gates(monkeypatch):
    gates = {"slow": 0.4, "fast": 0.0, "third": 0.0}
    modules = {}
    for name, seconds in gates.items():
        module = _gate_module(name, seconds, wait_for_partner=name in ("slow", "fast"))
        monkeypatch.setitem(sys.modules, module.__name__, module)
        modules[name] = module.__name__
    monkeypatch.setattr(runner, "GATES", modules)
    walks = []
    real = _model._without
    monkeypatch.setattr(_model, "_without", lambda *a: walks.append(a) or real(*a))
    BARRIER.reset()
    return walks


def test_gates_overlap_and_results_keep_the_seed_order(fake_gates, tmp_path):
    finished = []
    run = runner.run_gates(
        write_project(tmp_path),
        jobs=2,
        on_gate=lambda name, result: result is not None and finished.append(name),
    )
    # "slow" and "fast" met at the barrier: they ran at the same time. "fast" finished first,
    # yet the results are in the declared order.
    assert [r.name for r in run] == ["slow", "fast", "third"]
    assert finished.index("fast") < finished.index("slow")
    assert run.failed == ["slow"]
    assert len(fake_gates) == 1  # one walk of the project for all three gates


def test_one_job_runs_the_gates_one_by_one(fake_gates, tmp_path, monkeypatch):
    monkeypatch.setattr(BARRIER, "_parties", 1)  # alone at the barrier: no partner needed
    started = []
    runner.run_gates(
        write_project(tmp_path),
        jobs=1,
        on_gate=lambda name, result: result is None and started.append(threading.current_thread()),
    )
    assert len({thread.name for thread in started}) == 1


def test_cli_streams_a_line_per_gate_on_stderr(fake_gates, tmp_path):
    result = shipyard("gates", "run", write_project(tmp_path), "--progress", "--jobs", "2")
    lines = [line for line in result.stderr.splitlines() if line.startswith("gate ")]
    assert sorted(line.split(":")[0] for line in lines) == ["gate fast", "gate slow", "gate third"]
    assert any(line.startswith("gate slow: failed in ") for line in lines)
    assert result.returncode == 1 and "gate slow:" not in result.stdout


def test_cli_is_quiet_about_progress_when_not_asked(fake_gates, tmp_path):
    result = shipyard("gates", "run", write_project(tmp_path), "--no-progress", "--jobs", "2")
    assert "gate slow:" not in result.stderr
