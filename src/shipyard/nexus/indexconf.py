"""Read where a project tells pip, twine, uv and Poetry to find or publish packages.

Each loader turns one file into :class:`Setting` rows (what, its value, its line) for the NEX
rules: ``pip.conf``/``pip.ini``, ``.pypirc``, ``pyproject.toml`` (``[[tool.uv.index]]``,
``[tool.poetry.source]``) and ``.gitlab-ci.yml`` (``variables:`` and the pip/twine/uv command lines
of ``script:``). A file that cannot be read or parsed raises :class:`~shipyard.errors.InputError`
with its line.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.errors import InputError, shorten

__all__ = ["KINDS", "IndexFile", "Setting", "expand", "find_files", "load"]

#: File name -> kind, for the files the NEX rules read.
KINDS = {
    "pip.conf": "pip",
    "pip.ini": "pip",
    ".pypirc": "pypirc",
    "pyproject.toml": "pyproject",
    ".gitlab-ci.yml": "gitlab-ci",
}
_PIP_PLACES = ("pip.conf", "pip.ini", ".pip/pip.conf", ".config/pip/pip.conf")
# Environment variables -> the setting they make.
_ENV = {
    "PIP_INDEX_URL": "index-url",
    "UV_INDEX_URL": "index-url",
    "UV_DEFAULT_INDEX": "index-url",
    "PIP_EXTRA_INDEX_URL": "extra-index-url",
    "UV_EXTRA_INDEX_URL": "extra-index-url",
    "UV_INDEX": "extra-index-url",
    "PIP_TRUSTED_HOST": "trusted-host",
    "TWINE_REPOSITORY_URL": "upload-url",
    "UV_PUBLISH_URL": "upload-url",
    "UV_INDEX_STRATEGY": "index-strategy",
}
_OPTIONS = {
    "--index-url": "index-url",
    "-i": "index-url",
    "--default-index": "index-url",
    "--extra-index-url": "extra-index-url",
    "--index": "extra-index-url",
    "--trusted-host": "trusted-host",
    "--repository-url": "upload-url",
    "--publish-url": "upload-url",
    "--index-strategy": "index-strategy",
}
_PASSWORD_OPTIONS = ("-p", "--password", "--token", "-t")
_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|TOKEN|SECRET)$", re.IGNORECASE)
_REFERENCE = re.compile(r"\$\{?(\w+)\}?")


@dataclass(frozen=True)
class Setting:
    """One thing a file says about indexes.

    Attributes:
        key: ``index-url``, ``extra-index-url``, ``upload-url``, ``trusted-host``,
            ``index-strategy``, ``password`` (a stored password) or ``password-argument`` (one
            given on a command line).
        value: As written (variable references unexpanded).
        line: 1-based line.
        source: Where it was, e.g. ``[global] extra-index-url`` or ``script of job publish``.
    """

    key: str
    value: str
    line: int
    source: str


@dataclass
class IndexFile:
    """A file's settings, and the literal variables it defines (to expand references)."""

    path: Path
    kind: str
    settings: list[Setting] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Setting]:
        return iter(self.settings)


def expand(value: str, variables: dict[str, str]) -> str:
    """Replace ``$VAR``/``${VAR}`` with the values the file defines; unknown ones stay."""
    return _REFERENCE.sub(lambda m: variables.get(m[1], m[0]), value)


def find_files(root: Path) -> list[Path]:
    """Return the files of a project the NEX rules read, in a stable order."""
    names = [*_PIP_PLACES, ".pypirc", "pyproject.toml", ".gitlab-ci.yml"]
    return [root / name for name in names if (root / name).is_file()]


def load(path: Path) -> IndexFile:
    """Read one file into its settings.

    Raises:
        InputError: The file is unreadable, not UTF-8, or malformed (with the line).
    """
    name = path.name if path.name in KINDS else ("pip.conf" if path.suffix == ".conf" else "")
    kind = KINDS.get(name, "")
    if not kind:
        msg = "not a file the NEX rules read"
        raise InputError(
            msg, path=path, hint="Pass pip.conf, .pypirc, pyproject.toml or .gitlab-ci.yml."
        )
    from shipyard import _reading

    text = _reading.read_text(path, kind)
    result = IndexFile(path, kind)
    if kind in ("pip", "pypirc"):
        _ini(result, text)
    elif kind == "pyproject":
        _pyproject(result, text)
    else:
        _gitlab_ci(result, text)
    return result


# -- INI files ------------------------------------------------------------------------------------


