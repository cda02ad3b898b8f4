"""Build an image daemonless, run it with no network, and measure it.

:func:`build_image` is what ``shipyard image build`` runs: buildah builds the project's Dockerfile
(or the rendered reference one), podman runs the image with ``--network none`` to read the user
it runs as and its entry point's output, ``podman image inspect`` gives its size, layers, history
and config (:mod:`shipyard.images.leaks` reads them for secrets); :mod:`shipyard.images.publish`
pushes it. The report holds facts measured on the image, not read from the
Dockerfile's text: a ``USER`` set by a variable or a base image's own user are resolved.

Against the sandbox, base images come from its Docker Hub stand-in and pushes go to its hosted
repository; against the real target, from the machine's registries and to ``repository``.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.config import Secret, Settings
from shipyard.containers import Engine, cache_dir
from shipyard.errors import ConfigError, InputError, ShipyardError, redact
from shipyard.images.leaks import Leak, find_leaks

if TYPE_CHECKING:
    from shipyard.images.dockerfile import Stage
    from shipyard.sandbox import Sandbox

__all__ = ["STAND_IN_PYTHON", "ImageReport", "build_image", "engine_for"]

#: The Python of the sandbox's python:*-slim-bookworm stand-in (Debian bookworm's python3).
STAND_IN_PYTHON = "3.11"
_RUN_TIMEOUT = 30


@dataclass
class ImageReport:
    """What a build produced, measured on the image.

    Attributes:
        image: The local image name.
        dockerfile: The Dockerfile built (as given, or ``<reference uv>`` when rendered).
        uid: The uid ``id -u`` prints in the image; ``None`` when it could not run (see notes).
        user: The ``User`` of the image's config (empty: root by default).
        size_bytes: The image's size, its layers uncompressed.
        base_bytes: The size of the final stage's base image (``None`` when unknown): what the
            Dockerfile adds is ``size_bytes - base_bytes``.
        layers: How many filesystem layers it has.
        command: The entry point and command the image runs.
        exit_code: The entry point's exit status, ``None`` when it was still running (a service).
        output: What the entry point printed (its first lines).
        leaks: Build arguments and secret-like variables found in its history or config.
        pushed: The references pushed, ``registry/repository:tag``.
        digest: The manifest digest pushed, when pushed.
        build_seconds: How long the build took.
        run_seconds: How long the two runs took.
        notes: What the report could not measure, and stand-ins used.
    """

    image: str
    dockerfile: str
    uid: int | None
    user: str
    size_bytes: int
    layers: int
    command: list[str]
    exit_code: int | None
    output: str
    leaks: list[Leak] = field(default_factory=list)
    pushed: list[str] = field(default_factory=list)
    digest: str | None = None
    base_bytes: int | None = None
    build_seconds: float = 0.0
    run_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def size_mb(self) -> float:
        """The size in MB (10^6 bytes), one decimal."""
        return round(self.size_bytes / 1e6, 1)

    def to_dict(self) -> dict[str, object]:
        """Return the report as JSON-ready data (what ``--format json`` prints)."""
        return asdict(self)

    def __repr__(self) -> str:
        return self.text()

    def text(self, *, stable: bool = True) -> str:
        """Return the report as text; ``stable`` shows loopback ports as ``<port>`` (notebooks).

        The command line shows the real references (``stable=False``): they are what to pull.
        """
        from shipyard.runbook import normalise

        leaks = [f"{leak.name} in {leak.where}" for leak in self.leaks] or ["none found"]
        pushed = [normalise(ref) for ref in self.pushed] if stable else self.pushed
        rows = [
            f"image {self.image} (from {self.dockerfile})",
            f"  runs as      {_runs_as(self.uid)} (config User: {self.user or 'unset, root'})",
            f"  size         {self.size_mb} MB in {self.layers} layers{self._over_base()}",
            f"  entry point  {json.dumps(self.command)} -> {self._ran()}",
            *_labelled("leaks", leaks),
            *_labelled("pushed", pushed),
            *[f"  note         {note}" for note in self.notes],
        ]
        return "\n".join(rows)

    def _over_base(self) -> str:
        """Return what the image adds over its base as a suffix (empty: base unknown)."""
        if self.base_bytes is None:
            return ""
        return f" ({round((self.size_bytes - self.base_bytes) / 1e6, 1)} MB over its base)"

    def _ran(self) -> str:
        """Return how the entry point ended, and the first line it printed."""
        if self.exit_code is None:
            ran = "still running after " + f"{_RUN_TIMEOUT} s (a service)"
        else:
            ran = f"exit {self.exit_code}"
        output = self.output.strip().splitlines()[:1]
        return ran + (f": {output[0]}" if output else "")


def _runs_as(uid: int | None) -> str:
    """Return who the image runs as: ``root``, ``uid N`` or ``not measured``."""
    if uid is None:
        return "not measured"
    return "root" if uid == 0 else f"uid {uid}"


def _labelled(label: str, items: Sequence[str]) -> list[str]:
    """Return report rows for ``items``, the first one labelled with ``label``."""
    return [f"  {label if i == 0 else '':<12} {text}" for i, text in enumerate(items)]


def _project_name(context: Path) -> tuple[str, str | None]:
    """Return an image name (from pyproject.toml's name, else the directory) and the version."""
    name, version = context.resolve().name, None
    pyproject = context / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"pyproject.toml is not valid TOML: {exc}", path=pyproject) from exc
        project = data.get("project") or data.get("tool", {}).get("poetry") or {}
        name = str(project.get("name") or name)
        version = project.get("version") if isinstance(project.get("version"), str) else None
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._") or "image", version


