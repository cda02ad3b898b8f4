"""Read a ``.gitlab-ci.yml`` the way GitLab does, keeping the line every value came from.

GitLab reads one YAML document, or two: a ``spec:`` header (a CI/CD component's or an included
file's inputs), ``---``, then the configuration, in which ``$[[ inputs.name ]]`` is replaced by
the input's value (here: its default). ``!reference [job, key, ...]`` picks a value of another job
of the file, ``extends:`` merges hidden templates into a job (hashes merged deeply, arrays
replaced), and anchors and ``<<:`` merge keys are plain YAML. :func:`parse` does all of this
without raising: a file that cannot be read that way carries the problem in
:attr:`CiFile.problem`, which rule CI001 reports.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

__all__ = ["KEYWORDS", "CiFile", "Job", "Line", "load", "parse"]

#: Top-level keys that are settings, not jobs (GitLab's global keywords).
KEYWORDS = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "spec",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
    }  # fmt: skip
)
_INPUT = re.compile(r"\$\[\[\s*inputs\.([\w-]+)((?:\s*\|[^\]]*)?)\s*\]\]")
_MAX_EXTENDS = 11  # GitLab's limit of nested extends


@dataclass(frozen=True)
class Line:
    """A command of a job's script, with the file line it is written on."""

    text: str
    line: int
    part: str  # before_script, script or after_script


@dataclass
class Job:
    """One job, with ``extends:`` merged and ``!reference`` tags resolved.

    Attributes:
        name: The job's key.
        body: Its keywords after merging (plain dicts and lists).
        line: The line of the job's key.
        lines: The line each top-level keyword was written on (in the job or a template).
        unresolved: Templates it extends that the file does not define (from an include).
    """

    name: str
    body: dict[str, Any]
    line: int
    lines: dict[str, int] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        """Whether the job is a template (its name starts with a dot) that never runs."""
        return self.name.startswith(".")

    def line_of(self, key: str) -> int:
        """Return the line of a keyword of the job, or of the job itself."""
        return self.lines.get(key, self.line)

    def get(self, key: str, default: Any = None) -> Any:
        """Return a keyword's merged value."""
        return self.body.get(key, default)


@dataclass
class CiFile:
    """A parsed ``.gitlab-ci.yml``.

    Attributes:
        path: The file as shown in findings.
        data: The configuration document (inputs interpolated), or ``None`` when unreadable.
        header: The ``spec:`` header document, when there is one.
        problem: Why GitLab could not read the file, and the line, when it cannot.
        raw: The configuration as the schema sees it (``!reference`` as lists of strings).
    """

    path: str
    data: Any = None
    header: Any = None
    problem: tuple[str, int] | None = None
    raw: Any = None
    header_raw: Any = None
    _jobs: dict[str, Job] | None = field(default=None, repr=False)

    @property
    def variables(self) -> dict[str, str]:
        """Return the global variables with a plain value (``value:`` forms unwrapped)."""
        return _variables(self.data.get("variables") if _is_map(self.data) else None)

    def jobs(self, *, hidden: bool = False) -> list[Job]:
        """Return the jobs (without templates unless ``hidden``), extends merged."""
        if self._jobs is None:
            self._jobs = _build_jobs(self.data) if _is_map(self.data) else {}
        return [j for j in self._jobs.values() if hidden or not j.hidden]

    def job(self, name: str) -> Job | None:
        """Return one job by name, templates included."""
        self.jobs()
        return (self._jobs or {}).get(name)

    def stages(self) -> list[str]:
        """Return the stages in order, with GitLab's ``.pre`` first and ``.post`` last."""
        declared = self.data.get("stages") if _is_map(self.data) else None
        if not isinstance(declared, list):
            declared = ["build", "test", "deploy"]
        names = [str(s) for s in _flatten(declared) if isinstance(s, str)]
        return [".pre", *[s for s in names if s not in (".pre", ".post")], ".post"]

    def line_of(self, key: str) -> int:
        """Return the line of a top-level key, or 1."""
        return _key_line(self.data, key)

    def script(self, job: Job) -> list[Line]:
        """Return the commands a job runs: before_script, script, after_script, in order.

        ``before_script`` and ``after_script`` come from ``default:`` when the job has none.
        Multi-line commands are split into their lines, each with its own line number.
        """
        default = self.data.get("default") if _is_map(self.data) else None
        lines: list[Line] = []
        for part in ("before_script", "script", "after_script"):
            items = job.body.get(part)
            if items is None and part != "script":
                items = _resolve(default.get(part), self.data) if _is_map(default) else None
                if items is None:
                    items = _resolve(self.data.get(part), self.data)
            lines += _script_lines(items, job.line_of(part), part)
        return lines