def _ini(result: IndexFile, text: str) -> None:
    section, key = "", ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if raw[:1] in " \t" and key:
            _ini_value(result, section, key, line, number)  # a continuation line: another value
        elif line.startswith("["):
            section, key = _ini_section(result, line, number), ""
        else:
            key = _ini_assignment(result, section, line, number)


def _ini_section(result: IndexFile, line: str, number: int) -> str:
    """Return the name of the ``[section]`` header on ``line``."""
    if not line.endswith("]"):
        msg = f"malformed section header {shorten(repr(line))}"
        raise InputError(msg, path=result.path, line=number, hint="Write it as [name].")
    return line[1:-1].strip()


def _ini_assignment(result: IndexFile, section: str, line: str, number: int) -> str:
    """Record the value of a ``key = value`` line and return its key."""
    # Split at the first '=' or ':' by hand: a lazy regex here backtracks on long lines.
    at = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=-1)
    name, value = line[:at].strip(), line[at + 1 :].strip()
    if at <= 0 or not name:
        msg = f"expected 'key = value', found {shorten(repr(line))}"
        raise InputError(msg, path=result.path, line=number, hint="Fix or remove the line.")
    if not section:
        msg = f"{shorten(name)!r} is outside any [section]"
        raise InputError(
            msg,
            path=result.path,
            line=number,
            hint="Put it under [global] (pip) or a [server] (.pypirc).",
        )
    key = name.lower()
    if value:
        _ini_value(result, section, key, value, number)
    return key


def _ini_value(result: IndexFile, section: str, key: str, value: str, line: int) -> None:
    source = f"[{section}] {key}"
    if result.kind == "pip":
        mapping = {
            "index-url": "index-url",
            "extra-index-url": "extra-index-url",
            "trusted-host": "trusted-host",
        }
        for item in value.split():
            if key in mapping:
                result.settings.append(Setting(mapping[key], item, line, source))
    elif key == "repository":
        result.settings.append(Setting("upload-url", value, line, source))
    elif key == "password":
        result.settings.append(Setting("password", value, line, source))


# -- pyproject.toml -------------------------------------------------------------------------------


def _line_of(text: str, needle: str, default: int = 1) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return default


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """Return the TOML table ``data[key]``, or an empty one when it is missing or not a table."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    """Return an array as is, a single value as a one-item list, and nothing as an empty one."""
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _pyproject(result: IndexFile, text: str) -> None:
    from shipyard import _reading

    data = _reading.load_toml(text, result.path, "PKG001")
    tool = _table(data, "tool")
    uv = _table(tool, "uv")
    _uv_indexes(result, text, uv)
    _uv_settings(result, text, uv)
    _poetry_sources(result, text, _table(tool, "poetry"))


def _uv_indexes(result: IndexFile, text: str, uv: dict[str, Any]) -> None:
    """Add the URLs of ``[[tool.uv.index]]`` entries."""
    for index in _as_list(uv.get("index")):
        if not isinstance(index, dict):
            continue
        source = f"[[tool.uv.index]] {index.get('name', '?')}"
        for key, setting in (("url", "index-url"), ("publish-url", "upload-url")):
            value = index.get(key)
            if isinstance(value, str):
                result.settings.append(Setting(setting, value, _line_of(text, value), source))


def _uv_settings(result: IndexFile, text: str, uv: dict[str, Any]) -> None:
    """Add the index settings written directly in ``[tool.uv]``."""
    for key in ("index-url", "extra-index-url", "index-strategy"):
        for value in _as_list(uv.get(key)):
            if isinstance(value, str):
                line = _line_of(text, value)
                result.settings.append(Setting(key, value, line, f"[tool.uv] {key}"))


def _poetry_sources(result: IndexFile, text: str, poetry: dict[str, Any]) -> None:
    """Add ``[[tool.poetry.source]]`` URLs: primary ones replace the index, others extend it."""
    sources = poetry.get("source")
    for source in sources if isinstance(sources, list) else []:
        if not (isinstance(source, dict) and isinstance(source.get("url"), str)):
            continue
        line = _line_of(text, source["url"])
        label = f"[[tool.poetry.source]] {source.get('name', '?')}"
        primary = str(source.get("priority", "primary")) in ("primary", "default")
        setting = "index-url" if primary else "extra-index-url"
        result.settings.append(Setting(setting, source["url"], line, label))


# -- .gitlab-ci.yml -------------------------------------------------------------------------------


def _gitlab_ci(result: IndexFile, text: str) -> None:
    data = _load_yaml(result.path, text)
    if data is None:
        return
    if not hasattr(data, "items"):
        msg = "expected a mapping of jobs and settings at the top level"
        raise InputError(
            msg, path=result.path, line=1, hint="See GitLab's .gitlab-ci.yml reference."
        )
    _ci_variables(result, data.get("variables"), "variables")
    for job, body in data.items():
        if not hasattr(body, "get"):
            continue
        _ci_variables(result, body.get("variables"), f"variables of job {job}")
        for part in ("before_script", "script", "after_script"):
            _ci_script(result, body, part, f"{part} of job {job}")


def _load_yaml(path: Path, text: str) -> Any:
    """Parse YAML keeping line numbers, within the bounds of :mod:`shipyard._reading`.

    Raises:
        InputError: The text is not valid YAML (with the line when known).
    """
    from shipyard import _reading

    hint = "Fix the YAML syntax; GitLab's pipeline editor shows the same error."
    # A CI/CD component or an included file may open with a `spec:` header, then `---` and the
    # configuration (rule CI001 checks the shape); the settings are in the last document.
    documents = _reading.load_yaml(text, path, hint=hint, documents=True)
    return documents[-1] if documents else None


def _line(container: Any, key: Any, fallback: int = 1) -> int:
    try:
        return (
            container.lc.key(key)[0] + 1
            if hasattr(container, "items")
            else (container.lc.item(key)[0] + 1)
        )
    except (AttributeError, KeyError, IndexError, TypeError):
        return fallback


def _ci_variables(result: IndexFile, variables: Any, source: str) -> None:
    if not hasattr(variables, "items"):
        return
    for name, raw in variables.items():
        value = _variable_value(raw)
        if value is None:
            continue
        line = _line(variables, name)
        if not _REFERENCE.search(value):
            result.variables[str(name)] = value
        key = _variable_setting(name, value)
        if key:
            result.settings.append(Setting(key, value, line, f"{source}: {name}"))


def _variable_value(value: Any) -> str | None:
    """Return a CI variable's value as text (``{value: ...}`` form too), or None if it has none."""
    if hasattr(value, "get"):
        value = value.get("value")
    if value is None or isinstance(value, (list, dict)):
        return None
    return str(value)


