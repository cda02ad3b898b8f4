"""The rule registry: every check Shipyard runs, with the documentation that explains it.

A rule is one declarative entry: a stable id (``PKG004``), a title that says what a good project
looks like, a default severity, why it matters, a bad and a good example, the fix, and the function
that checks it. A family lives in its chapter's package (``shipyard.packaging.rules`` for
pyproject.toml, ...). The same registry feeds ``shipyard check``, the rule reference pages and
the notebooks.

Ids are never reused or renumbered: a retired rule stays registered with ``removed=True``.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shipyard.config import SEVERITIES, Settings
from shipyard.errors import UnknownRuleError, did_you_mean
from shipyard.findings import Finding

__all__ = [
    "FAMILIES",
    "Hit",
    "Rule",
    "all_rules",
    "external",
    "get_rule",
    "rule",
    "rule_url",
    "run_rules",
    "selected_rules",
]

#: Where the site puts the rule pages, relative to its root (``docs/reference/rules/pkg008.html``).
RULE_PAGES = "docs/reference/rules"


def rule_url(base: str, rule_id: str) -> str:
    """Return the URL of a rule's page on the runbook site whose root is ``base``."""
    return f"{base.rstrip('/')}/{RULE_PAGES}/{rule_id.lower()}.html"


#: Family prefix -> (module, what the family checks).
FAMILIES = {
    "PKG": ("shipyard.packaging.rules", "pyproject.toml"),
    "ENV": ("shipyard.environments.rules", "environment.yml"),
    "NEX": ("shipyard.nexus.rules", "pip.conf, .pypirc, pyproject.toml, .gitlab-ci.yml"),
    "IMG": ("shipyard.images.rules", "Dockerfile"),
    "RAD": ("shipyard.gates.rad_rules", "code complexity and maintainability (the radon gate)"),
    "LIC": ("shipyard.gates.lic_rules", "dependency licenses (the licenses gate)"),
    "CI": ("shipyard.pipeline.rules", ".gitlab-ci.yml"),
}
_ID = re.compile(r"^[A-Z]{2,3}\d{3}$")
_REGISTRY: dict[str, Rule] = {}
_loaded = False


@dataclass(frozen=True)
class Hit:
    """A rule's check found a problem.

    Attributes:
        message: What is wrong here, with the offending value quoted.
        line: The line it is on (1 for the whole file).
        path: The file, when it is not the one the family checks.
    """

    message: str
    line: int = 1
    path: str | None = None


@dataclass(frozen=True)
class Rule:
    """One check and its documentation.

    Attributes:
        id: Stable id: the family's capitals (three, or ``CI``), three digits.
        title: What a good project looks like, e.g. "Declares a build backend".
        severity: Default severity: ``error``, ``warning`` or ``info``.
        why: Why it matters, in a short paragraph.
        bad: An example that breaks the rule.
        good: The same example, fixed.
        fix: What to do, in one or two sentences.
        check: Called with the family's context; yields a :class:`Hit` per problem. ``None``
            for a rule whose verdict comes from elsewhere (``checked_by``).
        requires: Rules that must pass first; when one fails this rule is skipped.
        language: Syntax of the examples, for highlighting.
        removed: A retired rule: kept so its id is never reused.
        checked_by: Where the verdict of a rule without a check comes from: ``reader`` (reading
            the file fails with the line, exit status 2) or ``gate:<name>`` (a quality gate).
        example_file: The file the examples are (default: the family's, e.g. ``Dockerfile``).
        context: Other files the examples assume, ``(path, text)`` pairs: a test writes them
            next to each example and checks that the bad one fires the rule and the good one
            does not, so a rule page cannot show an example that lies.
    """

    id: str
    title: str
    severity: str
    why: str
    bad: str
    good: str
    fix: str
    check: Callable[[Any], Iterable[Hit]] | None = field(repr=False, compare=False)
    requires: tuple[str, ...] = ()
    language: str = "toml"
    removed: bool = False
    checked_by: str = ""
    example_file: str = ""
    context: tuple[tuple[str, str], ...] = ()

    @property
    def family(self) -> str:
        """The id's prefix, e.g. ``PKG`` (``CI`` for the pipeline's two-letter family)."""
        return self.id[:-3]

    def doc_url(self, base: str = Settings.docs_url) -> str:
        """Return the URL of this rule's page under the runbook's base URL."""
        return rule_url(base, self.id)


