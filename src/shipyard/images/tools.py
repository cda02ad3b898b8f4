"""Whether a ``poetry install`` or ``uv sync`` in a Dockerfile is set up for a container build.

The IMG004 and IMG005 rules in :mod:`shipyard.images.rules` report what these functions find: each
check looks at one setting of one step (interaction, where the environment goes, the lock, the
bytecode, the link mode, the Python, the dependency groups) and returns the problem, or ``None``.
The checks of a tool run in a table, in the order the rule reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from shipyard.images import facts
from shipyard.images.dockerfile import Dockerfile, Stage
from shipyard.images.facts import Run
from shipyard.images.shell import Command

__all__ = ["ToolStep", "poetry_problems", "tool_steps", "uv_problems"]

_POETRY_GROUP_OPTIONS = ("--only", "--without", "--only-root", "--no-dev")
_NO_PYTHON_DOWNLOADS = ("0", "never", "false", "manual")


@dataclass(frozen=True)
class ToolStep:
    """A ``poetry install`` or ``uv sync`` (or ``uv pip install``) and what it sees.

    Attributes:
        dockerfile: The Dockerfile it is in.
        finals: The stages that become images.
        stage: The stage it runs in.
        run: The RUN that runs it.
        command: The tool's command.
        variables: The variables the command sees, its own ``VAR=value`` included.
    """

    dockerfile: Dockerfile
    finals: list[Stage]
    stage: Stage
    run: Run
    command: Command
    variables: dict[str, str | None]

    @property
    def is_sync(self) -> bool:
        """Whether the command is ``uv sync``."""
        return self.command.operands()[:1] == ["sync"]

    def feeds_final(self) -> bool:
        """Tell whether what the step installs ends up in a final image."""
        return facts.feeds(self.dockerfile, self.stage, self.finals)

    def truthy(self, *names: str) -> bool:
        """Tell whether any of these variables means yes."""
        return any(facts.truthy(self.variables.get(name)) for name in names)

    def poetry_setting(self, key: str) -> str | None:
        """Return a Poetry setting at this step: its ``POETRY_*`` variable or ``poetry config``."""
        return facts.poetry_setting(self.dockerfile, self.stage, self.run, self.variables, key)


def tool_steps(dockerfile: Dockerfile, finals: list[Stage], tool: str) -> Iterator[ToolStep]:
    """Yield each ``poetry install`` (``tool="poetry"``) or ``uv sync`` (``"uv"``) of the file."""
    for stage, run, command, variables in facts.tool_runs(dockerfile, tool):
        yield ToolStep(dockerfile, finals, stage, run, command, variables)


def _poetry_interactive(step: ToolStep) -> str | None:
    if facts.truthy(step.poetry_setting("no-interaction")):
        return None
    if step.command.has_option("-n", "--no-interaction"):
        return None
    return "POETRY_NO_INTERACTION is not set: a question stops the build"


def _poetry_environment(step: ToolStep) -> str | None:
    create = step.poetry_setting("virtualenvs.create")
    creates = create is None or facts.truthy(create)
    in_project = facts.truthy(step.poetry_setting("virtualenvs.in-project"))
    if not creates and in_project:
        return (
            "POETRY_VIRTUALENVS_CREATE=false contradicts "
            "POETRY_VIRTUALENVS_IN_PROJECT=true: no .venv is created"
        )
    if creates and not in_project and not step.poetry_setting("virtualenvs.path"):
        return (
            "POETRY_VIRTUALENVS_IN_PROJECT is not true: the environment goes to "
            "a hashed directory in Poetry's cache, not ./.venv"
        )
    return None


def _poetry_groups(step: ToolStep) -> str | None:
    if step.command.operands()[:1] != ["install"] or step.command.has_option(
        *_POETRY_GROUP_OPTIONS
    ):
        return None
    if not step.feeds_final():
        return None
    return "installs every dependency group, dev tools included; add --only main"


def _uv_unlocked(step: ToolStep) -> str | None:
    if not step.is_sync or step.command.has_option("--frozen", "--locked"):
        return None
    if step.truthy("UV_FROZEN", "UV_LOCKED"):
        return None
    return "neither --locked nor --frozen: it may resolve again instead of installing uv.lock"


def _uv_bytecode(step: ToolStep) -> str | None:
    if step.truthy("UV_COMPILE_BYTECODE") or step.command.has_option("--compile-bytecode"):
        return None
    return "UV_COMPILE_BYTECODE=1 is not set: every start compiles again"


def _uv_link_mode(step: ToolStep) -> str | None:
    link = facts.option_value(step.command, "--link-mode") or step.variables.get("UV_LINK_MODE")
    if not step.run.mounts("cache") or (link or "").lower() == "copy":
        return None
    return "a cache mount without UV_LINK_MODE=copy: hard links fail across the mount"


def _uv_python_kept(step: ToolStep) -> bool:
    """Tell whether uv is told to use the image's Python rather than download one."""
    downloads = (step.variables.get("UV_PYTHON_DOWNLOADS") or "").lower()
    preference = (
        facts.option_value(step.command, "--python-preference")
        or step.variables.get("UV_PYTHON_PREFERENCE")
        or ""
    )
    return (
        downloads in _NO_PYTHON_DOWNLOADS
        or preference == "only-system"
        or step.command.has_option("--no-python-downloads")
    )


def _uv_installs_python(step: ToolStep) -> bool:
    """Tell whether the stage installs a Python with ``uv python install`` (so none is missing)."""
    return any(
        c.name == "uv" and c.operands()[:2] == ["python", "install"]
        for r in facts.runs(step.dockerfile, step.stage, inherited=True)
        for c in r.commands
    )


def _uv_python_downloads(step: ToolStep) -> str | None:
    if not step.is_sync or _uv_python_kept(step) or _uv_installs_python(step):
        return None
    return "UV_PYTHON_DOWNLOADS=0 is not set: uv may fetch a Python the runtime stage does not have"


def _uv_dev_group(step: ToolStep) -> str | None:
    if not step.is_sync or not step.feeds_final():
        return None
    command = step.command
    dev = command.has_option("--all-groups", "--dev") or (
        facts.option_value(command, "--group") == "dev"
    )
    no_dev = command.has_option("--no-dev", "--only-group", "--no-default-groups") or (
        step.truthy("UV_NO_DEV")
    )
    return "installs the dev group into the image; add --no-dev" if dev or not no_dev else None


_Check = Callable[[ToolStep], str | None]
_POETRY_CHECKS: tuple[_Check, ...] = (_poetry_interactive, _poetry_environment, _poetry_groups)
_UV_CHECKS: tuple[_Check, ...] = (
    _uv_unlocked,
    _uv_bytecode,
    _uv_link_mode,
    _uv_python_downloads,
    _uv_dev_group,
)


def poetry_problems(step: ToolStep) -> list[str]:
    """Return what is wrong with a ``poetry install``'s settings, in the order the rule reports."""
    return [problem for check in _POETRY_CHECKS if (problem := check(step))]


def uv_problems(step: ToolStep) -> list[str]:
    """Return what is wrong with a ``uv sync``'s settings, in the order the rule reports."""
    return [problem for check in _UV_CHECKS if (problem := check(step))]
