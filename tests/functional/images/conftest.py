"""One sandbox with its registry, and one build lab, for every image-building test of a run.

The registry's base images are built once per machine (cached under ~/.cache/shipyard); the
builds here reuse buildah's layer cache, so a second run takes seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard import images
from shipyard.sandbox import Sandbox


@pytest.fixture(scope="session")
def registry_sandbox() -> Iterator[Sandbox]:
    """A sandbox whose registry runs, its Docker Hub stand-in holding the base images."""
    with Sandbox() as sandbox:
        sandbox.start_registry()
        yield sandbox


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample app with its lock and the chapter's three Dockerfiles."""
    return images.image_project(tmp_path_factory.mktemp("lab")).path


@pytest.fixture(scope="session")
def multi(lab: Path, registry_sandbox: Sandbox) -> images.ImageReport:
    """The reference multi-stage image of the sample app, built and pushed as 1.0.0."""
    return images.build_image(lab, sandbox=registry_sandbox, push=True, tags=["1.0.0"])


@pytest.fixture(scope="session")
def single(lab: Path, registry_sandbox: Sandbox) -> images.ImageReport:
    """Seed 004's single-stage image of the same app."""
    return images.build_image(lab, "Dockerfile.single", sandbox=registry_sandbox)
