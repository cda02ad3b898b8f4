"""The ruff gate: lint with the project's ruff configuration plus the seed's rules (D, I, F).

``D`` keeps every public module, class and function documented in the chosen docstring
convention, ``I`` keeps imports sorted, ``F`` (pyflakes) catches unused imports and undefined
names. Any finding fails the gate. See https://docs.astral.sh/ruff/rules/.
"""

from __future__ import annotations

from shipyard.findings import Finding
from shipyard.gates._model import FAILED, PASSED, Context, GateResult, parse_json, run_tool

__all__ = ["NAME", "run", "threshold"]

NAME = "ruff"


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    select = ",".join(context.settings.ruff_select) or "project's rules"
    return f"no findings ({select}; {context.settings.docstring_convention} docstrings)"


def _project_select(context: Context) -> set[str]:
    pyproject = context.root / "pyproject.toml"
    if not pyproject.is_file():
        return set()
    from shipyard._reading import toml as _toml

    _, data = _toml.load(pyproject, rule_id="PKG001")
    ruff = data.get("tool", {}).get("ruff", {})
    lint = ruff.get("lint", {}) if isinstance(ruff, dict) else {}
    selected: set[str] = set()
    for table in (ruff, lint):
        for key in ("select", "extend-select"):
            value = table.get(key, []) if isinstance(table, dict) else []
            selected.update(v for v in value if isinstance(v, str))
    return selected


def run(context: Context) -> GateResult:
    """Run ``ruff check`` on the gate's paths and turn each diagnostic into a finding."""
    settings = context.settings
    args = ["check", "--output-format", "json", "--exit-zero", "--no-cache", "--no-fix"]
    # A prefix given on the command line would override the project's own `ignore` (ruff lets
    # the command line win), so add only the prefixes the project does not select itself.
    extra = [p for p in settings.ruff_select if p not in _project_select(context)]
    if extra:
        args += ["--extend-select", ",".join(extra)]
    args += ["--config", f'lint.pydocstyle.convention="{settings.docstring_convention}"']
    done = run_tool("ruff", [*args, *context.paths], context.root)
    findings = [
        Finding(
            path=context.relative(item["filename"]),
            line=max(int(item["location"]["row"]), 1),
            rule_id=item["code"] or "E999",
            severity="warning",
            message=item["message"],
            doc_url=item.get("url") or "https://docs.astral.sh/ruff/rules/",
        )
        for item in parse_json("ruff", done.stdout)
    ]
    count = len(findings)
    measured = f"{count} finding{'' if count == 1 else 's'}"
    return GateResult(NAME, threshold(context), measured, FAILED if findings else PASSED, findings)
