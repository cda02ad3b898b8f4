"""PKG, continued: what a release needs beyond a buildable pyproject.toml.

URLs and placeholders left from a template (seed 001's ``homepage`` line), one source for the
version, release tags hatch-vcs can read, a ``__version__`` that agrees with the metadata, and an
sdist that holds what the wheel is built from. Registered in the PKG family:
``shipyard.packaging.rules`` imports this module.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from shipyard.packaging.pyproject import Pyproject, hatch_default_candidates, table
from shipyard.rules import Hit, rule

__all__: list[str] = []

_PLACEHOLDER = re.compile(r"<[^<>]*>")
_EMAIL = re.compile(r"<[^<>\s]+@[^<>\s]+>\s*$")
# A tag a release is cut from: 1.2.3, v1.2.3, v-1.2.3 (seed 001's release rule: /^v-/).
_RELEASE_TAG = re.compile(r"^(v-?)?\d+(\.\d+)*")
_POETRY_URL_KEYS = ("homepage", "repository", "documentation")


def _url_entries(pp: Pyproject) -> Iterator[tuple[tuple[str, ...], object]]:
    for key in _POETRY_URL_KEYS:
        if key in pp.poetry:
            yield ("tool", "poetry", key), pp.poetry[key]
    for name, value in table(pp.poetry, "urls").items():
        yield ("tool", "poetry", "urls", name), value
    for name, value in table(pp.project, "urls").items():
        yield ("project", "urls", name), value


@rule(
    "PKG016",
    "Its project URLs are http(s) URLs",
    "error",
    why="""
        The homepage and repository links end up in the package metadata, where Nexus, pip and the
        SBOM show them. Seed 001's template line `homepage = ""https://...` is a TOML error
        (PKG001); the usual quick fixes leave an empty string, a stray quote or a
        `<path/to/repository>` placeholder, which Poetry writes into the metadata as they are.
    """,
    bad="""
        [tool.poetry]
        homepage = ""
        repository = "https://gitlab.com/gitlab/<path/to/repository>"
    """,
    good="""
        [tool.poetry]
        homepage = "https://gitlab.com/gitlab/my-lib"
        repository = "https://gitlab.com/gitlab/my-lib"
    """,
    fix="Write each URL in full, `https://...`, with no placeholder left; or remove the key.",
)
def urls_valid(pp: Pyproject) -> Iterator[Hit]:
    """Require every project URL to be a full http(s) URL without placeholders."""
    for key, value in _url_entries(pp):
        problem = _url_problem(value)
        if problem:
            yield Hit(f"{'.'.join(key[-2:])} {value!r}: {problem}", pp.line(*key))


def _url_problem(value: object) -> str:
    if not isinstance(value, str):
        return "not a string"
    if not value.strip():
        return "empty"
    if '"' in value or "'" in value:
        return "holds a stray quote"
    placeholder = _PLACEHOLDER.search(value)
    if placeholder:
        return f"still holds the placeholder {placeholder[0]!r}"
    if not re.match(r"^https?://[^/\s]+", value):
        return "not an http(s) URL"
    return ""


@rule(
    "PKG017",
    "No template placeholders are left in its metadata",
    "error",
    why="""
        Seed 001's pyproject is a template: `name = "gitlab-<your package name>"`,
        `description = "<Description of your library/utility>"`. Poetry builds and publishes
        them as they are, and a name with `<` and `>` is not a valid distribution name: the
        upload is refused, or worse, the package is published with the template's text.
    """,
    bad="""
        [tool.poetry]
        name = "gitlab-<your package name>"
        description = "<Description of your library/utility>"
    """,
    good="""
        [tool.poetry]
        name = "gitlab-my-lib"
        description = "Parses GitLab webhooks"
    """,
    fix="Replace every `<...>` placeholder with the project's own value.",
)
def no_placeholders(pp: Pyproject) -> Iterator[Hit]:
    """Flag ``<...>`` left in name, description, authors or version (both tables)."""
    for base, source in ((("project",), pp.project), (("tool", "poetry"), pp.poetry)):
        for key in ("name", "description", "version", "authors"):
            value = source.get(key)
            values = value if isinstance(value, list) else [value]
            for item in values:
                text = item.get("name", "") if isinstance(item, dict) else item
                if key == "authors" and isinstance(text, str):
                    text = _EMAIL.sub("", text)  # Poetry writes authors "Name <email>"
                match = _PLACEHOLDER.search(text) if isinstance(text, str) else None
                if match:
                    found = match[0]
                    yield Hit(f"{base[-1]}.{key} still holds the placeholder {found!r}",
                              pp.line(*base, key))  # fmt: skip


def _static_versions(pp: Pyproject) -> list[tuple[tuple[str, ...], str]]:
    found = []
    for key, source in (
        (("project", "version"), pp.project),
        (("tool", "poetry", "version"), pp.poetry),
    ):
        if isinstance(source.get("version"), str):
            found.append((key, source["version"]))
    return found


@rule(
    "PKG018",
    "Its version comes from one place",
    "error",
    why="""
        A version written in two places drifts: `[project] version` says 1.2.0 while
        `[tool.poetry] version` still says 0.1.0, or `[tool.hatch.version]` points at git tags
        while `[project]` sets a fixed version that silently wins. The wheel then carries a
        version nobody meant, and Nexus (ALLOW_ONCE) keeps it forever.
    """,
    bad="""
        [project]
        name = "gitlab-my-lib"
        version = "1.2.0"

        [tool.poetry]
        version = "0.1.0"
    """,
    good="""
        [project]
        name = "gitlab-my-lib"
        version = "1.2.0"
    """,
    fix='Keep the version in one place: `[project] version`, or `dynamic = ["version"]` and '
    "the backend's source (`[tool.hatch.version]`, or `[tool.poetry] version` for Poetry 2).",
)
def one_version_source(pp: Pyproject) -> Iterator[Hit]:
    """Flag two static versions that differ, and version sources a static version overrides."""
    versions = _static_versions(pp)
    if len(versions) == 2 and _norm(versions[0][1]) != _norm(versions[1][1]):
        (_, first), (key, second) = versions
        yield Hit(f"[project] version {first!r} and [tool.poetry] version {second!r} differ",
                  pp.line(*key))  # fmt: skip
    dynamic = pp.project.get("dynamic")
    is_dynamic = isinstance(dynamic, list) and "version" in dynamic
    hatch_source = table(pp.data, "tool", "hatch", "version")
    if pp.backend == "hatchling.build" and hatch_source and "version" in pp.project:
        yield Hit(
            "[tool.hatch.version] is ignored: [project] sets 'version', which wins",
            pp.line("tool", "hatch", "version"),
        )
    if pp.backend == "poetry.core.masonry.api" and is_dynamic and "version" not in pp.poetry:
        yield Hit(
            "'version' is dynamic, but poetry-core reads a dynamic version only from "
            "[tool.poetry] version",
            pp.line("project", "dynamic"),
        )


def _norm(text: str) -> str:
    try:
        return str(Version(text))
    except InvalidVersion:
        return text


def _git_describe(root: Path, match: str) -> str | None:
    """Return ``git describe --tags --abbrev=0`` for the project, or None without git/tags."""
    if not shutil.which("git"):
        return None
    command = ["git", "-C", str(root), "describe", "--tags", "--abbrev=0"]
    done = subprocess.run(  # noqa: S603 - fixed command
        [*command, *(["--match", match] if match else [])],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.stdout.strip() if done.returncode == 0 else None


def _describe_match(source: dict) -> str:
    raw = table(source, "raw-options")
    command = raw.get("git_describe_command")
    parts = command.split() if isinstance(command, str) else command
    if isinstance(parts, list) and "--match" in parts:
        index = parts.index("--match") + 1
        return str(parts[index]) if index < len(parts) else ""
    return ""


@rule(
    "PKG019",
    "hatch-vcs reads its version from release tags only",
    "warning",
    why="""
        hatch-vcs (setuptools-scm) takes the version from the nearest tag `git describe` finds,
        whatever the tag means. Seed 001 tags releases `v-1.0.0` and, for services, also
        `self-hosted-<gitlab version>`: on a commit tagged `self-hosted-v17.5.0-ee` the library's
        wheel becomes version 17.5.0. Without `--match`, any tag someone pushes can become the
        version; when the project is a git checkout, the finding names the tag git finds now.
    """,
    bad="""
        [build-system]
        requires = ["hatchling>=1.25", "hatch-vcs"]
        build-backend = "hatchling.build"

        [project]
        name = "my_app"
        dynamic = ["version"]

        [tool.hatch.version]
        source = "vcs"
    """,
    good="""
        [build-system]
        requires = ["hatchling>=1.25", "hatch-vcs"]
        build-backend = "hatchling.build"

        [project]
        name = "my_app"
        dynamic = ["version"]

        [tool.hatch.version]
        source = "vcs"
        tag-pattern = '^v-(?P<version>\\d+(\\.\\d+)*.*)$'

        [tool.hatch.version.raw-options]
        git_describe_command = ["git", "describe", "--dirty", "--tags", "--long", "--match", "v-*"]
    """,
    fix="Add a `tag-pattern` and a `git_describe_command` with `--match` for the release tag "
    "prefix, as the packaging chapter does.",
)
def vcs_release_tags(pp: Pyproject) -> Iterator[Hit]:
    """Require ``--match`` in hatch-vcs's describe command; name the tag git would pick."""
    source = table(pp.data, "tool", "hatch", "version")
    if pp.backend != "hatchling.build" or source.get("source") != "vcs":
        return
    if _describe_match(source):
        return
    line = pp.line("tool", "hatch", "version")
    in_git = any((d / ".git").exists() for d in (pp.root, *pp.root.parents))
    tag = _git_describe(pp.root, "") if in_git else None
    if tag is not None and not _RELEASE_TAG.match(tag):
        yield Hit(
            f"git describe finds the tag {tag!r}, which is not a release tag: hatch-vcs would take "
            "its version from it",
            line,
        )
    else:
        yield Hit("hatch-vcs reads any tag git describe finds: no --match for release tags", line)


