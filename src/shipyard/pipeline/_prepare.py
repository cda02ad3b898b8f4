"""The target of ``shipyard pipeline run``: what the pipeline's jobs talk to, set up once.

:func:`prepare_target` sets up, with the chapters' own plan/apply, the hosted PyPI repository and
the deploy user of chapter 01, the CI variables in GitLab, the conda proxy of chapter 03, and a
PyPI proxy repository through which jobs get their packages, as a company's ``pypi-all`` serves
them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipyard.config import Secret, Settings
from shipyard.errors import ConfigError, OperationError, redact

if TYPE_CHECKING:
    from shipyard.plans import Plan
    from shipyard.sandbox import Sandbox

PYPI_PROXY = "pypi-proxy"
PYPI_GROUP = "pypi-all"


@dataclass(frozen=True)
class PipelineTarget:
    """What the jobs talk to, and the variables they get.

    Attributes:
        nexus_url: Nexus's base URL.
        variables: The project's CI variables as GitLab gives them to a job (values as set).
        masked: The values to mask in every log line.
        runner_env: What the runner's own environment gives every job (its ``environment``
            setting): ``PIP_INDEX_URL`` (the PyPI group) and ``MAMBA_CHANNEL_ALIAS`` (Nexus's
            conda proxies).
        plans: What setting up the target changed (empty plans the second time).
        shipyard_missing: Why Nexus holds no Shipyard wheel for the gate jobs, ``""`` when it
            does (or the target is real: a company publishes Shipyard itself).
    """

    nexus_url: str
    variables: dict[str, str] = field(repr=False)
    masked: tuple[Secret, ...] = field(repr=False)
    runner_env: dict[str, str]
    plans: tuple[Plan, ...] = ()
    shipyard_missing: str = ""


def pip_index() -> str:
    """Return the index this machine's pip is configured for (``PIP_INDEX_URL``, pip's config).

    The PyPI proxy forwards to it, as a company's Nexus forwards to PyPI.
    """
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PIP_CONFIG_FILE=""),
    )
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.split(".", 1)[-1] == "index-url":
            return value.strip().strip("'\"")
    return "https://pypi.org/simple"


def ensure_pypi_proxy(
    nexus_url: str, auth: tuple[str, str], remote: str, *, name: str = PYPI_PROXY
) -> str:
    """Create a Nexus PyPI proxy repository of ``remote`` unless it exists; return its index URL.

    Uses ``POST /v1/repositories/pypi/proxy`` (https://help.sonatype.com/en/repositories-api.html).

    Raises:
        OperationError: Nexus refused.
    """
    import requests

    base = nexus_url.rstrip("/")
    url = f"{base}/service/rest/v1/repositories/pypi/proxy"
    found = requests.get(f"{url}/{name}", auth=auth, timeout=30)
    if found.status_code == 404:
        body = {
            "name": name, "online": True,
            "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
            "proxy": {"remoteUrl": remote.removesuffix("simple").removesuffix("simple/"),
                      "contentMaxAge": 1440, "metadataMaxAge": 1440},
            "negativeCache": {"enabled": True, "timeToLive": 1440},
            "httpClient": {"blocked": False, "autoBlock": True},
        }  # fmt: skip
        found = requests.post(url, json=body, auth=auth, timeout=30)
    if found.status_code not in (200, 201):
        raise OperationError(f"create PyPI proxy {name!r}", status=found.status_code,
                             server_message=redact(found.text[:300]), url=url)  # fmt: skip
    return f"{base}/repository/{name}/simple/"


def ensure_pypi_group(
    nexus_url: str, auth: tuple[str, str], members: Sequence[str], *, name: str = PYPI_GROUP,
    create: bool = True,
) -> str:  # fmt: skip
    """Create the PyPI group of ``members`` unless it exists; return its URL (ending in ``/``).

    Uses ``POST /v1/repositories/pypi/group``: pip reads one index, the hosted repository's
    packages first, then the proxy's.

    Args:
        nexus_url: Nexus's base URL.
        auth: An administrator's user and password.
        members: The group's members, in order.
        name: The group's name.
        create: Create it when missing; otherwise a missing group is an error.

    Raises:
        OperationError: Nexus refused.
        ConfigError: The group is missing and ``create`` is false.
    """
    import requests

    base = nexus_url.rstrip("/")
    url = f"{base}/service/rest/v1/repositories/pypi/group"
    found = requests.get(f"{url}/{name}", auth=auth, timeout=30)
    if found.status_code == 404 and not create:
        msg = f"Nexus at {base} has no PyPI group {name!r}, which the pipeline's jobs install from"
        hint = f"Create it: members {', '.join(members)} (a hosted repository and a PyPI proxy)."
        raise ConfigError(msg, hint=hint)
    if found.status_code == 404:
        body = {"name": name, "online": True,
                "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
                "group": {"memberNames": list(members)}}  # fmt: skip
        found = requests.post(url, json=body, auth=auth, timeout=30)
    if found.status_code not in (200, 201):
        raise OperationError(f"create PyPI group {name!r}", status=found.status_code,
                             server_message=redact(found.text[:300]), url=url)  # fmt: skip
    return f"{base}/repository/{name}/"


def prepare_target(
    settings: Settings | None = None, *, sandbox: Sandbox | None = None,
    repository: str = "pypi-internal",
) -> PipelineTarget:  # fmt: skip
    """Set up what the pipeline needs with the chapters' plan/apply, and return it.

    Chapter 01's repository, deploy role and user and the three ``NEXUS_PYPI_*`` CI variables;
    chapter 03's conda proxy of conda-forge; a PyPI proxy of the index this machine's pip uses
    and the group ``pypi-all`` of the hosted repository and that proxy, with the variables the
    rendered pipeline reads them from (``NEXUS_PYPI_GROUP_URL``, ``NEXUS_CONDA_ALIAS``). The
    variables the jobs get are read back from GitLab, as a runner gets them. In the sandbox,
    this Shipyard's wheel in the hosted repository, which the rendered gate jobs install
    (``shipyard_missing`` says why not, when there is no source tree to build it from).

    Raises:
        OperationError: Nexus or GitLab refused a step.
        ConfigError: The real target lacks a setting.
    """
    from shipyard import _target, gitlab, nexus
    from shipyard.environments.provision import ensure_conda_proxy
    from shipyard.plans import apply

    settings, sandbox = _target.resolve(settings, sandbox)
    client = nexus.connect(settings, sandbox=sandbox)
    desired = nexus.desired_state(repository)
    nexus_plan = apply(nexus.plan_nexus(desired, client))
    admin = (sandbox and _target.admin_password(sandbox)) or settings.nexus_password
    auth = (client.username, admin.reveal() if isinstance(admin, Secret) else str(admin or ""))
    if sandbox is not None:
        # The sandbox starts empty; a real Nexus already has its proxies and its pypi-all, and
        # Shipyard never adds a proxy of this machine's index to a company's Nexus.
        ensure_conda_proxy(client.url, auth)
        ensure_pypi_proxy(client.url, auth, pip_index())
    group = ensure_pypi_group(
        client.url, auth, [repository, PYPI_PROXY], create=sandbox is not None
    )
    alias = f"{client.url}/repository/"
    project = gitlab.connect(settings, sandbox=sandbox)
    upload = f"{client.url}/repository/{repository}/"
    wanted = gitlab.nexus_variables(upload, desired.user.user_id, desired.user.password)
    wanted += [
        gitlab.Variable("NEXUS_PYPI_GROUP_URL", group, masked=False,
                        description="The PyPI group pip installs from (hosted + PyPI proxy)"),
        gitlab.Variable("NEXUS_CONDA_ALIAS", alias, masked=False,
                        description="Where conda channel names resolve (Nexus conda proxies)"),
    ]  # fmt: skip
    variables_plan = apply(gitlab.plan_variables(wanted, project))
    plans = [nexus_plan, variables_plan]
    missing = ""
    if sandbox is not None:
        missing = _publish_shipyard(upload, desired.user.user_id, desired.user.password, plans)
    values, masked = _job_variables(project.variables())
    masked += [desired.user.password, Secret(auth[1])]
    if sandbox is not None:
        masked.append(sandbox.gitlab_token)
    runner_env = {"PIP_INDEX_URL": f"{group}simple/", "MAMBA_CHANNEL_ALIAS": alias}
    return PipelineTarget(client.url, values, _variants(masked), runner_env, tuple(plans),
                          missing)  # fmt: skip


def _publish_shipyard(upload: str, user: str, password: Secret, plans: list[Plan]) -> str:
    """Upload this Shipyard's wheel to the hosted repository (plan/apply); return why not, or "".

    The rendered gate jobs install ``shipyard[gates]==<this version>`` from the group.
    """
    from shipyard import __version__
    from shipyard.pipeline._self_wheel import NOT_RUN, built_wheel, plan_shipyard_wheel
    from shipyard.pipeline._self_wheel import source_tree as find_tree
    from shipyard.plans import apply

    tree = find_tree()
    if tree is None:
        return NOT_RUN.format(version=__version__)
    plans.append(apply(plan_shipyard_wheel(built_wheel(tree), upload, user, password)))
    return ""


def hosted_files(target: PipelineTarget, project: str) -> list[str]:
    """Return the files the hosted repository's index lists for a project (what publish put).

    Reads ``<NEXUS_PYPI_URL>simple/<project>/``, the index deploy installs from.

    Raises:
        OperationError: Nexus answered neither the page nor 404.
    """
    import requests
    from packaging.utils import canonicalize_name

    url = f"{target.variables.get('NEXUS_PYPI_URL', '')}simple/{canonicalize_name(project)}/"
    answer = requests.get(url, timeout=30)
    if answer.status_code == 404:
        return []
    if not answer.ok:
        raise OperationError("read the hosted repository's index", status=answer.status_code,
                             server_message=redact(answer.text[:300]), url=url)  # fmt: skip
    found = re.findall(r'href="([^"]+)"', answer.text)
    return sorted({link.split("#")[0].rsplit("/", 1)[-1] for link in found})


def _job_variables(current: dict[str, dict[str, Any]]) -> tuple[dict[str, str], list[Secret]]:
    """Return the variables a job gets from GitLab, and the values GitLab masks."""
    values = {key: str(attributes.get("value") or "") for key, attributes in current.items()}
    masked = [Secret(values[k]) for k, a in current.items() if a.get("masked") and values[k]]
    return values, masked


def _variants(secrets: list[Secret]) -> tuple[Secret, ...]:
    """Return the secrets and their URL-encoded forms (how they appear in a URL's userinfo)."""
    from urllib.parse import quote

    found = {s.reveal() for s in secrets if s.reveal()}
    found |= {quote(value, safe="") for value in found}
    return tuple(Secret(value) for value in sorted(found))


def channel_pythons(target: PipelineTarget, channel: str = "conda-forge") -> list[str] | None:
    """Return the Python versions (``3.12``) the target's conda channel has, ``None`` if unknown.

    Read from ``<alias><channel>/linux-64/repodata.json``, where the jobs' micromamba solves:
    a test job for a Python the channel lacks cannot create its environment.
    """
    import requests

    alias = target.runner_env.get("MAMBA_CHANNEL_ALIAS", "")
    if not alias:
        return None
    try:
        answer = requests.get(f"{alias}{channel}/linux-64/repodata.json", timeout=60)
        records = answer.json().get("packages", {}) if answer.ok else None
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(records, dict):
        return None
    found = {".".join(str(r.get("version", "")).split(".")[:2])
             for r in records.values() if r.get("name") == "python"}  # fmt: skip
    return sorted(v for v in found if v)
