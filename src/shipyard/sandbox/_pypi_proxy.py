"""A PyPI proxy repository that really proxies: ``/simple/<project>/`` and files from its remote.

A Nexus ``pypi/proxy`` repository (the ``pypi-all`` a company points pip at, or one of its
members) answers ``/repository/<name>/simple/<project>/`` with the remote's page, its links
rewritten to ``../../packages/...`` under the repository, and serves those files, caching them
(NP31 ``PyPiProxyFacetImpl``: it rewrites every link to go through Nexus). The sandbox does the
same for a proxy whose remote is an HTTP(S) index, e.g. ``https://pypi.org/`` or the index this
machine's pip is configured for: pages are fetched with PEP 691 JSON (HTML as a fallback) and
kept for ``metadataMaxAge`` minutes, files are kept on disk in the state directory. Nothing is
fetched until a client asks, so the rest of the sandbox stays offline.

A file whose remote page offers its metadata apart (PEP 658 / PEP 714: ``core-metadata`` in the
JSON page, ``data-core-metadata`` in HTML) keeps that attribute, and ``<file>.metadata`` is served
from the remote's: pip reads a candidate's dependencies from a few kilobytes instead of
downloading the whole wheel, which decides how long a backtracking resolve takes.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from shipyard.sandbox._http import Response

__all__ = ["GroupView", "PypiProxy"]

_PROJECT = re.compile(r"^/simple/([^/]+)/?$")
_TIMEOUT = 60


class _Links(HTMLParser):
    """Collect the anchors of a PEP 503 page: href and data-* attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs))


def _simple_base(remote: str) -> str:
    """Return the remote's simple index URL: Nexus takes ``https://pypi.org/`` as the remote."""
    base = remote.rstrip("/")
    return base + "/" if base.endswith("/simple") else base + "/simple/"


