"""Shipyard's own wheel in the sandbox Nexus, where the rendered gate jobs install it from.

The gate jobs of chapter 05 run ``pip install "shipyard[gates]==<version>"`` from the Nexus PyPI
group (``NEXUS_PYPI_GROUP_URL``), as a company that adopted Shipyard has it in its hosted
repository. For ``shipyard pipeline run`` against the sandbox, :func:`plan_shipyard_wheel` plans
the upload of this Shipyard's wheel into the hosted repository (nothing when it is there: the
repository's write policy is ``ALLOW_ONCE``), and :func:`apply` uploads it with twine as the
deploy user. The wheel is built from Shipyard's source tree (an editable install's, or the
repository around ``src/shipyard``) once per content: :func:`built_wheel` caches it under a
digest of the files that go into it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.errors import OperationError, redact

if TYPE_CHECKING:
    from shipyard.config import Secret
    from shipyard.plans import Plan

__all__ = ["built_wheel", "plan_shipyard_wheel", "source_tree", "wheel_cache"]

NOT_RUN = (
    "it installs shipyard[gates]=={version} from Nexus, and this Shipyard is not installed from "
    "a source tree (an editable install or a checkout) to build that wheel from: install Shipyard "
    "with `pip install -e <checkout>` to run it here"
)


def _is_tree(path: Path) -> bool:
    project = path / "pyproject.toml"
    if not project.is_file() or not (path / "src" / "shipyard" / "__init__.py").is_file():
        return False
    return bool(re.search(r'(?m)^name\s*=\s*"shipyard"\s*$', project.read_text(encoding="utf-8")))


def source_tree() -> Path | None:
    """Return the source tree this Shipyard is installed from, ``None`` when there is none.

    An editable install names it in its ``direct_url.json`` (PEP 610); otherwise the repository
    around the imported package (``<tree>/src/shipyard``), when it is one.
    """
    from importlib import metadata
    from urllib.parse import unquote, urlsplit

    import shipyard

    candidates = []
    try:
        direct = metadata.distribution("shipyard").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct = None
    if direct:
        url = json.loads(direct).get("url", "")
        if url.startswith("file://"):
            candidates.append(Path(unquote(urlsplit(url).path)))
    candidates.append(Path(shipyard.__file__).resolve().parents[2])
    return next((path for path in candidates if _is_tree(path)), None)


def _content_digest(tree: Path) -> str:
    """Return a digest of what goes into the wheel: the metadata files and the package."""
    digest = hashlib.sha256()
    files = [tree / "pyproject.toml", tree / "README.md"]
    files += sorted(p for p in (tree / "src" / "shipyard").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts)  # fmt: skip
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(tree).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:24]


def wheel_cache() -> Path:
    """Return where built wheels are kept (``~/.cache/shipyard/self-wheel``)."""
    from shipyard.pipeline._ci_local import tool_cache

    return tool_cache().parent / "self-wheel"


def built_wheel(tree: Path, cache: Path | None = None) -> Path:
    """Return Shipyard's wheel built from the tree, building it only when its content changed.

    Raises:
        OperationError: The build failed.
    """
    from shipyard.packaging.publish import build_wheel

    folder = (cache or wheel_cache()) / _content_digest(tree)
    found = sorted(folder.glob("shipyard-*.whl"))
    if found:
        return found[-1]
    partial = folder.with_name(folder.name + ".part")
    shutil.rmtree(partial, ignore_errors=True)
    built = build_wheel(tree, partial)
    if not built.ok or built.wheel is None:
        raise OperationError("build Shipyard's wheel", status=None,
                             server_message=built.output[-600:], url=str(tree))  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder / built.wheel.name


def _hosted(index: str) -> dict[str, str]:
    """Return the hosted repository's files of ``shipyard``, name -> sha256 (``""`` if unknown)."""
    import requests

    url = f"{index}simple/shipyard/"
    answer = requests.get(url, timeout=30)
    if answer.status_code == 404:
        return {}
    if not answer.ok:
        raise OperationError("read the hosted repository's index", status=answer.status_code,
                             server_message=redact(answer.text[:300]), url=url)  # fmt: skip
    files = {}
    for link in re.findall(r'href="([^"]+)"', answer.text):
        target, _, fragment = link.partition("#")
        files[target.rsplit("/", 1)[-1]] = fragment.removeprefix("sha256=")
    return files


def plan_shipyard_wheel(wheel: Path, upload_url: str, user: str, password: Secret) -> Plan:
    """Plan the upload of Shipyard's wheel to the hosted repository (``upload_url``, ending in /).

    Nothing to do when a file of that name is there. A different build of the same version
    stays (the repository's ``ALLOW_ONCE`` keeps a version forever): the plan says so.
    """
    from shipyard.packaging.publish import upload
    from shipyard.plans import Change, Plan

    hosted = _hosted(upload_url)
    name = wheel.name
    target = f"Nexus hosted repository {upload_url}"
    if name in hosted:
        mine = hashlib.sha256(wheel.read_bytes()).hexdigest()
        note = (
            ""
            if hosted[name] in ("", mine)
            else (
                "another build of this version is there; ALLOW_ONCE keeps it, the jobs install it"
            )
        )
        return Plan([Change("noop", "package", name, note=note)], target)

    def run() -> None:
        done = upload(wheel, upload_url, user, password)
        if not done.ok:
            raise OperationError(f"upload {name}", status=done.status,
                                 server_message=done.reason or done.output[-300:],
                                 url=upload_url)  # fmt: skip

    fields = {"repository": (None, upload_url), "uploaded by": (None, user)}
    return Plan([Change("create", "package", name, fields, run=run)], target)


_INSTALLS_SHIPYARD = re.compile(r"\bpip3?\b.*\binstall\b.*(?<![\w.-])shipyard(?![\w.-])")


def without_shipyard_jobs(pipeline: str, why: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Return the pipeline without the jobs that pip-install Shipyard, and those jobs with why.

    The jobs that need them (``needs``) no longer wait for them. A pipeline this cannot read is
    returned as it is.
    """
    import io

    from shipyard.pipeline._python_image import _load
    from shipyard.pipeline.run import drop_jobs

    names = _installing_shipyard(pipeline)
    data, yaml = _load(pipeline)
    if not names or data is None:
        return pipeline, ()
    drop_jobs(data, set(names))
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue(), tuple((name, why) for name in names)


def _installing_shipyard(pipeline: str) -> list[str]:
    """Return the jobs whose commands (extends and ``!reference`` resolved) install Shipyard."""
    from shipyard.pipeline import ciyaml

    parsed = ciyaml.parse(pipeline)
    if parsed.data is None:
        return []
    installs = _INSTALLS_SHIPYARD.search
    return [job.name for job in parsed.jobs()
            if any(installs(line.text) for line in parsed.script(job))]  # fmt: skip