def _is_map(value: Any) -> TypeGuard[dict[Any, Any]]:
    return isinstance(value, dict)


def _flatten(items: Any) -> Iterator[Any]:
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def _key_line(container: Any, key: Any, fallback: int = 1, depth: int = 0) -> int:
    """Return the line a key of a YAML mapping is written on.

    A key that came in through a ``<<: *anchor`` merge is found where the anchor's mapping
    writes it, so each job that merges a template points at the template's text.
    """
    try:
        return container.lc.key(key)[0] + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        pass
    try:
        sources = list(getattr(container, "merge", None) or []) if depth < 10 else []
    except (TypeError, AttributeError):
        sources = []
    for source in sources:
        line = _key_line(source, key, 0, depth + 1)
        if line:
            return line
    return fallback


class _Seq(list):
    """A list built from YAML sequences that remembers the line of each item."""

    def __init__(self, items: list[Any], lines: list[int]) -> None:
        super().__init__(items)
        self.item_lines = lines


def _item_line(container: Any, index: int, fallback: int) -> int:
    if isinstance(container, _Seq):
        return container.item_lines[index] if index < len(container.item_lines) else fallback
    try:
        return container.lc.item(index)[0] + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return fallback


def _is_reference(value: Any) -> bool:
    tag = getattr(value, "tag", None)
    return isinstance(value, list) and getattr(tag, "value", tag) == "!reference"


def _resolve(value: Any, data: Any, depth: int = 0) -> Any:
    """Return ``value`` with ``!reference`` tags replaced by what they point at (GitLab: 10 deep).

    A reference that points nowhere stays a list of its keys: GitLab would reject the file, and
    CI001 says so; the rules read on.
    """
    if depth > 10:
        return value
    if _is_reference(value):
        target: Any = data
        for key in value:
            target = target.get(key) if _is_map(target) else None
        if target is None:
            return [str(k) for k in value]
        return _resolve(target, data, depth + 1)
    if isinstance(value, list):
        items = [_resolve(v, data, depth) for v in value]
        lines = [_item_line(value, i, 0) for i in range(len(value))]
        return _Seq(items, lines)
    return value


def _script_lines(items: Any, fallback: int, part: str) -> list[Line]:
    """Flatten a script (string or nested lists, as GitLab allows) into lines with numbers."""
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        return []
    lines: list[Line] = []
    for index, item in enumerate(items):
        start = _item_line(items, index, fallback)
        if isinstance(item, list):
            lines += _script_lines(item, start, part)
        elif isinstance(item, (str, int, float)):
            lines += _command_lines(str(item), start, part)
    return lines


def _command_lines(text: str, start: int, part: str) -> list[Line]:
    """Split one script item into its lines.

    A block scalar (| or >) starts on the line after its indicator; an alias (*name) is
    reported where its anchor's text is written.
    """
    parts = text.splitlines() or [""]
    offset = 1 if len(parts) > 1 or text.endswith("\n") else 0
    return [
        Line(command.strip(), start + offset + number, part)
        for number, command in enumerate(parts)
        if command.strip()
    ]


