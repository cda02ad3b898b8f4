"""PKG: pyproject.toml rules — a project that builds, installs and says what it is.

Each rule's check takes a :class:`shipyard.packaging.Pyproject` and yields a
:class:`~shipyard.rules.Hit` per problem. Checks never trust a value's type: a wrong type is the
schema rule's finding (PKG011), not a crash here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from shipyard.errors import did_you_mean
from shipyard.packaging import Pyproject, table
from shipyard.rules import Hit, external, rule

__all__ = ["BACKENDS"]

# Distribution -> the backend objects it provides. Used to tell a typo from an unknown backend.
BACKENDS = {
    "hatchling": ("hatchling.build", "hatchling.ouroboros"),
    "setuptools": ("setuptools.build_meta", "setuptools.build_meta:__legacy__"),
    "poetry-core": ("poetry.core.masonry.api",),
    "poetry": ("poetry.masonry.api",),
    "flit-core": ("flit_core.buildapi",),
    "pdm-backend": ("pdm.backend",),
    "maturin": ("maturin",),
    "scikit-build-core": ("scikit_build_core.build",),
    "meson-python": ("mesonpy",),
    "uv-build": ("uv_build",),
}
# Backends that build extension modules: a script's module may only exist after the build.
_COMPILING = {"maturin", "scikit_build_core.build", "mesonpy"}
_OBJECT_REF = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)?$")


def _requirement_names(requires: list[str]) -> set[str]:
    names = set()
    for text in requires:
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    return names


def _metadata_in_poetry(pp: Pyproject) -> bool:
    return "project" not in pp.data and "name" in pp.poetry


def _declared(pp: Pyproject, key: str) -> bool:
    """Tell whether ``[project]`` sets ``key`` or leaves it to the backend through ``dynamic``."""
    dynamic = pp.project.get("dynamic")
    return key in pp.project or (isinstance(dynamic, list) and key in dynamic)


external(
    "PKG001",
    "pyproject.toml is valid TOML",
    "error",
    why="""
        Every tool that builds, installs or checks the project reads pyproject.toml first; a syntax
        error stops them all, often with a message that does not name the file. Shipyard stops here
        too: it reports the line and column and exits with status 2.
    """,
    bad="""
        [tool.poetry]
        homepage = ""https://gitlab.com/gitlab/my-lib"
    """,
    good="""
        [tool.poetry]
        homepage = "https://gitlab.com/gitlab/my-lib"
    """,
    fix="Correct the syntax at the reported line and column (here: one quote too many).",
    language="text",
    checked_by="reader",
)


@rule(
    "PKG002",
    "Declares its build system",
    "error",
    why="""
        `[build-system]` tells pip and `python -m build` which backend builds the wheel. Without it,
        or without `build-backend`, pip falls back to setuptools' legacy path, which ignores the
        `[project]` table of a hatchling project and builds a wrong wheel, or fails.
    """,
    bad="""
        [project]
        name = "my_app"
    """,
    good="""
        [build-system]
        requires = ["hatchling>=1.25"]
        build-backend = "hatchling.build"
    """,
    fix="Add a `[build-system]` table with `requires` and `build-backend`; hatchling needs no "
    "other configuration for a package directory named after the project.",
)
def build_system_declared(pp: Pyproject) -> Iterator[Hit]:
    """Require ``[build-system]`` with ``requires`` and ``build-backend``."""
    if "build-system" not in pp.data:
        yield Hit("no [build-system] table: pip will fall back to setuptools' legacy build")
        return
    for key in ("requires", "build-backend"):
        if key not in pp.build_system:
            yield Hit(f"[build-system] has no {key!r}", pp.line("build-system"))


@rule(
    "PKG003",
    "Its build backend comes from its build requirements",
    "error",
    requires=("PKG002",),
    why="""
        The build runs in an isolated environment holding only `[build-system] requires`. A backend
        that no requirement provides, or a misspelt one, fails every build with an import error.
        `poetry.masonry.api` belongs to the full Poetry application; `poetry-core` is the backend.
    """,
    bad="""
        [build-system]
        requires = ["poetry-core>=2"]
        build-backend = "poetry.masonry.api"
    """,
    good="""
        [build-system]
        requires = ["poetry-core>=2"]
        build-backend = "poetry.core.masonry.api"
    """,
    fix="Name the backend object its distribution documents, and list that distribution in "
    "`requires`.",
)
def backend_importable(pp: Pyproject) -> Iterator[Hit]:
    """Match ``build-backend`` against the distributions ``requires`` lists."""
    backend, line = pp.backend, pp.line("build-system", "build-backend")
    if not backend or "backend-path" in pp.build_system:
        return  # PKG002 reports a missing backend; an in-tree backend is the project's own.
    problem = _backend_problem(backend, pp.requires)
    if problem:
        yield Hit(problem, line)


def _backend_problem(backend: str, requires: list[str]) -> str:
    """Return why no build requirement provides ``backend``, or ``""``."""
    if not _OBJECT_REF.match(backend):
        return f"build-backend {backend!r} is not an importable name like 'package.module'"
    if backend == "poetry.masonry.api":
        return (
            "build-backend 'poetry.masonry.api' needs the whole Poetry application; "
            "use 'poetry.core.masonry.api' with requires = [\"poetry-core>=2\"]"
        )
    names = _requirement_names(requires)
    providers = [dist for dist, objects in BACKENDS.items() if backend in objects]
    if not providers:
        return _unknown_backend_problem(backend, names)
    if names.intersection(providers):
        return ""
    return (
        f"build-backend {backend!r} comes from {providers[0]!r}, "
        "which [build-system] requires does not list"
    )


def _unknown_backend_problem(backend: str, names: set[str]) -> str:
    """Return why a backend no known distribution provides is wrong, or ``""``."""
    top = backend.split(":")[0].split(".")[0]
    for dist, objects in BACKENDS.items():
        if dist in names and any(obj.split(".")[0] == top for obj in objects):
            shown = " or ".join(repr(obj) for obj in objects)
            return f"{dist!r} provides {shown}, not {backend!r}" + did_you_mean(backend, objects)
    if canonicalize_name(top) in names:
        return ""  # A backend Shipyard does not know, provided by a requirement of its name.
    known = [obj for objects in BACKENDS.values() for obj in objects]
    return (
        f"no build requirement provides a module {top!r} for build-backend {backend!r}"
        + did_you_mean(backend, known)
    )


@rule(
    "PKG004",
    "Names the project in [project]",
    "error",
    why="""
        The name is the distribution's identity on the index: what `pip install` asks Nexus for,
        and, with hatchling's zero configuration, the directory the wheel ships.
    """,
    bad="""
        [project]
        version = "1.0.0"
    """,
    good="""
        [project]
        name = "my_app"
        version = "1.0.0"
    """,
    fix="Add `name` to `[project]`.",
)
def name_declared(pp: Pyproject) -> Iterator[Hit]:
    """Require ``[project].name`` (a Poetry 1 project names itself in ``[tool.poetry]``)."""
    if _metadata_in_poetry(pp):
        return
    if "project" not in pp.data:
        yield Hit("no [project] table: the project has no name, version or dependencies")
    elif "name" not in pp.project:
        yield Hit("[project] has no 'name'", pp.line("project"))


def _version_source_problem(pp: Pyproject) -> str:
    names = _requirement_names(pp.requires)
    if pp.backend == "hatchling.build":
        return _hatch_version_problem(pp, names)
    if pp.backend.startswith("setuptools.build_meta"):
        dynamic = table(pp.data, "tool", "setuptools", "dynamic")
        # A setup.py passes the version to setup() itself, which fills a dynamic version.
        if (
            "version" not in dynamic
            and "setuptools-scm" not in names
            and not (pp.root / "setup.py").is_file()
        ):
            return "setuptools needs [tool.setuptools.dynamic] version or setuptools-scm"
    if pp.backend == "pdm.backend" and not table(pp.data, "tool", "pdm", "version"):
        return "pdm-backend needs a [tool.pdm.version] table to find a dynamic version"
    return ""


def _hatch_version_problem(pp: Pyproject, names: set[str]) -> str:
    """Return why hatchling cannot find a dynamic version, or ``""``."""
    source = table(pp.data, "tool", "hatch", "version")
    if not source:
        return "hatchling needs a [tool.hatch.version] table to find a dynamic version"
    if source.get("source") == "vcs" and "hatch-vcs" not in names:
        return "[tool.hatch.version] source = 'vcs' needs 'hatch-vcs' in [build-system] requires"
    path = source.get("path")
    if isinstance(path, str) and not (pp.root / path).is_file():
        return f"[tool.hatch.version] path {path!r} does not exist"
    return ""


@rule(
    "PKG005",
    "Has a version, or says where its version comes from",
    "error",
    why="""
        Nexus refuses a second upload of the same version (write policy ALLOW_ONCE), so every
        release needs a version, set by hand or derived from git tags. A dynamic version the backend
        cannot find fails the build; a version both static and dynamic is invalid.
    """,
    bad="""
        [build-system]
        requires = ["hatchling>=1.25"]
        build-backend = "hatchling.build"

        [project]
        name = "my_app"
        dynamic = ["version"]
        # no [tool.hatch.version]
    """,
    good="""
        [build-system]
        requires = ["hatchling>=1.25"]
        build-backend = "hatchling.build"

        [project]
        name = "my_app"
        dynamic = ["version"]

        [tool.hatch.version]
        path = "src/my_app/__init__.py"
    """,
    fix="Set `version` in `[project]`, or list it in `dynamic` and configure the backend's "
    'version source (for hatchling: `[tool.hatch.version]`, with `source = "vcs"` and hatch-vcs '
    "for git tags).",
    context={"src/my_app/__init__.py": '__version__ = "1.0.0"\n'},
)
def version_declared(pp: Pyproject) -> Iterator[Hit]:
    """Require a static version, or a dynamic one the backend can find."""
    if _metadata_in_poetry(pp):
        if "version" not in pp.poetry:
            yield Hit("[tool.poetry] has no 'version'", pp.line("tool", "poetry"))
        return
    if "project" not in pp.data:
        return  # PKG004 reports the missing table.
    hit = _project_version_hit(pp)
    if hit:
        yield hit


def _project_version_hit(pp: Pyproject) -> Hit | None:
    """Check ``[project]``'s version: set or dynamic, not both, and then findable."""
    dynamic = pp.project.get("dynamic")
    listed = isinstance(dynamic, list) and "version" in dynamic
    static = "version" in pp.project
    line = pp.line("project", "version") if static else pp.line("project")
    if static and listed:
        return Hit("'version' is both set and listed in 'dynamic'; keep one", line)
    if not static and not listed:
        return Hit("[project] has no 'version' and does not list it in 'dynamic'", line)
    problem = _version_source_problem(pp) if listed else ""
    return Hit(problem, pp.line("project", "dynamic")) if problem else None


