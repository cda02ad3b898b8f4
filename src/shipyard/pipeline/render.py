"""Render a project's ``.gitlab-ci.yml``: the seed's build -> test -> publish -> deploy, fixed.

:func:`render_pipeline` reads what the project has (``pyproject.toml``: name, supported Python
versions, console scripts, test extra; ``environment.yml``; ``tests/``; a ``Dockerfile``;
``docs/conf.py``) and returns the pipeline as text, with a comment on every part saying why it is
there and, where the seed (``000``) got something wrong, what was fixed. The quality gates are
chapter 05's jobs (:func:`shipyard.gates.ci.render_jobs`); the image job builds and pushes
chapter 04's image with buildah, which needs no Docker daemon.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from shipyard.errors import InputError, ShipyardError, did_you_mean

__all__ = [
    "CI_VARIABLES",
    "IMAGES",
    "PUBLISH_FROM",
    "RELEASE_TAG",
    "RenderedPipeline",
    "render_pipeline",
    "write_pipeline",
]

#: CI/CD variables the rendered pipeline reads, and what each holds.
CI_VARIABLES = {
    "NEXUS_PYPI_URL": "upload URL of the hosted PyPI repository, ending in / (protected)",
    "NEXUS_PYPI_USERNAME": "the Nexus deploy user (protected)",
    "NEXUS_PYPI_PASSWORD": "its password (protected, masked)",
    "NEXUS_PYPI_GROUP_URL": "the PyPI group (hosted + PyPI proxy) pip installs from, ending in /",
    "NEXUS_CONDA_ALIAS": "where conda channel names resolve: https://<nexus>/repository/",
}
#: The images of the jobs, each a fixed tag (rule CI004).
IMAGES = {
    "micromamba_image": "mambaorg/micromamba:2.3.2",
    "buildah_image": "quay.io/buildah/stable:v1.38.0",
    "release_image": "registry.gitlab.com/gitlab-org/release-cli:v0.18.0",
    "python_image": "python:3.12-slim-bookworm",
}
#: Release tags, as seed 001 names them: ``v-<version>``.
RELEASE_TAG = "$CI_COMMIT_TAG =~ /^v-/"
#: Where publish and deploy run from: the default branch and release tags (seed 000), or tags only.
PUBLISH_FROM = ("default-branch", "tags")
_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
_DEFAULT_BRANCH = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"


@dataclass(frozen=True)
class RenderedPipeline:
    """A rendered ``.gitlab-ci.yml`` and what it was rendered from.

    Attributes:
        text: The file.
        parts: What the project has that the pipeline uses, one line each.
    """

    text: str
    parts: tuple[str, ...]

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return f"```yaml\n{self.text}```"


def _pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = "no pyproject.toml: the pipeline builds the project's wheel from it"
        raise InputError(
            msg, path=path, hint="Run it in the project's root (chapter 02)."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"invalid TOML: {exc}"
        raise InputError(msg, path=path, rule_id="PKG001") from None
    project = data.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("name"), str):
        msg = "no [project] name: the pipeline needs the name of the wheel it builds"
        raise InputError(msg, path=path, hint="Add [project] name = ... (rule PKG004).")
    return project


def _versions(requires: str) -> list[str]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(requires)
    except InvalidSpecifier:
        spec = SpecifierSet()
    versions = [v for v in _PYTHONS if spec.contains(f"{v}.0")]
    return versions[-4:] or ["3.12"]  # the newest four


def _env_python(text: str) -> str | None:
    match = re.search(r"^\s*-\s*python\s*[=<>~ ]=?\s*(\d+\.\d+)", text, re.MULTILINE)
    return match.group(1) if match else None


def _pages(root: Path, name: str, wheel: str, extras: dict[str, Any]) -> tuple[str, list[str]]:
    install = f'pip install "$(ls dist/{wheel}-*.whl)'
    if (root / "docs" / "conf.py").is_file():
        docs = "[docs]" if "docs" in extras else ""
        lines = [install + f'{docs}" sphinx', "sphinx-build -b html docs public"]
        return "the Sphinx site in docs/", lines
    module = name.replace("-", "_").replace(".", "_")
    lines = [install + '" pdoc', f"pdoc --output-directory public {module}"]
    return "the API reference, built by pdoc from the docstrings", lines


def _test_install(wheel: str, extra: str | None) -> str:
    """Return what the test jobs install: the built wheel with its test extra, or pytest."""
    built = f'"$(ls "${{WHEEL_DIR}}"/{wheel}-*.whl)'
    return f'{built}[{extra}]"' if extra else f'{built}" pytest'


def _gate_jobs() -> tuple[str, list[str]]:
    from shipyard.gates import ci as gates_ci

    text = gates_ci.render_jobs(stage="test")
    names = re.findall(r"^(gate:[\w-]+):$", text, re.MULTILINE)
    comment = "# Chapter 05's quality gates: a failing gate stops publish and deploy.\n"
    return comment + text, names


@dataclass(frozen=True)
class _Project:
    """What the pipeline uses of a project."""

    name: str
    wheel: str
    requires: str
    versions: list[str]
    python: str
    extra: str | None
    env_file: str | None
    tests: str
    run: str
    dockerfile: bool
    pages: tuple[str, list[str]]


def _entry_point(meta: dict[str, Any], wheel: str) -> str:
    """Return the command deploy runs: the first console script, or an import of the package."""
    scripts = meta.get("scripts")
    if isinstance(scripts, dict) and scripts:
        return str(next(iter(scripts)))
    return f'python -c "import {wheel}"'


def _environment(root: Path) -> tuple[str | None, str | None]:
    """Return the project's environment file and the Python version it pins, when it has one."""
    for name in ("environment.yml", "environment.yaml"):
        if (root / name).is_file():
            try:
                return name, _env_python((root / name).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                msg = f"cannot read: {exc}"
                hint = "Check the file (chapter 03)."
                raise InputError(msg, path=root / name, hint=hint) from None
    return None, None


def _read_project(root: Path) -> _Project:
    meta = _pyproject(root)
    name = meta["name"]
    wheel = re.sub(r"[-_.]+", "_", name).lower()
    extras = meta.get("optional-dependencies") or {}
    requires = str(meta.get("requires-python", ""))
    versions = _versions(requires)
    env_file, env_python = _environment(root)
    return _Project(
        name=name,
        wheel=wheel,
        requires=requires,
        versions=versions,
        python=env_python or versions[0],
        extra=next((e for e in ("test", "tests", "dev") if e in extras), None),
        env_file=env_file,
        tests="tests" if (root / "tests").is_dir() else "",
        run=_entry_point(meta, wheel),
        dockerfile=(root / "Dockerfile").is_file(),
        pages=_pages(root, name, wheel, extras),
    )


def _values(p: _Project, publish_from: str, left_out: list[str]) -> dict[str, Any]:
    """Return the template's values for a project."""
    gate_jobs, gate_names = _gate_jobs()
    tags_only = publish_from == "tags"
    return {
        **IMAGES,
        "name": p.name,
        "wheel_name": p.wheel,
        "python": p.python,
        "versions": p.versions,
        "left_out": left_out,
        "requires_python": p.requires or "any Python",
        "test_install": _test_install(p.wheel, p.extra),
        "test_tools_text": f"the wheel's `{p.extra}` extra" if p.extra else "installing pytest",
        "env_source": p.env_file or f"python={p.python} (no environment.yml)",
        "env_spec": f"-f {p.env_file}" if p.env_file else f"python={p.python} pip",
        "tests": p.tests,
        "smoke": p.run,
        "run": p.run,
        "gate_jobs": gate_jobs,
        "gate_count": len(gate_names),
        "publish_rules": [RELEASE_TAG] if tags_only else [_DEFAULT_BRANCH, RELEASE_TAG],
        "publish_from_text": "release tags" if tags_only else "the default branch and release tags",
        "publish_needs": ", ".join(["build_wheel", "test", "test:python", *gate_names]),
        "dockerfile": p.dockerfile,
        "tag_rule": RELEASE_TAG,
        "pages_text": p.pages[0],
        "pages_script": p.pages[1],
    }


def _parts(p: _Project, values: dict[str, Any]) -> tuple[str, ...]:
    """Return what the project has that the pipeline uses, one line each."""
    return (
        f"pyproject.toml: wheel {p.wheel}, Python {p.requires or '(any)'}",
        f"test matrix: Python {', '.join(p.versions)}",
        f"environment: {p.env_file or f'none (python={p.python} pip)'}",
        f"tests: {p.tests + '/' if p.tests else f'none, smoke test {p.run!r}'}",
        f"entry point run by deploy: {p.run}",
        f"image job: {'Dockerfile' if p.dockerfile else 'none (no Dockerfile)'}",
        f"pages: {p.pages[0]}",
        f"gates: {values['gate_count']} jobs",
        f"publish from: {values['publish_from_text']}",
    )


def render_pipeline(
    project: Path | str = ".", *, publish_from: str = "default-branch",
    pythons: Collection[str] | None = None,
) -> RenderedPipeline:  # fmt: skip
    """Return the ``.gitlab-ci.yml`` for a project, from what it has.

    Args:
        project: The project directory (its ``pyproject.toml`` is required).
        publish_from: ``default-branch``: publish and deploy from the default branch and from
            release tags (seed 000); ``tags``: from release tags only (seed 001).
        pythons: The Python versions (``3.12``) the project's conda channel provides, when
            known: the test matrix leaves out the others and says so in a comment. ``None``
            (the default) keeps every version ``requires-python`` allows.

    Raises:
        InputError: The project has no readable ``pyproject.toml`` with a ``[project]`` name.
        ShipyardError: ``publish_from`` is not ``default-branch`` or ``tags``.
    """
    if publish_from not in PUBLISH_FROM:
        msg = f"publish_from {publish_from!r} is not one of {', '.join(PUBLISH_FROM)}"
        raise ShipyardError(msg + did_you_mean(publish_from, PUBLISH_FROM))
    found = _read_project(Path(project))
    left_out: list[str] = []
    if pythons is not None:
        left_out = [v for v in found.versions if v not in set(pythons)]
        kept = [v for v in found.versions if v in set(pythons)]
        if not kept:
            msg = (f"the conda channel provides none of Python {', '.join(found.versions)} "
                   f"(it has {', '.join(sorted(pythons)) or 'no python'})")  # fmt: skip
            raise InputError(
                msg,
                path=Path(project) / "pyproject.toml",
                hint="Widen requires-python or use a channel with these Pythons.",
            )
        python = found.python if found.python in kept else kept[0]
        found = dataclasses.replace(found, versions=kept, python=python)
    values = _values(found, publish_from, left_out)
    return RenderedPipeline(_template().render(**values), _parts(found, values))


def _template() -> Any:
    import jinja2

    folder = resources.files("shipyard.pipeline") / "templates"
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda n: (folder / n).read_text(encoding="utf-8")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # nosec B701 - YAML, not HTML
    ).get_template("gitlab-ci.yml.j2")


def write_pipeline(
    project: Path | str = ".", output: Path | str | None = None, *, force: bool = False,
    publish_from: str = "default-branch", pythons: Collection[str] | None = None,
) -> Path:  # fmt: skip
    """Render the pipeline and write it (``<project>/.gitlab-ci.yml`` unless ``output``).

    Raises:
        InputError: The file exists and ``force`` is false (Shipyard does not replace it), or it
            cannot be written.
    """
    target = Path(output) if output else Path(project) / ".gitlab-ci.yml"
    if target.exists() and not force:
        msg = "the file exists; Shipyard does not replace it"
        raise InputError(msg, path=target, hint="Pass --force to replace it, or -o another file.")
    text = render_pipeline(project, publish_from=publish_from, pythons=pythons).text
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"cannot write: {exc.strerror or exc}"
        raise InputError(msg, path=target, hint="Write to a directory that exists.") from None
    return target
