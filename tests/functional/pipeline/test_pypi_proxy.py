"""The sandbox's PyPI proxy repository: pip installs through it, from the real upstream index."""

from __future__ import annotations

import os
import subprocess
import sys

import requests

from shipyard import _target
from shipyard.pipeline.run import ensure_pypi_proxy, pip_index


def _admin(sandbox):
    return ("admin", _target.admin_password(sandbox).reveal())


def test_pip_downloads_through_the_proxy_and_nexus_serves_its_pages(sandbox, tmp_path):
    index = ensure_pypi_proxy(sandbox.nexus_url, _admin(sandbox), pip_index())
    assert ensure_pypi_proxy(sandbox.nexus_url, _admin(sandbox), pip_index()) == index  # once
    page = requests.get(f"{index}iniconfig/", timeout=60)
    assert page.status_code == 200
    assert 'href="../../packages/' in page.text and "iniconfig-2.0.0-py3-none-any.whl" in page.text
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
         "-d", str(tmp_path), "--index-url", index, "iniconfig==2.0.0"],
        capture_output=True, text=True, check=False,
        env=env | {"PIP_CONFIG_FILE": os.devnull},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "iniconfig-2.0.0-py3-none-any.whl").is_file()  # sha256 checked by pip
    assert requests.get(f"{index}no-such-project-shipyard-test/", timeout=60).status_code == 404


def test_a_remote_that_does_not_answer_is_a_502_not_an_empty_page(sandbox):
    index = ensure_pypi_proxy(sandbox.nexus_url, _admin(sandbox), "http://127.0.0.1:9/",
                              name="pypi-unreachable")  # fmt: skip
    answer = requests.get(f"{index}iniconfig/", timeout=60)
    assert answer.status_code == 502
    assert "the remote did not answer" in answer.text


def test_the_group_serves_its_proxy_members_files(sandbox, canary):
    from shipyard.pipeline.run import prepare_target

    target = prepare_target(sandbox=sandbox)
    group = target.variables["NEXUS_PYPI_GROUP_URL"]
    assert group.endswith("/repository/pypi-all/")
    assert target.runner_env["PIP_INDEX_URL"] == f"{group}simple/"
    page = requests.get(f"{group}simple/iniconfig/", timeout=60)
    assert page.status_code == 200 and "iniconfig-2.0.0-py3-none-any.whl" in page.text
    links = [part.split("#")[0] for part in page.text.split('href="../../packages/')[1:]]
    link = next(link for link in links if link.endswith("/iniconfig-2.0.0-py3-none-any.whl"))
    wheel = requests.get(f"{group}packages/{link}", timeout=60)
    assert wheel.status_code == 200 and wheel.content[:2] == b"PK"
    assert (
        requests.get(f"{group}simple/no-such-project-shipyard-test/", timeout=60).status_code == 404
    )
    again = prepare_target(sandbox=sandbox)  # the same deploy password (the canary) is given
    assert all(not plan.pending for plan in again.plans)  # so the second setup changes nothing


def test_a_missing_group_is_not_created_on_a_real_target(sandbox):
    import pytest

    from shipyard.errors import ConfigError
    from shipyard.pipeline.run import ensure_pypi_group

    with pytest.raises(ConfigError, match="has no PyPI group 'pypi-elsewhere'"):
        ensure_pypi_group(sandbox.nexus_url, _admin(sandbox), ["pypi-internal", "pypi-proxy"],
                          name="pypi-elsewhere", create=False)  # fmt: skip


class _Upstream:
    """A PEP 691 index on loopback with one wheel whose metadata it offers apart (PEP 658)."""

    METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: iniconfig\n"
    WHEEL = b"PK\x05\x06" + b"\0" * 18  # an empty zip: only its bytes are served

    def __init__(self):
        import hashlib
        import http.server
        import json
        import threading

        files = {"/files/demo-1.0-py3-none-any.whl": self.WHEEL,
                 "/files/demo-1.0-py3-none-any.whl.metadata": self.METADATA}  # fmt: skip
        self.digest = hashlib.sha256(self.METADATA).hexdigest()
        page = json.dumps({"meta": {"api-version": "1.1"}, "name": "demo", "files": [{
            "filename": "demo-1.0-py3-none-any.whl", "url": "/files/demo-1.0-py3-none-any.whl",
            "hashes": {"sha256": hashlib.sha256(self.WHEEL).hexdigest()},
            "core-metadata": {"sha256": self.digest}}]}).encode()  # fmt: skip

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                body = page if self.path == "/simple/demo/" else files.get(self.path)
                kind = "application/vnd.pypi.simple.v1+json" if body is page else "text/plain"
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", kind)
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_a_wheels_metadata_is_served_apart_when_the_remote_offers_it(sandbox):
    import hashlib
    import re

    upstream = _Upstream()
    try:
        index = ensure_pypi_proxy(sandbox.nexus_url, _admin(sandbox), upstream.url,
                                  name="pypi-pep658")  # fmt: skip
        page = requests.get(f"{index}demo/", timeout=60).text
        anchor = next(a for a in re.findall(r"<a [^>]*>", page) if "demo-1.0-py3" in a)
        href = re.search(r'href="\.\./\.\./packages/([^"#]+)', anchor).group(1)
        base = index.removesuffix("simple/")
        metadata = requests.get(f"{base}packages/{href}.metadata", timeout=60)
        wheel = requests.get(f"{base}packages/{href}", timeout=60)
    finally:
        upstream.server.shutdown()
        upstream.server.server_close()
    assert f'data-core-metadata="sha256={upstream.digest}"' in anchor
    assert f'data-dist-info-metadata="sha256={upstream.digest}"' in anchor  # pip < 23.3
    assert metadata.status_code == 200 and metadata.content == upstream.METADATA
    assert hashlib.sha256(metadata.content).hexdigest() == upstream.digest  # pip checks it
    assert wheel.status_code == 200 and wheel.content == upstream.WHEEL
