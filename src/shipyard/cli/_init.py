"""``shipyard init``: write what the runbook teaches into a project, derived from what is there.

:func:`survey` reads the project (its pyproject.toml, or a ``setup.py``; scripts, Python version,
build backend, ``uv.lock`` / ``poetry.lock``). :func:`plan_init` renders every file Shipyard
would write and compares each with the file on disk: ``create`` (missing), ``noop`` (identical)
or ``update`` (it differs: never replaced without ``force``). :func:`apply_init` writes the
created files, and with ``force`` the differing ones too, keeping the user's copy as
``<name>.orig``. Running it twice writes nothing the second time.

The files: pyproject.toml (safe fixes only: a missing ``[build-system]``, ``readme``,
``requires-python``, and ``[tool.shipyard.gates]``; a ``setup.py``-only project gets a
pyproject.toml whose ``[project]`` leaves to setup.py what setup.py sets), environment.yml (the
micromamba runtime, when no uv or Poetry lock decides the environment), Dockerfile and
.dockerignore (the variant matching the lock: uv, poetry, else micromamba), and .gitlab-ci.yml
(the pipeline chapter's, or the gate jobs; see :func:`_pipeline_yaml`).
"""

from __future__ import annotations

import ast
import difflib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from shipyard.errors import InputError
from shipyard.plans import Change, Plan

if TYPE_CHECKING:
    from shipyard.packaging import Pyproject

__all__ = ["InitPlan", "Survey", "apply_init", "plan_init", "survey"]

DEFAULT_PYTHON = "3.12"
# setup() keyword -> the [project] field it fills when listed in `dynamic`.
_SETUP_FIELDS = {
    "version": "version",
    "description": "description",
    "long_description": "readme",
    "install_requires": "dependencies",
    "extras_require": "optional-dependencies",
    "python_requires": "requires-python",
    "license": "license",
    "entry_points": "scripts",
    "classifiers": "classifiers",
    "keywords": "keywords",
    "url": "urls",
}


@dataclass(frozen=True)
class Survey:
    """What ``init`` found in the project.

    Attributes:
        root: The project directory.
        name: The distribution name.
        python: The lowest Python version the project supports (``3.X``).
        backend: The build backend (``setuptools.build_meta`` for a setup.py project).
        lock: ``uv.lock``, ``poetry.lock`` or ``""``.
        variant: The Dockerfile variant: ``uv``, ``poetry`` or ``micromamba``.
        code: Where the code is, relative (``src``, or the package directory).
        setup_py: The ``setup()`` keywords of a setup.py-only project.
    """

    root: Path
    name: str
    python: str
    backend: str
    lock: str
    variant: str
    code: str
    setup_py: tuple[str, ...] = ()

    def __repr__(self) -> str:
        rows = [("name", self.name), ("python", self.python), ("backend", self.backend),
                ("lock file", self.lock or "(none)"), ("image variant", self.variant),
                ("code", self.code)]  # fmt: skip
        if self.setup_py:
            rows.append(("setup.py sets", ", ".join(self.setup_py)))
        return "\n".join(f"{k:<13} {v}" for k, v in rows)