class PypiProxy:
    """Serve the pages and files of the sandbox's PyPI proxy repositories.

    Args:
        cache_dir: Where fetched files are kept (``STATE_DIR/pypi-proxy``).
    """

    def __init__(self, cache_dir: Path) -> None:
        self._cache = cache_dir
        self._lock = threading.Lock()
        self._pages: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._files: dict[str, str] = {}  # "<repo>/<key>" -> upstream URL
        self._fetching: dict[str, threading.Lock] = {}  # "<repo>/<key>" -> its download

    def answer(self, repo: dict[str, Any], method: str, sub: str) -> Response:
        """Answer a GET or HEAD under a PyPI proxy repository."""
        remote = (repo.get("proxy") or {}).get("remoteUrl", "")
        if method not in ("GET", "HEAD") or not remote.startswith(("http://", "https://")):
            return _text(404, "Not Found")
        if sub == "/simple/":
            return _html(200, "<!DOCTYPE html><html><body></body></html>\n")
        match = _PROJECT.match(sub)
        try:
            if match:
                return self._page(repo, remote, match.group(1))
            if sub.startswith("/packages/"):
                return self._file(repo, sub.removeprefix("/packages/"))
        except OSError as exc:  # requests' errors are OSErrors: the remote did not answer
            return _text(502, f"Bad Gateway: the remote did not answer ({type(exc).__name__})")
        return _text(404, "Not Found")

    def _page(self, repo: dict[str, Any], remote: str, project: str) -> Response:
        name = re.sub(r"[-_.]+", "-", project).lower()
        max_age = 60 * int((repo.get("proxy") or {}).get("metadataMaxAge") or 1440)
        key = f"{repo['name']}/{name}"
        with self._lock:
            cached = self._pages.get(key)
        if cached is None or time.monotonic() - cached[0] > max_age:
            files = _fetch_files(_simple_base(remote) + name + "/")
            if files is None:
                return _text(404, "Not Found")
            cached = (time.monotonic(), files)
            with self._lock:
                self._pages[key] = cached
        lines = [
            "<!DOCTYPE html>",
            f"<html><head><title>Links for {html.escape(name)}</title></head><body>",
            f"<h1>Links for {html.escape(name)}</h1>",
        ]
        lines += [self._anchor(repo["name"], entry) for entry in cached[1]]
        lines.append("</body></html>\n")
        return _html(200, "\n".join(lines))

    def _anchor(self, repo: str, entry: dict[str, Any]) -> str:
        """Return a file's link on the proxy's page, remembering where the file comes from."""
        digest = hashlib.sha256(entry["url"].encode()).hexdigest()[:32]
        local = f"{digest}/{entry['filename']}"
        with self._lock:
            self._files[f"{repo}/{local}"] = entry["url"]
            if entry.get("metadata"):
                self._files[f"{repo}/{local}.metadata"] = entry["url"] + ".metadata"
        fragment = f"#sha256={entry['sha256']}" if entry.get("sha256") else ""
        extra = ""
        if entry.get("requires_python"):
            extra += f' data-requires-python="{html.escape(entry["requires_python"])}"'
        if entry.get("yanked"):
            extra += ' data-yanked=""'
        if entry.get("metadata"):
            value = html.escape(entry["metadata"])
            extra += f' data-core-metadata="{value}" data-dist-info-metadata="{value}"'
        return (f'<a href="../../packages/{local}{fragment}"{extra}>'
                f"{html.escape(entry['filename'])}</a><br/>")  # fmt: skip

    def _file(self, repo: dict[str, Any], local: str) -> Response:
        path = self._cache / repo["name"] / local
        if not path.is_file():
            key = f"{repo['name']}/{local}"
            with self._lock:
                url = self._files.get(key)
                fetching = self._fetching.setdefault(key, threading.Lock())
            if url is None:
                return _text(404, "Not Found")
            # One download per file: jobs that ask for it at the same time wait for it, as
            # Nexus serves a proxied file once it has fetched it.
            with fetching:
                status = 200 if path.is_file() else _download(url, path)
            if status != 200:
                return _text(404 if status == 404 else 502, "Not Found")
        return Response(200, path.read_bytes(), [("Content-Type", "application/octet-stream")])


def _download(url: str, path: Path) -> int:
    """Fetch a file of the remote into ``path`` (whole, or not at all); return the status."""
    import requests

    with requests.get(url, timeout=_TIMEOUT, stream=True) as answer:
        if answer.status_code != 200:
            return answer.status_code
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{threading.get_ident()}.part")
        with partial.open("wb") as out:
            for chunk in answer.iter_content(1 << 20):
                out.write(chunk)
        partial.replace(path)
    return 200


def _fetch_files(url: str) -> list[dict[str, Any]] | None:
    """Fetch one project page of the remote; ``None`` when the remote does not know it."""
    import requests

    accept = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
    answer = requests.get(url, headers={"Accept": accept}, timeout=_TIMEOUT)
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    if "json" in answer.headers.get("Content-Type", ""):
        return _json_files(answer.url, json.loads(answer.text))
    return _html_files(answer.url, answer.text)


