"""The Nexus setup chapter runs against the sandbox and never shows the admin password."""

from __future__ import annotations

import json
import uuid

import nbclient
import nbformat

from tests.conftest import ROOT

CHAPTER = ROOT / "notebooks" / "01_nexus_setup.ipynb"


def test_chapter_outputs_hold_no_canary_and_show_the_steps(monkeypatch, tmp_path):
    canary = f"canary-nb-{uuid.uuid4().hex}"
    monkeypatch.setenv("SHIPYARD_SANDBOX_ADMIN_PASSWORD", canary)
    for name in ("SHIPYARD_NEXUS_URL", "SHIPYARD_GITLAB_URL", "SHIPYARD_TARGET"):
        monkeypatch.delenv(name, raising=False)
    notebook = nbformat.read(CHAPTER, as_version=4)
    nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = json.dumps([cell.get("outputs", []) for cell in notebook.cells])
    assert canary not in outputs
    assert "127.0.0.1:<port>" in outputs and "/tmp/" not in outputs
    assert "No changes: 3 object(s) already as desired." in outputs
    assert "my_app 1.0.0 is running" in outputs
    assert "cannot be updated" in outputs and "bump the version" in outputs
    assert "denied (HTTP 403)" in outputs and "WRONG" not in outputs
