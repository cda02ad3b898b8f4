"""Every rule's documented examples tell the truth: the bad one fires it, the good one does not.

The rule pages show these examples (``shipyard.site.docgen``), so a rule whose check disagrees
with its own page fails here. Each example is written as the file it stands for, next to the files
the rule says it assumes (``Rule.context``), and checked the way ``shipyard check`` checks a
project. Rules without a check of their own say where their verdict comes from (``checked_by``):
the file's reader, which must refuse the bad example and read the good one, or a quality gate,
which must exist.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard import audit
from shipyard.errors import InputError
from shipyard.gates import GATES
from shipyard.rules import Rule, all_rules

# The file each family's examples are, unless the rule names another.
_FILES = {"PKG": "pyproject.toml", "ENV": "environment.yml", "IMG": "Dockerfile", "NEX": "pip.conf",
          "CI": ".gitlab-ci.yml"}  # fmt: skip

RULES = [r for r in all_rules() if not r.removed]


def _write(rule: Rule, example: str, root: Path) -> Path:
    root.mkdir()
    for name, text in rule.context:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    path = root / (rule.example_file or _FILES[rule.family])
    path.write_text(example + "\n", encoding="utf-8")
    return root


def _fired(rule: Rule, example: str, root: Path) -> bool:
    findings = audit.check(_write(rule, example, root), select=[rule.id])
    return any(f.rule_id == rule.id for f in findings)


@pytest.mark.parametrize("rule", [r for r in RULES if r.check], ids=lambda r: r.id)
def test_bad_example_fires_and_good_does_not(rule, tmp_path):
    assert _fired(rule, rule.bad, tmp_path / "bad"), f"{rule.id}: its bad example passes"
    assert not _fired(rule, rule.good, tmp_path / "good"), f"{rule.id}: its good example fails"


@pytest.mark.parametrize("rule", [r for r in RULES if r.checked_by == "reader"], ids=lambda r: r.id)
def test_reader_refuses_the_bad_example_and_reads_the_good(rule, tmp_path):
    with pytest.raises(InputError, match=rule.id):
        audit.check(_write(rule, rule.bad, tmp_path / "bad"), select=[rule.id])
    audit.check(_write(rule, rule.good, tmp_path / "good"), select=[rule.id])


@pytest.mark.parametrize("rule", [r for r in RULES if not r.check], ids=lambda r: r.id)
def test_a_rule_without_a_check_names_its_verdict(rule):
    assert rule.checked_by == "reader" or rule.checked_by.removeprefix("gate:") in GATES
