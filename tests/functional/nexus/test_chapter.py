"""The Nexus setup chapter runs against the sandbox and never shows the admin password.

The chapter's execution is the run's one execution (tests/functional/conftest.py): its kernel had
the sandbox's admin password, and every other secret, set to the executor's canary.
"""

from __future__ import annotations

import json
import logging

from shipyard.site.execute import CANARY, SECRET_VARIABLES
from tests.conftest import ROOT

CHAPTER = ROOT / "notebooks" / "01_nexus_setup.ipynb"


def test_chapter_outputs_hold_no_canary_and_show_the_steps(executed_notebook):
    assert "SHIPYARD_SANDBOX_ADMIN_PASSWORD" in SECRET_VARIABLES
    outputs = json.dumps([cell.get("outputs", []) for cell in executed_notebook(CHAPTER).cells])
    # Into the session's log too, which this directory's conftest checks for its own canary.
    logging.getLogger(__name__).debug("chapter 01 printed: %s", outputs)
    assert CANARY not in outputs
    assert "127.0.0.1:<port>" in outputs and "/tmp/" not in outputs
    assert "No changes: 3 object(s) already as desired." in outputs
    assert "my_app 1.0.0 is running" in outputs
    assert "cannot be updated" in outputs and "bump the version" in outputs
    assert "denied (HTTP 403)" in outputs and "WRONG" not in outputs
