"""The reading behind the CI rules: the schema, secrets in commands, refs, images, includes.

:mod:`shipyard.pipeline.rules` declares the rules; the functions here take parsed data and say
what they found, so each rule's check stays a few lines.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from shipyard.errors import ShipyardError
from shipyard.pipeline import _expr
from shipyard.pipeline import _jobs as jobs
from shipyard.pipeline.ciyaml import CiFile, Job, _item_line, _key_line

__all__ = [
    "SECRET_NAME",
    "expand",
    "images",
    "include_problem",
    "schema_errors",
    "secret_argument",
    "tag_problem",
    "unprotected_runs",
    "untested",
]

#: Names of variables that hold secrets.
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_KEY|CREDENTIAL)", re.I)
_VARIABLE = re.compile(r"\$\{?(\w+)\}?")
_UNEXPECTED = re.compile(r"\('([^']+)'")


@lru_cache(maxsize=1)
def _validator() -> Any:
    # check-jsonschema's vendored copy of GitLab's ci.json: offline, and the one its
    # `--builtin-schema vendor.gitlab-ci` uses. Found without importing check_jsonschema, whose
    # command line imports far more than this needs.
    from importlib.util import find_spec

    spec = find_spec("check_jsonschema")
    if spec is None or spec.origin is None:
        msg = "check-jsonschema is not installed: it holds GitLab's CI schema (rule CI001)"
        raise ShipyardError(msg, hint="pip install check-jsonschema (a dependency of Shipyard).")
    schema = Path(spec.origin).parent / "builtin_schemas" / "vendor" / "gitlab-ci.json"
    return _jsonschema().Draft7Validator(json.loads(schema.read_text(encoding="utf-8")))


def _jsonschema() -> Any:
    """Import jsonschema without the IRI grammar it loads when rfc3987-syntax is installed.

    That optional module builds a parser at import (seconds, measured 3.6-5.6 s here); CI001
    checks no ``format``, so it is not needed. Other importers get it as usual afterwards.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        import jsonschema

        return jsonschema
    sys.modules["rfc3987_syntax"] = None  # ty: ignore[invalid-assignment] # its import fails fast
    try:
        import jsonschema
    finally:
        del sys.modules["rfc3987_syntax"]
    return jsonschema


def _line_at(data: Any, path: list[Any]) -> int:
    """Return the line of the deepest key or item of ``path`` that the YAML has."""
    line, node = 1, data
    for step in path:
        if isinstance(node, dict) and step in node:
            line = _key_line(node, step, line)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            line = _item_line(node, step, line)
        else:
            break
        node = node[step]
    return line


def _describe(error: Any) -> str:
    from jsonschema.exceptions import best_match

    if error.context:
        error = best_match(error.context)
    where = "/".join(str(p) for p in error.absolute_path) or "the top level"
    message = " ".join(error.message.split())
    if any(SECRET_NAME.search(str(p)) for p in error.absolute_path):
        # jsonschema quotes the value; under a secret's name that may be the secret itself
        message = f"the value is not valid here ({error.validator} {error.validator_value!r})"
    if len(message) > 160:
        message = message[:159] + "…"
    return f"{where}: {message}"


def schema_errors(ci: CiFile) -> list[tuple[str, int]]:
    """Return what GitLab's CI schema says about the file: (message, line) per error."""
    if ci.problem:
        return [ci.problem]
    found: list[tuple[str, int]] = []
    for document, data in ((ci.header_raw, ci.header), (ci.raw, ci.data)):
        if document is None:
            continue
        for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.path)[:1]):
            leaf = error
            if error.context:
                from jsonschema.exceptions import best_match

                leaf = best_match(error.context)
            path = list(leaf.absolute_path)
            unexpected = (
                _UNEXPECTED.search(leaf.message)
                if leaf.validator == "additionalProperties"
                else None
            )
            if unexpected:
                path.append(unexpected.group(1))
            found.append((_describe(error), _line_at(data, path)))
    return found


_SECRET_ARGS = (
    (re.compile(r"(?<![\w-])--(?:password|passwd|http-password|token|api-token|access-token"
                r"|private-token)(?:=|\s+)(?!-)\S"), "{0}"),
    (re.compile(r"\b(?:login|upload|publish)\b.*?\s(-p)(?:\s+|(?=[$\"']))(?!-)\S"), "-p"),
    (re.compile(r"\bmysql\b.*?\s(-p)[$\"'\w]"), "-p"),
    (re.compile(r"\bcurl\b.*?(?:\s-u\s*|\s--user[=\s]+)['\"]?[^\s:'\"]+:[^\s'\"]"),
     "curl -u user:…"),
    (re.compile(r"://[^/\s:@'\"]+:[^@\s'\"/]+@"), "user:…@ in a URL"),
)  # fmt: skip


def secret_argument(text: str) -> str | None:
    """Return how a command passes a secret as an argument, or None."""
    for pattern, shown in _SECRET_ARGS:
        match = pattern.search(text)
        if match:
            if shown == "{0}":
                return match.group(0).split("=")[0].split()[0]
            return f"{text.split()[0]} … {shown}" if shown == "-p" else shown
    return None


def unprotected_runs(ci: CiFile, job: Job) -> list[str] | None:
    """Return the unreviewed pipelines the job runs in, or None when that cannot be told."""
    ran = _runs_in(ci, job, _expr.SCENARIOS)
    return _runs_in(ci, job, _expr.OTHER_SCENARIOS) if ran == [] else ran