def _variables(block: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    if not _is_map(block):
        return values
    for name, value in block.items():
        if _is_map(value):
            value = value.get("value")
        if isinstance(value, (str, int, float, bool)):
            values[str(name)] = str(value)
    return values


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if _is_map(merged.get(key)) and _is_map(value):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _build_jobs(data: Any) -> dict[str, Job]:
    jobs: dict[str, Job] = {}
    for name, body in data.items():
        if str(name) in KEYWORDS or not _is_map(body):
            continue
        jobs[str(name)] = _merged(str(name), data, 0)
    return jobs


def _merged(name: str, data: Any, depth: int) -> Job:
    """Return a job with its ``extends`` templates merged in, keys' lines kept."""
    body = data.get(name)
    own = {str(k): _resolve(v, data) for k, v in body.items()} if _is_map(body) else {}
    job = Job(name, {}, _key_line(data, name), {})
    parents = own.get("extends")
    parents = [parents] if isinstance(parents, str) else parents
    for parent in parents if isinstance(parents, list) else []:
        _extend(job, str(parent), data, depth)
    job.body = _deep_merge(job.body, {k: v for k, v in own.items() if k != "extends"})
    job.lines.update({str(k): _key_line(body, k, job.line) for k in own})
    return job


def _extend(job: Job, parent: str, data: Any, depth: int) -> None:
    """Merge one template into the job, or note it as unresolved (not in this file)."""
    if depth >= _MAX_EXTENDS or not _is_map(data.get(parent)) or parent == job.name:
        job.unresolved.append(parent)
        return
    base = _merged(parent, data, depth + 1)
    job.body = _deep_merge(job.body, base.body)
    job.lines.update(base.lines)
    job.unresolved += base.unresolved


def _plain(value: Any) -> Any:
    """Return the value as the schema sees it: ``!reference`` tags as lists of strings."""
    if _is_map(value):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    tag = getattr(value, "tag", None)
    if tag is not None and not isinstance(value, (str, int, float, bool)):
        return str(value)
    return value


def _interpolate(value: Any, inputs: dict[str, Any]) -> Any:
    """Replace ``$[[ inputs.x ]]`` by the input's value, typed when it is the whole string."""
    if _is_map(value):
        for key in list(value):
            value[key] = _interpolate(value[key], inputs)
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = _interpolate(item, inputs)
        return value
    if isinstance(value, str) and "$[[" in value:
        whole = _INPUT.fullmatch(value.strip())
        if whole and not whole.group(2) and whole.group(1) in inputs:
            return inputs[whole.group(1)]
        return _INPUT.sub(lambda m: str(inputs.get(m.group(1), f"input-{m.group(1)}")), value)
    return value


def _input_defaults(header: Any) -> dict[str, Any]:
    spec = header.get("spec") if _is_map(header) else None
    declared = spec.get("inputs") if _is_map(spec) else None
    defaults: dict[str, Any] = {}
    for name, entry in declared.items() if _is_map(declared) else []:
        default = entry.get("default") if _is_map(entry) else None
        if default is None:  # a required input: a value of its type stands in
            kind = entry.get("type", "string") if _is_map(entry) else "string"
            default = {"number": 1, "boolean": True, "array": []}.get(kind, f"input-{name}")
        defaults[str(name)] = default
    return defaults


def parse(text: str, path: str = ".gitlab-ci.yml") -> CiFile:
    """Parse the text of a ``.gitlab-ci.yml`` (or an included file, or a component template).

    Never raises: a file GitLab could not read has :attr:`CiFile.problem` set.
    """
    result = CiFile(path)
    documents = _documents(text, result)
    if result.problem:
        return result
    if len(documents) == 2 and _is_map(documents[0]) and "spec" in documents[0]:
        result.header, result.data = documents
        result.header_raw = _plain(result.header)
        result.data = _interpolate(result.data, _input_defaults(result.header))
    elif len(documents) != 1:
        result.problem = _shape_problem(len(documents))
        return result
    else:
        result.data = documents[0]
    if not _is_map(result.data):
        result.problem = ("the configuration is not a mapping of jobs and keywords", 1)
        result.data = None
        return result
    result.raw = _plain(result.data)
    return result


def _documents(text: str, result: CiFile) -> list[Any]:
    """Return the YAML documents of the text; on a syntax error set ``result.problem``."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        with warnings.catch_warnings():  # a reused anchor is legal YAML; say nothing
            warnings.simplefilter("ignore")
            return [d for d in YAML(typ="rt").load_all(text) if d is not None]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        result.problem = (f"invalid YAML: {exc.problem or exc.context}", line)
    except YAMLError as exc:
        result.problem = (f"invalid YAML: {exc}", 1)
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
        # ruamel.yaml fails this way on some malformed files, e.g. an anchor merged into itself
        result.problem = ("invalid YAML: an anchor or merge key refers to itself or to nothing", 1)
    return []


def _shape_problem(count: int) -> tuple[str, int]:
    if count == 0:
        return ("the file is empty: GitLab needs at least one job", 1)
    return (
        f"{count} YAML documents: GitLab reads one, or a `spec:` header, `---` and the "
        "configuration",
        1,
    )


def load(path: Path | str, shown: str | None = None) -> CiFile:
    """Read and parse a ``.gitlab-ci.yml`` file.

    Args:
        path: The file.
        shown: How findings name it; the path as given when omitted.

    Raises:
        InputError: The file cannot be read (missing, a directory, not UTF-8).
    """
    from shipyard.errors import InputError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text (byte {exc.start})"
        raise InputError(msg, path=path, hint="GitLab reads .gitlab-ci.yml as UTF-8.") from None
    except IsADirectoryError:
        raise InputError("is a directory", path=path, hint="Pass the file.") from None
    except OSError as exc:
        msg = f"cannot read: {exc.strerror or exc}"
        raise InputError(msg, path=path, hint="Check the path and its permissions.") from None
    return parse(text, shown or str(path))