def _package_inits(pp: Pyproject) -> list[Path]:
    name = pp.project.get("name") or pp.poetry.get("name")
    found = [*_hatch_wheel_inits(pp), *_poetry_package_inits(pp)]
    if isinstance(name, str) and not found:
        found += hatch_default_candidates(pp.root, name)
    return [p for p in found if p.name == "__init__.py" and p.is_file()]


def _as_list(value: object) -> list[object]:
    """Return ``value`` when it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def _hatch_wheel_inits(pp: Pyproject) -> list[Path]:
    """Return the ``__init__.py`` of each package hatchling's wheel target lists."""
    wheel = table(pp.data, "tool", "hatch", "build", "targets", "wheel")
    packages = _as_list(wheel.get("packages"))
    return [pp.root / package / "__init__.py" for package in packages if isinstance(package, str)]


def _poetry_package_inits(pp: Pyproject) -> list[Path]:
    """Return the ``__init__.py`` of each Poetry ``packages`` entry with an ``include``."""
    found: list[Path] = []
    for entry in _as_list(pp.poetry.get("packages")):
        if isinstance(entry, dict) and isinstance(entry.get("include"), str):
            base = entry.get("from", ".")
            found.append(pp.root / str(base) / entry["include"] / "__init__.py")
    return found


def _literal_version(path: Path) -> tuple[str, int] | None:
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):
        return None
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
            continue
        named = any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
        if named and isinstance(node.value.value, str):
            return node.value.value, node.lineno
    return None