def _setup_keywords(path: Path) -> dict[str, ast.expr]:
    """Return the keywords of the ``setup(...)`` call in a setup.py, statically."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as exc:
        msg = f"setup.py does not parse: {exc}"
        raise InputError(msg, path=path, hint="Fix the syntax error first.") from None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup"
        ):
            return {k.arg: k.value for k in node.keywords if k.arg}
    msg = "setup.py has no setup(...) call"
    raise InputError(msg, path=path, hint="Shipyard reads setup(name=..., ...) statically.")


def _setup_constant(path: Path, keyword: str) -> object:
    """Return a literal ``setup()`` keyword of a setup.py, or ``None``."""
    node = _setup_keywords(path).get(keyword)
    return node.value if isinstance(node, ast.Constant) else None


def _lowest_python(spec: object) -> str:
    if not isinstance(spec, str):
        return DEFAULT_PYTHON
    spec = spec.replace("^", ">=").replace("~", ">=") if spec[:1] in "^~" else spec
    try:
        lows = [s.version for s in SpecifierSet(spec) if s.operator in (">=", "==", "~=", ">")]
    except InvalidSpecifier:
        return DEFAULT_PYTHON
    found = [re.match(r"^(\d+\.\d+)", v) for v in lows]
    return next((m[1] for m in found if m), DEFAULT_PYTHON)


def _code_dir(root: Path, name: str) -> str:
    if (root / "src").is_dir():
        return "src"
    module = re.sub(r"[-.]+", "_", name).lower()
    for candidate in (module, module.removeprefix("gitlab_")):
        if (root / candidate / "__init__.py").is_file():
            return candidate
    packages = sorted(p.parent.name for p in root.glob("*/__init__.py") if p.parent.name != "tests")
    return packages[0] if packages else "."


def _pyproject_survey(root: Path, lock: str, variant: str) -> Survey:
    """Return the survey of a project that has a pyproject.toml (and perhaps a setup.py)."""
    from shipyard.packaging import load_pyproject, table

    pp = load_pyproject(root)
    name = pp.project.get("name") or pp.poetry.get("name") or root.name
    python = pp.project.get("requires-python") or table(pp.poetry, "dependencies").get("python")
    if python is None and (root / "setup.py").is_file():
        python = _setup_constant(root / "setup.py", "python_requires")
    return Survey(root, str(name), _lowest_python(python), pp.backend or "(none)", lock,
                  variant, _code_dir(root, str(name)))  # fmt: skip


def _setup_py_survey(root: Path, lock: str, variant: str) -> Survey:
    """Return the survey of a project that has only a setup.py."""
    keywords = _setup_keywords(root / "setup.py")
    name_node = keywords.get("name")
    name = name_node.value if isinstance(name_node, ast.Constant) else root.name
    python = _lowest_python(_setup_constant(root / "setup.py", "python_requires"))
    return Survey(root, str(name), python, "setuptools.build_meta", lock, variant,
                  _code_dir(root, str(name)), tuple(sorted(keywords)))  # fmt: skip


def survey(project: Path | str) -> Survey:
    """Read what the project already says about itself.

    Raises:
        InputError: No pyproject.toml and no setup.py, or they cannot be read.
    """
    root = Path(project)
    lock = next((n for n in ("uv.lock", "poetry.lock") if (root / n).is_file()), "")
    variant = {"uv.lock": "uv", "poetry.lock": "poetry"}.get(lock, "micromamba")
    if (root / "pyproject.toml").is_file():
        return _pyproject_survey(root, lock, variant)
    if (root / "setup.py").is_file():
        return _setup_py_survey(root, lock, variant)
    msg = "no pyproject.toml and no setup.py: nothing says what this project is"
    raise InputError(msg, path=root, hint="Run `shipyard init` in the project's root directory.")


def _gates_table(found: Survey) -> str:
    return (
        "\n[tool.shipyard.gates]\n"
        "# Seed 004's quality gates: maintainability A, complexity B, 75 % coverage (written out\n"
        "# so they can be changed here); `shipyard gates run` reads this table.\n"
        f'paths = ["{found.code}"]\n'
        'maintainability-rank = "A"\n'
        'complexity-rank = "B"\n'
        "coverage-min = 75\n"
    )


def _setup_py_pyproject(found: Survey) -> str:
    dynamic = sorted({_SETUP_FIELDS[k] for k in found.setup_py if k in _SETUP_FIELDS})
    readme = next((n for n in ("README.md", "README.rst") if (found.root / n).is_file()), "")
    lines = [
        "# Written by `shipyard init`: setup.py keeps the metadata it sets (listed in `dynamic`).",
        "[build-system]",
        'requires = ["setuptools>=77"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f'name = "{found.name}"',
    ]
    if "readme" not in dynamic and readme:
        lines.append(f'readme = "{readme}"')
    if "requires-python" not in dynamic:
        lines.append(f'requires-python = ">={found.python}"')
    lines.append("dynamic = [" + ", ".join(f'"{d}"' for d in dynamic) + "]")
    return "\n".join(lines) + "\n" + _gates_table(found)


def _with_build_system(pp: Pyproject, text: str) -> str:
    """Return the text with a ``[build-system]`` table first when it has none (Poetry or Hatch)."""
    if "build-system" in pp.data:
        return text
    backend = ("poetry-core>=2", "poetry.core.masonry.api") if pp.poetry else (
        "hatchling>=1.25", "hatchling.build")  # fmt: skip
    return (f'[build-system]\nrequires = ["{backend[0]}"]\nbuild-backend = "{backend[1]}"\n\n'
            + text)  # fmt: skip


def _missing_metadata(found: Survey, pp: Pyproject) -> list[str]:
    """Return the ``[project]`` lines to add: a readme and requires-python the table lacks."""
    readme = next((n for n in ("README.md", "README.rst") if (found.root / n).is_file()), "")
    additions = []
    if pp.project and "readme" not in pp.project and readme:
        additions.append(f'readme = "{readme}"')
    dynamic = pp.project.get("dynamic") or []
    if pp.project and "requires-python" not in pp.project and "requires-python" not in dynamic:
        additions.append(f'requires-python = ">={found.python}"')
    return additions


def _after_name(text: str, additions: list[str]) -> str:
    """Return the text with the lines inserted after ``[project]``'s name (unchanged without)."""
    if not additions:
        return text
    name_line = re.search(r"(?m)^name\s*=.*\n", text[text.find("[project]") :])
    if not name_line:
        return text
    at = text.find("[project]") + name_line.end()
    return text[:at] + "\n".join(additions) + "\n" + text[at:]


