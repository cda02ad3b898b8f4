"""A stand-in for PyPI's trusted publishing, and for the GitLab that signs a job's ID token.

This is a stand-in, not PyPI: it implements the documented contract of the endpoints a
trusted-publishing client calls (https://docs.pypi.org/trusted-publishers/internals/), on
loopback, over HTTPS (clients build ``https://<host>/_/oidc/...`` themselves), with a
certificate from a throw-away CA that the client is told to trust (``SSL_CERT_FILE``):

- ``GET /_/oidc/audience`` -> ``{"audience": "pypi"}``;
- ``POST /_/oidc/mint-token`` with ``{"token": <GitLab ID token>}``: the token's signature is
  checked against the issuer's key, then ``iss``, ``aud``, ``exp``/``nbf``, and the claims the
  project's trusted publisher names (``project_path``, ``ci_config_ref_uri``: namespace, project
  and the CI file, and an ``environment`` when one is set); success returns a short-lived upload
  token, failure ``422 {"message", "errors": [{"code": "invalid-publisher", ...}]}``;
- ``POST /legacy/``: an upload, accepted only with ``__token__`` and a token minted here;
- ``POST /_/oidc/burn-token``: the client revokes the token after the upload.

:class:`StandInGitLabIssuer` signs ID tokens with the claims GitLab puts in a job's
``id_tokens`` (https://docs.gitlab.com/ci/secrets/id_token_authentication/), as the GitLab of
``iss`` would; its key is made here, so nothing real is ever signed or sent.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import secrets
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

__all__ = ["GITLAB_ISSUER", "StandInGitLabIssuer", "StandInPyPI", "TrustedPublisher"]

GITLAB_ISSUER = "https://gitlab.com"
AUDIENCE = "pypi"


@dataclass(frozen=True)
class TrustedPublisher:
    """A trusted publisher as a PyPI project configures it for GitLab CI/CD.

    Attributes:
        namespace: The GitLab namespace (group), e.g. ``gitlab``.
        project: The GitLab project name.
        ci_file: The top-level CI file, ``.gitlab-ci.yml``.
        environment: The GitLab environment the job must deploy to (empty: any).
    """

    namespace: str
    project: str
    ci_file: str = ".gitlab-ci.yml"
    environment: str = ""

    @property
    def project_path(self) -> str:
        """``namespace/project``."""
        return f"{self.namespace}/{self.project}"


class StandInGitLabIssuer:
    """Signs job ID tokens (RS256) the way GitLab does, with a key made for this process."""

    def __init__(self, issuer: str = GITLAB_ISSUER) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.issuer = issuer
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self._key.public_key()

    def id_token(
        self,
        project_path: str,
        ref: str,
        *,
        ref_type: str = "tag",
        audience: str = AUDIENCE,
        environment: str = "",
        ci_file: str = ".gitlab-ci.yml",
        lifetime: int = 300,
    ) -> str:
        """Return the ID token GitLab would put in a job's ``id_tokens`` variable."""
        import jwt

        now = int(time.time())
        namespace = project_path.rsplit("/", 1)[0]
        host = self.issuer.removeprefix("https://")
        claims = {
            "iss": self.issuer,
            "aud": audience,
            "sub": f"project_path:{project_path}:ref_type:{ref_type}:ref:{ref}",
            "namespace_path": namespace,
            "project_path": project_path,
            "ref": ref,
            "ref_type": ref_type,
            "ref_path": f"refs/{'tags' if ref_type == 'tag' else 'heads'}/{ref}",
            "ref_protected": "true",
            "pipeline_source": "push",
            "ci_config_ref_uri": f"{host}/{project_path}//{ci_file}@refs/"
            f"{'tags' if ref_type == 'tag' else 'heads'}/{ref}",
            "iat": now,
            "nbf": now - 5,
            "exp": now + lifetime,
            "jti": secrets.token_hex(8),
        }
        if environment:
            claims["environment"] = environment
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": "stand-in"})


def _write_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """Make a throw-away CA and a certificate for 127.0.0.1 it signs; return (ca, cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def builder(subject: x509.Name, issuer: x509.Name, key: Any) -> x509.CertificateBuilder:
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                .public_key(key).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1)))  # fmt: skip

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Shipyard stand-in CA")])
    ca = (builder(ca_name, ca_name, ca_key.public_key())
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .sign(ca_key, hashes.SHA256()))  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    host = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (builder(host, ca_name, key.public_key())
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))  # fmt: skip
    paths = (folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return paths


@dataclass
class _State:
    publisher: TrustedPublisher
    issuer: StandInGitLabIssuer
    minted: dict[str, float] = field(default_factory=dict)
    uploads: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


def _verify(state: _State, token: str) -> tuple[dict[str, Any] | None, str]:
    """Return the token's claims when PyPI would accept it for the publisher, else why not."""
    import jwt

    try:
        claims = jwt.decode(token, state.issuer.public_key, algorithms=["RS256"],
                            audience=AUDIENCE, issuer=state.issuer.issuer,
                            options={"require": ["exp", "iat", "nbf", "iss", "aud"]})  # fmt: skip
    except jwt.PyJWTError as exc:
        return None, f"invalid token: {exc}"
    wanted = state.publisher
    host = state.issuer.issuer.removeprefix("https://")
    prefix = f"{host}/{wanted.project_path}//{wanted.ci_file}@"
    if claims.get("project_path") != wanted.project_path:
        return None, f"no trusted publisher for project_path {claims.get('project_path')!r}"
    if not str(claims.get("ci_config_ref_uri", "")).startswith(prefix):
        return None, f"ci_config_ref_uri {claims.get('ci_config_ref_uri')!r} is not {prefix}..."
    if wanted.environment and claims.get("environment") != wanted.environment:
        return None, f"environment {claims.get('environment')!r} is not {wanted.environment!r}"
    return claims, ""