@rule(
    "PKG020",
    "Its __version__ agrees with its metadata",
    "error",
    why="""
        Code and people read `my_app.__version__`; pip and Nexus read the metadata. A literal
        `__version__ = "1.0.0"` next to `version = "1.1.0"` in pyproject.toml, or next to a version
        from git tags, reports the wrong release in logs and bug reports, and never changes again.
    """,
    bad="""
        # my_app/__init__.py, while pyproject.toml says version = "1.1.0"
        __version__ = "1.0.0"
    """,
    good="""
        # my_app/__init__.py: one source, the installed metadata
        from importlib.metadata import version

        __version__ = version("my_app")
    """,
    fix="Read `__version__` from `importlib.metadata.version(...)`, or make the file the "
    "version source (`[tool.hatch.version] path`) so there is only one.",
    language="python",
    example_file="my_app/__init__.py",
    context={
        "pyproject.toml": """
            [build-system]
            requires = ["hatchling>=1.25"]
            build-backend = "hatchling.build"

            [project]
            name = "my_app"
            version = "1.1.0"
        """,
        "my_app/__main__.py": "def cli():\n    print('hello')\n",
    },
)
def dunder_version_agrees(pp: Pyproject) -> Iterator[Hit]:
    """Compare each package's literal ``__version__`` with the project's version source."""
    source = table(pp.data, "tool", "hatch", "version")
    versions = _static_versions(pp)
    for init in _package_inits(pp):
        literal = _literal_version(init)
        if literal is None:
            continue
        value, line = literal
        where = init.relative_to(pp.root).as_posix()
        if isinstance(source.get("path"), str) and (pp.root / source["path"]) == init:
            continue  # The file is the version source itself.
        if source.get("source") == "vcs" and not versions:
            yield Hit(f"{where} sets __version__ = {value!r}, but the version comes from git tags",
                      line, path=where)  # fmt: skip
        elif versions and _norm(value) != _norm(versions[0][1]):
            yield Hit(
                f"{where} sets __version__ = {value!r}, the metadata says {versions[0][1]!r}",
                line,
                path=where,
            )


