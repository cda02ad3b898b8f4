"""A stand-in ``micromamba`` for local pipeline runs only, built on py-rattler.

micromamba is in no registry this machine reaches, so ``shipyard pipeline run`` puts this command
on the jobs' PATH (never in a file a user commits). It implements the subcommands the runbook's
pipelines use, with micromamba's options (mamba-org/mamba 2.x, ``micromamba/src/*.cpp``):

- ``shell hook -s bash``: a ``micromamba`` shell function whose ``activate NAME`` and
  ``deactivate`` change PATH and ``CONDA_PREFIX`` in the job's shell;
- ``create`` / ``env create`` / ``env update`` (``-n``/``-p``, ``-f`` environment.yml or a
  ``*-lock.yml``, match specs, ``-c``, ``--override-channels``, ``-y``, ``--prune``): solve with
  py-rattler against the channels, as micromamba does, and install the packages into the prefix;
- ``run -n NAME COMMAND...``: run a command inside an environment;
- ``env export -n NAME --explicit``: the installed packages, URL and md5 per line;
- ``auth login URL -u USER (-p PASS | --password-stdin)``: remember credentials for a channel host.

Channel names resolve as micromamba resolves them: ``-c``, else the file's channels, through
``channel_alias`` from ``MAMBA_CHANNEL_ALIAS`` or a ``.mambarc`` (``$MAMBA_ROOT_PREFIX/.mambarc``,
``~/.mambarc``, ``~/.condarc``).

Where it differs, it says so on stderr, in every job log: the sandbox's conda-forge stand-in
serves metadata-only packages, so the environment's interpreter is a virtual environment of
the nearest Python on this machine (same major.minor when one is installed), and conda packages
of Python libraries are installed from the package index (``PIP_INDEX_URL``) at the solved
versions with pip.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["NOTICE", "main", "shell_hook"]

NOTICE = (
    "micromamba: a stand-in from Shipyard (py-rattler), for `shipyard pipeline run` only; "
    "a GitLab runner uses the real micromamba"
)
VERSION = "2.0.0+shipyard-stand-in"
SUPPORTED = ("shell hook", "create", "env create", "env update", "run", "env export", "auth login")
# Conda packages that are the interpreter or its plumbing: the virtual environment provides them.
_INTERPRETER = {"python", "python_abi", "pip", "libpython-static", "cpython"}
# conda-forge names whose PyPI distribution is spelled differently.
_PYPI_NAMES = {
    "typing_extensions": "typing-extensions",
    "cached_property": "cached-property",
    "python-tzdata": "tzdata",
    "pytorch": "torch",
    "matplotlib-base": "matplotlib",
}


class UsageError(Exception):
    """A command line the stand-in cannot honour; exit status 2, as micromamba's parser."""


def say(message: str) -> None:
    """Write one line to stderr (the job log)."""
    print(message, file=sys.stderr, flush=True)


def shell_hook(executable: str = "micromamba") -> str:
    """Return the bash code ``eval "$(micromamba shell hook -s bash)"`` runs."""
    exe = shlex.quote(executable)
    return f"""\
echo {shlex.quote(NOTICE)} >&2
micromamba() {{
  case "$1" in
    activate|deactivate) eval "$(command {exe} shell "$@" -s bash)" ;;
    *) command {exe} "$@" ;;
  esac
}}
"""


def root_prefix(given: str = "") -> Path:
    """Return ``$MAMBA_ROOT_PREFIX`` (or ``-r``), micromamba's default ``~/micromamba`` else."""
    return Path(given or os.environ.get("MAMBA_ROOT_PREFIX") or Path.home() / "micromamba")


def env_prefix(name: str, prefix: str, root: str = "") -> Path:
    """Return an environment's directory: ``-p PREFIX``, ``base``, or ``ROOT/envs/NAME``."""
    if prefix:
        return Path(prefix).absolute()
    if not name:
        msg = "give the environment with -n NAME or -p PREFIX"
        raise UsageError(msg)
    if name == "base":
        return root_prefix(root)
    return root_prefix(root) / "envs" / name


def _path_without_active() -> str:
    """Return PATH without the active environment's ``bin`` (what deactivating leaves)."""
    current = os.environ.get("CONDA_PREFIX", "")
    path = os.environ.get("PATH", "")
    if not current:
        return path
    return os.pathsep.join(p for p in path.split(os.pathsep) if p != f"{current}/bin")


