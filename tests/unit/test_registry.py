"""Meta tests: every rule is documented and linked; public modules declare __all__."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import shipyard
from shipyard.errors import UnknownRuleError
from shipyard.rules import all_rules, get_rule, selected_rules
from tests.conftest import ROOT

RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_is_documented(rule):
    assert rule.title and rule.why and rule.bad and rule.good and rule.fix
    assert rule.bad != rule.good
    assert rule.doc_url().endswith(f"/docs/reference/rules/{rule.id.lower()}.html")
    for required in rule.requires:
        assert get_rule(required).family == rule.family


def test_rule_links_name_the_pages_the_site_builds():
    """The site's root is the repository root: a rule's page is docs/reference/rules/<id>.md."""
    from shipyard.config import Settings

    for rule in RULES:
        relative = rule.doc_url().removeprefix(Settings.docs_url + "/")
        assert (ROOT / relative).with_suffix(".md").is_file(), rule.doc_url()


def test_ids_are_unique_and_sequential_per_family():
    pkg = [int(r.id[3:]) for r in RULES if r.family == "PKG"]
    assert pkg == list(range(1, len(pkg) + 1))


def test_unknown_rule_suggests():
    with pytest.raises(UnknownRuleError, match="did you mean 'PKG001'"):
        get_rule("PGK001")
    with pytest.raises(UnknownRuleError, match="unknown rule id or prefix 'PKX'"):
        selected_rules(select=["PKX"])


def test_select_and_ignore():
    assert [r.id for r in selected_rules(["PKG00"], ["PKG002"])][:2] == ["PKG001", "PKG003"]


def public_modules():
    for info in pkgutil.walk_packages(shipyard.__path__, "shipyard."):
        name = info.name
        if not any(part.startswith("_") for part in name.split(".")) and "samples" not in name:
            yield name


@pytest.mark.parametrize("name", sorted(public_modules()))
def test_all_is_complete(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    for item in module.__all__:
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"