def _dist_pair(root: Path) -> tuple[Path, Path] | None:
    """Return the newest wheel in dist/ and the sdist of the same name and version, if both."""
    dist = root / "dist"
    if not dist.is_dir():
        return None
    for wheel in sorted(dist.glob("*.whl"), key=lambda p: p.stat().st_mtime, reverse=True):
        name, version = wheel.name.split("-")[:2]
        for sdist in dist.glob("*.tar.gz"):
            stem = sdist.name[: -len(".tar.gz")]
            s_name, _, s_version = stem.rpartition("-")
            if canonicalize_name(s_name) == canonicalize_name(name) and s_version == version:
                return wheel, sdist
    return None


def _missing_from_sdist(wheel: Path, sdist: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        shipped = [n for n in archive.namelist() if ".dist-info/" not in n and not n.endswith("/")]
    with tarfile.open(sdist) as archive:
        held = [m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name]
    return [f for f in shipped if not any(h == f or h.endswith("/" + f) for h in held)]


@rule(
    "PKG021",
    "Its sdist holds what the wheel is built from",
    "error",
    why="""
        `python -m build` builds the wheel from the unpacked sdist, and so do pip and every
        downstream packager that starts from the sdist. A module the sdist leaves out (an
        `only-include` list that forgot the package, an `exclude` that catches it) is missing
        from every wheel built that way, although the wheel built from the checkout has it.
    """,
    bad="""
        [build-system]
        requires = ["hatchling>=1.25"]
        build-backend = "hatchling.build"

        [project]
        name = "my_app"
        version = "1.0.0"

        [tool.hatch.build.targets.sdist]
        only-include = ["README.md"]     # the package is not in the sdist
    """,
    good="""
        [build-system]
        requires = ["hatchling>=1.25"]
        build-backend = "hatchling.build"

        [project]
        name = "my_app"
        version = "1.0.0"

        [tool.hatch.build.targets.sdist]
        only-include = ["src/my_app", "README.md", "tests"]
    """,
    context={"src/my_app/__init__.py": ""},
    fix="Let the sdist include the package's directory (or drop the sdist file selection), "
    "build again and compare the file lists.",
)
def sdist_has_wheel_files(pp: Pyproject) -> Iterator[Hit]:
    """Check hatchling's sdist selection, and the newest wheel/sdist pair in ``dist/``."""
    if pp.backend == "hatchling.build":
        yield from _sdist_selection_hits(pp)
    yield from _dist_pair_hits(pp.root)


def _sdist_selection_hits(pp: Pyproject) -> Iterator[Hit]:
    """Report each package hatchling's sdist ``include``/``only-include``/``exclude`` leaves out."""
    sdist_table = table(pp.data, "tool", "hatch", "build", "targets", "sdist")
    selected = _sdist_strings(sdist_table, "only-include", "include")
    excluded = _sdist_strings(sdist_table, "exclude")
    for init in _package_inits(pp):
        package = init.parent.relative_to(pp.root).as_posix()
        if selected and not any(_covers(x, package) for x in selected):
            yield Hit(f"the sdist selection {selected!r} leaves out the package {package}/",
                      pp.line("tool", "hatch", "build", "targets", "sdist"))  # fmt: skip
        for pattern in excluded:
            if _covers(pattern, package):
                yield Hit(f"the sdist exclude {pattern!r} leaves out the package {package}/",
                          pp.line("tool", "hatch", "build", "targets", "sdist"))  # fmt: skip


def _sdist_strings(sdist_table: dict[str, Any], *keys: str) -> list[str]:
    """Return the string entries of the sdist table's ``keys`` lists, in order."""
    return [x for k in keys for x in (sdist_table.get(k) or []) if isinstance(x, str)]


def _dist_pair_hits(root: Path) -> Iterator[Hit]:
    """Report the files the newest wheel in ``dist/`` ships that its sdist lacks."""
    pair = _dist_pair(root)
    if not pair:
        return
    missing = _missing_from_sdist(*pair)
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        yield Hit(f"dist/{pair[1].name} lacks files dist/{pair[0].name} ships: {shown}")


def _covers(pattern: str, package: str) -> bool:
    pattern = pattern.strip("/")
    from fnmatch import fnmatch

    return package == pattern or package.startswith(pattern + "/") or fnmatch(package, pattern)