def _activate(args: list[str]) -> str:
    """Return the bash code for ``micromamba activate NAME`` or ``deactivate``."""
    words = [a for a in args if a not in ("-s", "--shell", "bash", "sh", "zsh")]
    path = _path_without_active()
    if words[:1] == ["deactivate"]:
        return f"export PATH={shlex.quote(path)}\nunset CONDA_PREFIX CONDA_DEFAULT_ENV\n"
    target = words[1] if len(words) > 1 else "base"
    is_path = "/" in target
    prefix = Path(target).absolute() if is_path else env_prefix(target, "")
    if not (prefix / "conda-meta").is_dir() and target != "base":
        msg = f"cannot activate {target!r}: no environment at {prefix} (create it first)"
        raise UsageError(msg)
    return (
        f"export PATH={shlex.quote(f'{prefix}/bin' + os.pathsep + path)}\n"
        f"export CONDA_PREFIX={shlex.quote(str(prefix))}\n"
        f"export CONDA_DEFAULT_ENV={shlex.quote(prefix.name if is_path else target)}\n"
    )


@dataclass
class Request:
    """What ``create`` / ``env update`` was asked for."""

    name: str = ""
    prefix: str = ""
    root: str = ""
    files: list[str] = field(default_factory=list)
    specs: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    override_channels: bool = False
    prune: bool = False


_VALUED = {"-n": "name", "--name": "name", "-p": "prefix", "--prefix": "prefix",
           "-r": "root", "--root-prefix": "root"}  # fmt: skip
_FLAGS = {"-y", "--yes", "-q", "--quiet", "-v", "--verbose", "--no-rc", "--json"}


_LISTS = {"-f": "files", "--file": "files", "-c": "channels", "--channel": "channels"}


def _take(request: Request, option: str, value: str | None) -> None:
    """Store the value of an option that takes one."""
    if value is None:
        msg = f"option {option} needs a value"
        raise UsageError(msg)
    if option in _LISTS:
        getattr(request, _LISTS[option]).append(value)
    else:
        setattr(request, _VALUED[option], value)


def parse_request(args: list[str]) -> Request:
    """Parse the options of ``create`` and ``env update`` that the stand-in implements."""
    request = Request()
    items = iter(args)
    for arg in items:
        option, equals, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if option in _VALUED or option in _LISTS:
            _take(request, option, inline if equals else next(items, None))
        elif arg == "--override-channels":
            request.override_channels = True
        elif arg == "--prune":
            request.prune = True
        elif arg in _FLAGS:
            continue
        elif arg.startswith("-"):
            msg = f"option {arg!r} is not implemented by the stand-in"
            raise UsageError(msg)
        else:
            request.specs.append(arg)
    return request


def _mambarc() -> dict[str, Any]:
    """Merge the .mambarc/.condarc files micromamba reads (later files win)."""
    import yaml

    merged: dict[str, Any] = {}
    for path in (Path.home() / ".condarc", Path.home() / ".mambarc",
                 root_prefix() / ".condarc", root_prefix() / ".mambarc"):  # fmt: skip
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if isinstance(data, dict):
                merged.update(data)
    return merged


def channel_alias() -> str:
    """Return the channel alias in force: ``MAMBA_CHANNEL_ALIAS``, then the rc files."""
    return os.environ.get("MAMBA_CHANNEL_ALIAS") or str(_mambarc().get("channel_alias") or "")


def _interpreter(version: str) -> tuple[str, str]:
    """Return a Python on this machine for the solved ``python`` version, and a note."""
    minor = ".".join(version.split(".")[:2])
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    candidates = sorted(pyenv.glob(f"{minor}.*/bin/python{minor}")) if pyenv.is_dir() else []
    found = str(candidates[-1]) if candidates else ""
    if not found:
        # pyenv's shims answer for every version but run only the selected one: skip them.
        path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                               if not p.rstrip("/").endswith("/shims"))  # fmt: skip
        found = shutil.which(f"python{minor}", path=path) or ""
    if found:
        return found, f"its interpreter is this machine's {found} (Python {minor})"
    base = getattr(sys, "_base_executable", sys.executable)
    here = ".".join(map(str, sys.version_info[:2]))
    return base, f"no Python {minor} on this machine: its interpreter is {base} (Python {here})"