def rule(
    id: str,
    title: str,
    severity: str,
    *,
    why: str,
    bad: str,
    good: str,
    fix: str,
    requires: tuple[str, ...] = (),
    language: str = "toml",
    example_file: str = "",
    context: Mapping[str, str] | None = None,
) -> Callable[[Callable[[Any], Iterable[Hit]]], Callable[[Any], Iterable[Hit]]]:
    """Register the decorated function as the check of a new rule.

    The arguments are :class:`Rule`'s attributes; ``context`` maps file names to their text.
    """

    def register(check: Callable[[Any], Iterable[Hit]]) -> Callable[[Any], Iterable[Hit]]:
        files = tuple((name, _dedent(text) + "\n") for name, text in (context or {}).items())
        _register(Rule(id, title, severity, why, bad, good, fix, check, requires, language,
                       example_file=example_file, context=files))  # fmt: skip
        return check

    return register


def external(
    id: str,
    title: str,
    severity: str,
    *,
    why: str,
    bad: str,
    good: str,
    fix: str,
    checked_by: str,
    language: str = "toml",
) -> None:
    """Register a rule whose verdict comes from elsewhere: the file's reader, or a gate.

    Args:
        id: Stable id, as for :func:`rule`.
        title: What a good project looks like.
        severity: Default severity.
        why: Why it matters.
        bad: An example that breaks the rule.
        good: The same example, fixed.
        fix: What to do.
        language: Syntax of the examples.
        checked_by: ``reader``: reading the file raises :class:`~shipyard.errors.InputError` for
            it; ``gate:<name>``: the quality gate of that name reports it.
    """
    _register(Rule(id, title, severity, why, bad, good, fix, None, (), language,
                   checked_by=checked_by))  # fmt: skip


def _register(declared: Rule) -> None:
    if (
        not _ID.match(declared.id)
        or declared.id in _REGISTRY
        or declared.severity not in SEVERITIES
    ):
        msg = f"bad rule declaration {declared.id!r} (duplicate id, bad id or severity)"
        raise ValueError(msg)
    _REGISTRY[declared.id] = dataclasses.replace(
        declared,
        why=_dedent(declared.why),
        bad=_dedent(declared.bad),
        good=_dedent(declared.good),
        fix=_dedent(declared.fix),
    )


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip()


def _load() -> None:
    global _loaded
    if not _loaded:
        for module, _ in FAMILIES.values():
            importlib.import_module(module)
        _loaded = True


def all_rules() -> list[Rule]:
    """Return every registered rule, sorted by id."""
    _load()
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


def get_rule(rule_id: str) -> Rule:
    """Return the rule with this id.

    Raises:
        UnknownRuleError: No rule has this id; the message suggests the closest one.
    """
    _load()
    try:
        return _REGISTRY[rule_id.upper()]
    except KeyError:
        msg = f"unknown rule id {rule_id!r}{did_you_mean(rule_id.upper(), _REGISTRY)}"
        raise UnknownRuleError(msg, hint="`shipyard rules` lists every rule.") from None


def selected_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """Return the active rules that match a prefix in ``select`` (all when empty) minus ``ignore``.

    Raises:
        UnknownRuleError: A prefix or id matches no rule: a typo would silently check nothing.
    """
    rules = [r for r in all_rules() if not r.removed]
    prefixes = _normalised(select)
    ignored = set(_normalised(ignore))
    for prefix in [*prefixes, *ignored]:
        _check_prefix(prefix, rules)
    if prefixes:
        rules = [r for r in rules if r.id.startswith(tuple(prefixes))]
    return [r for r in rules if r.id not in ignored]


def _normalised(ids: Iterable[str]) -> list[str]:
    """Return rule ids or prefixes upper-cased, without blanks."""
    return [i.strip().upper() for i in ids if i.strip()]


def _check_prefix(prefix: str, rules: list[Rule]) -> None:
    """Check that a rule id or prefix matches one of ``rules``: a typo would check nothing."""
    if not any(r.id.startswith(prefix) for r in rules):
        ids = [r.id for r in rules] + list(FAMILIES)
        msg = f"unknown rule id or prefix {prefix!r}{did_you_mean(prefix, ids)}"
        raise UnknownRuleError(msg, hint="`shipyard rules` lists every rule.")


def run_rules(rules: Iterable[Rule], context: Any, path: str, settings: Settings) -> list[Finding]:
    """Run rules of one family against its context and turn their hits into findings.

    A rule whose ``requires`` include a rule that found something is skipped: its check assumes
    what the failed rule checks.

    Args:
        rules: The rules to run, all of the family the context belongs to.
        context: The parsed input the family's checks take.
        path: The checked file, relative to the checked directory.
        settings: For severity overrides and the documentation base URL.
    """
    findings: list[Finding] = []
    failed: set[str] = set()
    for r in rules:
        if r.check is None or failed.intersection(r.requires):
            continue
        severity = settings.severity.get(r.id, r.severity)
        for hit in r.check(context):
            failed.add(r.id)
            findings.append(
                Finding(
                    path=hit.path or path,
                    line=max(hit.line, 1),
                    rule_id=r.id,
                    severity=severity,
                    message=hit.message,
                    doc_url=r.doc_url(settings.docs_url),
                )
            )
    return findings
