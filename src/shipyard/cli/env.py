"""``shipyard env``: check and lock environment.yml (chapter 03, :mod:`shipyard.environments`)."""

from __future__ import annotations

from pathlib import Path

import click

from shipyard.cli._common import fail_on_option, format_option, report

__all__ = ["env"]


@click.group("env")
def env() -> None:
    """Check and lock environment.yml (the micromamba runtime, through Nexus's conda proxy)."""


@env.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@format_option()
@fail_on_option("the fail-on setting")
def env_check(file: Path, output_format: str, fail_on: str | None) -> None:
    """Check FILE (an environment.yml) against the ENV rules; exit 1 on findings."""
    from shipyard import environments
    from shipyard.config import load_settings

    settings = load_settings(file.parent) if file.parent.exists() else None
    result = environments.check_environment(file, settings=settings)
    report(result, output_format, fail_on or (settings.fail_on if settings else "warning"))


@env.command("lock")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--channel", "-c", "channels", multiple=True, metavar="URL",
              help="Channel URL or name replacing the file's channels (repeatable).")  # fmt: skip
@click.option("--channel-alias", default="", metavar="URL",
              help="Where channel names resolve, e.g. https://nexus/repository/.")  # fmt: skip
@click.option("--platform", "-p", "platforms", multiple=True, metavar="P",
              help="Platform to lock (repeatable; default linux-64).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Lock file to write (default: environment-lock.yml next to FILE).")  # fmt: skip
def env_lock(
    file: Path, channels: tuple[str, ...], channel_alias: str, platforms: tuple[str, ...],
    output: Path | None,
) -> None:  # fmt: skip
    """Solve FILE with py-rattler and write a conda-lock file and explicit specs."""
    from shipyard import environments
    from shipyard.errors import redact

    result = environments.lock(file, channels=channels, channel_alias=channel_alias,
                               platforms=platforms or ("linux-64",))  # fmt: skip
    written = result.write(output or file.parent / "environment-lock.yml")
    click.echo(redact(repr(result)))
    for path in written:
        click.echo(f"wrote {path}")
