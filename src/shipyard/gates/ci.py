"""GitLab CI jobs that run the gates: for ``.gitlab-ci.yml``, and as a CI/CD Catalog component.

:func:`render_jobs` renders one job per gate, each running ``shipyard gates run --only <gate>``
and handing GitLab the reports it shows (``artifacts:reports``: ``codequality``, ``junit``,
``coverage_report``, ``cyclonedx``). The thresholds stay in ``[tool.shipyard.gates]`` of the
project. :func:`render_component` renders the same jobs as a CI/CD Catalog component
(https://docs.gitlab.com/ci/components/): a ``spec: inputs`` header for the thresholds, which the
jobs pass on as ``SHIPYARD_GATES_*`` variables, then ``---`` and the jobs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shipyard.gates._install import INDEX_VARIABLE, install_for
from shipyard.gates._settings import RANKS, GateSettings

__all__ = ["COMPONENT_INPUTS", "check", "render_component", "render_jobs"]

REPORTS = "reports"
# Gate -> the artifacts:reports entries its job hands to GitLab (besides the JUnit verdict).
_GATE_REPORTS: dict[str, dict[str, Any]] = {
    "ruff": {"codequality": f"{REPORTS}/gl-code-quality-report.json"},
    "radon": {"codequality": f"{REPORTS}/gl-code-quality-report.json"},
    "ty": {"codequality": f"{REPORTS}/gl-code-quality-report.json"},
    "coverage": {
        "coverage_report": {"coverage_format": "cobertura", "path": f"{REPORTS}/coverage.xml"}
    },
    "licenses": {},
    "bandit": {"codequality": f"{REPORTS}/gl-code-quality-report.json"},
    "semgrep": {"codequality": f"{REPORTS}/gl-code-quality-report.json"},
    "sbom": {"cyclonedx": [f"{REPORTS}/sbom.cdx.json"]},
    "pip-audit": {},
}
#: Component input -> (the gate setting it overrides, its description).
COMPONENT_INPUTS = {
    "maintainability-rank": ("maintainability_rank", "Lowest radon MI rank a module may have."),
    "complexity-rank": ("complexity_rank", "Worst radon CC rank a block may have."),
    "coverage-min": ("coverage_min", "Lowest total coverage, in percent."),
    "bandit-severity": ("bandit_severity", "Lowest bandit severity that fails."),
}


def _dump(data: Any) -> str:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def _jobs(
    stage: str, image: str, install: Sequence[str], variables: dict[str, str] | None = None
) -> dict[str, Any]:
    template: dict[str, Any] = {"stage": stage, "image": image}
    if variables:
        template["variables"] = variables
    template["before_script"] = list(install)
    jobs: dict[str, Any] = {".shipyard-gate": template}
    for gate, reports in _GATE_REPORTS.items():
        job_reports = {"junit": f"{REPORTS}/gates-junit.xml", **reports}
        jobs[f"gate:{gate}"] = {
            "extends": ".shipyard-gate",
            "script": [f"shipyard gates run --only {gate} --report-dir {REPORTS}"],
            "artifacts": {
                "when": "always",
                "expire_in": "1 week",
                "paths": [f"{REPORTS}/"],
                "reports": job_reports,
            },
        }
    return jobs


_HEADER = (
    "# Quality gates: one job per gate; thresholds in [tool.shipyard.gates].\n"
    f"# Shipyard and the gate tools come from Nexus: {INDEX_VARIABLE} is the PyPI group\n"
    "# (hosted + PyPI proxy) that holds Shipyard, ending in /.\n"
)


def render_jobs(
    *,
    stage: str = "test",
    image: str = "python:3.11-slim-bookworm",
    install: str | Sequence[str] | None = None,
    project: Path | str | None = None,
) -> str:
    """Return the gate jobs as YAML to paste into (or ``include:`` from) ``.gitlab-ci.yml``.

    Args:
        stage: The stage the jobs run in.
        image: The image they run in.
        install: The commands that install Shipyard, the gate tools and the project; by
            default Shipyard pinned to this version from Nexus, then the project with its test
            dependencies as ``project`` declares them (see ``shipyard.gates._install``).
        project: The project the jobs are for.
    """
    step = install_for(project)
    commands = [install] if isinstance(install, str) else list(install or step.commands)
    return _HEADER + _dump(_jobs(stage, image, commands, step.variables))


def render_component(settings: GateSettings | None = None) -> str:
    """Return the gate jobs as a CI/CD Catalog component (``templates/gates.yml``).

    Args:
        settings: Defaults for the threshold inputs; the seed's when omitted.
    """
    settings = settings or GateSettings()
    inputs: dict[str, Any] = {
        "stage": {"default": "test", "description": "Stage the gate jobs run in."},
        "image": {"default": "python:3.11-slim-bookworm", "description": "Image of the jobs."},
        "install": {
            "default": " && ".join(install_for(None).commands),
            "description": "Installs Shipyard (pinned, from Nexus), its gates and the project.",
        },
    }
    variables = dict(install_for(None).variables)
    for name, (field, description) in COMPONENT_INPUTS.items():
        value = getattr(settings, field)
        entry: dict[str, Any] = {"default": value, "description": description}
        if isinstance(value, float):
            entry["type"] = "number"
        if field in ("maintainability_rank", "complexity_rank"):
            entry["options"] = list(RANKS[:3] if field == "maintainability_rank" else RANKS)
        inputs[name] = entry
        variables[f"SHIPYARD_GATES_{field.upper()}"] = f"$[[ inputs.{name} ]]"
    spec = _dump({"spec": {"inputs": inputs}})
    jobs = _jobs("$[[ inputs.stage ]]", "$[[ inputs.image ]]", ["$[[ inputs.install ]]"], variables)
    return spec + "---\n" + _dump(jobs)


def check(text: str) -> str:
    """Validate rendered CI YAML against GitLab's CI JSON schema, each ``---`` document alone.

    Uses check-jsonschema's copy of GitLab's schema (``vendor.gitlab-ci``), offline.

    Returns:
        ``"valid"``, or what check-jsonschema reported.
    """
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    documents = [d for d in text.split("\n---\n") if d.strip()]
    with tempfile.TemporaryDirectory(prefix="shipyard-ci-") as tmp:
        files = []
        for index, document in enumerate(documents):
            path = Path(tmp) / f"document-{index + 1}.yml"
            path.write_text(document, encoding="utf-8")
            files.append(str(path))
        command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.gitlab-ci"]
        done = subprocess.run(  # noqa: S603 - fixed command on files written here
            [*command, *files], capture_output=True, text=True, check=False
        )
    output = (done.stdout + done.stderr).replace(tmp + "/", "")
    return "valid" if done.returncode == 0 else output.strip()
