"""The license gate: every dependency the project ships with uses an allowed license.

A closed product may not include GPL code, and a license nobody has read is a risk of the same
kind. The gate reads each installed dependency's metadata, the way PEP 639 orders it:
``License-Expression`` (an SPDX expression) first, then a ``License`` field that is a valid SPDX
expression, then the ``License ::`` trove classifiers (alternatives: any one allowed suffices).
An expression passes when it can be satisfied with allowed ids only (``MIT OR GPL-2.0-only``
passes, ``MIT AND GPL-2.0-only`` does not). ``LIC001`` reports a license outside
``licenses-allow``, ``LIC002`` one that cannot be determined; both fail the gate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shipyard.findings import Finding
from shipyard.gates._deps import Dependency, closure, project_requirements
from shipyard.gates._model import FAILED, PASSED, Context, GateResult, count
from shipyard.rules import rule_url

__all__ = ["NAME", "allowed", "license_of", "run", "threshold"]

NAME = "licenses"
# Trove classifier (after "License :: ") -> SPDX id. Generic ones map to their usual meaning.
CLASSIFIERS = {
    "OSI Approved :: MIT License": "MIT",
    "OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "OSI Approved :: BSD License": "BSD-3-Clause",
    "OSI Approved :: Apache Software License": "Apache-2.0",
    "OSI Approved :: ISC License (ISCL)": "ISC",
    "OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "OSI Approved :: zlib/libpng License": "Zlib",
    "OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "OSI Approved :: GNU General Public License (GPL)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}
_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def _canonical(text: str) -> str | None:
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    if not text or len(text) > 200 or "\n" in text.strip():
        return None
    try:
        return canonicalize_license_expression(text.strip())
    except InvalidLicenseExpression:
        return None


def license_of(dependency: Dependency) -> tuple[str, str] | None:
    """Return the dependency's SPDX expression and where it was found, or ``None``."""
    if dependency.dist is None:
        return None
    meta = dependency.dist.metadata
    for name in ("License-Expression", "License"):
        expression = _canonical((meta.get_all(name) or [""])[0])
        if expression:
            return expression, name
    ids = _classifier_ids(meta.get_all("Classifier") or [])
    if ids:
        return " OR ".join(ids), "classifiers"
    return None


def _classifier_ids(classifiers: list[str]) -> list[str]:
    """Return the SPDX ids of the known ``License ::`` classifiers, each once, in order."""
    ids = []
    for classifier in classifiers:
        if classifier.startswith("License :: "):
            spdx = CLASSIFIERS.get(classifier.removeprefix("License :: "))
            if spdx and spdx not in ids:
                ids.append(spdx)
    return ids


def allowed(expression: str, allow: Iterable[str]) -> bool:
    """Tell whether an SPDX expression can be satisfied with allowed license ids only.

    ``AND`` needs both sides, ``OR`` either; ``X WITH exception`` is allowed when ``X`` is.
    """
    permitted = {a.lower() for a in allow}
    tokens = _TOKEN.findall(expression)
    position = 0

    def term() -> bool:
        nonlocal position
        token = tokens[position]
        position += 1
        if token == "(":
            value = disjunction()
            position += 1  # the closing parenthesis
        else:
            value = token.lower().removesuffix("+") in permitted or token.lower() in permitted
        if position < len(tokens) and tokens[position].upper() == "WITH":
            position += 2
        return value

    def conjunction() -> bool:
        nonlocal position
        value = term()
        while position < len(tokens) and tokens[position].upper() == "AND":
            position += 1
            value = term() and value
        return value

    def disjunction() -> bool:
        nonlocal position
        value = conjunction()
        while position < len(tokens) and tokens[position].upper() == "OR":
            position += 1
            value = conjunction() or value
        return value

    return disjunction()


def threshold(context: Context) -> str:
    """Say what the gate requires."""
    return f"every dependency's license in the allow-list ({len(context.settings.licenses_allow)})"


def _line_of(context: Context, name: str) -> int:
    pyproject = context.root / "pyproject.toml"
    if pyproject.is_file():
        pattern = re.compile(rf"""["']{re.escape(name)}\s*[\[<>=!~;"' ]""", re.IGNORECASE)
        for number, line in enumerate(pyproject.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line.replace("_", "-")):
                return number
    return 1


def run(context: Context) -> GateResult:
    """Check the license of every installed dependency in the project's closure."""
    from packaging.utils import canonicalize_name

    s = context.settings
    name, requirements = project_requirements(context.root)
    extra = [context.root / p for p in s.dependency_paths]
    ignored = {canonicalize_name(i) for i in s.licenses_ignore}
    deps = [d for d in closure(requirements, name, extra) if d.name not in ignored]
    findings = []
    for dep in deps:
        problem = _problem(dep, s.licenses_allow)
        if problem is None:
            continue
        rule_id, message = problem
        via = "" if dep.via == dep.name else f", required by {dep.via}"
        findings.append(Finding("pyproject.toml", _line_of(context, dep.via), rule_id, "error",
                                message + via, rule_url(context.docs_url, rule_id)))  # fmt: skip
    measured = (
        f"{count(len(deps), 'dependency', 'dependencies')}, {len(findings)} not allowed or unknown"
    )
    status = FAILED if findings else PASSED
    return GateResult(NAME, threshold(context), measured, status, sorted(findings),
                      data={"dependencies": len(deps)})  # fmt: skip


def _problem(dep: Dependency, allow: list[str]) -> tuple[str, str] | None:
    """Return the rule a dependency breaks and why: not installed, no license, or not allowed."""
    if dep.dist is None:
        return "LIC002", f"{dep.name} is not installed, so its license cannot be read"
    found = license_of(dep)
    if found is None:
        return "LIC002", f"{dep.name} {dep.version} declares no license Shipyard can read"
    if not allowed(found[0], allow):
        return "LIC001", (f"{dep.name} {dep.version} is licensed {found[0]!r} (from {found[1]}), "
                          "not in licenses-allow")  # fmt: skip
    return None
