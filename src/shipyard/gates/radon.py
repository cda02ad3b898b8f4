"""The radon gate: maintainability index per module, cyclomatic complexity per block.

Radon grades both with letters. The maintainability index (MI, 0-100) combines a module's size,
complexity and comments: rank A above 19, B 10-19, C 9 or less. Cyclomatic complexity (CC) counts
the paths through a function: A 1-5, B 6-10, C 11-20 and worse. The seed fails a module below
MI rank A and a function, method or class worse than CC rank B: small modules, no function that
acts as a switch with too many branches.

The numbers come from :mod:`shipyard.gates.radon_engine.complexity`, which computes exactly
what ``radon cc`` and ``radon mi`` print, reading each file once. Complexity findings are
``RAD001`` at the block's first line; maintainability findings are ``RAD002`` on the module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.findings import Finding
from shipyard.gates._model import FAILED, PASSED, Context, GateResult, count
from shipyard.gates._settings import RANKS
from shipyard.rules import rule_url

if TYPE_CHECKING:
    from shipyard.gates.radon_engine.complexity import ModuleMetrics

__all__ = ["NAME", "run", "threshold"]

NAME = "radon"


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    s = context.settings
    return f"MI rank >= {s.maintainability_rank}, CC rank <= {s.complexity_rank}"


def _doc(context: Context, rule_id: str) -> str:
    return rule_url(context.docs_url, rule_id)


def run(context: Context, *, jobs: int | None = None) -> GateResult:
    """Measure every Python file under the gate's paths against the two rank thresholds."""
    from shipyard.gates.radon_engine.complexity import analyze_paths

    modules = analyze_paths([context.root / p for p in context.paths], jobs=jobs)
    findings = [finding for module in modules for finding in _findings(context, module)]
    complex_blocks = sum(1 for f in findings if f.rule_id == "RAD001")
    low_mi = len(findings) - complex_blocks
    measured = (
        f"{count(len(modules), 'module')}: {low_mi} below MI, "
        f"{count(complex_blocks, 'block')} over CC"
    )
    status = FAILED if findings else PASSED
    return GateResult(NAME, threshold(context), measured, status, sorted(findings))


def _findings(context: Context, module: ModuleMetrics) -> list[Finding]:
    """Return a module's findings: its maintainability, then each block too complex."""
    path = context.relative(module.path)
    maintainability = _maintainability(context, module, path)
    findings = [maintainability] if maintainability else []
    worst = RANKS.index(context.settings.complexity_rank)
    findings += [
        Finding(path, block.lineno, "RAD001", "error",
                f"{block.kind} {block.fullname!r} has complexity {block.complexity} "
                f"(rank {block.rank}), worse than {context.settings.complexity_rank}",
                _doc(context, "RAD001"))
        for block in module.blocks
        if RANKS.index(block.rank) > worst
    ]  # fmt: skip
    return findings


def _maintainability(context: Context, module: ModuleMetrics, path: str) -> Finding | None:
    """Return the finding for a module that could not be measured or ranks too low, if any."""
    wanted = context.settings.maintainability_rank
    if module.error is not None:
        return Finding(path, module.error.line or 1, "RAD002", "error",
                       f"module could not be measured: {module.error.message}",
                       _doc(context, "RAD002"))  # fmt: skip
    if module.mi_rank is None:
        return Finding(path, 1, "RAD002", "error",
                       "module could not be measured: no maintainability index",
                       _doc(context, "RAD002"))  # fmt: skip
    if RANKS.index(module.mi_rank) > RANKS.index(wanted):
        return Finding(path, 1, "RAD002", "error",
                       f"maintainability index {module.mi:.1f} (rank {module.mi_rank}) is below "
                       f"rank {wanted}", _doc(context, "RAD002"))  # fmt: skip
    return None