def _dockerfile(
    context: Path, dockerfile: Path | str | None, variant: str | None, workdir: Path, sandbox: bool
) -> tuple[Path, str, list[str]]:
    """Return the Dockerfile to build, how to show it, and notes."""
    if variant is not None:
        from shipyard.images.render import render_dockerfile

        python = STAND_IN_PYTHON if sandbox else "3.12"
        text = render_dockerfile(context, variant, python=python)
        path = workdir / f"{variant}.Dockerfile"
        path.write_text(text, encoding="utf-8")
        notes = (
            [
                f"reference Dockerfile rendered with python:{python}-slim-bookworm, the "
                "Python of the sandbox's stand-in base image"
            ]
            if sandbox
            else []
        )
        return path, f"<reference {variant}>", notes
    if dockerfile is None:
        path = context / "Dockerfile"
    else:
        path = Path(dockerfile)
        if not path.is_absolute() and not path.exists():
            path = context / path
    if not path.is_file():
        msg = "no Dockerfile to build"
        hint = "Pass -f DOCKERFILE, or --variant uv|poetry|micromamba to build the reference one."
        raise InputError(msg, path=path, hint=hint)
    return path, path.name if path.parent.resolve() == context.resolve() else str(path), []


def build_image(
    path: Path | str = ".",
    dockerfile: Path | str | None = None,
    *,
    variant: str | None = None,
    build_args: Mapping[str, str | Secret] | None = None,
    tags: Sequence[str] = (),
    push: bool = False,
    repository: str | None = None,
    settings: Settings | None = None,
    sandbox: Sandbox | None = None,
) -> ImageReport:
    """Build an image daemonless, run it with no network, measure it and optionally push it.

    Args:
        path: The build context (the project directory).
        dockerfile: The Dockerfile, relative to the current directory or the context (default
            ``Dockerfile`` in the context).
        variant: Build the rendered reference Dockerfile of this variant instead.
        build_args: ``--build-arg`` values; :class:`~shipyard.config.Secret` values are passed
            to the build and masked everywhere Shipyard shows anything.
        tags: The tags to push (default: the project's version, else ``latest``).
        push: Push the image to ``repository`` under each tag.
        repository: Where to push; against the sandbox, its hosted registry's
            ``shipyard/demo/<name>`` by default.
        settings: The settings (default: read from the current directory).
        sandbox: The sandbox to use (default: the shared one when the target is the sandbox).

    Returns:
        The measured :class:`ImageReport`.

    Raises:
        InputError: No Dockerfile, or a bad pyproject.toml.
        ConfigError: ``push`` without a repository against the real target.
        ShipyardError: A tool is missing (with the install line) or the build failed.
    """
    from shipyard._target import resolve

    context = Path(path)
    if not context.is_dir():
        raise InputError("the build context is not a directory", path=context)
    settings, sandbox = resolve(settings, sandbox)
    args = _reveal(build_args or {})
    name, version = _project_name(context)
    notes = _target_notes(sandbox, push=push, repository=repository)
    engine = engine_for(sandbox, list(args.values()))
    with tempfile.TemporaryDirectory(prefix="shipyard-build-") as tmp:
        file, shown, more = _dockerfile(
            context, dockerfile, variant, Path(tmp), sandbox is not None
        )
        notes[:0] = more
        image = _local_image(name, shown)
        started = time.monotonic()
        engine.run(
            *_buildah_command(file, image, args),
            str(context),
            timeout=1800,
            what=f"buildah bud ({shown})",
        )
        build_seconds = time.monotonic() - started
        report = _measure(engine, image, shown, args, notes)
        report.base_bytes = _base_size(engine, file)
    report.build_seconds = round(build_seconds, 1)
    if push:
        from shipyard.images.publish import push_image

        pushed = push_image(
            report,
            list(tags) or [version or "latest"],
            repository=repository,
            sandbox=sandbox,
            settings=settings,
        )
        report.pushed, report.digest = pushed.references, pushed.digest
    return report


def _reveal(build_args: Mapping[str, str | Secret]) -> dict[str, str]:
    """Return the build arguments as plain strings, secrets revealed (for the build only)."""
    return {
        name: value.reveal() if isinstance(value, Secret) else str(value)
        for name, value in build_args.items()
    }