def _variable_setting(name: Any, value: str) -> str:
    """Return the setting a CI variable makes: an index one, ``password``, or ``""`` for none."""
    if name in _ENV:
        return _ENV[name]
    if _SECRET_NAME.search(str(name)) and value and not _REFERENCE.fullmatch(value):
        return "password"
    return ""


def _ci_script(result: IndexFile, job: Any, part: str, source: str) -> None:
    for text, first in _script_items(job, part):
        for offset, command in enumerate(text.splitlines()):
            _command(result, command, first + offset if "\n" in text else first, source)


def _script_items(job: Any, part: str) -> list[tuple[str, int]]:
    """Return a job's script entries with their lines (nested lists flattened)."""
    script = job.get(part)
    fallback = _line(job, part)
    if isinstance(script, str):
        return [(script, fallback)]
    if not hasattr(script, "__iter__"):
        return []
    items: list[tuple[str, int]] = []
    for index, item in enumerate(script):
        if isinstance(item, str):
            items.append((item, _line(script, index, fallback)))
        elif isinstance(item, list):
            items += [(sub, fallback) for sub in item if isinstance(sub, str)]
    return items


def _command(result: IndexFile, command: str, line: int, source: str) -> None:
    if not re.search(r"\b(pip3?|twine|uv)\b", command):
        return
    words = _words(command)
    publishing = "twine" in words or ("uv" in words and "publish" in words)
    for index, word in enumerate(words):
        option, _, inline = word.partition("=")
        if _not_an_index_option(option, words, publishing):
            continue
        if option in _OPTIONS:
            value = inline or _next_word(words, index)
            result.settings.append(Setting(_OPTIONS[option], value, line, source))
        elif publishing and option in _PASSWORD_OPTIONS:
            result.settings.append(Setting("password-argument", option, line, source))


def _words(command: str) -> list[str]:
    """Split a command line like a shell, or on whitespace when its quoting is broken."""
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


def _next_word(words: list[str], index: int) -> str:
    """Return the word after ``words[index]`` (an option's separate value), or ``""``."""
    return words[index + 1] if index + 1 < len(words) else ""


def _not_an_index_option(option: str, words: list[str], publishing: bool) -> bool:
    """Tell whether ``-i``/``--index`` mean something else here.

    twine's ``-i`` is ``--identity``, and ``--index`` is uv's only.
    """
    if option not in ("-i", "--index"):
        return False
    return publishing or (option == "--index" and "uv" not in words)
