"""Versions: set by hand, or derived from git tags by hatch-vcs; and what a version string says.

:class:`GitRepo` drives the real ``git`` in a project directory with a fixed author and fixed
dates, so commit hashes (and so the ``+g<hash>`` of a development version) are the same on every
run. :func:`use_hatch_vcs` rewrites a hatchling pyproject.toml from a manual version to hatch-vcs.
:func:`explain_version` takes a version apart the way pip and Nexus read it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from shipyard.errors import ConfigError, InputError

__all__ = [
    "GitRepo",
    "VersionExplained",
    "explain_version",
    "hatch_vcs_table",
    "use_hatch_vcs",
]

# Fixed identity and clock: the same commits get the same hashes on every run.
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Shipyard Runbook",
    "GIT_AUTHOR_EMAIL": "runbook@example.com",
    "GIT_COMMITTER_NAME": "Shipyard Runbook",
    "GIT_COMMITTER_EMAIL": "runbook@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z; each commit is one hour after the previous one


class GitRepo:
    """A real git repository in a project directory.

    Args:
        path: The project directory; ``git init`` runs there if it is not a repository yet.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not shutil.which("git"):
            msg = "git is not installed: versions from tags need a git repository"
            raise ConfigError(msg, hint="Install git (Debian: apt-get install git).")
        if not (self.path / ".git").exists():
            self._git("init", "--quiet", "--initial-branch=main")
        self._commits = int(self._git("rev-list", "--count", "--all") or 0)

    def _git(self, *args: str, when: int | None = None) -> str:
        env = dict(os.environ, **_GIT_ENV)
        if when is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            msg = f"git {' '.join(args)} failed in {self.path.name}: {done.stderr.strip()}"
            raise ConfigError(msg, hint="Look at the repository with `git status`.")
        return done.stdout.strip()

    def commit(self, message: str) -> str:
        """Stage every file and commit; returns the short hash (7 hex digits)."""
        self._git("add", "--all")
        when = _EPOCH + 3600 * self._commits
        self._git("commit", "--quiet", "--allow-empty", "-m", message, when=when)
        self._commits += 1
        return self.head()

    def tag(self, name: str, message: str = "") -> str:
        """Create an annotated tag on HEAD (as a release is tagged); returns the tag name."""
        self._git("tag", "-a", name, "-m", message or name, when=_EPOCH + 3600 * self._commits)
        return name

    def head(self) -> str:
        """Return HEAD's short hash."""
        return self._git("rev-parse", "--short=7", "HEAD")

    def checkout(self, ref: str) -> None:
        """Check out a ref (a tag, to rebuild a release)."""
        self._git("checkout", "--quiet", ref)

    def describe(self, match: str = "") -> str:
        """Return ``git describe --tags --long`` (what setuptools-scm reads), optionally matched."""
        args = ["describe", "--tags", "--long", "--dirty"]
        return self._git(*args, *(["--match", match] if match else []))

    def __repr__(self) -> str:
        from shipyard.runbook import normalise

        log = self._git("log", "--oneline", "--decorate=short", "--all")
        return f"git repository {normalise(str(self.path))}\n{log}"


def hatch_vcs_table(tag_prefix: str = "") -> str:
    """Return the ``[tool.hatch.version]`` table for hatch-vcs.

    Args:
        tag_prefix: Only tags that start with this prefix are release tags (``"v-"`` for seed
            001's ``v-1.0.0``); other tags, such as ``self-hosted-17.5.0``, are then ignored.
    """
    lines = ["[tool.hatch.version]", 'source = "vcs"']
    if tag_prefix:
        escaped = re.escape(tag_prefix).replace("\\-", "-")
        lines.append(f"tag-pattern = '^{escaped}(?P<version>\\d+(\\.\\d+)*.*)$'")
        describe = '["git", "describe", "--dirty", "--tags", "--long", "--match", '
        lines.append(f'raw-options = {{ git_describe_command = {describe}"{tag_prefix}*"] }}')
    return "\n".join(lines) + "\n"


def use_hatch_vcs(pyproject: Path | str, *, tag_prefix: str = "") -> str:
    """Switch a hatchling project from a manual version to hatch-vcs (git tags); returns the text.

    Removes ``version = ...`` from ``[project]``, lists ``version`` in ``dynamic``, adds
    ``hatch-vcs`` to ``[build-system] requires`` and appends ``[tool.hatch.version]``.

    Raises:
        InputError: The file is not a hatchling project with a manual version to replace.
    """
    path = Path(pyproject)
    path = path / "pyproject.toml" if path.is_dir() else path
    text = path.read_text(encoding="utf-8")
    version = re.search(r'(?m)^version\s*=\s*"[^"]*"[^\n]*\n', text)
    if "hatchling" not in text or version is None or "[tool.hatch.version]" in text:
        msg = f"{path.name}: no hatchling project with a manual 'version = \"...\"' to replace"
        raise InputError(msg, hint="Edit [tool.hatch.version] by hand.", path=str(path))
    text = (
        text[: version.start()]
        + 'dynamic = ["version"]  # from git tags (hatch-vcs)\n'
        + (text[version.end() :])
    )
    text = re.sub(r'requires = \["hatchling([^"]*)"\]', r'requires = ["hatchling\1", "hatch-vcs"]',
                  text, count=1)  # fmt: skip
    text = text.rstrip("\n") + "\n\n" + hatch_vcs_table(tag_prefix)
    path.write_text(text, encoding="utf-8")
    return text


@dataclass(frozen=True)
class VersionExplained:
    """A version taken apart."""

    version: str
    parts: tuple[tuple[str, str], ...]

    def __repr__(self) -> str:
        width = max(len(k) for k, _ in self.parts)
        return "\n".join([self.version, *(f"  {k:<{width}}  {v}" for k, v in self.parts)])


def explain_version(text: str) -> VersionExplained:
    """Say what each part of a version means for pip and for an ALLOW_ONCE Nexus repository.

    Raises:
        InputError: The string is not a PEP 440 version.
    """
    try:
        version = Version(text)
    except InvalidVersion:
        msg = f"{text!r} is not a PEP 440 version"
        raise ConfigError(msg, hint="A version looks like 1.0.0, 1.0.0rc1 or 1.0.1.dev3.") from None
    parts = [("release", f"{version.base_version}: the release this build leads up to")]
    if version.dev is not None:
        parts[0] = (
            "release",
            f"{version.base_version}: the release this development build leads up to; hatch-vcs "
            "guesses it from the last release tag by bumping its last number (after v-1.0.0 "
            "come 1.0.1.devN builds)",
        )
    if version.dev is not None:
        parts.append((
            f"dev{version.dev}",
            f"a development build, {version.dev} commit(s) after the last release tag; "
            f"it sorts before {version.base_version}, so `pip install my_app` never picks it "
            "over a release",
        ))  # fmt: skip
    if version.pre is not None:
        parts.append(("pre-release", "".join(map(str, version.pre)) + ": a release candidate"))
    if version.local:
        commit = re.match(r"g([0-9a-f]+)", version.local)
        what = f"git commit {commit[1]}" if commit else f"local label {version.local!r}"
        parts.append((
            f"+{version.local}",
            f"{what}: a local version label; public indexes refuse it, and it tells builds of "
            "different commits apart",
        ))  # fmt: skip
    if version.dev is None and not version.local:
        parts.append((
            "upload",
            "a release: an ALLOW_ONCE repository accepts its files once; a rebuild of the same "
            "version is refused, even if its bytes differ",
        ))  # fmt: skip
    return VersionExplained(str(version), tuple(parts))
