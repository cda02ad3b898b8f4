"""Images built, run and pushed for real: buildah, podman and the sandbox's registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from shipyard import images
from shipyard.config import Secret
from shipyard.sandbox import Sandbox

CANARY = "glpat-canary-4f1c0e9b7a"


def test_reference_image_runs_as_non_root(multi: images.ImageReport) -> None:
    assert multi.uid == 10001
    assert multi.user == "10001:10001"
    assert multi.exit_code == 0
    assert "my_app 1.0.0 is running" in multi.output
    assert multi.leaks == []


def test_reference_image_is_pushed_to_the_hosted_registry(
    multi: images.ImageReport, registry_sandbox: Sandbox
) -> None:
    registry = registry_sandbox.registry
    assert multi.pushed == [f"{registry.hosted}/shipyard/demo/my_app:1.0.0"]
    assert multi.digest and multi.digest.startswith("sha256:")
    assert registry.has(registry.hosted, "shipyard/demo/my_app:1.0.0")
    assert registry.has(registry.hosted, f"shipyard/demo/my_app@{multi.digest}")
    assert not registry.has(registry.hosted, "shipyard/demo/my_app:9.9.9")


def test_single_stage_is_root_and_heavier(
    single: images.ImageReport, multi: images.ImageReport
) -> None:
    assert single.uid == 0
    assert single.user == ""
    assert single.base_bytes == multi.base_bytes  # the same stand-in python base
    assert single.size_bytes > multi.size_bytes
    # What each Dockerfile adds over the base: uv, the sources and a venv, against a venv only.
    assert (single.size_bytes - single.base_bytes) > 2 * (multi.size_bytes - multi.base_bytes)
    table = repr(images.compare(single=single, multi=multi))
    assert "uid 0 (root)" in table and "uid 10001" in table


def test_release_tags_pushed_and_pulled_back_by_digest(
    multi: images.ImageReport, registry_sandbox: Sandbox
) -> None:
    tags = [*images.release_tags("v1.0.0"), *images.release_tags("self-hosted-v17.5.0-ee")]
    pushed = images.push_image(multi, tags, sandbox=registry_sandbox)
    assert [ref.rsplit(":", 1)[1] for ref in pushed.references] == [
        "1.0.0", "1.0", "1", "latest", "self-hosted-v17.5.0-ee"
    ]  # fmt: skip
    assert pushed.digest == multi.digest  # the same image: the same manifest
    pulled = images.pull_by_digest(pushed.by_digest, sandbox=registry_sandbox)
    assert pulled.matches, pulled
    assert "<port>" in repr(pulled) and "the same manifest digest" in repr(pulled)


def test_canary_build_argument_is_found_and_masked(lab: Path, registry_sandbox: Sandbox) -> None:
    report = images.build_image(
        lab, "Dockerfile.careless", build_args={"NEXUS_TOKEN": Secret(CANARY)},
        sandbox=registry_sandbox,
    )  # fmt: skip
    wheres = {(leak.name, leak.where.split(":")[0]) for leak in report.leaks}
    assert ("NEXUS_TOKEN", "config Env UV_INDEX_NEXUS_PASSWORD") in wheres
    assert any(name == "NEXUS_TOKEN" and w.startswith("history step") for name, w in wheres)
    assert CANARY not in json.dumps(report.to_dict())
    assert CANARY not in repr(report)
    assert "NEXUS_TOKEN=****" in repr(report)


def test_cli_reports_the_canary_masked_and_fails(lab: Path, tmp_path: Path) -> None:
    """`shipyard image build --format json` from a clean process: its own sandbox and registry."""
    command = [
        str(Path(sys.executable).parent / "shipyard"), "image", "build", str(lab),
        "-f", "Dockerfile.careless",
        "--build-arg", f"NEXUS_TOKEN={CANARY}", "--push", "--tag", "careless", "--format", "json",
    ]  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path,
        env=dict(os.environ, SHIPYARD_TARGET="sandbox"),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert CANARY not in result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["uid"] == 0
    assert isinstance(data["size_bytes"], int) and data["layers"] >= 2
    assert {"name": "NEXUS_TOKEN", "where": "config Env UV_INDEX_NEXUS_PASSWORD"} in data["leaks"]
    assert [ref.rsplit(":", 1)[1] for ref in data["pushed"]] == ["careless"]
    assert "runs as root" in result.stderr and "NEXUS_TOKEN leaks" in result.stderr


def test_build_decides_img001_for_a_user_from_a_build_argument(
    tmp_path: Path, registry_sandbox: Sandbox
) -> None:
    """`USER ${APP_UID}` with no default: the text cannot tell; the build says root."""
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.11-slim-bookworm\nARG APP_UID\nUSER ${APP_UID}\nCMD ["true"]\n'
    )
    text = images.check(tmp_path, select=["IMG001"])
    assert [f.rule_id for f in text] == []
    decided = images.check_image(tmp_path, build_args={"APP_UID": "0"}, sandbox=registry_sandbox)
    img001 = [f for f in decided if f.rule_id == "IMG001"]
    assert len(img001) == 1 and "measured with `id -u`" in img001[0].message
    assert img001[0].line == 1


def test_build_clears_img001_for_a_base_image_that_runs_as_non_root(
    tmp_path: Path, registry_sandbox: Sandbox
) -> None:
    """A base the table does not know, whose own USER is 10001: the text assumes root."""
    base = tmp_path / "base"
    base.mkdir()
    (base / "Dockerfile").write_text(
        "FROM python:3.11-slim-bookworm\nRUN useradd --uid 10001 app\nUSER 10001\n"
    )
    built = images.build_image(base, sandbox=registry_sandbox)
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text(f'FROM {built.image}\nCMD ["python", "-c", "print(1)"]\n')
    text = images.check(app, select=["IMG001"])
    assert [f.rule_id for f in text] == ["IMG001"]
    decided = images.check_image(app, sandbox=registry_sandbox)
    assert [f for f in decided if f.rule_id == "IMG001"] == []
