"""What a job does, read from its script and keywords: publishes, tests, deploys, waits for.

The CI rules ask these questions of every job; the answers come from the commands a job runs
(``twine upload``, ``buildah push``, ``pytest``, ...) and from ``stage``, ``needs`` and
``environment``, as GitLab schedules them.
"""

from __future__ import annotations

import re
from typing import Any

from shipyard.pipeline.ciyaml import CiFile, Job

__all__ = ["deploys", "is_pages", "is_test", "needed", "publish_command", "stage_of", "waits_for"]

_PUBLISH = re.compile(
    r"""\b(?:twine\s+upload|poetry\s+publish|uv\s+publish|flit\s+publish|hatch\s+publish
    |pdm\s+publish|(?:docker|podman|buildah|nerdctl)\s+(?:image\s+)?push|skopeo\s+copy
    |crane\s+(?:push|copy)|oras\s+push|helm\s+push|npm\s+publish|gem\s+push|cargo\s+publish
    |buildx\s+build\b.*--push|/kaniko/executor\b(?!.*--no-push))""",
    re.VERBOSE,
)
_TEST = re.compile(r"\b(?:pytest|tox|nox|unittest|shipyard\s+gates\s+run)\b")
_DEPLOY_STAGES = ("deploy", "production", "prod")


def publish_command(ci: CiFile, job: Job) -> str | None:
    """Return the first command of the job that publishes a package or an image, or None."""
    for line in ci.script(job):
        if not line.text.lstrip().startswith("#") and _PUBLISH.search(line.text):
            return line.text
    return None


def stage_of(job: Job) -> str:
    """Return the job's stage (GitLab's default is ``test``)."""
    stage = job.get("stage", "test")
    return stage if isinstance(stage, str) else "test"


def is_pages(job: Job) -> bool:
    """Tell whether the job deploys GitLab Pages (named ``pages``, or ``pages:`` set)."""
    return job.name == "pages" or bool(job.get("pages"))


def is_test(ci: CiFile, job: Job) -> bool:
    """Tell whether the job tests the code: it runs a test tool, or is in the ``test`` stage."""
    if job.get("when") == "manual" or publish_command(ci, job):
        return False
    return stage_of(job) == "test" or any(_TEST.search(line.text) for line in ci.script(job))


def deploys(ci: CiFile, job: Job) -> bool:
    """Tell whether the job deploys: it has an ``environment`` (not a stop), or a deploy stage."""
    environment = job.get("environment")
    if isinstance(environment, dict) and environment.get("action", "start") != "start":
        return False
    if is_pages(job) or publish_command(ci, job):
        return False
    return environment is not None or stage_of(job) in _DEPLOY_STAGES


def needed(job: Job) -> list[str] | None:
    """Return the names of the jobs in ``needs:``, or None when the job has no ``needs``."""
    needs = job.get("needs")
    if needs is None:
        return None
    names: list[str] = []
    for entry in needs if isinstance(needs, list) else []:
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("job"), str):
            names.append(entry["job"])
    return names


def waits_for(ci: CiFile, job: Job, _seen: frozenset[str] = frozenset()) -> set[str]:
    """Return the jobs that must finish before this one starts, directly or through others.

    With ``needs:``, the needed jobs and what they wait for; without it, every job of the
    earlier stages.
    """
    stages = ci.stages()
    jobs = {j.name: j for j in ci.jobs()}
    names = needed(job)
    if names is None:
        index = stages.index(stage_of(job)) if stage_of(job) in stages else len(stages)
        earlier = set(stages[:index])
        return {name for name, other in jobs.items() if stage_of(other) in earlier}
    waited: set[str] = set()
    for name in names:
        if name in jobs and name not in _seen:
            waited.add(name)
            waited |= waits_for(ci, jobs[name], _seen | {job.name})
    return waited


def line_of_limits(job: Job) -> int:
    """Return the line of the job's ``rules``/``only``, or of the job."""
    for key in ("rules", "only", "when"):
        if key in job.lines:
            return job.lines[key]
    return job.line


def shown(command: Any, limit: int = 70) -> str:
    """Return a command shortened for a message."""
    text = " ".join(str(command).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
