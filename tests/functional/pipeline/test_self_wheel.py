"""Shipyard's own wheel in the sandbox Nexus, for the gate jobs: built once, uploaded once."""

from __future__ import annotations

import requests

from shipyard import __version__
from shipyard.pipeline import _self_wheel
from shipyard.pipeline.run import prepare_target


def test_prepare_uploads_shipyard_once_and_the_group_serves_it(sandbox, canary):
    first = prepare_target(sandbox=sandbox)
    wheel = f"shipyard-{__version__}-py3-none-any.whl"
    uploads = [c for plan in first.plans for c in plan if c.kind == "package"]
    assert [(c.action, c.name) for c in uploads] in ([("create", wheel)], [])  # [] if done
    again = prepare_target(sandbox=sandbox)
    assert "hosted repository" in again.plans[-1].target
    assert again.plans[-1].is_empty  # ALLOW_ONCE: a second upload would be refused
    assert not again.shipyard_missing
    page = requests.get(f"{first.variables['NEXUS_PYPI_GROUP_URL']}simple/shipyard/", timeout=10)
    assert wheel in page.text  # where `pip install "shipyard[gates]==<version>"` finds it


def test_the_wheel_is_built_once_per_content(tmp_path):
    tree = _self_wheel.source_tree()
    assert tree is not None and (tree / "src" / "shipyard").is_dir()  # an editable checkout
    first = _self_wheel.built_wheel(tree, tmp_path)
    stamp = first.stat().st_mtime_ns
    assert _self_wheel.built_wheel(tree, tmp_path) == first
    assert first.stat().st_mtime_ns == stamp  # not built again
    assert [p.name for p in tmp_path.iterdir()] == [first.parent.name]


def test_without_a_source_tree_the_jobs_that_install_shipyard_are_not_run():
    pipeline = """\
.gate:
  image: python:3.11
  before_script: ['pip install "shipyard[gates]==0.1.0"']
gate:ruff:
  extends: .gate
  script: [shipyard gates run --only ruff]
build:
  script: [pip install shipyard-tools, echo build]
publish:
  needs: [build, gate:ruff]
  script: [echo publish]
"""
    text, dropped = _self_wheel.without_shipyard_jobs(pipeline, "no source tree")
    assert dropped == (("gate:ruff", "no source tree"),)
    import yaml

    data = yaml.safe_load(text)
    assert "gate:ruff" not in data and data["publish"]["needs"] == ["build"]
