"""NEX: how a project reaches its Nexus — index and upload URLs, credentials, dependency confusion.

Each rule's check takes an ``IndexFile`` (the settings one of ``pip.conf``, ``.pypirc``,
``pyproject.toml`` or ``.gitlab-ci.yml`` makes about indexes) and yields a
:class:`~shipyard.rules.Hit` per problem. Values may hold CI variable references
(``$NEXUS_PYPI_URL``): those the file defines literally are expanded, the others are judged by
what they are known to hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from shipyard.nexus.indexconf import IndexFile, expand
from shipyard.rules import Hit, rule

__all__ = ["UPLOAD_URL_VARIABLES"]

#: Variables that hold a repository's upload URL (``…/repository/<name>/``) by convention.
UPLOAD_URL_VARIABLES = ("NEXUS_PYPI_URL", "TWINE_REPOSITORY_URL")
_CREDENTIALS = re.compile(r"://(?P<user>[^/@\s:]+):(?P<password>[^/@\s]+)@")
_VARIABLE_ONLY = re.compile(r"^(\$\{?\w+\}?|%\(\w+\)s)$")
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
_NEXUS_REPO = re.compile(r"/repository/[^/]+/?$")
_UPLOAD_VAR = re.compile(r"^\$\{?(?P<name>\w+)\}?(?P<rest>.*)$")


def _urls(ctx: IndexFile, *keys: str) -> Iterator[tuple[str, str, int, str]]:
    """Yield (as written, expanded, line, source) for the settings with these keys."""
    for setting in ctx:
        if setting.key in keys:
            yield setting.value, expand(setting.value, ctx.variables), setting.line, setting.source


@rule(
    "NEX001",
    "Index URLs carry no credentials",
    "error",
    why="""
        A password written into an index URL (`https://deploy-ci:s3cret@nexus/...`) is committed
        with the file, copied into every image built from it, and printed by pip in its "Looking
        in indexes" line. Whoever reads the repository can then publish as the deploy user.
    """,
    bad="""
        [global]
        index-url = https://deploy-ci:s3cret@nexus.corp.local/repository/pypi-internal/simple/
    """,
    good="""
        [global]
        index-url = https://nexus.corp.local/repository/pypi-internal/simple/
        # CI: PIP_INDEX_URL: "https://${NEXUS_PYPI_USERNAME}:${NEXUS_PYPI_PASSWORD}@nexus.corp.local/..."
    """,
    fix="Remove the credentials from the URL. In CI, build the URL from the protected variables "
    "(`${NEXUS_PYPI_USERNAME}:${NEXUS_PYPI_PASSWORD}@`); on a workstation use `~/.netrc` or a "
    "keyring. Then change the password: it has been exposed.",
    language="ini",
)
def no_credentials_in_urls(ctx: IndexFile) -> Iterator[Hit]:
    """Find ``user:password@`` in URLs whose password is not a variable reference."""
    for setting in ctx:
        match = _CREDENTIALS.search(setting.value)
        if match and not _VARIABLE_ONLY.match(match["password"]):
            yield Hit(
                f"{setting.source}: the URL holds the password of {match['user']!r}", setting.line
            )


@rule(
    "NEX002",
    "Indexes are reached over HTTPS",
    "error",
    why="""
        Over plain `http://`, the deploy user's password travels in clear text with every upload
        and install (Basic authentication is only base64), and anyone on the path can swap the
        wheel pip downloads. Loopback addresses (the sandbox) are exempt.
    """,
    bad="""
        [nexus]
        repository = http://nexus.corp.local/repository/pypi-internal/
    """,
    good="""
        [nexus]
        repository = https://nexus.corp.local/repository/pypi-internal/
    """,
    fix="Use the `https://` URL of Nexus (ask its administrators for the TLS endpoint).",
    language="ini",
    example_file=".pypirc",
)
def https_only(ctx: IndexFile) -> Iterator[Hit]:
    """Flag ``http://`` index and upload URLs that are not on loopback."""
    for written, url, line, source in _urls(ctx, "index-url", "extra-index-url", "upload-url"):
        if url.startswith("http://") and (urlsplit(url).hostname or "") not in _LOOPBACK:
            yield Hit(f"{source}: {written!r} is plain HTTP", line)


