"""Cutting a release: which tag builds what, the deploy job, and trusted publishing for real.

Seed 001 deploys libraries from a job whose rule is ``$CI_COMMIT_TAG =~ /^v-/`` and asks
services to be tagged ``self-hosted-<gitlab version>`` when GitLab releases. :func:`release_matrix`
shows side by side what each kind of tag triggers. :func:`deploy_job` renders the deploy job
(trusted publishing: an ``id_tokens`` entry with PyPI's audience, no stored secret), and
:func:`trusted_publish` runs the real ``uv publish --trusted-publishing always`` with a job's ID
token against an index's OIDC endpoints (in the runbook: the loopback stand-in
:class:`shipyard.sandbox.StandInPyPI`).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shipyard.config import Secret
from shipyard.errors import ConfigError
from shipyard.packaging.publish import _clean_env, _normalise

__all__ = [
    "RELEASE_RULE",
    "ReleaseMatrix",
    "ReleaseRow",
    "TrustedPublishResult",
    "deploy_job",
    "release_matrix",
    "trusted_publish",
]

#: Seed 001's rule for the deploy job, and the same test in Python.
RELEASE_RULE = "$CI_COMMIT_TAG =~ /^v-/"
_RULE = re.compile(r"^v-")
_SELF_HOSTED = re.compile(r"^self-hosted-")


@dataclass(frozen=True)
class ReleaseRow:
    """What one git tag triggers."""

    tag: str
    deploy_job: bool
    wheel_version: str
    image_tag: str

    def cells(self) -> tuple[str, str, str, str]:
        """The row as text cells."""
        deploy = "runs (publishes the library)" if self.deploy_job else "does not run"
        return self.tag, deploy, self.wheel_version, self.image_tag


class ReleaseMatrix(list[ReleaseRow]):
    """Rows of :func:`release_matrix`, shown as a table."""

    _HEAD = ("git tag", f"deploy job ({RELEASE_RULE})", "wheel version (hatch-vcs, v-* only)",
             "image tag (chapter 04)")  # fmt: skip

    def __repr__(self) -> str:
        rows = [self._HEAD, *(r.cells() for r in self)]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                         for row in rows)  # fmt: skip

    def _repr_html_(self) -> str:
        import html

        head = "".join(f"<th>{html.escape(h)}</th>" for h in self._HEAD)
        cells = (
            "".join(f"<td><code>{html.escape(c)}</code></td>" for c in r.cells()) for r in self
        )
        body = "".join(f"<tr>{row}</tr>" for row in cells)
        return (
            f'<table class="shipyard-plan"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )


def release_matrix(tags: list[str]) -> ReleaseMatrix:
    """Say, for each tag, whether seed 001's deploy job runs, the wheel's version, the image tag.

    The wheel version is what hatch-vcs derives with ``tag_prefix="v-"`` (release tags only); the
    image tag follows chapter 04: a ``self-hosted-*`` tag is pushed as itself, a release as its
    version.
    """
    from packaging.version import InvalidVersion, Version

    rows = ReleaseMatrix()
    for tag in tags:
        deploys = bool(_RULE.match(tag))
        version = "(not a release tag: ignored)"
        if deploys:
            try:
                version = str(Version(tag.removeprefix("v-")))
            except InvalidVersion:
                version = "(invalid version: build fails)"
        if _SELF_HOSTED.match(tag):
            image = tag
        elif deploys and not version.startswith("("):
            image = version
        else:
            image = "(none)"
        rows.append(ReleaseRow(tag, deploys, version, image))
    return rows


def deploy_job(*, builder: str = "uv", image: str = "python:3.12") -> str:
    """Return seed 001's deploy job, fixed, publishing with trusted publishing.

    GitLab puts a signed ID token with audience ``pypi`` in ``PYPI_ID_TOKEN``; ``uv publish``
    exchanges it at PyPI for a 15-minute upload token. No password or API token is stored.

    Args:
        builder: ``uv`` (``uv build``) or ``poetry`` (``poetry build``: Poetry itself cannot do
            the token exchange, so uv publishes what Poetry built).
        image: The job's image.
    """
    build = {"uv": "uv build", "poetry": "poetry build"}.get(builder)
    if build is None:
        msg = f"unknown builder {builder!r}"
        raise ConfigError(msg, hint="Use 'uv' or 'poetry'.")
    return (
        "deploy:\n"
        "  stage: deploy\n"
        f"  image: {image}\n"
        "  id_tokens:\n"
        "    PYPI_ID_TOKEN:       # read by uv publish (GitLab CI: <AUDIENCE>_ID_TOKEN)\n"
        "      aud: pypi          # PyPI's audience; PyPI refuses any other\n"
        "  script:\n"
        f"    - pip install uv{' poetry' if builder == 'poetry' else ''}\n"
        f"    - {build}\n"
        "    - uv publish --trusted-publishing always\n"
        "  rules:\n"
        "    - if: $CI_COMMIT_TAG =~ /^v-/\n"
    )


@dataclass(frozen=True)
class TrustedPublishResult:
    """One ``uv publish --trusted-publishing always``: its output and what the index saw."""

    command: str
    returncode: int
    output: str
    events: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether uv exited with status 0."""
        return self.returncode == 0

    def __repr__(self) -> str:
        lines = [f"$ {self.command}", self.output.rstrip(), f"[exit status {self.returncode}]"]
        if self.events:
            lines += ["what the index did:", *(f"  {e}" for e in self.events)]
        return "\n".join(lines)


