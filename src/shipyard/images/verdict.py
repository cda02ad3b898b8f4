"""IMG rules decided by the built image where the Dockerfile's text cannot decide.

The text check of IMG001 resolves the user from ``USER`` instructions, ``ARG``/``ENV`` defaults and
a table of base images known to run as non-root. Two cases escape it: a ``USER`` set from a
variable that only the build command gives (``USER ${APP_UID}`` with ``--build-arg``), and a
base image the table does not know, whose own config sets a non-root user. A build measures
what the text guesses: the uid ``id -u`` prints in a container of the image. Where both exist,
the build's verdict wins: a measured root adds the IMG001 finding the text missed, a measured
non-root uid removes the one the text assumed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipyard.findings import Finding, Findings
from shipyard.images.build import ImageReport, build_image

__all__ = ["apply_build_verdict", "check_image"]


def apply_build_verdict(
    findings: list[Finding], report: ImageReport, path: str, line: int, doc_url: str
) -> list[Finding]:
    """Return the findings with IMG001 on ``path`` decided by the built image's uid.

    Args:
        findings: The text check's findings.
        report: The build of that Dockerfile.
        path: The Dockerfile as the findings name it.
        line: The line of the final stage's ``FROM``, where a new finding points.
        doc_url: IMG001's page.

    Returns:
        The findings, IMG001 on ``path`` replaced by the build's verdict; unchanged when the
        uid could not be measured.
    """
    if report.uid is None:
        return list(findings)
    others = [f for f in findings if not (f.rule_id == "IMG001" and f.path == path)]
    text = [f for f in findings if f.rule_id == "IMG001" and f.path == path]
    if report.uid != 0:
        return others
    if text:
        return list(findings)
    severity = "error"
    message = (
        "the built image runs as root (uid 0, measured with `id -u` in the image), which the "
        "text could not tell: its user comes from a build argument or from the base image; "
        "add a non-root user and switch to it with USER"
    )
    return [*others, Finding(path, line, "IMG001", severity, message, doc_url)]


def check_image(
    path: Path | str = ".",
    dockerfile: str = "Dockerfile",
    *,
    report: ImageReport | None = None,
    **build: Any,
) -> Findings:
    """Check a Dockerfile's text, build it, and let the built image decide IMG001.

    Args:
        path: The project (the build context).
        dockerfile: The Dockerfile, relative to ``path``.
        report: A build of it already made; otherwise it is built here.
        **build: Passed to :func:`~shipyard.images.build_image` (``build_args``, ``sandbox``...).

    Returns:
        The findings of :func:`~shipyard.images.check`, IMG001 decided by the build.
    """
    from shipyard import images
    from shipyard.config import load_settings
    from shipyard.rules import get_rule

    root = Path(path)
    settings = load_settings(root)
    findings = images.check(root, files=[root / dockerfile], settings=settings)
    report = report or build_image(root, dockerfile, **build)
    parsed = images.load_dockerfile(root / dockerfile)
    line = parsed.stages[-1].line if parsed.stages else 1
    doc_url = get_rule("IMG001").doc_url(settings.docs_url)
    decided = apply_build_verdict(
        list(findings), report, Path(dockerfile).as_posix(), line, doc_url
    )
    return Findings(decided)
