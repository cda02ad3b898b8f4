"""ENV: environment.yml rules — a binary runtime that any machine can recreate through Nexus.

Each rule's check takes a :class:`shipyard.environments.EnvironmentFile` and yields a
:class:`~shipyard.rules.Hit` per problem.

The pinning policy (ENV003, ENV004, ENV005): environment.yml states *intent* and the lock file
records *facts*. So environment.yml pins Python to a minor version (``python=3.12``), gives every
other package a version constraint no looser than a major version (``numpy >=1.26,<2`` or
``numpy=1.26``), and never pins a build string or an exact patch release (``==1.26.4``): those
belong in the lock file, which pins every package exactly, per platform, with hashes. ``pip`` is
the one package that may stay unpinned: it is a tool of the environment, not a library the code
imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from shipyard.environments.envfile import EnvironmentFile
from shipyard.errors import redact
from shipyard.rules import Hit, external, rule

__all__ = ["DEFAULTS_CHANNELS", "PUBLIC_CHANNEL_HOSTS", "UNPINNED_OK"]

#: Channel names that mean Anaconda's repository (commercial terms), not conda-forge.
DEFAULTS_CHANNELS = ("defaults", "main", "anaconda", "r", "msys2", "free", "pro")
#: Hosts that serve channels from the internet directly, around a Nexus proxy.
PUBLIC_CHANNEL_HOSTS = ("conda.anaconda.org", "repo.anaconda.com", "anaconda.org", "prefix.dev",
                        "repo.prefix.dev", "conda-static.anaconda.org")  # fmt: skip
#: Packages that may stay unpinned: tools of the environment, not libraries the code imports.
UNPINNED_OK = ("pip",)
_EXACT = re.compile(r"^(==)?\d+(\.\d+){2,}$")
_PIP_INDEX_OPTIONS = ("--index-url", "--extra-index-url", "-i", "--trusted-host", "-f",
                      "--find-links")  # fmt: skip
_CREDENTIAL_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{0,31}://[^/\s:@]+(:[^/\s@]*)?@")
_TOKEN = re.compile(r"(?i)(token|password|passwd|secret|api[_-]?key)\s*[=:]\s*\S+")


def _normalise_pip_name(text: str) -> str:
    return re.split(r"[\s<>=!~;\[@]", text.strip(), maxsplit=1)[0].lower().replace("_", "-")


external(
    "ENV001",
    "environment.yml is valid YAML shaped like an environment",
    "error",
    why="""
        micromamba stops at the first syntax error, and a `dependencies` that is not a list makes
        it fail with a message that does not name the line. Shipyard stops here too: it reports
        the file, line and column and exits with status 2.
    """,
    bad="""
        name: prod
        channels: [conda-forge
        dependencies:
          - python=3.12
    """,
    good="""
        name: prod
        channels: [conda-forge]
        dependencies:
          - python=3.12
    """,
    fix="Correct the YAML at the reported line and column (here: the unclosed `[`).",
    language="yaml",
    checked_by="reader",
)


@rule(
    "ENV002",
    "Does not list the project itself",
    "error",
    why="""
        environment.yml builds the *binary runtime*: the interpreter and compiled libraries from
        conda-forge. The project comes from Nexus, installed with `pip install --no-deps` from the
        wheel the pipeline published. Listed here too, the solver looks for it on conda-forge
        (where it is absent, or worse, where a stranger's package of the same name lives).
    """,
    bad="""
        dependencies:
          - python=3.12
          - pip
          - my_app
    """,
    good="""
        dependencies:
          - python=3.12
          - pip
        # my_app comes from Nexus: pip install --no-deps my_app==1.0.0
    """,
    fix="Remove the project from environment.yml (conda and pip sections); install its wheel "
    "from Nexus with `pip install --no-deps` after creating the environment.",
    language="yaml",
    context={"pyproject.toml": '[project]\nname = "my_app"\nversion = "1.0.0"\n'},
)
def project_not_listed(env: EnvironmentFile) -> Iterator[Hit]:
    """Compare every dependency with ``[project].name`` of the pyproject.toml next to the file."""
    if not env.project_name:
        return
    own = env.project_name.lower().replace("_", "-")
    for dep in env.dependencies:
        if dep.name and dep.name.replace("_", "-") == own:
            yield Hit(f"{dep.text!r} is the project itself: install it from Nexus", dep.line)
    for line in env.pip or ():
        if _normalise_pip_name(line.text) == own:
            yield Hit(f"pip entry {line.text!r} is the project itself", line.line)


@rule(
    "ENV003",
    "Pins the Python version",
    "error",
    why="""
        Without a pin the solver takes the newest Python on the day: the environment a deploy
        creates next month runs a different interpreter from the one the tests passed on, and
        compiled packages follow it to other builds.
    """,
    bad="""
        dependencies:
          - python
          - pip
    """,
    good="""
        dependencies:
          - python=3.12
          - pip
    """,
    fix="Pin Python to a minor version: `python=3.12` (any 3.12.x) or `python >=3.12,<3.13`.",
    language="yaml",
)
def python_pinned(env: EnvironmentFile) -> Iterator[Hit]:
    """Require a ``python`` dependency with a version constraint."""
    pythons = [d for d in env.dependencies if d.name == "python"]
    if not pythons:
        yield Hit("no 'python' dependency: the solver picks the interpreter", env.dependencies_line)
    for dep in pythons:
        if not dep.version or dep.version in ("*", ">=0"):
            yield Hit(
                f"{dep.text!r} has no version: pin a minor version, e.g. python=3.12", dep.line
            )


@rule(
    "ENV004",
    "Constrains the version of every package",
    "warning",
    why="""
        An unpinned package is whatever is newest when the environment is created, so two
        machines, or two pipeline runs a month apart, get different major versions. The policy:
        every package but `pip` has a constraint no looser than a major version. The lock file
        then pins every package exactly.
    """,
    bad="""
        dependencies:
          - python=3.12
          - numpy
    """,
    good="""
        dependencies:
          - python=3.12
          - numpy >=1.26,<2
    """,
    fix="Add a constraint: `numpy=1.26` (any 1.26.x) or `numpy >=1.26,<2`; then lock "
    "(`shipyard env lock`) for exact versions.",
    language="yaml",
)
def packages_constrained(env: EnvironmentFile) -> Iterator[Hit]:
    """Require a version constraint on every package but python (ENV003) and pip."""
    for dep in env.dependencies:
        if not dep.name or dep.name == "python" or dep.name in UNPINNED_OK:
            continue
        if not dep.version or dep.version in ("*", ">=0"):
            yield Hit(f"{dep.text!r} has no version constraint", dep.line)


@rule(
    "ENV005",
    "Leaves builds and exact patch pins to the lock file",
    "warning",
    why="""
        A build string (`py312h58c1407_0`) names one platform's binary: the file no longer solves
        on another machine, which defeats recreating the environment anywhere. An exact patch pin
        (`openssl==3.3.2`) blocks the security fix released next week. Exact versions belong in
        the lock file, which records them per platform with hashes and is renewed on purpose.
    """,
    bad="""
        dependencies:
          - python=3.12
          - numpy=2.1.1=py312h58c1407_0
          - openssl==3.3.2
    """,
    good="""
        dependencies:
          - python=3.12
          - numpy=2.1
          - openssl >=3.3,<4
    """,
    fix="Constrain to a minor or major version in environment.yml and let the lock file pin "
    "exact versions and builds.",
    language="yaml",
)
def not_over_pinned(env: EnvironmentFile) -> Iterator[Hit]:
    """Flag build-string constraints and exact pins with three or more version components."""
    for dep in env.dependencies:
        if not dep.name:
            continue
        if dep.build and dep.build[0] in "<>=!~":
            # "numpy >=1.2 <2": the space makes conda read "<2" as a build string, not a bound.
            yield Hit(
                f"{dep.text!r}: {dep.build!r} is read as a build string, not a version bound; "
                "join the bounds with a comma, e.g. 'numpy >=1.2,<2'",
                dep.line,
            )
        elif dep.build and dep.build != "*":
            yield Hit(
                f"{dep.text!r} pins build {dep.build!r}: it will not solve elsewhere", dep.line
            )
        elif _EXACT.match(dep.version):
            yield Hit(f"{dep.text!r} pins an exact release: leave that to the lock file", dep.line)


@rule(
    "ENV006",
    "Does not use Anaconda's defaults channel",
    "error",
    why="""
        `defaults` (repo.anaconda.com: `main`, `r`, `msys2`) is under Anaconda's terms of
        service, which require a paid licence for commercial use in organisations of more than
        200 people, and its builds do not mix well with conda-forge's. conda-forge is free for
        everyone and is what the Nexus proxy mirrors.
    """,
    bad="""
        channels:
          - conda-forge
          - defaults
    """,
    good="""
        channels:
          - conda-forge
    """,
    fix="Remove `defaults` (and `main`, `anaconda`, `r`, `msys2`); in `.mambarc` set "
    "`default_channels: []` so nothing adds it back.",
    language="yaml",
)
def no_defaults(env: EnvironmentFile) -> Iterator[Hit]:
    """Flag the defaults channel by name or by its URL."""
    for channel in env.channels:
        host = urlsplit(channel.name).hostname or ""
        if channel.name.rstrip("/") in DEFAULTS_CHANNELS or host == "repo.anaconda.com":
            yield Hit(f"channel {channel.name!r} is Anaconda's defaults channel", channel.line)
    for dep in env.dependencies:
        prefix = dep.text.split("::", 1)[0] if "::" in dep.text else ""
        if prefix in DEFAULTS_CHANNELS:
            yield Hit(f"{dep.text!r} asks for Anaconda's defaults channel", dep.line)


@rule(
    "ENV007",
    "Fetches every channel through the Nexus proxy",
    "error",
    why="""
        A channel written as a public URL bypasses the Nexus conda proxy: the pipeline then
        depends on the internet, nothing is cached, and the firewall or the proxy's audit trail
        never sees the download. Write channels by name (`conda-forge`) and let `.mambarc`'s
        `channel_alias` or `custom_channels` send them to Nexus.
    """,
    bad="""
        channels:
          - https://conda.anaconda.org/conda-forge
    """,
    good="""
        channels:
          - conda-forge   # .mambarc: channel_alias: https://nexus.corp.local/repository/
    """,
    fix="Write the channel by name and point `channel_alias` in `.mambarc` at "
    "`<nexus>/repository/`; or write the Nexus URL itself.",
    language="yaml",
)
def through_nexus(env: EnvironmentFile) -> Iterator[Hit]:
    """Flag channel URLs on public hosts, or (Nexus configured) anywhere but the Nexus."""
    nexus = env.nexus_url.rstrip("/")
    for channel in env.channels:
        if not channel.is_url or urlsplit(channel.name).hostname == "repo.anaconda.com":
            continue  # names go through channel_alias; defaults URLs are ENV006's
        host = urlsplit(channel.name).hostname or ""
        shown = redact(channel.name)
        if host in PUBLIC_CHANNEL_HOSTS:
            yield Hit(f"channel {shown!r} bypasses the Nexus proxy", channel.line)
        elif nexus and not channel.name.startswith(nexus + "/"):
            yield Hit(f"channel {shown!r} is not on the configured Nexus {nexus}", channel.line)


@rule(
    "ENV008",
    "Lists pip among the dependencies when it has a pip section",
    "error",
    why="""
        micromamba hands the `pip:` section to the environment's own pip. Without `pip` among
        the dependencies there is none, and the section fails or, worse, runs a pip from outside
        the environment that installs elsewhere.
    """,
    bad="""
        dependencies:
          - python=3.12
          - pip:
            - rich>=13
    """,
    good="""
        dependencies:
          - python=3.12
          - pip
          - pip:
            - rich>=13
    """,
    fix="Add `- pip` to the dependencies.",
    language="yaml",
)
def pip_listed(env: EnvironmentFile) -> Iterator[Hit]:
    """Require ``pip`` as a dependency when there is a pip section."""
    if env.pip is not None and "pip" not in env.names():
        yield Hit("a 'pip:' section but no 'pip' dependency", env.pip_line)


@rule(
    "ENV009",
    "Holds no credentials or package index options",
    "error",
    why="""
        environment.yml is committed: a password in a channel URL or an `--index-url` with a
        token is readable by everyone with access to the repository, forever, in its history. An
        index option also pins the file to one machine's setup. Credentials go to
        `micromamba auth login` and pip's configuration, from CI variables.
    """,
    bad="""
        dependencies:
          - pip
          - pip:
            - --index-url https://deploy:s3cret@nexus.corp.local/repository/pypi-all/simple
            - rich>=13
    """,
    good="""
        dependencies:
          - pip
          - pip:
            - rich>=13
        # PIP_INDEX_URL and `micromamba auth login` come from CI variables
    """,
    fix="Remove the credentials and index options; set `PIP_INDEX_URL` in the job and run "
    "`micromamba auth login <nexus> -u $USER --password-stdin`. Rotate a leaked password.",
    language="yaml",
)
def no_credentials(env: EnvironmentFile) -> Iterator[Hit]:
    """Flag ``user:password@`` URLs, token assignments and pip index options anywhere."""
    for number, line in enumerate(env.text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        if _CREDENTIAL_URL.search(line) or _TOKEN.search(line):
            yield Hit(f"credentials in line {redact(line.strip())!r}", number)
    for entry in env.pip or ():
        option = entry.text.split()[0].split("=")[0] if entry.text.split() else ""
        if option in _PIP_INDEX_OPTIONS:
            yield Hit(f"pip option {option!r} belongs in pip's configuration", entry.line)


@rule(
    "ENV010",
    "Lists each package once",
    "error",
    why="""
        Two entries for one package combine into one constraint that may be unsatisfiable, and a
        reader cannot tell which one was meant; an edit to one leaves the other behind.
    """,
    bad="""
        dependencies:
          - numpy >=1.26
          - pandas=2.2
          - numpy <2
    """,
    good="""
        dependencies:
          - numpy >=1.26,<2
          - pandas=2.2
    """,
    fix="Merge the entries into one constraint.",
    language="yaml",
)
def no_duplicates(env: EnvironmentFile) -> Iterator[Hit]:
    """Flag a second entry of a conda package or of a pip requirement."""
    seen: dict[str, int] = {}
    for dep in env.dependencies:
        if dep.name in seen:
            yield Hit(f"{dep.name!r} is listed again (first on line {seen[dep.name]})", dep.line)
        elif dep.name:
            seen[dep.name] = dep.line
    pip_seen: dict[str, int] = {}
    for entry in env.pip or ():
        name = _normalise_pip_name(entry.text)
        if not name or name.startswith("-"):
            continue
        if name in pip_seen:
            yield Hit(f"pip {name!r} is listed again (first on line {pip_seen[name]})", entry.line)
        else:
            pip_seen[name] = entry.line


@rule(
    "ENV011",
    "Writes every dependency as a valid match spec",
    "error",
    why="""
        A spec the solver cannot parse stops `micromamba create` before anything is solved, often
        with a message about the whole file. Shipyard parses each spec with py-rattler, the
        library micromamba's solver comes from, and names the line.
    """,
    bad="""
        dependencies:
          - numpy >=>1.26
    """,
    good="""
        dependencies:
          - numpy >=1.26
    """,
    fix="Write `name`, `name=1.2` (any 1.2.x), `name >=1.2,<2` or `name 1.2.*`; see conda's "
    "match spec syntax.",
    language="yaml",
)
def valid_specs(env: EnvironmentFile) -> Iterator[Hit]:
    """Report the specs py-rattler's ``MatchSpec`` refused."""
    for dep in env.dependencies:
        if dep.error:
            yield Hit(f"{dep.text!r} is not a valid match spec: {dep.error}", dep.line)
