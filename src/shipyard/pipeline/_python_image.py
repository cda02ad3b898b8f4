"""A stand-in for ``python:<version>`` images, for local pipeline runs only.

``shipyard pipeline run`` runs every job with gitlab-ci-local's shell executor: there is no
container, so a job of a ``python`` image would run ``pip install`` with this machine's Python.
Instead, in the temporary copy of the pipeline the run uses (never in a file a user commits),
each such job's ``before_script`` starts with one line that makes a fresh virtual environment of
the nearest Python on this machine (the image's major.minor when it is installed, and a line
saying so when it is not) inside the job's directory, and activates it: ``pip install`` goes
into it. The job's own ``before_script`` follows, resolved as GitLab resolves it (the job's own
key, else its ``extends`` parents, later ones winning, else ``default:``), so the job runs what it
would run in the image. Every such job's log says that the image was stood in for.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from shipyard.pipeline.ciyaml import _MAX_EXTENDS, _is_reference, _key_line

__all__ = [
    "COMMAND_VARIABLE",
    "ENVS_VARIABLE",
    "install_command",
    "is_python_image",
    "main",
    "stand_in",
]

#: The runner variable naming the command the injected line runs.
COMMAND_VARIABLE = "SHIPYARD_PYTHON_IMAGE"
#: The runner variable naming the directory of the jobs' environments: the run's private
#: directory, outside the project, so that no build context (the image job's ``COPY .``), gate
#: or artifact ever sees several GB of environments.
ENVS_VARIABLE = "SHIPYARD_PYTHON_ENVS"
_VENVS = ".shipyard-python"  # without ENVS_VARIABLE; hidden: the gates skip it
_LEGACY = {"image": "image", "before_script": "before_script"}  # top-level forms of default:
_REGISTRY = re.compile(r"^(?:(?:docker\.io|index\.docker\.io)/)?(?:library/)?")


def is_python_image(image: str) -> bool:
    """Whether an image is Docker Hub's official ``python`` image (any tag, any digest)."""
    name = _REGISTRY.sub("", image.strip()).split("@")[0]
    return name == "python" or name.startswith("python:")


def python_version(image: str) -> str:
    """Return the ``major.minor`` of an image's tag (``python:3.11-slim``: ``3.11``), or ``""``."""
    tag = _REGISTRY.sub("", image.strip()).split("@")[0].partition(":")[2]
    found = re.match(r"(\d+\.\d+)(?![\d])", tag)
    return found.group(1) if found else ""


# -- resolving a job's keywords as GitLab does -----------------------------------------------


def _parents(job: dict[str, Any]) -> list[str]:
    parents = job.get("extends")
    if isinstance(parents, str):
        return [parents]
    return [str(p) for p in parents] if isinstance(parents, list) else []


def _through_extends(
    data: dict[str, Any], name: str, key: str, seen: tuple[str, ...] = ()
) -> tuple[bool, Any]:
    """Return whether the job or its ``extends`` parents set ``key``, and the value that wins.

    The job's own key wins; then its parents, a later parent over an earlier one (GitLab merges
    them in order). A cycle or a chain deeper than GitLab's limit stops the search.
    """
    job = data.get(name)
    if not isinstance(job, dict) or name in seen or len(seen) >= _MAX_EXTENDS:
        return False, None
    if key in job:
        return True, job[key]
    for parent in reversed(_parents(job)):
        found, value = _through_extends(data, parent, key, (*seen, name))
        if found:
            return True, value
    return False, None


def _inherits_default(data: dict[str, Any], name: str, key: str) -> bool:
    """Whether the job takes ``key`` from ``default:`` (``inherit: default:`` may say no)."""
    found, inherit = _through_extends(data, name, "inherit")
    wanted = inherit.get("default", True) if found and isinstance(inherit, dict) else True
    return key in wanted if isinstance(wanted, list) else wanted is not False


def resolved(data: dict[str, Any], name: str, key: str) -> tuple[bool, Any]:
    """Return a job's ``image`` or ``before_script`` as GitLab resolves it, and whether it has one.

    The job's own key, else its ``extends`` parents, else ``default:``, else the deprecated
    top-level keyword.
    """
    found, value = _through_extends(data, name, key)
    if found or not _inherits_default(data, name, key):
        return found, value
    default = data.get("default")
    if isinstance(default, dict) and key in default:
        return True, default[key]
    if key in _LEGACY and key in data:
        return True, data[key]
    return False, None


def _image_name(image: Any) -> str:
    return str(image.get("name", "") if isinstance(image, dict) else image or "")


# -- rewriting the pipeline's copy -----------------------------------------------------------


def _line(image: str) -> str:
    """Return the command that makes and activates the virtual environment in the job's shell.

    When the command fails, the line fails the job (``exit 1``), so pip never runs outside it.
    """
    return f'eval "$("${COMMAND_VARIABLE}" {shlex.quote(image)} || echo exit 1)"'


def _with_stand_in(image: str, found: bool, value: Any, where: tuple[str, int]) -> list[Any]:
    """Return the job's new ``before_script``: the stand-in's line, then what it had."""
    from shipyard.errors import InputError

    if not found or value is None:
        return [_line(image)]
    if isinstance(value, str) or _is_reference(value):
        return [_line(image), value]  # GitLab flattens a `!reference [...]` in a list
    if isinstance(value, list):
        return [_line(image), *value]  # items may be `!reference` tags too
    msg = f"job {where[0]!r}: before_script is a {type(value).__name__}, not a list of commands"
    raise InputError(msg, path=".gitlab-ci.yml", line=where[1],
                     hint="GitLab takes a command or a list of commands there.")  # fmt: skip


