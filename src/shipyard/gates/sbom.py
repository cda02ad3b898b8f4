"""The SBOM gate: a CycloneDX bill of materials of what the project ships with.

Regulated customers ask for a software bill of materials: every component, its version and its
package URL, so they can match it against vulnerability feeds. The gate writes one for the
project's installed dependency closure with CycloneDX's own generator (PyPI ``cyclonedx-bom``,
``cyclonedx-py requirements``), validated against the CycloneDX schema, into ``sbom.cdx.json``.
It fails when a dependency is not installed (the SBOM would be incomplete). The seed uses syft,
a Go binary that cannot be installed from a package registry here; CycloneDX's Python tool gives
the same format.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from shipyard.findings import Finding
from shipyard.gates._deps import closure, project_requirements, requirements_text
from shipyard.gates._model import (
    FAILED,
    PASSED,
    Context,
    GateResult,
    ToolError,
    count,
    parse_json,
    run_tool,
)

__all__ = ["NAME", "run", "threshold"]

NAME = "sbom"


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    return "valid CycloneDX 1.6 JSON of every dependency"


def run(context: Context) -> GateResult:
    """Generate and validate the SBOM of the project's installed dependencies."""
    name, requirements = project_requirements(context.root)
    deps = closure(
        requirements, name, [context.root / p for p in context.settings.dependency_paths]
    )
    with tempfile.TemporaryDirectory(prefix="shipyard-sbom-") as tmp:
        pins = Path(tmp) / "requirements.txt"
        pins.write_text(requirements_text(deps), encoding="utf-8")
        output = (context.report_dir or Path(tmp)) / "sbom.cdx.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        args = ["requirements", "--output-reproducible", "--sv", "1.6", "--of", "JSON",
                "--validate", "-o", str(output), str(pins)]  # fmt: skip
        if (context.root / "pyproject.toml").is_file():
            args[1:1] = ["--pyproject", str(context.root / "pyproject.toml")]
        done = run_tool("cyclonedx-py", args, context.root)
        if done.returncode or not output.is_file():
            msg = f"cyclonedx-py failed (exit status {done.returncode}): {done.stderr[-300:]}"
            raise ToolError(msg)
        bom = parse_json("cyclonedx-py", output.read_text(encoding="utf-8"))
    components = len(bom.get("components", []))
    findings = [
        Finding("pyproject.toml", 1, "sbom", "error",
                f"{d.name} (required by {d.via}) is not installed: the SBOM would miss it",
                "https://cyclonedx.org/specification/overview/")
        for d in deps if not d.version
    ]  # fmt: skip
    reports = {"cyclonedx": context.relative(output)} if context.report_dir else {}
    measured = f"{count(components, 'component')}, CycloneDX {bom.get('specVersion', '?')}"
    return GateResult(NAME, threshold(context), measured, FAILED if findings else PASSED,
                      findings, reports, {"components": components})  # fmt: skip
