"""Release tags of an image, and the commands that push them (shown, never run here).

The scheme, from the runbook's seed: a release ``v1.4.2`` is published as ``1.4.2``, and moves
``1.4``, ``1`` and ``latest`` when it is the newest of each; a pre-release gets only its own tag;
and when GitLab releases ``v17.5.0-ee``, the service repository is tagged
``self-hosted-v17.5.0-ee`` and the image gets that tag, so self-hosted users pick the image that
matches their GitLab. Images go to the project's container registry (``$CI_REGISTRY_IMAGE``) and,
optionally, to Docker Hub.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from shipyard.errors import ConfigError

__all__ = ["PublishCommands", "ReleaseTags", "publish_commands", "release_tags", "self_hosted_tag"]

_GITLAB_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(-ee|-ce)?$")
_SEMVER = re.compile(r"^v?\d+\.\d+\.\d++([-.]?[A-Za-z0-9.]+)?$")
_DOCKERHUB_REPO = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*/[a-z0-9]+(?:[._-][a-z0-9]+)*$")
LATEST_POLICIES = ("newest-stable", "never")


@dataclass(frozen=True)
class ReleaseTags:
    """The tags one release gets, each with the reason.

    Attributes:
        ref: The git tag the release was cut from.
        tags: The image tags, most specific first.
        reasons: Why each tag is there (or moves).
    """

    ref: str
    tags: tuple[str, ...]
    reasons: tuple[str, ...]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tags)

    def __len__(self) -> int:
        return len(self.tags)

    def __repr__(self) -> str:
        width = max((len(t) for t in self.tags), default=0)
        rows = [f"  {t:<{width}}  {r}" for t, r in zip(self.tags, self.reasons, strict=True)]
        return "\n".join([f"git tag {self.ref} -> image tags:", *rows])

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{html.escape(t)}</code></td><td>{html.escape(r)}</td></tr>"
            for t, r in zip(self.tags, self.reasons, strict=True)
        )
        return (
            f"<p>git tag <code>{html.escape(self.ref)}</code> → image tags:</p>"
            '<table class="shipyard-tags"><thead><tr><th>tag</th><th>why</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )


def self_hosted_tag(gitlab_version: str) -> str:
    """Return ``self-hosted-v<gitlab-version>`` for a GitLab release (``17.5.0`` or ``v17.5.0-ee``).

    Raises:
        ConfigError: The version is not a GitLab release version.
    """
    match = _GITLAB_VERSION.match(gitlab_version.strip())
    if not match:
        msg = f"{gitlab_version!r} is not a GitLab version like '17.5.0' or 'v17.5.0-ee'"
        raise ConfigError(msg, hint="Use the version GitLab's release is tagged with.")
    return f"self-hosted-v{'.'.join(match.groups()[:3])}{match[4] or ''}"


def _version(text: str, what: str) -> Version:
    try:
        if not _SEMVER.match(text):
            raise InvalidVersion(text)
        return Version(text)
    except InvalidVersion:
        msg = f"{what} {text!r} is not a release version like 'v1.4.2' or '1.5.0-rc.1'"
        raise ConfigError(
            msg, hint="Tag releases vMAJOR.MINOR.PATCH (semantic versioning)."
        ) from None


def release_tags(
    ref: str, *, published: Iterable[str] = (), latest: str = "newest-stable"
) -> ReleaseTags:
    """Compute the image tags for a release.

    Args:
        ref: The git tag: ``v1.4.2``, ``1.5.0-rc.1``, or ``self-hosted-v17.5.0-ee``.
        published: Versions already released; a floating tag (``1.4``, ``1``, ``latest``)
            moves only to a version newer than every published one it covers.
        latest: ``newest-stable`` (``latest`` follows the newest stable release) or ``never``.

    Returns:
        The tags and why each is there.

    Raises:
        ConfigError: The ref is neither a release version nor a self-hosted tag, a published
            version is invalid, or the policy is unknown.
    """
    if latest not in LATEST_POLICIES:
        msg = f"latest policy {latest!r} is not one of {', '.join(LATEST_POLICIES)}"
        raise ConfigError(msg, hint="'never' keeps 'latest' off every image.")
    if ref.startswith("self-hosted-"):
        tag = self_hosted_tag(ref.removeprefix("self-hosted-"))
        return ReleaseTags(
            ref, (tag,), ("matches GitLab " + tag.removeprefix("self-hosted-") + "; never moves",)
        )
    version = _version(ref, "release")
    exact = ref.removeprefix("v")
    if not _is_stable(version):
        return ReleaseTags(ref, (exact,), ("a pre-release: only its own tag, nothing moves",))
    others = [_version(p, "published version") for p in published]
    stable = [v for v in others if _is_stable(v) and v != version]
    floating = _floating_tags(version, stable, latest)
    tags = (exact, *(tag for tag, _ in floating))
    return ReleaseTags(ref, tags, ("this release; never moves", *(why for _, why in floating)))


def _is_stable(version: Version) -> bool:
    return not version.is_prerelease and not version.is_devrelease


def _floating_tags(version: Version, stable: list[Version], latest: str) -> list[tuple[str, str]]:
    """Return (tag, reason) for each floating tag a stable release moves.

    A floating tag moves when the release is newer than every published stable version it
    covers: ``1.4`` covers the 1.4.x releases, ``1`` the 1.x ones and ``latest`` all of them.
    """
    major, minor = version.release[0], version.release[1]
    scopes: list[tuple[str, str, Callable[[Version], bool]]] = [
        (
            f"{major}.{minor}",
            f"the newest {major}.{minor}.x release",
            lambda v: v.release[:2] == (major, minor),
        ),
        (f"{major}", f"the newest {major}.x release", lambda v: v.release[0] == major),
    ]
    if latest == "newest-stable":
        scopes.append(("latest", "the newest stable release", lambda v: True))
    return [
        (tag, why) for tag, why, covers in scopes if all(v < version for v in stable if covers(v))
    ]


@dataclass(frozen=True)
class PublishCommands:
    """Shell commands a CI job runs to publish an image; shown here, never run.

    Attributes:
        lines: The commands, with comments, one per line.
    """

    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return f'<pre class="shipyard-commands">{html.escape(str(self))}</pre>'


def publish_commands(
    tags: Iterable[str],
    *,
    image: str = "$CI_REGISTRY_IMAGE",
    dockerhub: str | None = None,
    style: str = "buildx",
    platforms: Iterable[str] = ("linux/amd64",),
    context: str = ".",
) -> PublishCommands:
    """Return the commands that build and push an image with its tags.

    Credentials are never in the commands: they are GitLab CI variables (``CI_REGISTRY_*`` are
    predefined; ``DOCKERHUB_USERNAME`` and ``DOCKERHUB_TOKEN`` are masked, protected variables
    of the project), read by ``docker login --password-stdin``.

    Args:
        tags: The image tags (see :func:`release_tags`).
        image: The GitLab registry image; ``$CI_REGISTRY_IMAGE`` in a pipeline.
        dockerhub: The Docker Hub repository (``namespace/name``) to push to as well.
        style: ``buildx`` (one ``docker buildx build --push``, multi-platform) or ``docker``
            (``docker build``, ``docker tag``, ``docker push``).
        platforms: Platforms for ``buildx``.
        context: The build context.

    Raises:
        ConfigError: No tag, an unknown style, or a Docker Hub name that is not ``namespace/name``.
    """
    tags = list(tags)
    _check_publish(tags, style, dockerhub)
    refs = [f"{image}:{t}" for t in tags]
    if dockerhub:
        refs += [f"docker.io/{dockerhub}:{t}" for t in tags]
    quoted = [_quote(r) for r in refs]
    labels = [
        f'--label "org.opencontainers.image.version={tags[0]}"',
        '--label "org.opencontainers.image.revision=$CI_COMMIT_SHA"',
        '--label "org.opencontainers.image.source=$CI_PROJECT_URL"',
    ]
    if style == "buildx":
        pushes = _buildx_lines(quoted, labels, platforms, context)
    else:
        pushes = _docker_lines(quoted, labels, context)
    lines = _login_lines(dockerhub) + pushes
    return PublishCommands(tuple("\n".join(lines).splitlines()))


def _check_publish(tags: list[str], style: str, dockerhub: str | None) -> None:
    """Raise when :func:`publish_commands` cannot show commands for these arguments.

    Raises:
        ConfigError: No tag, an unknown style, or a Docker Hub name that is not ``namespace/name``.
    """
    if not tags:
        msg = "no tags to publish"
        raise ConfigError(msg, hint="Compute them with release_tags().")
    if style not in ("buildx", "docker"):
        msg = f"publish style {style!r} is not 'buildx' or 'docker'"
        raise ConfigError(msg, hint="buildx pushes every tag and platform in one command.")
    if dockerhub is not None and not _DOCKERHUB_REPO.match(dockerhub):
        msg = f"Docker Hub repository {dockerhub!r} is not 'namespace/name' in lower case"
        raise ConfigError(msg, hint="For GitLab's organisation: 'gitlab/<service>'.")


def _login_lines(dockerhub: str | None) -> list[str]:
    """Return the ``docker login`` commands: GitLab's registry, and Docker Hub when pushed to."""
    lines = [
        "# GitLab container registry: CI_REGISTRY, CI_REGISTRY_USER and CI_REGISTRY_PASSWORD are",
        "# predefined in every job.",
        'echo "$CI_REGISTRY_PASSWORD" | docker login --username "$CI_REGISTRY_USER" '
        '--password-stdin "$CI_REGISTRY"',
    ]
    if dockerhub:
        lines += [
            "# Docker Hub: DOCKERHUB_USERNAME and DOCKERHUB_TOKEN are masked, protected CI "
            "variables.",
            'echo "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" '
            "--password-stdin docker.io",
        ]
    return lines


def _buildx_lines(
    quoted: list[str], labels: list[str], platforms: Iterable[str], context: str
) -> list[str]:
    """Return one ``docker buildx build --push`` with every platform and tag."""
    parts = ["docker buildx build --push", f"--platform {','.join(platforms)}", *labels]
    parts += [f"--tag {q}" for q in quoted] + [context]
    return [" \\\n  ".join(parts)]


def _docker_lines(quoted: list[str], labels: list[str], context: str) -> list[str]:
    """Return ``docker build`` with the first tag, then ``docker tag`` and ``docker push``."""
    lines = [" \\\n  ".join(["docker build", *labels, f"--tag {quoted[0]}", context])]
    lines += [f"docker tag {quoted[0]} {q}" for q in quoted[1:]]
    lines += [f"docker push {q}" for q in quoted]
    return lines


def _quote(reference: str) -> str:
    return f'"{reference}"' if "$" in reference else shlex.quote(reference)
