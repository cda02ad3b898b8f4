"""What pip, twine and uv need to use the Nexus repository: config files and environment variables.

Every renderer refers to credentials through environment variables only (the CI variables
``NEXUS_PYPI_USERNAME`` and ``NEXUS_PYPI_PASSWORD``, or ``TWINE_*`` / ``UV_INDEX_*``): nothing
rendered here holds a secret, so every file can be committed. The two URLs differ, and mixing them
up is the most common mistake (rules NEX004 and NEX005): twine uploads to the repository URL
``…/repository/<name>/``; pip and uv read the index at ``…/repository/<name>/simple/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "ConsumerConfig",
    "consumer_config",
    "index_url",
    "pip_conf",
    "pip_index_env",
    "pypirc",
    "twine_env",
    "upload_url",
    "uv_env",
    "uv_index",
]

USERNAME_VAR = "NEXUS_PYPI_USERNAME"
PASSWORD_VAR = "NEXUS_PYPI_PASSWORD"
URL_VAR = "NEXUS_PYPI_URL"


def upload_url(url: str) -> str:
    """Return the twine upload URL of a repository, given it or its ``/simple/`` index URL."""
    base = url.rstrip("/")
    base = base.removesuffix("/simple")
    return base + "/"


def index_url(url: str) -> str:
    """Return the pip index URL (``…/simple/``) of a repository, given its upload URL."""
    return upload_url(url) + "simple/"


def pip_conf(url: str) -> str:
    """Render ``pip.conf`` (``pip.ini`` on Windows): the Nexus index, no credentials.

    pip takes the credentials from ``PIP_INDEX_URL`` (see :func:`pip_index_env`), a keyring or
    ``~/.netrc``, never from this file, which can therefore be committed or baked into an image.
    """
    return (
        "[global]\n"
        f"index-url = {index_url(url)}\n"
        "# No extra-index-url: one index, so no package can come from public PyPI by surprise.\n"
        "# Credentials: PIP_INDEX_URL in CI, or ~/.netrc / keyring on a workstation.\n"
    )


def pip_index_env(url: str) -> dict[str, str]:
    """Return ``PIP_INDEX_URL`` for a CI job, credentials expanded from the CI variables.

    The value holds ``${NEXUS_PYPI_USERNAME}`` and ``${NEXUS_PYPI_PASSWORD}`` references that the
    job's shell (or GitLab) expands: the secret never lands in a file. A password with ``@``,
    ``:`` or ``/`` must be URL-encoded; generated ones are URL-safe.
    """
    scheme, _, rest = index_url(url).partition("://")
    return {"PIP_INDEX_URL": f"{scheme}://${{{USERNAME_VAR}}}:${{{PASSWORD_VAR}}}@{rest}"}


def pypirc(url: str, name: str = "nexus") -> str:
    """Render ``~/.pypirc`` for twine: the repository, credentials left to ``TWINE_*``."""
    return (
        "[distutils]\n"
        f"index-servers =\n    {name}\n\n"
        f"[{name}]\n"
        f"repository = {upload_url(url)}\n"
        "# username and password come from TWINE_USERNAME and TWINE_PASSWORD\n"
    )


def twine_env(*, bearer_token: bool = False) -> dict[str, str]:
    """Return the ``TWINE_*`` variables a publish job sets from the CI variables.

    Args:
        bearer_token: The seed's variant for a Nexus that takes a token: ``TWINE_PASSWORD`` is
            the token and ``TWINE_USERNAME`` anything, since twine always sends a user name.
            (Nexus Pro user tokens are different: their name code is the user name.)
    """
    if bearer_token:
        return {
            "TWINE_REPOSITORY_URL": f"${URL_VAR}",
            "TWINE_USERNAME": "token",
            "TWINE_PASSWORD": "$NEXUS_PYPI_TOKEN",
        }
    return {
        "TWINE_REPOSITORY_URL": f"${URL_VAR}",
        "TWINE_USERNAME": f"${USERNAME_VAR}",
        "TWINE_PASSWORD": f"${PASSWORD_VAR}",
    }


def _uv_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def uv_index(url: str, name: str = "nexus", packages: tuple[str, ...] = ()) -> str:
    """Render the ``[[tool.uv.index]]`` table (and sources) for ``pyproject.toml``.

    The index is ``explicit``: only the packages pinned to it in ``[tool.uv.sources]`` come from
    it, and nothing else is looked up there, so an internal name can never be taken from PyPI
    and a public name never from Nexus.
    """
    lines = [
        "[[tool.uv.index]]",
        f'name = "{name}"',
        f'url = "{index_url(url)}"',
        f'publish-url = "{upload_url(url)}"',
        "explicit = true",
    ]
    if packages:
        lines += ["", "[tool.uv.sources]"]
        lines += [f'{package} = {{ index = "{name}" }}' for package in packages]
    return "\n".join(lines) + "\n"


def uv_env(name: str = "nexus") -> dict[str, str]:
    """Return the variables uv reads the index's credentials from (``UV_INDEX_<NAME>_*``)."""
    prefix = f"UV_INDEX_{_uv_name(name)}"
    return {f"{prefix}_USERNAME": f"${USERNAME_VAR}", f"{prefix}_PASSWORD": f"${PASSWORD_VAR}"}


def _env_block(env: dict[str, str]) -> str:
    return "".join(f'  {key}: "{value}"\n' for key, value in env.items())


@dataclass(frozen=True)
class ConsumerConfig:
    """Every configuration a consumer needs, by where it goes (file name or ``CI: ...``)."""

    sections: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.sections[name]

    def __repr__(self) -> str:
        from shipyard.runbook import normalise

        blocks = [f"── {name} ──\n{text.rstrip()}" for name, text in self.sections.items()]
        return normalise("\n\n".join(blocks))


def consumer_config(url: str, *, package: str = "my_app") -> ConsumerConfig:
    """Render pip, twine and uv configuration for a repository, credentials by reference only.

    Args:
        url: The repository's upload URL (or its ``/simple/`` URL).
        package: The internal package uv should take from Nexus only.
    """
    return ConsumerConfig(
        {
            "pip.conf": pip_conf(url),
            "CI job variables for pip (.gitlab-ci.yml)": "variables:\n"
            + _env_block(pip_index_env(url)),
            ".pypirc (twine upload -r nexus)": pypirc(url),
            "CI job variables for twine (.gitlab-ci.yml)": "variables:\n" + _env_block(twine_env()),
            "bearer-token variant": "variables:\n" + _env_block(twine_env(bearer_token=True)),
            "pyproject.toml (uv)": uv_index(url, packages=(package.replace("_", "-"),)),
            "CI job variables for uv (.gitlab-ci.yml)": "variables:\n" + _env_block(uv_env()),
        }
    )
