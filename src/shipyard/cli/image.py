"""``shipyard image``: check, render and build Dockerfiles; show the tags and pushes of a release.

A thin face over :mod:`shipyard.images`; registered on the main command group in
:mod:`shipyard.cli`, whose ``main`` turns Shipyard's errors into ``error: ...`` and exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from shipyard.cli._common import (
    fail_on_option,
    format_option,
    ignore_option,
    report,
    select_option,
    split,
)

if TYPE_CHECKING:
    from shipyard.config import Secret

__all__ = ["image"]


@click.group("image")
def image() -> None:
    """Check, render and build Dockerfiles; show an image release's tags and push commands."""


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


def _build_args(values: tuple[str, ...]) -> dict[str, str | Secret]:
    """Parse ``NAME=VALUE`` (or ``NAME``, taken from the environment, as docker does)."""
    import os

    from shipyard.config import Secret
    from shipyard.errors import ConfigError

    args: dict[str, str | Secret] = {}
    for value in values:
        name, sep, given = value.partition("=")
        if not name.isidentifier():
            msg = f"--build-arg {name!r}: expected NAME=VALUE or NAME"
            raise ConfigError(
                msg, hint="Write --build-arg NEXUS_TOKEN=... or --build-arg NEXUS_TOKEN."
            )
        if not sep:
            if name not in os.environ:
                msg = f"--build-arg {name}: no value given and no {name} in the environment"
                raise ConfigError(msg, hint=f"Export {name}, or pass {name}=VALUE.")
            given = os.environ[name]
        # Every build argument is treated as a secret: shown masked, never printed.
        args[name] = Secret(given, name=f"--build-arg {name}")
    return args


@image.command("build")
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("-f", "--file", "dockerfile", type=click.Path(path_type=Path), default=None,
              help="The Dockerfile (default: PATH/Dockerfile).")  # fmt: skip
@click.option("--variant", type=click.Choice(["uv", "poetry", "micromamba"]), default=None,
              help="Build the rendered reference Dockerfile of this variant instead.")  # fmt: skip
@click.option("--build-arg", "build_args", multiple=True, metavar="NAME=VALUE",
              help="A build argument (repeatable); shown masked in every output.")  # fmt: skip
@click.option("--push", is_flag=True, help="Push the image (to the sandbox's hosted registry "
              "unless --repository names another).")  # fmt: skip
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="A tag to push (repeatable; default: the project's version).")  # fmt: skip
@click.option("--repository", default=None, metavar="REGISTRY/PATH",
              help="Where to push, e.g. $CI_REGISTRY_IMAGE.")  # fmt: skip
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: a summary; json: the measured facts.")  # fmt: skip
def image_build(
    path: Path, dockerfile: Path | None, variant: str | None, build_args: tuple[str, ...],
    push: bool, tags: tuple[str, ...], repository: str | None, output_format: str,
) -> None:  # fmt: skip
    """Build the image of PATH daemonless (buildah), run it with no network, measure and push it.

    Reports the uid it runs as, its size and layers, its entry point's output, build arguments
    or secret-like variables left in its history or config (masked), and the references pushed.
    Exits 1 when the image runs as root or leaks a value, 0 otherwise.
    """  # noqa: D205, D209
    import json
    import sys

    from shipyard.images.build import build_image

    report = build_image(path, dockerfile, variant=variant, build_args=_build_args(build_args),
                         tags=tags, push=push, repository=repository)  # fmt: skip
    if output_format == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo(report.text(stable=False))
        click.echo(f"  timing       built in {report.build_seconds} s, ran in "
                   f"{report.run_seconds} s")  # fmt: skip
    problems = (["runs as root"] if report.uid == 0 else []) + \
        [f"{leak.name} leaks into the image" for leak in report.leaks]  # fmt: skip
    if problems:
        click.echo(f"image build: {'; '.join(problems)}", err=True)
        sys.exit(1)
