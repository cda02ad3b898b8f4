"""In a real kernel, a Shipyard error shows its message, hint and docs link, not a traceback.

Before: a notebook cell showed only the message and the frames of Shipyard's code; the hint
("The credentials were refused: ...") never appeared.
"""

from __future__ import annotations

import nbclient
import nbformat
from nbformat.v4 import new_code_cell, new_notebook


def test_a_failing_cell_shows_message_hint_and_docs_link(tmp_path):
    source = (
        "from shipyard.errors import OperationError\n"
        "error = OperationError('sign in as admin', status=401, url='https://nexus.example',\n"
        "                       hint='The credentials were refused: check the user name.')\n"
        "error.doc_url = 'https://shipyard.example/docs/howto/real-target.html'\n"
        "raise error"
    )
    notebook = new_notebook(cells=[new_code_cell(source, metadata={"tags": ["raises-exception"]})])
    nbclient.NotebookClient(
        notebook, timeout=60, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()  # fmt: skip
    (error,) = notebook.cells[0].outputs
    assert error.output_type == "error" and error.ename == "OperationError"
    assert error.traceback == [
        "OperationError: sign in as admin failed (HTTP 401) at https://nexus.example",
        "hint: The credentials were refused: check the user name.",
        "docs: https://shipyard.example/docs/howto/real-target.html",
    ]
    assert nbformat.validate(notebook) is None
