"""Temporary directories that go away when the process (a notebook's kernel) ends.

A notebook copies sample projects, creates virtual environments and starts sandboxes in
temporary directories. A reader who closes the notebook, restarts the kernel or stops a chapter
halfway does not call any clean-up, so each directory is removed when the interpreter exits
(``atexit``: a kernel shut down or restarted from JupyterLab exits normally). A process killed
with ``SIGKILL`` cannot clean up; its directories carry the ``shipyard-`` prefix.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

__all__ = ["temporary_directory"]


def temporary_directory(prefix: str = "shipyard-") -> Path:
    """Create a directory under the system's temporary directory, removed when the process exits.

    Args:
        prefix: The start of the directory's name.

    Returns:
        The new, empty directory.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