@rule(
    "PKG006",
    "Declares the Python versions it supports",
    "warning",
    why="""
        `requires-python` is how pip picks a release that runs on the interpreter at hand. Without
        it, a deploy job on an older Python installs the newest release and fails at import time.
        It should match the `python=` pin of environment.yml.
    """,
    bad="""
        [project]
        name = "my_app"
        version = "1.0.0"
    """,
    good="""
        [project]
        name = "my_app"
        version = "1.0.0"
        requires-python = ">=3.10"
    """,
    fix='Add `requires-python = ">=3.X"` with the oldest Python you test on.',
)
def requires_python_declared(pp: Pyproject) -> Iterator[Hit]:
    """Require ``[project] requires-python``."""
    if "project" in pp.data and not _declared(pp, "requires-python"):
        yield Hit("[project] has no 'requires-python'", pp.line("project"))


@rule(
    "PKG007",
    "Declares a readme",
    "warning",
    why="""
        The readme becomes the long description Nexus and pip show for the package: the first
        thing a colleague reads about it.
    """,
    bad="""
        [project]
        name = "my_app"
    """,
    good="""
        [project]
        name = "my_app"
        readme = "README.md"
    """,
    fix='Add `readme = "README.md"` to `[project]`.',
)
def readme_declared(pp: Pyproject) -> Iterator[Hit]:
    """Require a ``readme`` entry."""
    if _metadata_in_poetry(pp):
        if "readme" not in pp.poetry:
            yield Hit("[tool.poetry] has no 'readme'", pp.line("tool", "poetry"))
    elif "project" in pp.data and not _declared(pp, "readme"):
        yield Hit("[project] has no 'readme'", pp.line("project"))