def _json_files(base: str, page: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the files of a PEP 691 JSON project page."""
    return [
        {
            "filename": f["filename"],
            "url": urljoin(base, f["url"]),
            "sha256": (f.get("hashes") or {}).get("sha256", ""),
            "requires_python": f.get("requires-python") or "",
            "yanked": bool(f.get("yanked")),
            "metadata": _metadata_attribute(
                f.get("core-metadata", f.get("data-dist-info-metadata"))
            ),
        }
        for f in page.get("files", [])
    ]


def _html_files(base: str, text: str) -> list[dict[str, Any]]:
    """Return the files of a PEP 503 HTML project page."""
    parser = _Links()
    parser.feed(text)
    files = []
    for link in parser.links:
        href = link.get("href") or ""
        target, _, fragment = urljoin(base, href).partition("#")
        files.append({
            "filename": urlsplit(target).path.rsplit("/", 1)[-1],
            "url": target,
            "sha256": fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else "",
            "requires_python": link.get("data-requires-python") or "",
            "yanked": "data-yanked" in link,
            "metadata": link.get("data-core-metadata") or link.get("data-dist-info-metadata") or "",
        })  # fmt: skip
    return files


def _metadata_attribute(value: object) -> str:
    """Return a JSON page's ``core-metadata`` as the HTML attribute's value (``""``: none).

    PEP 691 gives ``true`` or a dict of hashes; PEP 714's HTML form is ``true`` or
    ``<name>=<hex>``.
    """
    if isinstance(value, dict):
        if value.get("sha256"):
            return f"sha256={value['sha256']}"
        return next((f"{name}={digest}" for name, digest in value.items() if digest), "true")
    return "true" if value is True else ""


def _text(status: int, message: str) -> Response:
    return Response(status, message.encode(), [("Content-Type", "text/plain")], reason=message)


def _html(status: int, text: str) -> Response:
    return Response(status, text.encode(), [("Content-Type", "text/html; charset=utf-8")])


def _call(app: Any, environ: dict[str, Any]) -> tuple[int, bytes]:
    """Call a WSGI app in-process; return its status and body."""
    status: list[int] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(int(line.split()[0]))
        return lambda data: None

    body = b"".join(app(environ, start_response))
    return (status[0] if status else 500), body


_ANCHOR = re.compile(r"<a\s[^>]*>.*?</a>", re.IGNORECASE | re.DOTALL)


def _filename(anchor: str) -> str:
    return re.sub(r"<[^>]+>", "", anchor).strip()


def _merge(anchors: list[str], more: list[str]) -> None:
    """Add the links of files not listed yet (a file in a hosted member shadows the proxy's)."""
    seen = {_filename(a) for a in anchors}
    anchors += [a for a in more if _filename(a) not in seen]


class GroupView:
    """A PyPI group whose members include proxies: hosted files first, then each proxy's.

    Nexus merges its members' project pages and serves a file from the first member that has
    it (NP31 ``PyPiGroupFacet``); the hosted members' part is pypiserver's, the proxies' part
    :class:`PypiProxy`'s.
    """

    def __init__(self, proxy: PypiProxy) -> None:
        self._proxy = proxy

    def answer(
        self, hosted: Any, environ: dict[str, Any], proxies: list[dict[str, Any]], sub: str
    ) -> Response:
        """Answer a GET or HEAD under the group: ``hosted`` is the hosted members' WSGI app."""
        status, body = _call(hosted, environ)
        match = _PROJECT.match(sub)
        if match:
            return self._page(status, body, proxies, match.group(1))
        if status == 200 or not sub.startswith("/packages/"):
            kind = "text/html" if sub.startswith("/simple") else "application/octet-stream"
            return Response(status, body, [("Content-Type", kind)])
        for repo in proxies:
            found = self._proxy.answer(repo, "GET", sub)
            if found.status == 200:
                return found
        return _text(404, "Not Found")

    def _page(
        self, status: int, body: bytes, proxies: list[dict[str, Any]], project: str
    ) -> Response:
        anchors = _ANCHOR.findall(body.decode("utf-8", "replace")) if status == 200 else []
        for repo in proxies:
            found = self._proxy.answer(repo, "GET", f"/simple/{project}/")
            if found.status == 502 and not anchors:
                return found
            if found.status == 200:
                _merge(anchors, _ANCHOR.findall(found.body.decode("utf-8", "replace")))
        if not anchors:
            return _text(404, "Not Found")
        name = html.escape(project)
        head = f"<html><head><title>Links for {name}</title></head><body><h1>Links for {name}</h1>"
        lines = ["<!DOCTYPE html>", head, *(f"{a}<br/>" for a in anchors), "</body></html>\n"]
        return _html(200, "\n".join(lines))