def _runs_in(ci: CiFile, job: Job, scenarios: dict[str, dict[str, str]]) -> list[str] | None:
    workflow = ci.data.get("workflow")
    ran = []
    for scenario, refs in scenarios.items():
        own = job.get("variables")
        variables = {**ci.variables, **(own if isinstance(own, dict) else {}), **refs}
        variables = {k: str(v) for k, v in variables.items() if not isinstance(v, dict)}
        pipeline = _expr.pipeline_runs(workflow, variables)
        if pipeline is False:
            continue
        runs = _expr.job_runs(job.body, variables)
        if pipeline is None or runs is None:
            return None
        if runs:
            ran.append(scenario)
    return ran


def expand(value: str, variables: dict[str, str]) -> str:
    for _ in range(5):
        expanded = _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), value)
        if expanded == value:
            break
        value = expanded
    return value


def tag_problem(reference: str) -> str | None:
    """Return what is wrong with an image reference's tag, or None (or when it cannot tell)."""
    name = reference.strip()
    if not name or "@" in name.rsplit("/", 1)[-1]:
        return None  # pinned by digest
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        tag = last.split(":", 1)[1]
        return "is tagged :latest, which moves" if tag == "latest" else None
    if "$" in last:
        return None  # the name is a variable this file does not define
    return "has no tag, so it is :latest, which moves"


def _image_entries(value: Any, line: int) -> Iterator[tuple[str, int]]:
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str):
        yield value, line


def _places(ci: CiFile) -> Iterator[tuple[str, Any, Any, dict[str, str]]]:
    """Yield (where, keywords, their lines, variables) of the default, the file and each job.

    The lines are a YAML mapping (``lc``) for the file and ``default``, a dict for merged jobs.
    """
    default = ci.data.get("default")
    if isinstance(default, dict):
        yield "default", default, default, ci.variables
    yield "the file", ci.data, ci.data, ci.variables
    for job in ci.jobs(hidden=True):
        own = job.get("variables")
        own = {k: str(v) for k, v in own.items()} if isinstance(own, dict) else {}
        for values in _matrix(job.get("parallel")):
            yield f"job {job.name}", job.body, job.lines, {**ci.variables, **own, **values}


_MAX_MATRIX = 200  # GitLab's limit of jobs one parallel: matrix makes


def _matrix(parallel: Any) -> list[dict[str, str]]:
    """Return the variables of each job a ``parallel: matrix`` makes ({} when there is none)."""
    entries = parallel.get("matrix") if isinstance(parallel, dict) else None
    combinations: list[dict[str, str]] = []
    for entry in entries if isinstance(entries, list) else []:
        combinations += _combinations(entry) if isinstance(entry, dict) else []
    return combinations[:_MAX_MATRIX] or [{}]


def _combinations(entry: dict[Any, Any]) -> list[dict[str, str]]:
    """Return every combination of one matrix entry's values (a value or a list of them)."""
    rows: list[dict[str, str]] = [{}]
    for name, values in entry.items():
        choices = [str(v) for v in (values if isinstance(values, list) else [values])
                   if isinstance(v, (str, int, float))]  # fmt: skip
        rows = [{**row, str(name): v} for row in rows for v in choices][:_MAX_MATRIX]
    return rows


def _line_in(lines: Any, key: str) -> int:
    if hasattr(lines, "lc"):
        return _key_line(lines, key)
    return lines.get(key, 1) if isinstance(lines, dict) else 1


def images(ci: CiFile) -> Iterator[tuple[str, str, int, dict[str, str]]]:
    """Yield (where, reference, line, variables) for every image and service of the file."""
    for where, body, lines, variables in _places(ci):
        for reference, line in _image_entries(body.get("image"), _line_in(lines, "image")):
            yield where, reference, line, variables
        services = body.get("services")
        for index, service in enumerate(services if isinstance(services, list) else []):
            line = _item_line(services, index, _line_in(lines, "services"))
            for reference, at in _image_entries(service, line):
                yield where, reference, at, variables


_EXACT_VERSION = re.compile(r"^(v?\d+\.\d+\.\d+([-+.][\w.-]+)?|[0-9a-f]{40})$")


def include_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    if "project" in entry and not entry.get("ref"):
        return (
            f"project {entry['project']!r} is included without ref: it follows its default branch"
        )
    component = entry.get("component")
    if isinstance(component, str):
        _, at, version = component.rpartition("@")
        if not at:
            return f"component {component!r} has no version"
        if version == "~latest":
            return f"component {component!r} follows ~latest"
        if re.fullmatch(r"\d+(\.\d+)?", version):
            return (
                f"component {component!r}: {version!r} is a partial version, it moves with "
                f"every release of {version}.x"
            )
        if not _EXACT_VERSION.match(version):
            return f"component {component!r}: {version!r} is a branch or a name that moves"
    return None


def untested(ci: CiFile, job: Job, tests: list[Job]) -> tuple[str, list[str], int] | None:
    """Return (why, the test jobs, line) when a publishing job does not wait for every test."""
    if not jobs.publish_command(ci, job) or job.unresolved:
        return None
    waited = jobs.waits_for(ci, job)
    missing = [t.name for t in tests if t.name not in waited and t.name != job.name]
    if not missing:
        return None
    if jobs.needed(job) is not None:
        return "its needs: leave out", missing, job.line_of("needs")
    return f"its stage {jobs.stage_of(job)!r} does not come after", missing, job.line_of("stage")
