"""Quality gates: the checks a commit must pass before it ships, with thresholds from one config.

Ruff, radon (maintainability and complexity), ty, coverage of a pytest run, dependency licenses,
bandit, semgrep, a CycloneDX SBOM and pip-audit, each in its own module, read their thresholds from
``[tool.shipyard.gates]`` (``GateSettings``). ``run_gates()`` runs them and writes
the reports GitLab shows; :mod:`shipyard.gates.ci` renders the GitLab jobs that run them.

The complexity and maintainability numbers come from a fast engine that computes exactly what
radon's CLI prints (``shipyard.gates.radon_engine.complexity``).
"""

from __future__ import annotations

from typing import Any

#: The runbook chapter this package serves (``notebooks/<name>.ipynb``).
RUNBOOK_CHAPTER = "05_quality_gates"

__all__ = [
    "RUNBOOK_CHAPTER",
    "GATES",
    "GateResult",
    "GateRun",
    "GateSettings",
    "describe_gate_settings",
    "load_gate_settings",
    "run_gates",
]

_LAZY = {
    "GATES": "shipyard.gates.runner",
    "GateRun": "shipyard.gates.runner",
    "run_gates": "shipyard.gates.runner",
    "GateResult": "shipyard.gates._model",
    "GateSettings": "shipyard.gates._settings",
    "describe_gate_settings": "shipyard.gates._settings",
    "load_gate_settings": "shipyard.gates._settings",
}


def __getattr__(name: str) -> Any:
    # Lazy: importing the radon engine (in its worker processes) stays light.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'shipyard.gates' has no attribute {name!r}"
    raise AttributeError(msg)
