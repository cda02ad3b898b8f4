"""Run every selected rule against a project checkout: the ``shipyard check`` command.

Each rule family reads one kind of file. :data:`SOURCES` says, per family, which file names it
reads and where it finds them in a project; :func:`check` takes a project directory (every file
any family reads) or one file (the families that read that name), runs the selected rules and
returns the findings with paths relative to the checked directory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from shipyard._reading import file_limits
from shipyard.config import Settings, load_settings
from shipyard.errors import InputError
from shipyard.findings import Finding, Findings, reaches
from shipyard.rules import Rule, run_rules, selected_rules

__all__ = ["SOURCES", "Source", "check", "fails"]


@dataclass(frozen=True)
class Source:
    """The files one rule family reads.

    Attributes:
        family: The rule family, e.g. ``PKG``.
        reads: Whether a file of this name is one the family reads.
        find: The family's files in a project directory, in a stable order.
        load: Parse one file into what the family's rules take; raises InputError.
    """

    family: str
    reads: Callable[[str], bool]
    find: Callable[[Path], list[Path]]
    load: Callable[[Path, Settings], object]


def _pyproject(path: Path, settings: Settings) -> object:
    from shipyard.packaging import load_pyproject

    return load_pyproject(path)


def _environment(path: Path, settings: Settings) -> object:
    from shipyard.environments.envfile import load_environment

    return load_environment(path, nexus_url=settings.nexus_url)


def _indexes(path: Path, settings: Settings) -> object:
    from shipyard.nexus import indexconf as _indexconf

    return _indexconf.load(path)


def _pipeline(path: Path, settings: Settings) -> object:
    from shipyard.pipeline import ciyaml

    return ciyaml.load(path)


def _find_indexes(root: Path) -> list[Path]:
    from shipyard.nexus import indexconf as _indexconf

    return _indexconf.find_files(root)


def _reads_index(name: str) -> bool:
    from shipyard.nexus import indexconf as _indexconf

    return name in _indexconf.KINDS


def _files(*names: str) -> Callable[[Path], list[Path]]:
    # exists() or is_symlink(): a directory or a broken link named pyproject.toml is reported by
    # the loader ("is a directory", "cannot read"), not silently skipped.
    return lambda root: [root / n for n in names if (root / n).exists() or (root / n).is_symlink()]


def _reads_environment(name: str) -> bool:
    from shipyard.environments import ENV_NAMES

    return name in ENV_NAMES


def _find_environments(root: Path) -> list[Path]:
    from shipyard.environments import ENV_NAMES

    return _files(*ENV_NAMES)(root)


_CI_NAMES = (".gitlab-ci.yml", ".gitlab-ci.yaml")
#: The rule families that read files, and how they find and parse them. Dockerfiles (IMG and
#: hadolint) are read by :func:`shipyard.images.check`, which runs both together.
SOURCES = (
    Source("PKG", lambda name: name == "pyproject.toml", _files("pyproject.toml"), _pyproject),
    Source("ENV", _reads_environment, _find_environments, _environment),
    Source("NEX", _reads_index, _find_indexes, _indexes),
    Source("CI", lambda name: name in _CI_NAMES, _files(*_CI_NAMES), _pipeline),
)


def check(
    path: Path | str = ".",
    *,
    settings: Settings | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> Findings:
    """Check a project directory, or one file in it, against the rules.

    Args:
        path: A project directory, or one file in it: pyproject.toml, environment.yml, a
            Dockerfile, pip.conf, .pypirc or .gitlab-ci.yml.
        settings: Settings to use; read from the project's pyproject.toml and the environment
            when omitted.
        select: Rule id prefixes to run, in addition to the settings' (all rules when both are
            empty); hadolint's ``DL``/``SC`` ids are accepted too.
        ignore: Rule ids to skip, in addition to the settings'.

    Returns:
        The findings, sorted by path and line.

    Raises:
        InputError: The path does not exist, holds nothing Shipyard checks, or a file cannot be
            read or parsed.
        UnknownRuleError: A selected or ignored id matches no rule.
    """
    from shipyard import images

    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        msg = "no such file or directory"
        raise InputError(msg, path=path, hint="Pass a project directory or a file in it.")
    root = path if path.is_dir() else path.parent
    if settings is None:
        settings = load_settings(root)
    select = [*settings.select, *select]
    ignore = [*settings.ignore, *ignore]
    # hadolint's DL/SC codes are not registry ids: images.selection sets them apart.
    chosen = images.selection(select, ignore)
    rules = selected_rules(chosen.select, chosen.ignore) if chosen.own else []
    with file_limits(settings.max_file_size):
        findings, checked = _check_sources(path, root, rules, settings)
        dockerfiles = _dockerfiles(path, root)
        if dockerfiles:
            checked += len(dockerfiles)
            findings += images.check(root, files=dockerfiles, settings=settings, select=select,
                                     ignore=ignore)  # fmt: skip
    if not checked:
        what = "nothing Shipyard checks here" if path.is_dir() else "not a file Shipyard checks"
        files = "pyproject.toml, environment.yml, Dockerfile, pip.conf, .pypirc or .gitlab-ci.yml"
        msg = f"{what}: no {files}"
        raise InputError(msg, path=path, hint="Run the check in the project's root directory.")
    return Findings(findings)


def _check_sources(
    path: Path, root: Path, rules: list[Rule], settings: Settings
) -> tuple[list[Finding], int]:
    """Run the file rules on the files of each source under ``path``.

    Returns:
        The findings, and how many files were checked.
    """
    findings: list[Finding] = []
    checked = 0
    for source in SOURCES:
        files = source.find(root) if path.is_dir() else [path] * source.reads(path.name)
        checked += len(files)
        findings += _run(source, files, root, [r for r in rules if r.family == source.family],
                         settings)  # fmt: skip
    return findings, checked


def _dockerfiles(path: Path, root: Path) -> list[Path]:
    """Return the Dockerfiles to check: those of a project directory, or ``path`` if it is one."""
    from shipyard import images

    if path.is_dir():
        return images.find_dockerfiles(root)
    return [path] if path.is_file() and images.is_dockerfile_name(path.name) else []


def _run(source: Source, files: list[Path], root: Path, rules: list[Rule], settings: Settings):  # noqa: ANN202
    if not rules:
        return []
    findings = []
    for file in files:
        shown = file.relative_to(root).as_posix()
        findings += run_rules(rules, source.load(file, settings), shown, settings)
    return findings


def fails(findings: Iterable[Finding], threshold: str) -> bool:
    """Tell whether any finding reaches the failure threshold (``info``, ``warning``, ``error``)."""
    return any(reaches(f.severity, threshold) for f in findings)
