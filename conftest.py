"""Outputs are compared with committed ones here: placeholders on for every test and notebook.

The notebook tests' kernels inherit this process's environment (see ``shipyard.runbook``).
"""

import os

os.environ["SHIPYARD_STABLE_OUTPUT"] = "1"
