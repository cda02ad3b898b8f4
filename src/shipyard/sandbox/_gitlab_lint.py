"""CI lint for the GitLab stand-in, answered from GitLab's own CI JSON schema.

The schema is the copy check-jsonschema vendors (``vendor.gitlab-ci``, from
``app/assets/javascripts/editor/schema/ci.json`` in gitlab-org/gitlab). On top of it, two checks
GitLab's linter makes and the schema cannot express, with GitLab's wording. What the sandbox cannot
do: resolve ``include:`` (it has no repositories to read from), so it warns instead.
The answer has the fields of ``POST /projects/:id/ci/lint`` (GLD ``doc/api/lint.md``).
"""

from __future__ import annotations

import io
import json
import threading
from importlib import resources
from typing import Any

import jsonschema
import ruamel.yaml
from jsonschema.exceptions import best_match

__all__ = ["lint"]

# Top-level keys that are not jobs (GitLab's Gitlab::Ci::Config::Entry::Root).
_GLOBAL_KEYS = {"default", "include", "stages", "variables", "workflow", "image", "services",
                "cache", "before_script", "after_script", "types", "spec"}  # fmt: skip
_validator: Any = None
_lock = threading.Lock()


def _schema_validator() -> Any:
    global _validator
    with _lock:
        if _validator is None:
            source = resources.files("check_jsonschema.builtin_schemas.vendor") / "gitlab-ci.json"
            schema = json.loads(source.read_text(encoding="utf-8"))
            _validator = jsonschema.validators.validator_for(schema)(schema)
        return _validator


def _yaml() -> ruamel.yaml.YAML:
    yaml = ruamel.yaml.YAML(typ="safe", pure=True)

    def reference(loader: Any, node: Any) -> list[str]:
        # GitLab's !reference [job, key]: as check-jsonschema's gitlab transform, a string list.
        return [str(item.value) for item in node.value] if isinstance(node.value, list) else []

    yaml.constructor.add_constructor("!reference", reference)
    return yaml


def _where(path: list[Any], jobs: set[str]) -> str:
    if not path:
        return "root"
    head = f"jobs:{path[0]}" if path[0] in jobs else str(path[0])
    return ":".join([head, *(str(part) for part in path[1:])])


def lint(content: str, *, include_jobs: bool = False) -> dict[str, Any]:
    """Validate ``.gitlab-ci.yml`` text and answer as GitLab's project CI lint does.

    Args:
        content: The YAML text.
        include_jobs: Add the ``jobs`` list to the answer, as the API's ``include_jobs`` does.

    Returns:
        ``{"valid", "errors", "warnings", "merged_yaml", "includes"}`` (and ``"jobs"``).
    """
    answer: dict[str, Any] = {"valid": False, "errors": [], "warnings": [], "merged_yaml": None,
                              "includes": []}  # fmt: skip
    if include_jobs:
        answer["jobs"] = []
    data, problem = _parse(content)
    if problem:
        answer["errors"] = [problem]
        return answer
    jobs = {key: value for key, value in data.items() if _is_job(key) and isinstance(value, dict)}
    if "include" in data:
        answer["warnings"].append(
            "include: is not resolved by the sandbox; included jobs are not linted"
        )
    answer["errors"] = list(dict.fromkeys(_errors(data, jobs)))
    answer["valid"] = not answer["errors"]
    answer["merged_yaml"] = _dump(data)
    if include_jobs:
        answer["jobs"] = [_job(name, job) for name, job in jobs.items()]
    return answer


def _parse(content: str) -> tuple[dict[Any, Any], str]:
    """Parse the YAML text.

    Returns:
        The top-level mapping, or an empty one and GitLab's message for why there is none.
    """
    if not content or not content.strip():
        return {}, "Please provide content of .gitlab-ci.yml"
    try:
        data = _yaml().load(content)
    except ruamel.yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return {}, f"(<unknown>): {problem}{where}"
    if not isinstance(data, dict):
        return {}, "Invalid configuration format"
    return data, ""


def _is_job(key: Any) -> bool:
    """Tell whether a top-level key names a visible job (not a global keyword, not hidden)."""
    return key not in _GLOBAL_KEYS and not str(key).startswith(".")


def _errors(data: dict[Any, Any], jobs: dict[Any, Any]) -> list[str]:
    """Return GitLab's errors for a configuration, possibly repeated."""
    errors = [
        f"jobs:{key} config should be a hash"
        for key, value in data.items()
        if _is_job(key) and not isinstance(value, dict)
    ]
    errors += _schema_errors(data, jobs)
    if not jobs:
        errors.append("jobs config should contain at least one visible job")
    message = "config should implement the script:, run:, or trigger: keyword"
    errors += [
        f"jobs:{name} {message}"
        for name, job in jobs.items()
        if not any(key in job for key in ("script", "run", "trigger", "extends"))
    ]
    return errors


def _schema_errors(data: dict[Any, Any], jobs: dict[Any, Any]) -> list[str]:
    """Return the schema's errors, one per top-level key, the most relevant.

    GitLab reports one per job or entry; a job that is not a mapping has its own message.
    """
    by_key: dict[Any, list[Any]] = {}
    for error in _schema_validator().iter_errors(data):
        by_key.setdefault(error.path[0] if error.path else None, []).append(error)
    errors = []
    for key, found in by_key.items():
        if key is None or key in jobs or not _is_job(key):
            best = best_match(found)
            errors.append(f"{_where(list(best.path), set(jobs))}: {best.message}")
    return errors


def _dump(data: dict[Any, Any]) -> str:
    """Return the configuration as GitLab's ``merged_yaml`` shows it."""
    buffer = io.StringIO()
    dumper = ruamel.yaml.YAML(typ="safe", pure=True)
    dumper.default_flow_style = False
    dumper.explicit_start = True
    dumper.dump(data, buffer)
    return buffer.getvalue()


def _job(name: str, job: dict[str, Any]) -> dict[str, Any]:
    def as_list(value: Any) -> list[Any]:
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    return {
        "name": name,
        "stage": job.get("stage", "test"),
        "before_script": as_list(job.get("before_script")),
        "script": as_list(job.get("script")),
        "after_script": as_list(job.get("after_script")),
        "tag_list": as_list(job.get("tags")),
        "environment": job.get("environment"),
        "when": job.get("when", "on_success"),
        "allow_failure": bool(job.get("allow_failure", False)),
        "only": job.get("only"),
        "except": job.get("except"),
        "needs": job.get("needs"),
    }
