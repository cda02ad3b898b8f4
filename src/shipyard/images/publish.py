"""Push a built image under a release's tags, pull it back by digest, and show the registry.

Seed 001 publishes images to the project's container registry, tagged with the service's
version and ``self-hosted-<gitlab-version>``. :func:`push_image` pushes once and copies the
other tags inside the registry (one manifest, one digest); :func:`pull_by_digest` pins the
exact image back, as a self-hosted user does; :func:`registry` describes the sandbox's.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.config import Settings
from shipyard.errors import ConfigError
from shipyard.images.build import ImageReport, engine_for

if TYPE_CHECKING:
    from shipyard.sandbox import Sandbox

__all__ = ["Pulled", "Pushed", "RegistryInfo", "pull_by_digest", "push_image", "registry"]


@dataclass(frozen=True)
class Pushed:
    """The references an image was pushed to, and the manifest digest the registry stored.

    Attributes:
        repository: The repository pushed to (``registry/path``).
        references: ``repository:tag`` for each tag.
        digest: The manifest digest (``sha256:...``), the same for every tag.
    """

    repository: str
    references: list[str]
    digest: str

    @property
    def by_digest(self) -> str:
        """Return the reference that names this exact image, ``repository@sha256:...``."""
        return f"{self.repository}@{self.digest}"

    def __repr__(self) -> str:
        from shipyard.runbook import normalise

        rows = [
            f"pushed {len(self.references)} tags, one manifest digest (sha256, "
            f"{len(self.digest.removeprefix('sha256:'))} hex digits):"
        ]
        rows += [f"  {normalise(reference)}" for reference in self.references]
        return "\n".join(rows)


def push_image(
    image: ImageReport | str,
    tags: Sequence[str],
    *,
    repository: str | None = None,
    settings: Settings | None = None,
    sandbox: Sandbox | None = None,
) -> Pushed:
    """Push a built image under each tag, as the pipeline's build job does.

    Args:
        image: A build's report, or a local image name.
        tags: The tags, e.g. from :func:`shipyard.images.release_tags`.
        repository: Where to (default against the sandbox: its hosted registry's
            ``shipyard/demo/<name>``).
        settings: The settings (default: read from the current directory).
        sandbox: The sandbox (default: the shared one when the target is the sandbox).

    Raises:
        ConfigError: No repository against the real target, or no tags.
        ShipyardError: The push failed.
    """
    from shipyard._target import resolve

    settings, sandbox = resolve(settings, sandbox)
    local = image.image if isinstance(image, ImageReport) else image
    if sandbox is not None and repository is None:
        name = local.split("/")[-1].split(":")[0]
        repository = f"{sandbox.start_registry(base_images=False).hosted}/shipyard/demo/{name}"
    if not repository:
        msg = "nowhere to push: no repository given"
        raise ConfigError(msg, hint="Pass repository= (--repository), e.g. $CI_REGISTRY_IMAGE.")
    if not tags:
        raise ConfigError("no tags to push", hint="Pass the release's tags.")
    engine = engine_for(sandbox, base_images=False)
    verify = f"--tls-verify={'false' if sandbox else 'true'}"
    first = f"{repository}:{tags[0]}"
    with tempfile.TemporaryDirectory() as tmp:
        digestfile = Path(tmp) / "digest"
        engine.run("podman", "push", verify, "--digestfile", str(digestfile), local,
                   f"docker://{first}", what=f"podman push {first}")  # fmt: skip
        digest = digestfile.read_text(encoding="utf-8").strip()
    # The other tags name the same manifest: copied inside the registry, nothing is compressed
    # or uploaded again, and the digest stays the one pushed.
    tls = ["--src-tls-verify=false", "--dest-tls-verify=false"] if sandbox else []
    for tag in tags[1:]:
        target = f"{repository}:{tag}"
        engine.run("skopeo", "copy", "--preserve-digests", *tls, f"docker://{first}",
                   f"docker://{target}", what=f"skopeo copy to {target}")  # fmt: skip
    references = [f"{repository}:{tag}" for tag in tags]
    return Pushed(repository, references, digest)


@dataclass(frozen=True)
class Pulled:
    """An image pulled back by digest.

    Attributes:
        reference: What was pulled, ``repository@sha256:...``.
        digest: The digest the registry reports for it.
        image_id: The local image id after the pull.
    """

    reference: str
    digest: str
    image_id: str

    @property
    def matches(self) -> bool:
        """Whether the registry served exactly the manifest the reference names."""
        return self.reference.endswith("@" + self.digest)

    def __repr__(self) -> str:
        from shipyard.runbook import normalise

        repository = normalise(self.reference.split("@")[0])
        verdict = (
            "the same manifest digest as pushed"
            if self.matches
            else f"a DIFFERENT digest: {self.digest}"
        )
        return f"pulled {repository}@sha256:... back: {verdict}"


def pull_by_digest(
    reference: str, *, sandbox: Sandbox | None = None, settings: Settings | None = None
) -> Pulled:
    """Pull ``repository@sha256:...`` back, as a self-hosted user pins an exact image.

    Returns:
        What was pulled, the digest the registry reports (skopeo) and the local image id.
    """
    from shipyard._target import resolve

    settings, sandbox = resolve(settings, sandbox)
    engine = engine_for(sandbox, base_images=False)
    tls = f"--tls-verify={'false' if sandbox else 'true'}"
    inspected = json.loads(
        engine.run("skopeo", "inspect", tls, f"docker://{reference}", what="skopeo inspect").stdout
    )
    image_id = engine.run("podman", "pull", "--quiet", tls, reference, what="podman pull").stdout
    return Pulled(reference, str(inspected.get("Digest", "")), image_id.strip()[:12])


@dataclass(frozen=True)
class RegistryInfo:
    """The sandbox's registry: where it is and what its Docker Hub stand-in holds."""

    hosted: str
    hub: str
    stand_ins: Mapping[str, str]
    not_built: Mapping[str, str]

    def __repr__(self) -> str:
        from shipyard.runbook import normalise

        rows = [
            f"hosted (the project's registry): {normalise(self.hosted)}",
            f"Docker Hub stand-in:             {normalise(self.hub)}",
            "base images it holds, built here (stand-ins, not the official images):",
        ]
        rows += [f"  {name}\n    {what}" for name, what in self.stand_ins.items()]
        rows += ["not available here:"]
        rows += [f"  {name}: {why}" for name, why in self.not_built.items()]
        return "\n".join(rows)


def registry(*, settings: Settings | None = None, sandbox: Sandbox | None = None) -> RegistryInfo:
    """Start the sandbox's registry (building its base images once per machine) and describe it.

    Raises:
        ConfigError: The target is not the sandbox: a real registry is the company's.
    """
    from shipyard._target import resolve

    settings, sandbox = resolve(settings, sandbox)
    if sandbox is None:
        msg = "the registry stand-in belongs to the sandbox; the target is real"
        raise ConfigError(msg, hint="Use $CI_REGISTRY_IMAGE and your Nexus Docker proxy.")
    info = sandbox.start_registry().describe()
    return RegistryInfo(info["hosted"], info["hub"], info["stand_ins"], info["not_built"])