@rule(
    "PKG008",
    "Its readme file exists",
    "error",
    requires=("PKG007",),
    why="""
        Backends read the readme while building the metadata: a missing file fails the build
        (hatchling: "Readme file does not exist"), often only in CI, where the file was not
        committed.
    """,
    bad="""
        [project]
        readme = "README.md"   # but the repository has README.rst
    """,
    good="""
        [project]
        readme = "README.rst"
    """,
    fix="Point `readme` at the file the repository has, or commit the file.",
    context={"README.rst": "my_app\n======\n"},
)
def readme_exists(pp: Pyproject) -> Iterator[Hit]:
    """Require the declared readme file to exist."""
    source, key = (
        (pp.poetry, ("tool", "poetry")) if _metadata_in_poetry(pp) else (pp.project, ("project",))
    )
    readme = source.get("readme")
    files = readme if isinstance(readme, list) else [readme]
    for item in files:
        name = item.get("file") if isinstance(item, dict) else item
        if isinstance(name, str) and not (pp.root / name).is_file():
            yield Hit(f"readme file {name!r} does not exist", pp.line(*key, "readme"))


@rule(
    "PKG009",
    "Declares its license as an SPDX expression",
    "warning",
    why="""
        The license gate and every SBOM read the license from the package metadata. PEP 639 makes
        it an SPDX expression (`license = "MIT"`); the old table form and license classifiers
        are deprecated, and a package without a license cannot be cleared for use.
    """,
    bad="""
        [project]
        license = {text = "MIT License"}
    """,
    good="""
        [project]
        license = "MIT"
        license-files = ["LICENSE"]
    """,
    fix='Write `license = "<SPDX expression>"`, e.g. `"MIT"` or `"Apache-2.0"`.',
)
def license_declared(pp: Pyproject) -> Iterator[Hit]:
    """Require ``license`` as an SPDX string."""
    if _metadata_in_poetry(pp):
        if "license" not in pp.poetry:
            yield Hit("[tool.poetry] has no 'license'", pp.line("tool", "poetry"))
        return
    if "project" not in pp.data:
        return
    license_ = pp.project.get("license")
    if license_ is None and not _declared(pp, "license"):
        yield Hit("[project] has no 'license'", pp.line("project"))
    elif isinstance(license_, dict):
        yield Hit(
            "the table form of 'license' is deprecated (PEP 639); write an SPDX expression",
            pp.line("project", "license"),
        )