def _uv() -> str:
    try:
        from uv import find_uv_bin
    except ImportError:
        msg = "uv is not installed in this environment"
        raise ConfigError(msg, hint="pip install 'shipyard[publish]'") from None
    return find_uv_bin()


def trusted_publish(
    files: list[Path], upload_url: str, id_token: Secret, *, ca_file: Path | None = None,
    events: object = None,
) -> TrustedPublishResult:  # fmt: skip
    """Run the real ``uv publish --trusted-publishing always`` as a GitLab job would.

    The environment is a GitLab job's: ``GITLAB_CI=true`` and the ID token in ``PYPI_ID_TOKEN``
    (what ``id_tokens: PYPI_ID_TOKEN: aud: pypi`` gives the job). Nothing else of this machine's
    configuration is passed.

    Args:
        files: The distributions to upload.
        upload_url: The index's upload URL (``https://upload.pypi.org/legacy/`` on PyPI).
        id_token: The job's ID token; never shown.
        ca_file: A CA bundle to trust (``SSL_CERT_FILE``), for a stand-in's certificate.
        events: Something with an ``events`` list to report (the stand-in), read afterwards.
    """
    if not files:
        msg = "nothing to publish"
        raise ConfigError(msg, hint="Build first.")
    with tempfile.TemporaryDirectory(prefix="shipyard-uv-") as home:
        env = _clean_env(GITLAB_CI="true", PYPI_ID_TOKEN=id_token.reveal(), HOME=home,
                         UV_CACHE_DIR=f"{home}/cache", UV_NO_CONFIG="1")  # fmt: skip
        for name in ("UV_PUBLISH_TOKEN", "UV_PUBLISH_PASSWORD", "UV_PUBLISH_USERNAME"):
            env.pop(name, None)
        if ca_file:
            env["SSL_CERT_FILE"] = str(ca_file)
        import subprocess

        args = ["publish", "--trusted-publishing", "always", "--publish-url", upload_url]
        done = subprocess.run([_uv(), *args, *map(str, files)], env=env, capture_output=True,
                              text=True, check=False, timeout=120)  # fmt: skip
    shown = " ".join(["uv", *args[:-1], _normalise(upload_url), *(Path(f).name for f in files)])
    output = _normalise(done.stdout + done.stderr, [id_token])
    seen = tuple(getattr(events, "events", ()) or ())
    return TrustedPublishResult(shown, done.returncode, output, tuple(_normalise(e) for e in seen))
