"""Render the reference Dockerfile and .dockerignore of a project from Shipyard's templates.

The templates live in ``shipyard/images/templates`` (Jinja): ``uv.Dockerfile.j2``,
``poetry.Dockerfile.j2``, ``micromamba.Dockerfile.j2`` and ``dockerignore.j2``. What they need
from the project (its name and command) is read from its ``pyproject.toml``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from shipyard.errors import InputError, ShipyardError, did_you_mean

__all__ = ["DEFAULTS", "VARIANTS", "render", "render_dockerfile", "render_dockerignore"]

VARIANTS = ("uv", "poetry", "micromamba")
#: Versions the templates pin; pass others to :func:`render_dockerfile`.
DEFAULTS = {
    "python": "3.12",
    "uv_image": "ghcr.io/astral-sh/uv:0.13.8",
    "poetry_version": "2.5.1",
    "micromamba_image": "mambaorg/micromamba:2.3.2",
    "uid": 10001,
    "health_path": "/health",
}


def _environment():  # noqa: ANN202 - jinja2 is imported lazily
    import jinja2

    folder = resources.files("shipyard.images") / "templates"

    def load(name: str) -> str:
        return (folder / name).read_text(encoding="utf-8")

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # nosec B701 - Dockerfiles, not HTML: escaping would corrupt them
    )


def _project(root: Path) -> tuple[str, list[str]]:
    """Return the project's name and the command the image runs, from its pyproject.toml."""
    from shipyard.packaging import load_pyproject, table

    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        msg = "no pyproject.toml: Shipyard renders the image of a Python project"
        raise InputError(msg, path=root, hint="Run `shipyard image render` in the project's root.")
    pp = load_pyproject(pyproject)
    name = pp.project.get("name") or pp.poetry.get("name")
    if not isinstance(name, str) or not name:
        msg = "the project has no name ([project] name)"
        raise InputError(msg, path=pyproject, line=pp.line("project"), hint="Add `name`.")
    scripts = pp.project.get("scripts") or table(pp.data, "tool", "poetry", "scripts")
    if isinstance(scripts, dict) and scripts:
        return name, [sorted(scripts)[0]]
    module = re.sub(r"[-.]+", "_", name).lower()
    return name, ["python", "-m", module]


def render_dockerfile(
    project: Path | str,
    variant: str = "uv",
    *,
    port: int | None = None,
    python: str = DEFAULTS["python"],
    command: list[str] | None = None,
    **versions: object,
) -> str:
    """Return the reference multi-stage Dockerfile for a project.

    Args:
        project: The project directory (its pyproject.toml names the project and its command).
        variant: ``uv``, ``poetry`` (the environment built from the lock file) or ``micromamba``
            (from environment.yml, plus the project's wheel from ``dist/``).
        port: The port a service listens on: adds ``EXPOSE`` and a ``HEALTHCHECK``. ``None``
            for a command-line or batch image.
        python: The Python version of the ``python:<version>-slim-bookworm`` base image.
        command: The command the image runs; the first ``[project.scripts]`` entry by default.
        **versions: Other pinned versions than the templates' (``uv_image``,
            ``poetry_version``, ``micromamba_image``), a ``uid`` or a ``health_path``.

    Raises:
        InputError: The project has no readable pyproject.toml or no name.
        ShipyardError: The variant is unknown.
    """
    if variant not in VARIANTS:
        msg = f"unknown image variant {variant!r}{did_you_mean(variant, VARIANTS)}"
        raise ShipyardError(msg, hint=f"Choose one of: {', '.join(VARIANTS)}.")
    unknown = set(versions) - set(DEFAULTS)
    if unknown:
        msg = f"unknown template setting {sorted(unknown)[0]!r}"
        raise ShipyardError(msg, hint=f"Settings: {', '.join(DEFAULTS)}.")
    name, default_command = _project(Path(project))
    values = {**DEFAULTS, **versions}
    return (
        _environment()
        .get_template(f"{variant}.Dockerfile.j2")
        .render(
            name=name,
            python_image=f"python:{python}-slim-bookworm",
            port=port,
            command=json.dumps(command or default_command),
            **{k: v for k, v in values.items() if k != "python"},
        )
    )


def render_dockerignore(variant: str = "uv") -> str:
    """Return the reference ``.dockerignore`` for a variant (micromamba keeps ``dist/*.whl``)."""
    if variant not in VARIANTS:
        msg = f"unknown image variant {variant!r}{did_you_mean(variant, VARIANTS)}"
        raise ShipyardError(msg, hint=f"Choose one of: {', '.join(VARIANTS)}.")
    return _environment().get_template("dockerignore.j2").render(variant=variant)


def render(
    project: Path | str,
    variant: str = "uv",
    *,
    force: bool = False,
    port: int | None = None,
    python: str = DEFAULTS["python"],
    command: list[str] | None = None,
    **versions: object,
) -> list[Path]:
    """Write the reference ``Dockerfile`` and ``.dockerignore`` into a project.

    Args:
        project: The project directory.
        variant: See :func:`render_dockerfile`.
        force: Replace files that exist; without it an existing file is an error.
        port: See :func:`render_dockerfile`.
        python: See :func:`render_dockerfile`.
        command: See :func:`render_dockerfile`.
        **versions: Passed to :func:`render_dockerfile` (``uv_image``, ``uid``, ...).

    Returns:
        The files written.

    Raises:
        InputError: A file exists and ``force`` is false (nothing is written then).
    """
    root = Path(project)
    texts = {
        root / "Dockerfile": render_dockerfile(
            root, variant, port=port, python=python, command=command, **versions
        ),
        root / ".dockerignore": render_dockerignore(variant),
    }
    existing = [path for path in texts if path.exists()]
    if existing and not force:
        msg = "the file exists; Shipyard does not replace it"
        raise InputError(msg, path=existing[0], hint="Pass --force (force=True) to replace it.")
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
    return list(texts)