class _Handler(BaseHTTPRequestHandler):
    @property
    def state(self) -> _State:
        """The stand-in's state, held by the server this handler serves."""
        return cast("_Server", self.server).state

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Log nothing: the events list says what happened, without tokens."""

    def _reply(self, status: int, body: dict[str, Any] | str) -> None:
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if isinstance(body, dict) else
                         "text/plain")  # fmt: skip
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """Serve the audience endpoint."""
        if self.path == "/_/oidc/audience":
            self.state.events.append("GET /_/oidc/audience -> audience 'pypi'")
            self._reply(200, {"audience": AUDIENCE})
        else:
            self._reply(404, "Not Found")

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """Mint, burn, or take an upload."""
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        state = self.state
        if self.path == "/_/oidc/mint-token":
            self._mint(state, body)
        elif self.path == "/_/oidc/burn-token":
            token = json.loads(body or b"{}").get("token", "")
            state.minted.pop(token, None)
            state.events.append("POST /_/oidc/burn-token -> the upload token is revoked")
            self._reply(200, {})
        elif self.path.rstrip("/") == "/legacy":
            self._upload(state, body)
        else:
            self._reply(404, "Not Found")

    def _mint(self, state: _State, body: bytes) -> None:
        try:
            token = json.loads(body)["token"]
        except (ValueError, KeyError, TypeError):
            self._reply(422, {"message": "Token request failed", "errors": [
                {"code": "invalid-payload", "description": "missing token"}]})  # fmt: skip
            return
        claims, problem = _verify(state, token)
        if claims is None:
            state.events.append(f"POST /_/oidc/mint-token -> 422 invalid-publisher: {problem}")
            self._reply(422, {"message": "Token request failed", "errors": [
                {"code": "invalid-publisher", "description": problem}]})  # fmt: skip
            return
        minted = "pypi-" + secrets.token_urlsafe(24)
        state.minted[minted] = time.time() + 900
        state.events.append(
            f"POST /_/oidc/mint-token -> ID token verified (iss {claims['iss']}, aud "
            f"{claims['aud']}, project_path {claims['project_path']}, ref {claims['ref']}); "
            "upload token minted, valid 15 minutes"
        )
        self._reply(200, {"success": True, "token": minted, "expires": int(state.minted[minted])})

    def _upload(self, state: _State, body: bytes) -> None:
        auth = self.headers.get("Authorization", "")
        user, _, token = (
            base64.b64decode(auth[6:]).decode().partition(":") if auth.startswith("Basic ")
            else ("", "", "")
        )  # fmt: skip
        if user != "__token__" or state.minted.get(token, 0) < time.time():
            state.events.append("POST /legacy/ -> 403: not a token minted here")
            self._reply(403, "Invalid or non-existent authentication information.")
            return
        name = _filename(body)
        state.uploads.append(name)
        state.events.append(f"POST /legacy/ with __token__ -> 200, stored {name}")
        self._reply(200, "OK")


def _filename(body: bytes) -> str:
    marker = b'name="content"; filename="'
    start = body.find(marker)
    if start < 0:
        return "(no file)"
    start += len(marker)
    return body[start : body.find(b'"', start)].decode(errors="replace")


class _Server(ThreadingHTTPServer):
    state: _State


class StandInPyPI:
    """The stand-in, on a free loopback port over HTTPS, as a context manager.

    Args:
        publisher: The trusted publisher the project on this "PyPI" has configured.
        issuer: The GitLab whose tokens it trusts; a new stand-in issuer by default.
    """

    def __init__(
        self, publisher: TrustedPublisher, issuer: StandInGitLabIssuer | None = None
    ) -> None:
        self.issuer = issuer or StandInGitLabIssuer()
        self._state = _State(publisher, self.issuer)
        self._tmp = tempfile.TemporaryDirectory(prefix="shipyard-pypi-oidc-")
        self.ca_file, cert, key = _write_certificates(Path(self._tmp.name))
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self._state
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def upload_url(self) -> str:
        """The upload URL, ``https://127.0.0.1:<port>/legacy/``."""
        return f"https://127.0.0.1:{self._server.server_address[1]}/legacy/"

    @property
    def events(self) -> list[str]:
        """What the stand-in did, in order (no token values)."""
        return list(self._state.events)

    @property
    def uploads(self) -> list[str]:
        """The files it accepted."""
        return list(self._state.uploads)

    def __enter__(self) -> StandInPyPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._tmp.cleanup()