def _target_notes(sandbox: Sandbox | None, *, push: bool, repository: str | None) -> list[str]:
    """Return the notes the target adds; refuse a push with nowhere to go.

    Raises:
        ConfigError: ``push`` without a repository against the real target.
    """
    if sandbox is not None:
        return [
            "base images from the sandbox's Docker Hub stand-in (built here from "
            "Debian's packages, not the official images)"
        ]
    if push and not repository:
        msg = "nowhere to push: no repository given"
        raise ConfigError(msg, hint="Pass repository= (--repository), e.g. $CI_REGISTRY_IMAGE.")
    return []


def _local_image(name: str, shown: str) -> str:
    """Return the local image name for a project and the Dockerfile shown.

    One local name per project and Dockerfile: a rebuild replaces it, and outputs are stable.
    """
    return f"localhost/shipyard/{name}:" + (
        re.sub(r"[^a-z0-9]+", "-", shown.lower()).strip("-") or "build"
    )


def _buildah_command(file: Path, image: str, args: Mapping[str, str]) -> list[str]:
    """Return the ``buildah bud`` command line, without the context, for ``file``."""
    command = ["buildah", "bud", "--layers", "--isolation", "chroot", "-f", str(file), "-t", image]
    for arg, value in args.items():
        command += ["--build-arg", f"{arg}={value}"]
    return command


def _measure(
    engine: Engine, image: str, shown: str, args: Mapping[str, str], notes: list[str]
) -> ImageReport:
    """Inspect and run the built image, and return its report (``notes`` grows)."""
    data = engine.inspect(image)
    config = data.get("Config") or {}
    history = list(data.get("History") or [])
    command = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    started = time.monotonic()
    uid = _probe_uid(engine, image, notes)
    exit_code, output = _run_command(engine, image, command, notes)
    report = ImageReport(
        image=image,
        dockerfile=shown,
        uid=uid,
        user=str(config.get("User") or ""),
        size_bytes=int(data.get("Size") or 0),
        layers=_layer_count(data),
        command=command,
        exit_code=exit_code,
        output=redact(output, list(args.values())),
        leaks=find_leaks(config, history, args),
        notes=notes,
        run_seconds=round(time.monotonic() - started, 1),
    )
    return report


def _probe_uid(engine: Engine, image: str, notes: list[str]) -> int | None:
    """Return the uid ``id -u`` prints in the image, or ``None`` with a note why not."""
    probe = engine.run(
        "podman",
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "id",
        image,
        "-u",
        check=False,
        timeout=_RUN_TIMEOUT,
    )
    if probe.returncode == 0 and probe.stdout.strip().isdigit():
        return int(probe.stdout.strip())
    notes.append(f"`id -u` did not run in the image: {probe.stderr.strip()[-120:] or 'no id'}")
    return None


def _run_command(
    engine: Engine, image: str, command: list[str], notes: list[str]
) -> tuple[int | None, str]:
    """Run the image's command if it has one; else note that it has none."""
    if not command:
        notes.append("the image has no entry point or command")
        return None, ""
    return _run_entrypoint(engine, image)


def _layer_count(data: dict) -> int:
    """Return how many filesystem layers ``podman image inspect`` data lists."""
    rootfs = data.get("RootFS") or {}
    return len(rootfs.get("Layers") or [])


def _base_size(engine: Engine, dockerfile: Path) -> int | None:
    """Return the size of the image the final stage starts from, as pulled for the build."""
    stage = _final_base(dockerfile)
    if stage is None:
        return None
    if stage.image == "scratch":
        return 0
    if not stage.image or not engine.exists(stage.image):
        return None
    return int(engine.inspect(stage.image).get("Size") or 0)


def _final_base(dockerfile: Path) -> Stage | None:
    """Return the stage the final stage derives from (itself, or an earlier one it names).

    ``None`` when the Dockerfile cannot be read or parsed, or has no stage.
    """
    from shipyard.images.dockerfile import parse

    try:
        stages = parse(dockerfile.read_text(encoding="utf-8"), dockerfile).stages
    except (InputError, UnicodeDecodeError, OSError):
        return None
    stage = stages[-1] if stages else None
    while stage is not None and stage.parent is not None:
        stage = stages[stage.parent]
    return stage


def _run_entrypoint(engine: Engine, image: str) -> tuple[int | None, str]:
    """Run the image's own command with no network; a service still running is stopped."""
    name = f"shipyard-run-{secrets.token_hex(4)}"
    try:
        result = engine.run(
            "podman",
            "run",
            "--rm",
            "--name",
            name,
            "--network",
            "none",
            image,
            check=False,
            timeout=_RUN_TIMEOUT,
        )
    except ShipyardError:  # a timeout: the command is a long-running service
        engine.run("podman", "rm", "-f", name, check=False)
        return None, ""
    return result.returncode, (result.stdout + result.stderr)[-2000:]


def engine_for(
    sandbox: Sandbox | None, secrets_: Sequence[str] = (), base_images: bool = True
) -> Engine:
    """Return the engine for a target: the sandbox's mirror and config, or the machine's."""
    if sandbox is None:
        return Engine(cache_dir() / "containers", secrets=secrets_)
    registry = sandbox.start_registry(base_images=base_images)
    return Engine(
        sandbox.state_dir / "registry" / "containers", mirror=registry.mirror(), secrets=secrets_
    )