def _venv(prefix: Path, version: str) -> None:
    """Make the prefix a virtual environment of a real interpreter (the channel's is metadata)."""
    if (prefix / "pyvenv.cfg").is_file():
        return
    python, note = _interpreter(version)
    say(f"micromamba (stand-in): the channel's python {version} is metadata only; {note}")
    done = subprocess.run([python, "-m", "venv", str(prefix)], capture_output=True, text=True,
                          check=False)  # fmt: skip
    if done.returncode:
        raise UsageError(f"python -m venv {prefix} failed: {done.stderr.strip()[-400:]}")


def _python_libraries(packages: list[Any]) -> list[str]:
    """Return ``name==version`` for the solved conda packages that are Python libraries."""
    wanted = []
    for package in packages:
        needs_python = any(d.split()[0] in ("python", "python_abi") for d in package.depends)
        if package.name in _INTERPRETER or not (package.noarch == "python" or needs_python):
            continue
        wanted.append(f"{_PYPI_NAMES.get(package.name, package.name)}=={package.version}")
    return wanted


def _pip_install(prefix: Path, requirements: list[str]) -> None:
    if not requirements:
        return
    say(
        "micromamba (stand-in): conda-forge's Python libraries are metadata only here; pip "
        f"installs the solved versions from the package index: {' '.join(requirements)}"
    )
    argv = [str(prefix / "bin" / "python"), "-m", "pip", "install", "--no-deps", "-q",
            "--disable-pip-version-check", *requirements]  # fmt: skip
    done = subprocess.run(argv, check=False)
    if done.returncode:
        raise UsageError(
            f"pip could not install {' '.join(requirements)} (status {done.returncode})"
        )


def _inputs(request: Request) -> tuple[Any, list[str], list[str]]:
    """Return the environment file read last, the match specs and the channels to solve."""
    from shipyard.environments.envfile import EnvironmentFile, load_environment

    env = EnvironmentFile(path=Path("(command line)"), text="")
    specs = list(request.specs)
    for file in request.files:
        env = load_environment(file, project_name="")
        specs = [*env.specs(), *specs]
        if env.pip:
            say("micromamba (stand-in): the file's pip: section is not installed by the stand-in")
    channels = list(request.channels)
    if not request.override_channels:
        channels += [c.name for c in env.channels if c.name not in channels]
    return env, specs, channels or [str(c) for c in _mambarc().get("channels") or ["conda-forge"]]


def _lock_for(request: Request) -> Any:
    """Solve the request (or read its lock file) and return the lock."""
    from shipyard.environments.lock import read_lock
    from shipyard.environments.solve import solve_lock

    locks = [f for f in request.files if f.endswith(("-lock.yml", "-lock.yaml"))]
    if locks:
        return read_lock(locks[0])
    env, specs, channels = _inputs(request)
    if not specs:
        raise UsageError("nothing to install: give -f FILE or match specs")
    return solve_lock(env, channels=channels, channel_alias=channel_alias(), specs=specs,
                      cache_dir=root_prefix(request.root) / "pkgs" / "cache")  # fmt: skip


def create(request: Request, *, update: bool = False) -> int:
    """``micromamba create`` / ``env update``: solve, install, then make the interpreter real."""
    from shipyard.environments.solve import install_lock

    if not request.name and not request.prefix:
        request.name = _file_env_name(request.files)
    prefix = env_prefix(request.name, request.prefix, request.root)
    if not update and (prefix / "conda-meta").is_dir():
        shutil.rmtree(prefix)  # `create -y` over an existing environment replaces it
    lock = _lock_for(request)
    packages = lock.for_platform("linux-64")
    result = install_lock(lock, prefix, cache_dir=root_prefix(request.root) / "pkgs")
    say(f"micromamba (stand-in): {prefix}: {len(result.installed)} installed, "
        f"{len(result.removed)} removed, {result.unchanged} unchanged (py-rattler)")  # fmt: skip
    python = next((p for p in packages if p.name == "python"), None)
    if python is not None:
        _venv(prefix, python.version)
        _pip_install(prefix, _python_libraries(packages))
    return 0


def _file_env_name(files: list[str]) -> str:
    import yaml

    for file in files:
        data = yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and data.get("name"):
            return str(data["name"])
    raise UsageError("give the environment with -n NAME or -p PREFIX (the file has no name:)")


