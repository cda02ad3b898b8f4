"""The radon gate: maintainability index per module, cyclomatic complexity per block.

Radon grades both with letters. The maintainability index (MI, 0-100) combines a module's size,
complexity and comments: rank A above 19, B 10-19, C 9 or less. Cyclomatic complexity (CC) counts
the paths through a function: A 1-5, B 6-10, C 11-20 and worse. The seed fails a module below
MI rank A and a function, method or class worse than CC rank B: small modules, no function that
acts as a switch with too many branches.

The numbers come from :mod:`shipyard.gates._complexity`, which computes exactly what ``radon cc``
and ``radon mi`` print, reading each file once. Complexity findings are ``RAD001`` at the block's
first line; maintainability findings are ``RAD002`` on the module.
"""

from __future__ import annotations

from shipyard.findings import Finding
from shipyard.gates._model import FAILED, PASSED, Context, GateResult
from shipyard.gates._settings import RANKS

__all__ = ["NAME", "run", "threshold"]

NAME = "radon"


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    s = context.settings
    return f"MI rank >= {s.maintainability_rank}, CC rank <= {s.complexity_rank}"


def _doc(context: Context, rule_id: str) -> str:
    return f"{context.docs_url.rstrip('/')}/reference/rules/{rule_id.lower()}.html"


def run(context: Context, *, jobs: int | None = None) -> GateResult:
    """Measure every Python file under the gate's paths against the two rank thresholds."""
    from shipyard.gates._complexity import analyze_paths

    s = context.settings
    worst_cc = RANKS.index(s.complexity_rank)
    worst_mi = RANKS.index(s.maintainability_rank)
    modules = analyze_paths([context.root / p for p in context.paths], jobs=jobs)
    findings = []
    for module in modules:
        path = context.relative(module.path)
        if module.error is not None or module.mi_rank is None:
            reason = module.error.message if module.error else "no maintainability index"
            findings.append(
                Finding(path, (module.error.line if module.error else None) or 1, "RAD002",
                        "error", f"module could not be measured: {reason}",
                        _doc(context, "RAD002"))
            )  # fmt: skip
        elif RANKS.index(module.mi_rank) > worst_mi:
            findings.append(
                Finding(path, 1, "RAD002", "error",
                        f"maintainability index {module.mi:.1f} (rank {module.mi_rank}) is below "
                        f"rank {s.maintainability_rank}", _doc(context, "RAD002"))
            )  # fmt: skip
        for block in module.blocks:
            if RANKS.index(block.rank) > worst_cc:
                findings.append(
                    Finding(path, block.lineno, "RAD001", "error",
                            f"{block.kind} {block.fullname!r} has complexity {block.complexity} "
                            f"(rank {block.rank}), worse than {s.complexity_rank}",
                            _doc(context, "RAD001"))
                )  # fmt: skip
    complex_blocks = sum(1 for f in findings if f.rule_id == "RAD001")
    low_mi = len(findings) - complex_blocks
    measured = f"{len(modules)} modules: {low_mi} below MI, {complex_blocks} blocks over CC"
    status = FAILED if findings else PASSED
    return GateResult(NAME, threshold(context), measured, status, sorted(findings))
