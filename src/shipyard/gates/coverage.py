"""The coverage gate: the tests pass and cover at least ``coverage-min`` percent of the code.

The gate runs the project's pytest suite under coverage.py (``python -m coverage run -m pytest``,
with the interpreter that runs the gate), measuring the gate's paths, and compares the total that
``coverage report`` prints (lines, and branches when the project measures them) with the
threshold. Failing tests fail the gate whatever the coverage. It writes the Cobertura XML GitLab
shows in merge request diffs (``coverage.xml``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from shipyard.gates._model import (
    FAILED,
    PASSED,
    Context,
    GateResult,
    ToolError,
    parse_json,
    run_tool,
)

__all__ = ["NAME", "run", "threshold"]

NAME = "coverage"


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    return f"tests pass, coverage >= {context.settings.coverage_min:g} %"


def _coverage(args: list[str], context: Context, env: dict[str, str]):  # noqa: ANN202
    return run_tool(Path(sys.executable).name, ["-m", "coverage", *args], context.root, env=env)


def run(context: Context) -> GateResult:
    """Run the tests under coverage and compare the total with the threshold."""
    s = context.settings
    with tempfile.TemporaryDirectory(prefix="shipyard-coverage-") as tmp:
        env = _environment(context, Path(tmp) / ".coverage")
        tests = _run_tests(context, env)
        if tests.returncode == 5:
            return GateResult(NAME, threshold(context), "no tests collected: 0 %", FAILED,
                              data={"coverage": 0.0})  # fmt: skip
        total = _total(context, env, Path(tmp) / "coverage.json")
        reports = _cobertura(context, env)
    summary = _last_line(tests.stdout)
    measured = f"{total:.1f} %" + ("" if tests.returncode == 0 else f", tests failed ({summary})")
    ok = tests.returncode == 0 and round(total, 1) >= s.coverage_min
    return GateResult(NAME, threshold(context), measured, PASSED if ok else FAILED,
                      reports=reports, data={"coverage": round(total, 2)})  # fmt: skip


def _environment(context: Context, data: Path) -> dict[str, str]:
    """Return the variables coverage and pytest run with: the data file, ``src`` importable."""
    pythonpath = os.pathsep.join(
        p for p in (str(context.root / "src"), os.environ.get("PYTHONPATH", "")) if p
    )
    return {"COVERAGE_FILE": str(data), "PYTHONPATH": pythonpath}


def _run_tests(context: Context, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run pytest under coverage.

    Raises:
        ToolError: pytest could not run (an exit status other than passed, failed, no tests).
    """
    s = context.settings
    # coverage's --source takes directories, not files: measure the roots, omit exclusions.
    source = ",".join(str(context.root / p) for p in context.roots)
    omit = ",".join(f"{context.root / e}/*" for e in s.exclude)
    tests = _coverage(
        ["run", f"--source={source}", *([f"--omit={omit}"] if omit else []), "-m", "pytest",
         "-q", "-p", "no:cacheprovider",
         *s.pytest_args], context, env,
    )  # fmt: skip
    if tests.returncode not in (0, 1, 5):
        tail = (tests.stdout + tests.stderr).strip().splitlines()[-3:]
        msg = f"pytest could not run (exit status {tests.returncode}): {' / '.join(tail)}"
        raise ToolError(msg)
    return tests


def _total(context: Context, env: dict[str, str], report: Path) -> float:
    """Return the total percentage covered, from coverage's JSON report.

    Raises:
        ToolError: No file of the gate's paths was imported, so there is no report.
    """
    _coverage(["json", "-q", "-o", str(report)], context, env)
    if not report.is_file():
        msg = "coverage measured nothing: no file of the gate's paths was imported"
        raise ToolError(msg)
    return parse_json("coverage", report.read_text())["totals"]["percent_covered"]


def _cobertura(context: Context, env: dict[str, str]) -> dict[str, str]:
    """Write the Cobertura XML report when there is a report directory; return it by format."""
    if context.report_dir is None:
        return {}
    context.report_dir.mkdir(parents=True, exist_ok=True)
    xml = context.report_dir / "coverage.xml"
    _coverage(["xml", "-q", "-o", str(xml)], context, env)
    return {"cobertura": context.relative(xml)}


def _last_line(output: str) -> str:
    lines = [line.strip("= ") for line in output.splitlines() if line.strip()]
    # Without the duration ("in 2.53s"): the verdict must read the same in every run.
    return re.sub(r" in [\d.]+s.*$", "", lines[-1]) if lines else "no output"
