"""The result of ``shipyard pipeline run``: each job's status, time and log, and its rendering."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.errors import OperationError, redact
from shipyard.pipeline._ci_local import _outcomes, safe_job_name

if TYPE_CHECKING:
    from shipyard.pipeline._ci_local import Tools
    from shipyard.pipeline._prepare import PipelineTarget

#: Terminal control sequences (colours, cursor moves) that tools print even with NO_COLOR.
_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")

#: The statuses of a job that ran, as GitLab names them.
_PASSED, _FAILED, _SKIPPED, _MANUAL = "success", "failed", "skipped", "manual"
_SHOULD_RUN = ("on_success", "always", "delayed")


@dataclass(frozen=True)
class JobResult:
    """One job of the pipeline: its status as GitLab names it, its time and its masked log."""

    name: str
    stage: str
    status: str
    seconds: float | None
    allow_failure: bool = False
    log: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape: name, stage, status, seconds."""
        seconds = None if self.seconds is None else round(self.seconds, 1)
        return {"name": self.name, "stage": self.stage, "status": self.status, "seconds": seconds}


def _seconds(seconds: float | None) -> str:
    """Return a time for the table: ``-`` for a job that did not run, ``…`` in stable output.

    Wall times vary from run to run; committed notebook outputs (``SHIPYARD_STABLE_OUTPUT=1``)
    leave them out so that re-executing a chapter changes nothing.
    """
    from shipyard.runbook import stable_output

    if seconds is None:
        return "-"
    return "…" if stable_output() else f"{seconds:.1f}"


@dataclass(frozen=True)
class _Rerun:
    """What running a job of a kept run again needs: the copy, the runner and the target."""

    tools: Tools
    checkout: Path
    env: dict[str, str]
    args: tuple[str, ...]
    listed: dict[str, dict]
    target: PipelineTarget
    work: Path


@dataclass(frozen=True)
class PipelineResult:
    """A local pipeline run: each job's result, and the run's own output (masked)."""

    jobs: tuple[JobResult, ...]
    seconds: float
    output: str = field(default="", repr=False)
    #: Jobs of the pipeline this machine does not run, and why (shown in every format).
    not_run: tuple[tuple[str, str], ...] = ()
    #: Set for a run kept with ``keep=True``: :func:`~shipyard.pipeline.run.retry_job` uses it.
    rerun: _Rerun | None = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        """``success`` when every job that should run passed (or may fail), else ``failed``."""
        bad = [j for j in self.jobs if j.status != _PASSED and not j.allow_failure
               and j.status != _MANUAL]  # fmt: skip
        return "failed" if bad or not self.jobs else "success"

    @property
    def ok(self) -> bool:
        """Whether the pipeline succeeded."""
        return self.status == "success"

    def to_json(self) -> str:
        """Return ``{"status": ..., "jobs": [{"name", "stage", "status", "seconds"}]}``."""
        document: dict[str, Any] = {"status": self.status,
                                    "jobs": [j.to_dict() for j in self.jobs]}  # fmt: skip
        if self.not_run:
            document["not_run"] = [{"name": n, "why": why} for n, why in self.not_run]
        return json.dumps(document, indent=2)

    def table(self) -> str:
        """Return the job table, one line per job, in pipeline order."""
        width = max((len(j.name) for j in self.jobs), default=4)
        stage_width = max((len(j.stage) for j in self.jobs), default=5)
        lines = [f"{'job':<{width}}  {'stage':<{stage_width}}  {'status':<8}  seconds"]
        for job in self.jobs:
            seconds = _seconds(job.seconds)
            status = job.status + (" (allowed to fail)" if job.allow_failure and
                                   job.status == _FAILED else "")  # fmt: skip
            lines.append(f"{job.name:<{width}}  {job.stage:<{stage_width}}  {status:<8}  {seconds}")
        lines.append(f"pipeline {self.status} in {_seconds(self.seconds)} s")
        lines += [f"not run here: {name}: {why}" for name, why in self.not_run]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f'<tr class="shipyard-{j.status}"><td><code>{html.escape(j.name)}</code></td>'
            f"<td>{html.escape(j.stage)}</td><td>{j.status}</td>"
            f"<td>{_seconds(j.seconds)}</td></tr>"
            for j in self.jobs
        )
        head = "<tr><th>job</th><th>stage</th><th>status</th><th>seconds</th></tr>"
        return (f'<table class="shipyard-pipeline"><thead>{head}</thead><tbody>{rows}</tbody>'
                f"</table><p>pipeline {self.status} in {_seconds(self.seconds)} s</p>"
                + "".join(f"<p>not run here: <code>{html.escape(n)}</code>: {html.escape(w)}</p>"
                          for n, w in self.not_run))  # fmt: skip

    def logs(self, *, failed_only: bool = False) -> str:
        """Return the jobs' masked, normalised logs (only the failed ones when asked)."""
        parts = []
        for job in self.jobs:
            if job.log and (not failed_only or job.status == _FAILED):
                parts.append(f"--- {job.name} ({job.status}) ---\n{job.log.rstrip()}")
        return "\n".join(parts)


def _result(
    listed: dict[str, dict], done: subprocess.CompletedProcess[str], checkout: Path,
    target: PipelineTarget, seconds: float, work: Path, job: str | None,
    only: set[str] | None = None,
) -> PipelineResult:  # fmt: skip
    from shipyard.runbook import normalise

    def clean(text: str) -> str:
        text = redact(_ANSI.sub("", text), target.masked)
        return normalise(
            text.replace(str(work / "project"), "<project>").replace(str(work), "<run>")
        )

    outcomes = _outcomes(done.stdout + "\n" + done.stderr, list(listed))
    wanted = only or (set(listed) if job is None else _with_needs(job, listed))
    jobs = []
    for name, info in listed.items():
        if name not in wanted:
            continue
        verdict, took = outcomes.get(name, ("", None))
        log_file = checkout / ".gitlab-ci-local" / "output" / f"{safe_job_name(name)}.log"
        log = clean(log_file.read_text("utf-8", errors="replace")) if log_file.is_file() else ""
        allowed = bool(info.get("allow_failure")) or verdict == "WARN"
        status = _status(verdict, str(info.get("when", "")))
        jobs.append(JobResult(name, str(info.get("stage", "")), status, took, allowed, log))
    if not outcomes and done.returncode:
        message = clean((done.stdout + done.stderr).strip()[-800:])
        raise OperationError("run the pipeline with gitlab-ci-local", status=None,
                             server_message=message)  # fmt: skip
    return PipelineResult(tuple(jobs), seconds, clean(done.stdout + done.stderr))


def _status(verdict: str, when: str) -> str:
    """Return GitLab's name for a job's outcome: its verdict, else why it did not run."""
    if verdict:
        return _PASSED if verdict == "PASS" else _FAILED
    return _MANUAL if when == "manual" else _SKIPPED


def _instances(name: str, listed: dict[str, dict]) -> list[str]:
    """Return the jobs a name means: itself, or every job of its ``parallel: matrix``."""
    if name in listed:
        return [name]
    return [job for job in listed if job.startswith(f"{name}: [")]


def _with_needs(job: str, listed: dict[str, dict]) -> set[str]:
    """Return the job (or its matrix jobs) and every job they need, transitively."""
    found: set[str] = set()
    todo = _instances(job, listed)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for need in listed[name].get("needs", []):
            todo += _instances(need["job"] if isinstance(need, dict) else str(need), listed)
    return found