@rule(
    "PKG010",
    "Its console scripts point at functions that exist",
    "error",
    why="""
        A script entry (`my-app = "my_app.__main__:cli"`) is only resolved when someone runs the
        command: a wrong module or function name builds and uploads fine, then fails on the
        deploy host with `ModuleNotFoundError` or `AttributeError`.
    """,
    bad="""
        [project.scripts]
        my-app = "my_app.main:cli"    # the module is my_app/__main__.py
    """,
    good="""
        [project.scripts]
        my-app = "my_app.__main__:cli"
    """,
    fix="Make the target `module:function` name a module in the source tree and a function "
    "defined at its top level.",
    context={"my_app/__init__.py": "", "my_app/__main__.py": "def cli():\n    pass\n"},
)
def scripts_exist(pp: Pyproject) -> Iterator[Hit]:
    """Resolve each ``[project.scripts]`` target in the source tree."""
    from shipyard.packaging import pyproject as packaging

    if pp.backend in _COMPILING:
        return  # Targets may be extension modules that only exist after the build.
    for key, target in packaging.script_targets(pp):
        problem = packaging.resolve_target(pp, target)
        if problem:
            yield Hit(f"script {key[-1]!r}: {problem}", pp.line(*key))


@functools.cache
def _validator():  # noqa: ANN202 - validate_pyproject is imported lazily: it is slow to set up
    from validate_pyproject import api

    return api.Validator()


_PROJECT_KEYS = [
    "name",
    "version",
    "description",
    "readme",
    "requires-python",
    "license",
    "license-files",
    "authors",
    "maintainers",
    "keywords",
    "classifiers",
    "urls",
    "scripts",
    "gui-scripts",
    "entry-points",
    "dependencies",
    "optional-dependencies",
    "dynamic",
    "import-names",
    "import-namespaces",
]


