"""What `shipyard init` writes into pyproject.toml still builds, with the real frontend."""

from __future__ import annotations

import shutil

import pytest

from shipyard.cli import _init
from shipyard.packaging import build
from tests.unit.cli.test_init import CASES, PROJECTS

EXPECTED = {
    "init-hatchling-src": ("hello_src-0.3.0-py3-none-any.whl", "hello_src/__main__.py"),
    "init-poetry-flat": ("gitlab_webhooks-0.1.0-py3-none-any.whl", "webhooks/cli.py"),
    "init-setup-py": ("legacy_tool-2.4.1-py3-none-any.whl", "legacy_tool/__init__.py"),
}


@pytest.mark.parametrize("case", CASES)
def test_initialised_project_builds_and_passes_twine_check(case, release_target, tmp_path):
    root = tmp_path / case
    shutil.copytree(PROJECTS / case, root)
    _init.apply_init(_init.plan_init(root), force=True)
    out = build.build(root, release_target.build_index)
    assert out.ok, out.output
    wheel_name, module = EXPECTED[case]
    assert out.wheel.name == wheel_name
    wheel = build.open_distribution(out.wheel)
    assert module in wheel.files
    assert build.twine_check(out.sdist, out.wheel).ok
