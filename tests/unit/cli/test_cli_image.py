"""`shipyard image ...`, in-process (see tests/unit/cli/test_cli.py): check, render and tags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import shipyard
from shipyard import images
from tests.unit.cli.test_cli import assert_clean_error, run

SAMPLE = Path(shipyard.__file__).parent / "samples" / "my_app"
SEED = images.example("seed-004")


def sample(tmp_path: Path) -> Path:
    root = tmp_path / "my_app"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_render_then_check_is_clean(tmp_path):
    root = sample(tmp_path)
    result = run("image", "render", "--variant", "poetry", "--port", "8000", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["wrote Dockerfile", "wrote .dockerignore"]
    result = run("image", "check", cwd=root)
    assert result.returncode == 0 and "no findings" in result.stdout


def test_render_refuses_to_overwrite(tmp_path):
    root = sample(tmp_path)
    (root / "Dockerfile").write_text(SEED)
    assert_clean_error(run("image", "render", cwd=root), "Dockerfile", "exists")
    assert (root / "Dockerfile").read_text() == SEED
    assert run("image", "render", "--force", cwd=root).returncode == 0
    assert "uv sync --locked" in (root / "Dockerfile").read_text()


def test_render_stdout_writes_nothing(tmp_path):
    root = sample(tmp_path)
    result = run("image", "render", "--variant", "micromamba", "--stdout", cwd=root)
    assert result.stdout.startswith("# syntax=docker/dockerfile:1\n")
    assert "mambaorg/micromamba" in result.stdout and not (root / "Dockerfile").exists()


def test_check_findings_exit_1_and_formats(tmp_path):
    root = sample(tmp_path)
    (root / "Dockerfile").write_text(SEED)
    result = run("image", "check", "--format", "json", cwd=root)
    assert result.returncode == 1
    ids = {item["rule_id"] for item in json.loads(result.stdout)}
    assert {"IMG001", "IMG008", "DL3008"} <= ids
    report = json.loads(run("image", "check", "--format", "codequality", cwd=root).stdout)
    assert {"check_name", "fingerprint", "location"} <= set(report[0])
    text = run("image", "check", "--ignore", "DL,IMG", "--select", "IMG010", cwd=root)
    assert text.returncode == 1 and "IMG010" in text.stdout and "IMG001" not in text.stdout
    assert (
        run("image", "check", "--fail-on", "error", "--select", "IMG010", cwd=root).returncode == 0
    )


def test_check_target(tmp_path):
    root = sample(tmp_path)
    (root / "Dockerfile").write_text(
        "FROM python:3.12-slim-bookworm AS prod\nUSER 10001\nFROM prod AS debug\nUSER root\n"
    )
    assert run("image", "check", "--select", "IMG001", cwd=root).returncode == 1
    assert run("image", "check", "--select", "IMG001", "--target", "prod", cwd=root).returncode == 0
    result = run("image", "check", "--target", "prd", cwd=root)
    assert_clean_error(result, "no stage named 'prd' (did you mean 'prod'?)")


def test_check_bad_input_is_a_clean_error(tmp_path):
    (tmp_path / "Dockerfile").write_text("import os\n")
    assert_clean_error(run("image", "check", cwd=tmp_path), "Dockerfile:1:", "'import' is not")
    (tmp_path / "Dockerfile").write_bytes(b"\x00\x01binary")
    assert_clean_error(run("image", "check", cwd=tmp_path), "not a text file")
    (tmp_path / "Dockerfile").write_text("")
    assert_clean_error(run("image", "check", cwd=tmp_path), "no instructions")
    (tmp_path / "Dockerfile").unlink()
    assert_clean_error(run("image", "check", cwd=tmp_path), "no Dockerfile here")
    assert_clean_error(run("image", "check", "nope.Dockerfile", cwd=tmp_path), "no such file")


def test_shipyard_check_includes_dockerfiles(tmp_path):
    root = sample(tmp_path)
    (root / "README.md").write_text("# my_app\n")
    (root / "Dockerfile").write_text(SEED)
    result = run("check", "--format", "json", cwd=root)
    assert result.returncode == 1
    assert {"IMG001", "DL3008"} <= {item["rule_id"] for item in json.loads(result.stdout)}
    assert run("check", "--select", "PKG", cwd=root).returncode == 0
    assert run("check", "Dockerfile", "--select", "IMG001", cwd=root).returncode == 1


def test_tags(tmp_path):
    result = run(
        "image",
        "tags",
        "v1.4.2",
        "--published",
        "1.4.1,1.5.0",
        "--dockerhub",
        "gitlab/my-app",
        "--style",
        "docker",
    )
    assert result.returncode == 0
    assert "  1.4    the newest 1.4.x release" in result.stdout
    assert "latest" not in result.stdout.split("\n\n")[0]
    assert 'docker push "$CI_REGISTRY_IMAGE:1.4.2"' in result.stdout
    assert "docker push docker.io/gitlab/my-app:1.4" in result.stdout
    assert_clean_error(run("image", "tags", "v1"), "'v1' is not a release version")