@rule(
    "PKG011",
    "Its metadata matches the pyproject.toml schema",
    "error",
    why="""
        Backends validate `[project]` when they build, and PyPI-compatible indexes reject what
        they build from invalid metadata. validate-pyproject checks the same standard (PEP 621 and
        the tools' own tables) before a pipeline runs.
    """,
    bad="""
        [project]
        name = "my_app"
        version = "1.0.0"
        licence = "MIT"
        dependencies = ["requests>=2.32,<"]
    """,
    good="""
        [project]
        name = "my_app"
        version = "1.0.0"
        license = "MIT"
        dependencies = ["requests>=2.32,<3"]
    """,
    fix="Correct the key or value the message names.",
)
def schema_valid(pp: Pyproject) -> Iterator[Hit]:
    """Run validate-pyproject and report its (first) error."""
    import logging

    from validate_pyproject.errors import ValidationError

    # validate-pyproject logs advice (e.g. on entry-point extras) to stderr; findings are ours.
    logging.getLogger("validate_pyproject").setLevel(logging.ERROR)
    try:
        _validator()(pp.data)
    except TypeError:
        # validate-pyproject puts the offending value in its message with json.dumps, which
        # fails on TOML dates and times: say where the date is ourselves.
        key, value = next(_dates(pp.data), ((), None))
        where = ".".join(key) or "a value"
        yield Hit(f"{where} is a TOML date or time ({value}), which the schema does not allow "
                  "there; quote it if it is text", pp.line(*key))  # fmt: skip
    except ValidationError as exc:
        where = (exc.name or "").strip("`")
        key = tuple(re.sub(r"\[\d+\]", "", where).split("."))
        message = exc.message.splitlines()[0].rstrip(":")
        unknown = re.search(r"must not contain \{'([^']+)'", message)
        if unknown and key == ("project",):
            message += did_you_mean(unknown[1], _PROJECT_KEYS)
            key = ("project", unknown[1])
        yield Hit(message.replace("`", "'"), pp.line(*key))