@rule(
    "NEX003",
    "Packages come from one index (no dependency confusion)",
    "error",
    why="""
        With `--extra-index-url`, pip looks for every package in all indexes and installs the
        highest version it finds anywhere. If `my_app` lives on your Nexus and someone publishes
        `my_app 99.0` on pypi.org, pip installs theirs: dependency confusion. uv's
        `unsafe-best-match` strategy does the same.
    """,
    bad="""
        [global]
        extra-index-url = https://nexus.corp.local/repository/pypi-internal/simple/
    """,
    good="""
        [global]
        # one index: a Nexus group repository of pypi-internal and a PyPI proxy
        index-url = https://nexus.corp.local/repository/pypi-all/simple/
    """,
    fix="Use a single `index-url`: a Nexus group that holds your hosted repository and a proxy "
    "of PyPI. With uv, pin internal packages to an `explicit` index in `[tool.uv.sources]`.",
    language="ini",
)
def one_index(ctx: IndexFile) -> Iterator[Hit]:
    """Flag extra indexes and uv's unsafe index strategies."""
    for written, _, line, source in _urls(ctx, "extra-index-url"):
        yield Hit(
            f"{source}: extra index {written!r}: pip will take a package from whichever "
            "index has the highest version",
            line,
        )
    for written, _, line, source in _urls(ctx, "index-strategy"):
        if written.startswith("unsafe"):
            yield Hit(f"{source}: index strategy {written!r} mixes indexes", line)


def _unknown_upload_var(ctx: IndexFile, written: str) -> str | None:
    """Return what follows an upload-URL variable the file does not define, else None."""
    match = _UPLOAD_VAR.match(written)
    if match and match["name"] in UPLOAD_URL_VARIABLES and match["name"] not in ctx.variables:
        return match["rest"]
    return None


@rule(
    "NEX004",
    "twine uploads to the repository URL, not its /simple/ index",
    "error",
    why="""
        Nexus takes uploads at `…/repository/<name>/`; `/simple/` is the read-only index pip
        uses. twine pointed at `/simple/` gets a 404 (or a 405), a message that rarely makes anyone
        think of the URL.
    """,
    bad="""
        [nexus]
        repository = https://nexus.corp.local/repository/pypi-internal/simple/
    """,
    good="""
        [nexus]
        repository = https://nexus.corp.local/repository/pypi-internal/
    """,
    fix="Drop `simple/` from the upload URL (twine's `--repository-url`, `TWINE_REPOSITORY_URL`, "
    "`.pypirc` `repository`, uv's `publish-url`).",
    language="ini",
    example_file=".pypirc",
)
def upload_not_simple(ctx: IndexFile) -> Iterator[Hit]:
    """Flag upload URLs that end in ``/simple`` or ``/simple/``."""
    for written, url, line, source in _urls(ctx, "upload-url"):
        if url.rstrip("/").endswith("/simple"):
            yield Hit(f"{source}: upload URL {written!r} is the index, not the repository", line)


@rule(
    "NEX005",
    "pip reads the /simple/ index, not the upload URL",
    "error",
    why="""
        pip needs the index, `…/repository/<name>/simple/`. Pointed at the upload URL
        `…/repository/<name>/` (or at `$NEXUS_PYPI_URL`, which holds it), pip finds no project
        pages and reports "No matching distribution found", as if the package did not exist.
    """,
    bad="""
        deploy:
          script:
            - pip install --index-url "$NEXUS_PYPI_URL" --no-deps my_app==1.0.0
    """,
    good="""
        deploy:
          script:
            - pip install --index-url "${NEXUS_PYPI_URL}simple/" --no-deps my_app==1.0.0
    """,
    fix="Append `simple/` to the repository URL for pip and uv.",
    language="yaml",
    example_file=".gitlab-ci.yml",
)
def index_is_simple(ctx: IndexFile) -> Iterator[Hit]:
    """Flag index URLs that are a Nexus repository URL, or a bare upload-URL variable."""
    for written, url, line, source in _urls(ctx, "index-url", "extra-index-url"):
        if "/simple" in url:
            continue
        if _NEXUS_REPO.search(url) or _unknown_upload_var(ctx, written) == "":
            yield Hit(f"{source}: index {written!r} is the upload URL; pip needs …/simple/", line)


@rule(
    "NEX006",
    "The upload URL ends with a slash",
    "error",
    why="""
        Nexus answers `…/repository/pypi-internal` (no trailing slash) with HTTP 400 "Repository
        path must have another '/' after initial '/'", before it even looks at the upload.
    """,
    bad="""
        variables:
          TWINE_REPOSITORY_URL: "https://nexus.corp.local/repository/pypi-internal"
    """,
    good="""
        variables:
          TWINE_REPOSITORY_URL: "https://nexus.corp.local/repository/pypi-internal/"
    """,
    fix="End the repository URL with `/`.",
    language="yaml",
    example_file=".gitlab-ci.yml",
)
def upload_trailing_slash(ctx: IndexFile) -> Iterator[Hit]:
    """Flag Nexus upload URLs without their trailing slash."""
    for written, url, line, source in _urls(ctx, "upload-url"):
        if re.search(r"/repository/[^/]+$", url):
            yield Hit(f"{source}: {written!r} has no trailing slash: Nexus answers 400", line)