def _fixed_pyproject(found: Survey, text: str) -> str:
    """Return pyproject.toml with the fixes Shipyard can make without guessing."""
    from shipyard.packaging import load_pyproject

    pp = load_pyproject(found.root)
    text = _with_build_system(pp, text)
    text = _after_name(text, _missing_metadata(found, pp))
    if "[tool.shipyard.gates]" not in text:
        text = text.rstrip("\n") + "\n" + _gates_table(found)
    return text


def _environment_yml(found: Survey) -> str:
    return (
        "# The runtime environment micromamba creates (written by `shipyard init`).\n"
        "# Do not list the project itself: its wheel comes from Nexus (pip --no-deps).\n"
        "name: prod\n"
        "channels:\n"
        "  - conda-forge   # through the Nexus conda proxy: channel_alias in .mambarc\n"
        "dependencies:\n"
        f"  - python={found.python}\n"
        "  - pip\n"
    )


def _pipeline_yaml(found: Survey, planned: dict[str, str]) -> str:
    """Return .gitlab-ci.yml: the pipeline chapter's, or chapter 05's gate jobs where it cannot.

    :func:`shipyard.pipeline.render_pipeline` renders build, test, publish and deploy from what
    the project has; it is shown the project as ``init`` leaves it (the planned files, and the
    project's ``tests/`` and ``docs/``), so a second run renders the same file. A project whose
    metadata is not in ``[project]`` (Poetry 1's ``[tool.poetry]``) gets the gate jobs.
    """
    from shipyard.errors import ShipyardError
    from shipyard.gates import ci
    from shipyard.pipeline import render_pipeline

    with tempfile.TemporaryDirectory(prefix="shipyard-init-") as tmp:
        for name, text in planned.items():
            Path(tmp, name).write_text(text, encoding="utf-8")
        for name in ("tests", "docs", "environment.yml", "environment.yaml"):
            if (found.root / name).exists() and not Path(tmp, name).exists():
                Path(tmp, name).symlink_to((found.root / name).resolve())
        try:
            return render_pipeline(tmp).text
        except ShipyardError:
            pass  # No [project] name: the gate jobs below.
    return (
        "# Written by `shipyard init`: the quality gates. The full pipeline (build, test,\n"
        "# publish, deploy) needs the project's metadata in [project].\n"
        "stages: [test]\n\n" + ci.render_jobs(project=found.root)
    )