def _dates(data: Any, key: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Yield the key path and value of each TOML date, time or date-time in a document."""
    import datetime

    if isinstance(data, (datetime.date, datetime.time)):
        yield key, data
    elif isinstance(data, dict):
        for name, value in data.items():
            yield from _dates(value, (*key, str(name)))
    elif isinstance(data, list):
        for value in data:
            yield from _dates(value, key)


@rule(
    "PKG012",
    "hatchling can find the package to ship",
    "error",
    requires=("PKG004",),
    why="""
        With no file selection configured, hatchling ships the directory named after the project
        (`my_app/` or `src/my_app/`). When none matches, every build fails with "Unable to
        determine which files to ship inside the wheel".
    """,
    bad="""
        [build-system]
        requires = ["hatchling>=1.25"]
        build-backend = "hatchling.build"

        [project]
        name = "my-service"     # but the code is in src/service/
    """,
    good="""
        [build-system]
        requires = ["hatchling>=1.25"]
        build-backend = "hatchling.build"

        [project]
        name = "my-service"

        [tool.hatch.build.targets.wheel]
        packages = ["src/service"]
    """,
    fix="Rename the package directory after the project, or list it in "
    "`[tool.hatch.build.targets.wheel] packages`.",
    context={"src/service/__init__.py": ""},
)
def hatch_finds_package(pp: Pyproject) -> Iterator[Hit]:
    """Replay hatchling's default file selection when the project configures none."""
    from shipyard.packaging import pyproject as packaging

    if pp.backend != "hatchling.build":
        return
    name = pp.project.get("name")
    if not isinstance(name, str) or packaging.hatch_selects_files(pp):
        return
    candidates = packaging.hatch_default_candidates(pp.root, name)
    if not candidates:
        shown = " or ".join(sorted({n for n in packaging.hatch_names(name)}))
        yield Hit(
            f"no directory {shown}/ or src/{shown}/ with an __init__.py: hatchling will not know "
            "what to ship",
            pp.line("project", "name"),
        )


@rule(
    "PKG013",
    "Poetry's package includes exist",
    "error",
    why="""
        `[tool.poetry] packages = [{ include = "..." }]` lists what the wheel ships (seed 001's
        `<your module>` placeholder). An include that matches nothing fails `poetry build`.
    """,
    bad="""
        [tool.poetry]
        packages = [{ include = "<your module>" }]
    """,
    good="""
        [tool.poetry]
        packages = [{ include = "my_lib", from = "src" }]
    """,
    fix="Point each `include` (relative to `from`) at a package directory or module that exists.",
    context={"src/my_lib/__init__.py": ""},
)
def poetry_packages_exist(pp: Pyproject) -> Iterator[Hit]:
    """Require each ``[tool.poetry] packages`` include to match a path."""
    packages = pp.poetry.get("packages")
    for entry in packages if isinstance(packages, list) else []:
        include = entry.get("include") if isinstance(entry, dict) else None
        base = entry.get("from", ".") if isinstance(entry, dict) else "."
        if not isinstance(include, str) or not isinstance(base, str):
            continue
        try:
            matches = list((pp.root / base).glob(include))
        except (ValueError, OSError):
            matches = []
        if not matches:
            where = f"{base}/{include}" if base != "." else include
            yield Hit(
                f"poetry package include {where!r} matches nothing",
                pp.line("tool", "poetry", "packages"),
            )


@rule(
    "PKG014",
    "Keeps its metadata in the standard [project] table",
    "info",
    why="""
        Since Poetry 2 (poetry-core 2), Poetry reads the standard `[project]` table. Metadata kept
        only in `[tool.poetry]` is invisible to every other tool: uv, pip's resolver when building
        from source, the license and SBOM gates, and Shipyard's own checks.
    """,
    bad="""
        [tool.poetry]
        name = "gitlab-my-lib"
        version = "0.1.0"
    """,
    good="""
        [project]
        name = "gitlab-my-lib"
        version = "0.1.0"

        [build-system]
        requires = ["poetry-core>=2"]
        build-backend = "poetry.core.masonry.api"
    """,
    fix="Move name, version, description, authors, readme and dependencies to `[project]`; keep "
    "only Poetry-specific settings (`packages`, groups) in `[tool.poetry]`.",
)
def metadata_in_project(pp: Pyproject) -> Iterator[Hit]:
    """Flag Poetry 1 style metadata kept only in ``[tool.poetry]``."""
    if _metadata_in_poetry(pp):
        yield Hit(
            "name and version are only in [tool.poetry]; move them to [project] (Poetry 2)",
            pp.line("tool", "poetry"),
        )


@rule(
    "PKG015",
    "Does not cap the Python version",
    "warning",
    requires=("PKG006",),
    why="""
        An upper bound such as `<3.13` does not make the package work on fewer Pythons: it makes
        installers refuse it, or pick an old release, as soon as a new Python is out, and every
        project depending on it inherits the cap.
    """,
    bad="""
        [project]
        requires-python = ">=3.10,<3.13"
    """,
    good="""
        [project]
        requires-python = ">=3.10"
    """,
    fix="Keep only the lower bound; test new Pythons in CI instead of excluding them. Poetry's "
    "default `<4` is accepted: it excludes only a Python that does not exist.",
)
def python_not_capped(pp: Pyproject) -> Iterator[Hit]:
    """Flag ``<``, ``<=`` and ``==X.Y.*`` upper bounds in ``requires-python``."""
    value = pp.project.get("requires-python")
    if not isinstance(value, str):
        return
    try:
        specifiers = SpecifierSet(value)
    except InvalidSpecifier:
        return  # PKG011 reports it.
    caps = [str(s) for s in specifiers if _caps(s.operator, s.version)]
    if caps:
        yield Hit(f"requires-python {value!r} caps the Python version ({', '.join(caps)})",
                  pp.line("project", "requires-python"))  # fmt: skip


def _caps(operator: str, version: str) -> bool:
    parts = version.rstrip(".*").count(".") + 1
    if operator == "<" and re.fullmatch(r"4(\.0)*", version):
        return False  # "<4" (Poetry's default) excludes only a Python that does not exist.
    if operator in ("<", "<="):
        return True
    # ~=3.10 means >=3.10,==3.* (harmless); ~=3.10.1 and ==3.11.* cap the minor version.
    return (operator == "~=" and parts >= 3) or (operator in ("==", "===") and parts >= 2)


# Rules for releases (PKG016 on) live in their own module; importing it registers them.
from shipyard.packaging import release_rules  # noqa: E402, F401