def run(args: list[str]) -> int:
    """``micromamba run -n NAME COMMAND...``."""
    request, command = Request(), list(args)
    while command and command[0] in _VALUED:
        option, value = command[0], command[1] if len(command) > 1 else ""
        setattr(request, _VALUED[option], value)
        command = command[2:]
    if not command:
        raise UsageError("micromamba run needs a command")
    prefix = env_prefix(request.name, request.prefix, request.root)
    if not (prefix / "conda-meta").is_dir():
        raise UsageError(f"no environment at {prefix} (create it first)")
    env = dict(os.environ, CONDA_PREFIX=str(prefix),
               PATH=f"{prefix}/bin{os.pathsep}{os.environ.get('PATH', '')}")  # fmt: skip
    return subprocess.run(command, env=env, check=False).returncode


def export(args: list[str]) -> int:
    """``micromamba env export -n NAME --explicit``: ``@EXPLICIT`` and one URL#md5 per line."""
    request = parse_request([a for a in args if a not in ("--explicit", "-e", "--no-md5")])
    prefix = env_prefix(request.name, request.prefix, request.root)
    lines = ["# This file may be used to create an environment using:",
             "# $ micromamba create --name <env> --file <this file>",
             "# platform: linux-64", "@EXPLICIT"]  # fmt: skip
    for path in sorted((prefix / "conda-meta").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        url = record.get("url", "")
        lines.append(url if "--no-md5" in args else f"{url}#{record.get('md5', '')}")
    print("\n".join(lines))
    return 0


def auth_login(args: list[str]) -> int:
    """``micromamba auth login URL -u USER -p PASS|--password-stdin``: stored 0600, never shown."""
    host = next((a for a in args if "://" in a), "")
    user = args[args.index("-u") + 1] if "-u" in args[:-1] else ""
    if "--password-stdin" in args:
        password = sys.stdin.readline().strip()
    else:
        password = args[args.index("-p") + 1] if "-p" in args[:-1] else ""
    if not host or not user or not password:
        raise UsageError("usage: micromamba auth login URL -u USER (-p PASS | --password-stdin)")
    # micromamba writes ~/.mamba/auth/authentication.json; a local run must leave nothing in the
    # user's home, so the stand-in keeps it under the root prefix, inside the run's copy.
    path = root_prefix() / "auth" / "authentication.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    stored[host] = {"type": "BasicHTTPAuthentication", "user": user, "password": password}
    path.touch(mode=0o600)
    path.write_text(json.dumps(stored), encoding="utf-8")
    say(f"micromamba (stand-in): credentials for {host} stored in {path}")
    return 0


def _shell(args: list[str]) -> int:
    """``shell hook -s bash``, and the ``shell activate|deactivate`` the hook's function calls."""
    if args[:1] == ["hook"]:
        print(shell_hook(os.environ.get("SHIPYARD_MICROMAMBA", "micromamba")), end="")
        return 0
    if args[:1] in (["activate"], ["deactivate"]):
        print(_activate(args), end="")
        return 0
    raise UsageError(f"'micromamba shell {' '.join(args[:1])}' is not implemented by the stand-in")


_COMMANDS: dict[str, Any] = {
    "create": lambda rest: create(parse_request(rest)),
    "env create": lambda rest: create(parse_request(rest)),
    "env update": lambda rest: create(parse_request(rest), update=True),
    "run": lambda rest: run(rest),
    "env export": lambda rest: export(rest),
    "auth login": lambda rest: auth_login(rest),
}


def dispatch(args: list[str]) -> int:
    """Run one micromamba command line; return its exit status."""
    if args[:1] in (["--version"], ["-V"]):
        print(VERSION)
        return 0
    if args[:1] == ["shell"]:
        return _shell(args[1:])
    for length in (2, 1):
        command = _COMMANDS.get(" ".join(args[:length]))
        if command is not None and len(args) >= length:
            say(NOTICE)
            return command(args[length:])
    if args[:1] in (["activate"], ["deactivate"]):
        raise UsageError('activate needs the shell hook: eval "$(micromamba shell hook -s bash)"')
    msg = f"'micromamba {' '.join(args[:2])}' is not implemented by the stand-in"
    raise UsageError(f"{msg}; it implements: {', '.join(SUPPORTED)}")


def main(argv: list[str] | None = None) -> int:
    """The ``micromamba`` command: errors become ``critical libmamba ...`` lines and status 1/2."""
    from shipyard.errors import ShipyardError

    try:
        return dispatch(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        say(f"micromamba (stand-in): error: {exc}")
        return 2
    except ShipyardError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        say(f"critical libmamba {exc}{hint}")
        return 1


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # py-rattler's runtime threads can abort the interpreter's shutdown after a failed solve
    # ("PyGILState_Release"); the command's work is done, so leave without finalising.
    os._exit(status)
