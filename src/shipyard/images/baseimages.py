"""Base images whose default user is not root, so a Dockerfile without USER is fine on them.

Docker runs a container as the image's configured user, and an image that never says ``USER``
runs as root. Some base images configure a non-root user themselves; a Dockerfile built on one
inherits it. The table lists the common ones with where the fact comes from; an image not listed
is assumed to run as root, which is what ``python``, ``debian``, ``ubuntu`` and ``alpine`` do.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from shipyard.images.dockerfile import ImageRef

__all__ = ["KNOWN_NON_ROOT", "KnownImage", "default_user"]


@dataclass(frozen=True)
class KnownImage:
    """A family of images that runs as a non-root user unless told otherwise.

    Attributes:
        names: Repository patterns (fnmatch), as :attr:`ImageRef.name` writes them.
        user: The default user.
        tags: Tag patterns the fact holds for (``*``: every tag).
        except_names: Repository patterns in ``names`` the fact does not hold for.
        source: Where the default user is documented.
    """

    names: tuple[str, ...]
    user: str
    tags: tuple[str, ...] = ("*",)
    except_names: tuple[str, ...] = ()
    source: str = ""


KNOWN_NON_ROOT = (
    KnownImage(
        ("gcr.io/distroless/*",),
        "nonroot (65532)",
        tags=("*nonroot*",),
        source="distroless: the :nonroot and :debug-nonroot tags",
    ),
    KnownImage(
        ("cgr.dev/chainguard/*",),
        "nonroot (65532)",
        except_names=(
            "cgr.dev/chainguard/wolfi-base",
            "cgr.dev/chainguard/chainguard-base",
            "cgr.dev/chainguard/busybox",
        ),
        source="Chainguard images run as nonroot, the -dev variants included",
    ),
    KnownImage(
        ("mambaorg/micromamba", "ghcr.io/mamba-org/micromamba"),
        "mambauser (57439)",
        source="micromamba-docker: $MAMBA_USER",
    ),
    KnownImage(
        ("jupyter/*", "quay.io/jupyter/*"),
        "jovyan (1000)",
        source="Jupyter Docker Stacks: $NB_USER",
    ),
    KnownImage(
        ("bitnami/*", "docker.io/bitnami/*"),
        "1001",
        except_names=(
            "bitnami/python",
            "bitnami/node",
            "bitnami/ruby",
            "bitnami/golang",
            "bitnami/java",
            "bitnami/php-fpm",
            "bitnami/dotnet-sdk",
            "bitnami/minideb",
            "bitnami/os-shell",
            "bitnami/git",
        ),
        source="Bitnami's non-root containers; its language images run as root",
    ),
    KnownImage(("nginxinc/nginx-unprivileged",), "nginx (101)", source="nginx-unprivileged"),
    KnownImage(
        ("registry.access.redhat.com/ubi*/python-*", "registry.redhat.io/ubi*/python-*"),
        "default (1001)",
        source="Red Hat's S2I Python images",
    ),
    KnownImage(("apache/airflow",), "airflow (50000)", source="Apache Airflow's image"),
)


def default_user(image: ImageRef) -> KnownImage | None:
    """Return the entry that says ``image`` runs as a non-root user, or ``None`` (root)."""
    name = image.name
    for known in KNOWN_NON_ROOT:
        if not any(fnmatch.fnmatchcase(name, pattern) for pattern in known.names):
            continue
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in known.except_names):
            continue
        if any(fnmatch.fnmatchcase(image.tag, pattern) for pattern in known.tags):
            return known
    return None
