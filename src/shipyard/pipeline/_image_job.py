"""The image job of a local run: this machine's buildah, pushing to the sandbox's registry.

On GitLab the image job runs buildah in its image (``quay.io/buildah/stable``) and pushes to the
project's container registry with the variables GitLab predefines in every job: ``CI_REGISTRY``,
``CI_REGISTRY_IMAGE``, ``CI_REGISTRY_USER`` and ``CI_REGISTRY_PASSWORD``, a token valid for the
job. The shell executor has no container, so :func:`adapt_image_jobs` gives such a job what its
image and GitLab would, and says so in its log:

- this machine's buildah (Debian's package) stands in for the image's;
- ``CI_REGISTRY`` is the sandbox's hosted registry, ``CI_REGISTRY_IMAGE`` the project's path in
  it, ``CI_REGISTRY_USER`` ``gitlab-ci-token`` and ``CI_REGISTRY_PASSWORD`` a token made for the
  run, masked in every log like every secret;
- buildah's storage, ``containers.conf``, ``registries.conf``, credentials (``REGISTRY_AUTH_FILE``)
  and temporary files (``TMPDIR``: its ``RUN --mount=type=cache`` directories too) live in the
  run's temporary directory: never this machine's storage or the user's configuration;
- ``registries.conf`` sends ``docker.io`` and ``ghcr.io`` to the sandbox's Docker Hub stand-in,
  as a Nexus Docker proxy serves them; the registries speak plain HTTP on loopback, so
  ``buildah login`` gets ``--tls-verify=false`` (pull and push read ``insecure`` there).

A job whose Dockerfile pulls an image the Docker Hub stand-in does not hold (the micromamba base,
a Python newer than Debian's) is not run, and the run says which image, before anything runs.
The sandbox's registry does not check credentials: a wrong ``CI_REGISTRY_PASSWORD`` is not
refused here as GitLab's registry refuses it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.config import Secret
from shipyard.errors import ConfigError, ShipyardError, redact

if TYPE_CHECKING:
    from shipyard.config import Settings
    from shipyard.pipeline._prepare import PipelineTarget
    from shipyard.sandbox import Sandbox

__all__ = [
    "RegistryAccess",
    "adapt_image_jobs",
    "image_jobs_here",
    "pushed_tags",
    "run_pushed_image",
]

#: The project's path, as gitlab-ci-local reads it from the run's copy (its ``origin``).
PROJECT_PATH = "shipyard/demo"
REGISTRY_USER = "gitlab-ci-token"
_STORAGE_CONF = """\
# Written by Shipyard for one pipeline run: buildah's images stay in the run's directory.
[storage]
driver = "{driver}"
graphroot = "{root}/storage"
runroot = "{root}/run"
"""
_CONTAINERS_CONF = """\
# Written by Shipyard: podman and buildah in an unprivileged container (a CI job, this machine).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
"""
_LOGIN = re.compile(r"\b((?:buildah|podman) login)\b(?![^;&|]*--tls-verify)")


@dataclass(frozen=True)
class RegistryAccess:
    """What an image job gets in a local run: the registry variables and buildah's files.

    Attributes:
        registry: ``CI_REGISTRY``, the sandbox's hosted registry (``127.0.0.1:PORT``).
        image: ``CI_REGISTRY_IMAGE``, the project's repository in it.
        password: ``CI_REGISTRY_PASSWORD``, a token made for the run.
        env: The variables that keep buildah in the run's directory.
    """

    registry: str
    image: str
    password: Secret = field(repr=False)
    env: dict[str, str] = field(default_factory=dict)

    def variables(self) -> dict[str, str]:
        """Return the ``CI_REGISTRY*`` variables as GitLab predefines them in a job."""
        return {"CI_REGISTRY": self.registry, "CI_REGISTRY_IMAGE": self.image,
                "CI_REGISTRY_USER": REGISTRY_USER,
                "CI_REGISTRY_PASSWORD": self.password.reveal()}  # fmt: skip


def ignore_predefined(args: list[str], access: RegistryAccess | None) -> list[str]:
    """Return gitlab-ci-local's arguments, the registry's variables added to those it keeps.

    gitlab-ci-local predefines ``CI_REGISTRY`` (``local-registry.<host>``) and
    ``CI_REGISTRY_IMAGE``, and warns when a variable replaces them; here the sandbox's registry
    replaces them on purpose (``--ignore-predefined-vars``). Unchanged without an image job.
    """
    if access is None:
        return args
    names, flag = "CI_REGISTRY,CI_REGISTRY_IMAGE", "--ignore-predefined-vars"
    if flag not in args[:-1]:
        return [*args, flag, names]
    index = args.index(flag) + 1
    return [*args[:index], f"{args[index]},{names}", *args[index + 1 :]]


def with_registry(
    target: PipelineTarget, access: RegistryAccess | None
) -> tuple[PipelineTarget, dict[str, str]]:
    """Return the target with the registry password masked too, and every variable a job gets."""
    if access is None:
        return target, dict(target.variables)
    masked = dataclasses.replace(target, masked=(*target.masked, access.password))
    return masked, {**target.variables, **access.variables()}


def _job_token() -> str:
    """Return a token for ``CI_REGISTRY_PASSWORD``, new for each run (GitLab's is per job)."""
    return f"glcbt-{secrets.token_urlsafe(24)}"


def isolation(root: Path, mirror: Any) -> dict[str, str]:
    """Write buildah's configuration under ``root`` and return the variables that select it.

    Args:
        root: A directory of the run (created).
        mirror: The :class:`~shipyard.containers.Mirror` of the sandbox's registry.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    files = {"containers.conf": _CONTAINERS_CONF, "registries.conf": mirror.registries_conf()}
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    driver = storage_driver(root)
    # No credentials yet (buildah login adds them); a missing file is an error to buildah push.
    auth = root / "auth.json"
    auth.touch(mode=0o600)
    auth.write_text('{"auths": {}}\n', encoding="utf-8")
    return {"CONTAINERS_CONF": str(root / "containers.conf"),
            "CONTAINERS_REGISTRIES_CONF": str(root / "registries.conf"),
            "CONTAINERS_STORAGE_CONF": str(root / "storage.conf"),
            "REGISTRY_AUTH_FILE": str(root / "auth.json"), "TMPDIR": str(root / "tmp"),
            "STORAGE_DRIVER": driver}  # fmt: skip


def storage_driver(root: Path) -> str:
    """Choose buildah's storage driver for the run, write its ``storage.conf``, return the name.

    The rendered job asks for ``vfs`` (``STORAGE_DRIVER``), the driver that works in any
    unprivileged runner container; it copies the whole file system at every step, about 7
    times slower than ``overlay`` for the sample's image here (85 s against 12 s). A local run
    uses ``overlay`` where this machine's kernel and file system take it, and ``vfs`` where not;
    the image is the same.
    """
    conf = root / "storage.conf"
    for driver in ("overlay", "vfs"):
        conf.write_text(_STORAGE_CONF.format(driver=driver, root=root), encoding="utf-8")
        if driver == "vfs" or _driver_works(conf, driver):
            return driver
    return "vfs"  # pragma: no cover - the loop returns


def _driver_works(conf: Path, driver: str) -> bool:
    """Return whether buildah opens a storage with ``driver`` (a second; never raises)."""
    env = {**os.environ, "CONTAINERS_STORAGE_CONF": str(conf), "STORAGE_DRIVER": driver}
    command = ["buildah", "info", "--format", "{{.store.GraphDriverName}}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=30,
                              check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == driver


# -- which images a job's build pulls ---------------------------------------------------------


def build_dockerfile(script: Iterable[str], project: Path) -> Path | None:
    """Return the Dockerfile a job's ``buildah build`` (or ``bud``) reads, ``None`` if unknown.

    ``-f``/``--file`` when given, else ``Dockerfile`` (or ``Containerfile``) in the project's
    directory; a path made of variables cannot be told before the job runs.
    """
    for line in script:
        words = _words(str(line))
        for index, word in enumerate(words[:-1]):
            if word == "buildah" and words[index + 1] in ("build", "bud"):
                return _file_of(words[index + 2 :], project)
    return None


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def _file_of(args: list[str], project: Path) -> Path | None:
    named = None
    for index, arg in enumerate(args):
        if arg in ("-f", "--file") and index + 1 < len(args):
            named = args[index + 1]
        elif arg.startswith("--file="):
            named = arg.removeprefix("--file=")
    if named is not None:
        return None if "$" in named else project / named
    found = [project / n for n in ("Dockerfile", "Containerfile") if (project / n).is_file()]
    return found[0] if found else None


def pulled_bases(dockerfile: Path) -> list[str]:
    """Return the images a Dockerfile's build pulls, fully qualified (``docker.io/library/...``).

    Raises:
        InputError: The Dockerfile cannot be read or parsed.
    """
    from shipyard.images.dockerfile import parse
    from shipyard.images.facts import pulled_images

    found: list[str] = []
    for what, image, missing, _line in pulled_images(parse(dockerfile.read_bytes(), dockerfile)):
        name = qualified(image) if image and not missing else f"{what} (no value for ${missing[0]})"
        if image != "scratch" and name not in found:
            found.append(name)
    return found


def qualified(image: str) -> str:
    """Return an image's full name: ``python:3.11`` is ``docker.io/library/python:3.11``."""
    from shipyard.images.dockerfile import parse_image

    ref = parse_image(image)
    name = f"{ref.registry or 'docker.io'}/{ref.repository}"
    if ref.tag or not ref.digest:
        name += f":{ref.tag or 'latest'}"
    return f"{name}@{ref.digest}" if ref.digest else name


def missing_bases(bases: Iterable[str], held: Iterable[str]) -> str | None:
    """Return why a build cannot run here: the first image the Docker Hub stand-in lacks."""
    from shipyard.sandbox._registry import NOT_BUILT

    held = set(held)
    for base in bases:
        if base not in held:
            why = f" ({NOT_BUILT[base]})" if base in NOT_BUILT else ""
            return f"{base} is not in the Docker Hub stand-in{why}"
    return None


# -- the adaptation ---------------------------------------------------------------------------


def _is_image_job(image: str) -> bool:
    return "buildah" in image


def _script(job: dict[str, Any]) -> list[str]:
    script = job.get("script") or []
    return [script] if isinstance(script, str) else [str(line) for line in script]


def notice(image: str, version: str, driver: str = "vfs") -> str:
    """Return the line every adapted job prints first: what stands in for what."""
    return (f"Shipyard: the image {image} is stood in for by {version} of this machine, "
            f"with its storage (driver {driver}), registries.conf and credentials in the "
            "temporary directory of the run; CI_REGISTRY is the registry of the sandbox, base "
            "images come from its "
            "Docker Hub stand-in, and buildah login gets --tls-verify=false (plain HTTP on "
            "loopback)")  # fmt: skip


def adapt_job(job: dict[str, Any], image: str, version: str, env: dict[str, str]) -> None:
    """Make one image job run here: the notice first, buildah's files, ``login`` over HTTP."""
    script = [_LOGIN.sub(r"\1 --tls-verify=false", line) for line in _script(job)]
    driver = env.get("STORAGE_DRIVER", "vfs")
    job["script"] = [f"echo {shlex.quote(notice(image, version, driver))}", *script]
    variables = job.get("variables")
    job["variables"] = {**(variables if isinstance(variables, dict) else {}), **env}


def _buildah_version() -> str:
    done = subprocess.run(["buildah", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
    words = done.stdout.split()
    return f"buildah {words[2]}" if len(words) > 2 and done.returncode == 0 else "buildah"


def _unrunnable(sandbox: Sandbox | None) -> str | None:
    """Return why no image job can run against this target, ``None`` when they can."""
    from shipyard.containers import APT_PACKAGES, missing_tools

    if sandbox is None:
        return ("the target is not the sandbox: a local run pushes images only to the "
                "sandbox's registry, never to the project's (CI_REGISTRY)")  # fmt: skip
    missing = missing_tools()
    if missing:
        return (f"{', '.join(missing)} not installed here "
                f"(apt-get install {' '.join(APT_PACKAGES)})")  # fmt: skip
    return None


def adapt_image_jobs(
    data: dict[str, Any], images: dict[str, str], project: Path, sandbox: Sandbox | None,
    root: Path,
) -> tuple[list[tuple[str, str]], RegistryAccess | None]:  # fmt: skip
    """Adapt the pipeline's image jobs in place; return those that cannot run, and the access.

    Args:
        data: The pipeline's top-level mapping (changed in place).
        images: Each job's image (its own, inherited or the default).
        project: The project's directory (its Dockerfile says which base images are pulled).
        sandbox: The sandbox, ``None`` for a real target (then no image job runs).
        root: A private directory of the run for buildah's files.

    Returns:
        The image jobs not to run, each with why (the caller drops them), and what the others
        get, ``None`` when no image job runs.
    """
    jobs = [name for name, image in images.items() if _is_image_job(image)]
    why = _unrunnable(sandbox)
    if why is not None or sandbox is None:
        return [(name, why or "") for name in jobs], None
    dropped, runnable = _split(data, jobs, project)
    if not runnable:
        return dropped, None
    lacking, access = _with_registry(data, images, runnable, sandbox, root)
    return dropped + lacking, access


def _split(
    data: dict[str, Any], jobs: list[str], project: Path
) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """Return the jobs whose build pulls an image the stand-in can never hold, and the others.

    Said before anything starts, never after a build that fails minutes later.
    """
    from shipyard.sandbox._registry import STAND_INS

    bases = {name: _bases(data[name], project) for name in jobs}
    dropped = _lacking(bases, [s.name for s in STAND_INS])
    return dropped, {name: bases[name] for name in jobs if name not in dict(dropped)}


def _with_registry(
    data: dict[str, Any], images: dict[str, str], runnable: dict[str, list[str]],
    sandbox: Sandbox, root: Path,
) -> tuple[list[tuple[str, str]], RegistryAccess | None]:  # fmt: skip
    """Start the sandbox's registry and adapt the jobs whose base images it holds."""
    from shipyard.sandbox._registry import STAND_INS

    try:
        registry = sandbox.start_registry()
    except ShipyardError as error:
        return [(n, f"the sandbox's registry did not start: {error}") for n in runnable], None
    # Then what the stand-in really holds (a cache emptied since the registry started).
    lacking = _lacking(runnable, [s.name for s in STAND_INS if registry.has(registry.hub, s.path)])
    access = RegistryAccess(registry.hosted, f"{registry.hosted}/{PROJECT_PATH}",
                            Secret(_job_token(), "CI_REGISTRY_PASSWORD"),
                            isolation(root, registry.mirror()))  # fmt: skip
    version = _buildah_version()
    for name in [name for name in runnable if name not in dict(lacking)]:
        adapt_job(data[name], images[name], version, access.env)
    return lacking, access


def _lacking(bases: dict[str, list[str]], held: list[str]) -> list[tuple[str, str]]:
    """Return the jobs whose build pulls an image not in ``held``, each with the image."""
    found = ((name, missing_bases(images, held)) for name, images in bases.items())
    return [(name, why) for name, why in found if why]


def image_jobs_here(
    pipeline: str, project: Path, root: Path, *, settings: Settings | None = None,
    sandbox: Sandbox | None = None,
) -> tuple[str, tuple[tuple[str, str], ...], RegistryAccess | None]:  # fmt: skip
    """Return the pipeline with its image jobs made to run here, those that cannot, the access.

    The jobs that cannot run are dropped, and the others' ``needs`` on them; a pipeline this
    cannot read is returned as it is. The target (the sandbox, or
    the real one) is resolved only when the pipeline has an image job.
    """
    import yaml

    from shipyard import _target
    from shipyard.pipeline import run
    from shipyard.pipeline._python_image import _image_name, _jobs, _through_extends, resolved

    data = run._load_pipeline(pipeline)
    if data is None:
        return pipeline, (), None
    images = {name: _image_name(resolved(data, name, "image")[1]) for name in _jobs(data)
              if _through_extends(data, name, "script")[0]}  # fmt: skip
    if not any(_is_image_job(image) for image in images.values()):
        return pipeline, (), None
    sandbox = _target.resolve(settings, sandbox)[1]
    dropped, access = adapt_image_jobs(data, images, project, sandbox, root)
    run.drop_jobs(data, {name for name, _ in dropped})
    return yaml.safe_dump(data, sort_keys=False, width=1000), tuple(dropped), access


def _bases(job: dict[str, Any], project: Path) -> list[str]:
    """Return the base images of the job's build; none known when its Dockerfile is not."""
    dockerfile = build_dockerfile(_script(job), project)
    if dockerfile is None or not dockerfile.is_file():
        return []
    return pulled_bases(dockerfile)


# -- after the run ----------------------------------------------------------------------------


def _registry(sandbox: Sandbox | None) -> Any:
    from shipyard import _target

    _settings, sandbox = _target.resolve(None, sandbox)
    if sandbox is None or sandbox.registry is None:
        msg = "the sandbox's registry is not running: no image was pushed to it"
        raise ConfigError(msg, hint="Run the pipeline with an image job first (run_pipeline).")
    return sandbox.registry


def pushed_tags(repository: str = PROJECT_PATH, *, sandbox: Sandbox | None = None) -> list[str]:
    """Return the tags of a repository of the sandbox's hosted registry (``skopeo list-tags``).

    Args:
        repository: The repository: the project's (``CI_REGISTRY_IMAGE``) by default.
        sandbox: The sandbox the run used (default: this process's shared one).

    Raises:
        ConfigError: The sandbox's registry is not running.
        ShipyardError: skopeo failed.
    """
    registry = _registry(sandbox)
    done = subprocess.run(  # noqa: S603 - fixed command, loopback registry
        ["skopeo", "list-tags", "--tls-verify=false",  # noqa: S607
         f"docker://{registry.hosted}/{repository}"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    if done.returncode and "404" in done.stderr + done.stdout:
        return []
    if done.returncode:
        msg = f"skopeo list-tags failed: {redact(done.stderr.strip()[-300:])}"
        raise ShipyardError(msg, hint="Is skopeo installed (apt-get install skopeo)?")
    return sorted(json.loads(done.stdout).get("Tags") or [])


def run_pushed_image(
    tag: str, repository: str = PROJECT_PATH, *, sandbox: Sandbox | None = None
) -> str:
    """Pull a pushed image into a temporary storage and run it with no network; return its output.

    Raises:
        ConfigError: The sandbox's registry is not running.
        ShipyardError: The pull or the run failed (the image's last lines say why).
    """
    from shipyard.containers import Engine

    registry = _registry(sandbox)
    reference = f"{registry.hosted}/{repository}:{tag}"
    tmp = Path(tempfile.mkdtemp(prefix="shipyard-image-"))
    try:
        engine = Engine(tmp / "engine", mirror=registry.mirror())
        engine.env.update(isolation(tmp / "containers", registry.mirror()))
        done = engine.run("podman", "run", "--rm", "--network", "none", "--tls-verify=false",
                          reference, what=f"podman run {reference}")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done.stdout