def _docker_files(found: Survey, pyproject_text: str) -> dict[str, str]:
    from shipyard.images.render import render_dockerfile, render_dockerignore

    with tempfile.TemporaryDirectory(prefix="shipyard-init-") as tmp:
        Path(tmp, "pyproject.toml").write_text(pyproject_text, encoding="utf-8")
        dockerfile = render_dockerfile(tmp, found.variant, python=found.python)
    return {"Dockerfile": dockerfile, ".dockerignore": render_dockerignore(found.variant)}


@dataclass
class InitPlan:
    """What ``init`` would write: a plan (create / unchanged / differs) and the texts.

    Attributes:
        survey: What was found.
        plan: One change per file: ``create``, ``noop`` (unchanged) or ``update`` (differs).
        texts: Path (relative) -> the text Shipyard would write.
    """

    survey: Survey
    plan: Plan
    texts: dict[str, str] = field(default_factory=dict)

    def diffs(self) -> str:
        """Return unified diffs of every differing file: the user's copy -> Shipyard's."""
        out = []
        for change in self.plan:
            if change.action == "update":
                old = (self.survey.root / change.name).read_text(encoding="utf-8")
                out += difflib.unified_diff(
                    old.splitlines(keepends=True),
                    self.texts[change.name].splitlines(keepends=True),
                    f"{change.name} (yours)",
                    f"{change.name} (shipyard init)",
                )
        return "".join(out)

    def __repr__(self) -> str:
        return repr(self.plan)


def plan_init(project: Path | str) -> InitPlan:
    """Render the files for a project and compare them with what is on disk.

    Raises:
        InputError: See :func:`survey`.
    """
    from shipyard.runbook import normalise

    found = survey(project)
    root = found.root
    if (root / "pyproject.toml").is_file():
        pyproject = _fixed_pyproject(found, (root / "pyproject.toml").read_text(encoding="utf-8"))
    else:
        pyproject = _setup_py_pyproject(found)
    texts = {"pyproject.toml": pyproject}
    if found.variant == "micromamba":
        texts["environment.yml"] = _environment_yml(found)
    texts |= _docker_files(found, pyproject)
    texts[".gitlab-ci.yml"] = _pipeline_yaml(found, texts)
    changes = []
    for name, text in texts.items():
        path = root / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current is None:
            changes.append(Change("create", "file", name, note=f"{len(text.splitlines())} lines",
                                  run=_writer(path, text)))  # fmt: skip
        elif current == text:
            changes.append(Change("noop", "file", name, note="unchanged"))
        else:
            changes.append(Change("update", "file", name,
                                  note="differs: not replaced without --force (keeps .orig)",
                                  run=_writer(path, text, keep=True)))  # fmt: skip
    return InitPlan(found, Plan(changes, f"project {normalise(str(root))}"), texts)


def _writer(path: Path, text: str, *, keep: bool = False):  # noqa: ANN202 - a closure
    def write() -> None:
        if keep:
            path.with_name(path.name + ".orig").write_bytes(path.read_bytes())
        path.write_text(text, encoding="utf-8")

    return write


def apply_init(plan: InitPlan, *, force: bool = False) -> Plan:
    """Write the planned files: new ones always, differing ones only with ``force``.

    Returns:
        The plan of what was written (empty when nothing was).
    """
    from shipyard import plans

    chosen = [c for c in plan.plan.pending if force or c.action == "create"]
    return plans.apply(Plan(chosen, plan.plan.target))