@rule(
    "NEX007",
    "Passwords are not written in files",
    "error",
    why="""
        A password in `.pypirc`, or a `*_PASSWORD`/`*_TOKEN` variable with a literal value in
        `.gitlab-ci.yml`, is committed with the repository: every clone, fork and CI log can
        reveal it, and it is neither protected nor masked as a CI/CD variable is.
    """,
    bad="""
        variables:
          TWINE_PASSWORD: "s3cret-deploy-password"
    """,
    good="""
        variables:
          TWINE_PASSWORD: "$NEXUS_PYPI_PASSWORD"   # a protected, masked CI/CD variable
    """,
    fix="Store the value as a protected, masked CI/CD variable (Settings › CI/CD › Variables) "
    "and refer to it; for twine on a workstation, use `TWINE_PASSWORD` or a keyring. Then change "
    "the password.",
    language="yaml",
    example_file=".gitlab-ci.yml",
)
def no_stored_passwords(ctx: IndexFile) -> Iterator[Hit]:
    """Flag stored passwords that are not variable references."""
    for setting in ctx:
        if setting.key == "password" and setting.value and not _VARIABLE_ONLY.match(setting.value):
            yield Hit(f"{setting.source}: a password is written in the file", setting.line)


@rule(
    "NEX008",
    "twine gets its password from the environment, not the command line",
    "warning",
    why="""
        `twine upload -p "$TWINE_PASSWORD"` puts the expanded password on the command line,
        where any process on the runner can read it (`ps`), and shell tracing (`set -x`) prints
        it. twine reads `TWINE_USERNAME` and `TWINE_PASSWORD` by itself.
    """,
    bad="""
        publish:
          script:
            - twine upload -u "$NEXUS_PYPI_USERNAME" -p "$NEXUS_PYPI_PASSWORD" dist/*
    """,
    good="""
        publish:
          variables:
            TWINE_USERNAME: "$NEXUS_PYPI_USERNAME"
            TWINE_PASSWORD: "$NEXUS_PYPI_PASSWORD"
          script:
            - twine upload --repository-url "$NEXUS_PYPI_URL" dist/*
    """,
    fix="Drop `-p`/`--password` (uv: `--password`/`--token`) and set `TWINE_PASSWORD` "
    "(uv: `UV_PUBLISH_PASSWORD`) in the job's variables.",
    language="yaml",
    example_file=".gitlab-ci.yml",
)
def password_not_argument(ctx: IndexFile) -> Iterator[Hit]:
    """Flag passwords passed as command-line options of twine or uv publish."""
    for setting in ctx:
        if setting.key == "password-argument":
            yield Hit(
                f"{setting.source}: {setting.value} puts the password on the command line",
                setting.line,
            )


@rule(
    "NEX009",
    "TLS certificates are verified",
    "warning",
    why="""
        `trusted-host` tells pip to accept any certificate (or none) from that host: a machine in
        the middle can serve any wheel. Nexus behind a company CA needs the CA, not this switch.
    """,
    bad="""
        [global]
        index-url = https://nexus.corp.local/repository/pypi-internal/simple/
        trusted-host = nexus.corp.local
    """,
    good="""
        [global]
        index-url = https://nexus.corp.local/repository/pypi-internal/simple/
        cert = /etc/ssl/certs/ca-certificates.crt
    """,
    fix="Remove `trusted-host`; install the company CA in the image or point pip's `cert` (or "
    "`PIP_CERT`, `REQUESTS_CA_BUNDLE`) at it.",
    language="ini",
)
def verify_tls(ctx: IndexFile) -> Iterator[Hit]:
    """Flag pip's trusted-host, wherever it is set."""
    for written, _, line, source in _urls(ctx, "trusted-host"):
        yield Hit(f"{source}: certificates of {written!r} are not verified", line)


@rule(
    "NEX010",
    "The index URL is not built with a doubled slash",
    "warning",
    why="""
        `NEXUS_PYPI_URL` holds the upload URL with its trailing slash
        (`…/repository/pypi-internal/`), so `"$NEXUS_PYPI_URL/simple"` becomes
        `…/pypi-internal//simple`: a path the PyPI recipe's routes (an exact `/simple/`) do not
        match, so pip finds nothing (the sandbox answers 404, as the documented routing does).
    """,
    bad="""
        deploy:
          script:
            - pip install --index-url "$NEXUS_PYPI_URL/simple" --no-deps my_app==1.0.0
    """,
    good="""
        deploy:
          script:
            - pip install --index-url "${NEXUS_PYPI_URL}simple/" --no-deps my_app==1.0.0
    """,
    fix='Write `"${NEXUS_PYPI_URL}simple/"`, or keep a separate `NEXUS_PYPI_INDEX_URL` variable.',
    language="yaml",
    example_file=".gitlab-ci.yml",
)
def no_double_slash(ctx: IndexFile) -> Iterator[Hit]:
    """Flag ``$UPLOAD_URL/simple`` where the variable ends with a slash."""
    for written, url, line, source in _urls(ctx, "index-url", "extra-index-url"):
        rest = _unknown_upload_var(ctx, written)
        if "//simple" in url.split("://", 1)[-1] or (rest or "").startswith("/simple"):
            yield Hit(f"{source}: {written!r} joins the URL with a second '/'", line)