def _jobs(data: dict[str, Any]) -> list[str]:
    from shipyard.pipeline.ciyaml import KEYWORDS

    return [str(name) for name, job in data.items() if isinstance(job, dict)
            and str(name) not in KEYWORDS and not str(name).startswith(".")]  # fmt: skip


def stand_in(pipeline: str) -> tuple[str, tuple[str, ...]]:
    """Return the pipeline with the stand-in's line first in each ``python`` image job, and them.

    A pipeline this cannot read as one YAML mapping is returned as it is (gitlab-ci-local says
    what is wrong with it). ``!reference`` tags, anchors and comments are kept.

    Raises:
        InputError: A python image job's ``before_script`` is neither a command nor a list.
    """
    data, yaml = _load(pipeline)
    if data is None:
        return pipeline, ()
    # Every job is resolved before any is changed: a job may extend another job.
    changed = {}
    for name in _jobs(data):
        image = _image_name(resolved(data, name, "image")[1])
        if not is_python_image(image) or not _through_extends(data, name, "script")[0]:
            continue
        found, value = resolved(data, name, "before_script")
        changed[name] = _with_stand_in(image, found, value, (name, _key_line(data, name)))
    if not changed:
        return pipeline, ()
    for name, before in changed.items():
        data[name]["before_script"] = before
    import io

    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue(), tuple(changed)


def _load(pipeline: str) -> tuple[Any, Any]:
    """Return the pipeline's mapping (round trip: tags, anchors kept) and its YAML, or ``None``."""
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    yaml.width = 4096
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = yaml.load(pipeline)
    except (YAMLError, ValueError, TypeError, AttributeError, KeyError, RecursionError):
        return None, yaml
    return (data if isinstance(data, dict) else None), yaml


# -- the command the line runs ----------------------------------------------------------------


_MAIN = "import sys; from shipyard.pipeline._python_image import main; sys.exit(main())"


def install_command(bindir: Path) -> Path:
    """Write the command the injected line runs into ``bindir``; return it."""
    command = bindir / "shipyard-python-image"
    command.write_text(
        # Not `-m`: the package imports this module first, and runpy warns about that.
        f'#!/bin/sh\nexec "{sys.executable}" -c "{_MAIN}" "$@"\n',
        encoding="utf-8",
    )
    command.chmod(0o755)
    return command


def _interpreter(image: str) -> tuple[str, str]:
    """Return the Python to make the environment of, and what the log says about it."""
    from shipyard.pipeline._micromamba import _interpreter as nearest

    version = python_version(image)
    if version:
        return nearest(version)
    base = getattr(sys, "_base_executable", sys.executable)
    here = ".".join(map(str, sys.version_info[:2]))
    return base, f"the image names no Python version: its interpreter is {base} (Python {here})"


def _venv_command(python: str, venv: Path) -> list[str]:
    """Return the command that makes the environment: virtualenv when installed, else venv.

    virtualenv seeds pip from its cache in a second; ``python -m venv`` runs ensurepip, which
    takes several (ten jobs make ten environments).
    """
    import importlib.util

    if importlib.util.find_spec("virtualenv") is not None:
        return [sys.executable, "-m", "virtualenv", "-q", "-p", python, str(venv)]
    return [python, "-m", "venv", str(venv)]


def activate(image: str, envs: Path, job: str) -> str:
    """Make a fresh virtual environment for the job in ``envs``; return the code activating it.

    Raises:
        OSError: ``python -m venv`` failed.
    """
    venv = envs / (re.sub(r"[^\w.-]", "_", job) or "job")
    if venv.exists():
        shutil.rmtree(venv)
    python, note = _interpreter(image)
    print(f"{image}: a stand-in from Shipyard, for `shipyard pipeline run` only (a GitLab runner "
          f"runs this job in the image): a fresh virtual environment in {venv}, activated, so pip "
          f"installs into it and never into this machine's Python; {note}",
          file=sys.stderr, flush=True)  # fmt: skip
    argv = _venv_command(python, venv)
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode:
        msg = f"{' '.join(argv[1:4])} {venv} failed: {done.stderr.strip()[-400:]}"
        raise OSError(msg)
    return f". {shlex.quote(str(venv / 'bin' / 'activate'))}\n"


def main(argv: list[str] | None = None) -> int:
    """``shipyard-python-image IMAGE``: print the shell code activating the job's environment."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: shipyard-python-image IMAGE", file=sys.stderr)
        return 2
    image = os.path.expandvars(args[0])  # GitLab expands the job's variables in image names
    envs = os.environ.get(ENVS_VARIABLE)
    job_dir = Path(os.environ.get("CI_PROJECT_DIR") or Path.cwd())
    try:
        # The job's name (slug), not its id: the same directory, and log line, every run.
        job = os.environ.get("CI_JOB_NAME_SLUG") or os.environ.get("CI_JOB_ID") or str(os.getpid())
        print(activate(image, Path(envs) if envs else job_dir / _VENVS, job), end="")
    except OSError as exc:
        print(f"{image} (stand-in): error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
