"""``shipyard image``: check and render Dockerfiles, and show the tags and pushes of a release.

A thin face over :mod:`shipyard.images`; registered on the main command group in
:mod:`shipyard.cli`, whose ``main`` turns Shipyard's errors into ``error: ...`` and exit status 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from shipyard.cli._common import (
    fail_on_option,
    format_option,
    ignore_option,
    report,
    select_option,
    split,
)

__all__ = ["image"]


@click.group("image")
def image() -> None:
    """Check and render Dockerfiles; show an image release's tags and push commands."""


@image.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@format_option()
@click.option(
    "--target", "targets", multiple=True, metavar="STAGE",
    help="A stage that becomes an image, as `docker build --target` (repeatable; default: the "
    "last stage).",
)  # fmt: skip
@select_option(
    "Run only these rules (comma-separated, e.g. IMG001,DL3008; IMG alone skips hadolint)."
)
@ignore_option("Skip these ids (comma-separated, DL ids too).")
@fail_on_option()
def image_check(
    files: tuple[Path, ...], output_format: str, targets: tuple[str, ...],
    select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str | None,
) -> None:  # fmt: skip
    """Check FILES (default: every Dockerfile under the current directory) with the IMG rules
    and hadolint.

    The current directory is the build context: its .dockerignore, .hadolint.yaml and
    pyproject.toml ([tool.shipyard]) apply.
    """  # noqa: D205, D209 - click shows the first paragraph whole
    from shipyard import images
    from shipyard.config import load_settings
    from shipyard.errors import InputError

    root = Path(".")
    if not files and not images.find_dockerfiles(root):
        msg = "no Dockerfile here (Dockerfile, *.Dockerfile or Dockerfile.* under this directory)"
        raise InputError(msg, path=root.resolve(), hint="Pass the Dockerfiles to check.")
    settings = load_settings(root)
    result = images.check(root, files=files, targets=targets, settings=settings,
                          select=split(select), ignore=split(ignore))  # fmt: skip
    report(result, output_format, fail_on or settings.fail_on)


@image.command("render")
@click.option(
    "--variant", type=click.Choice(["uv", "poetry", "micromamba"]), default="uv",
    show_default=True, help="How the environment is built: uv.lock, poetry.lock, or "
    "environment.yml plus the project's wheel from dist/.",
)  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="The port a service listens on: adds EXPOSE and a HEALTHCHECK.")  # fmt: skip
@click.option("--python", "python", default="3.12", show_default=True,
              help="Python version of the python:<version>-slim-bookworm base.")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace an existing Dockerfile or .dockerignore.")
@click.option("--stdout", "to_stdout", is_flag=True,
              help="Print the Dockerfile instead of writing any file.")  # fmt: skip
def image_render(
    variant: str, port: int | None, python: str, force: bool, to_stdout: bool
) -> None:  # fmt: skip
    """Write the reference multi-stage Dockerfile and .dockerignore of the project here."""
    from shipyard import images

    if to_stdout:
        click.echo(images.render_dockerfile(".", variant, port=port, python=python), nl=False)
        return
    for path in images.render(".", variant, force=force, port=port, python=python):
        click.echo(f"wrote {path.as_posix()}")


@image.command("tags")
@click.argument("ref")
@click.option("--published", multiple=True, metavar="VERSIONS",
              help="Versions already released (comma-separated, repeatable): floating tags "
              "move only to a newer one.")  # fmt: skip
@click.option("--latest", type=click.Choice(["newest-stable", "never"]), default="newest-stable",
              show_default=True, help="When the image gets the 'latest' tag.")  # fmt: skip
@click.option("--image", "image_name", default="$CI_REGISTRY_IMAGE", show_default=True,
              help="The GitLab container registry image.")  # fmt: skip
@click.option("--dockerhub", default=None, metavar="NAMESPACE/NAME",
              help="Also push to this Docker Hub repository.")  # fmt: skip
@click.option("--style", type=click.Choice(["buildx", "docker"]), default="buildx",
              show_default=True,
              help="One `docker buildx build --push`, or docker build, tag and push.")  # fmt: skip
@click.option("--platform", "platforms", multiple=True, metavar="PLATFORM",
              help="Platforms for buildx (repeatable; default linux/amd64).")  # fmt: skip
def image_tags(
    ref: str, published: tuple[str, ...], latest: str, image_name: str, dockerhub: str | None,
    style: str, platforms: tuple[str, ...],
) -> None:  # fmt: skip
    """Show the image tags of the release REF (v1.4.2, self-hosted-v17.5.0-ee) and the commands
    that push them; nothing is run.
    """  # noqa: D205, D209
    from shipyard import images

    tags = images.release_tags(ref, published=split(published), latest=latest)
    click.echo(repr(tags))
    click.echo()
    commands = images.publish_commands(tags, image=image_name, dockerhub=dockerhub, style=style,
                                       platforms=platforms or ("linux/amd64",))  # fmt: skip
    click.echo(str(commands))
