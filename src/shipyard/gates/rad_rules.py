"""RAD: code complexity and maintainability, the findings of the radon gate.

These rules are checked by the radon gate (``shipyard gates run --only radon``,
:mod:`shipyard.gates.radon`), not by ``shipyard check``: measuring them needs every Python module
of the project. They are registered here so their ids, pages and links work like every rule's.
The thresholds are ``complexity-rank`` and ``maintainability-rank`` in ``[tool.shipyard.gates]``.
"""

from __future__ import annotations

from shipyard.rules import external

__all__: list[str] = []


external(
    "RAD001",
    "Every function, method and class is simple enough to test",
    "error",
    why="""
        Cyclomatic complexity counts the independent paths through a block: one, plus one per
        `if`, `elif`, loop, `except`, boolean operator and comprehension condition. A function
        with 15 paths needs 15 tests to cover, and a reader has to hold all of them in mind; it
        is usually a switch that grew one branch per feature. Radon grades it A (1-5), B (6-10),
        C (11-20), D, E, F (41 and more). The gate fails a block worse than `complexity-rank`
        (B by default) and reports it at the line of its `def` or `class`.
    """,
    bad="""
        def price(order):
            if order.kind == "book":
                rate = 0.05
            elif order.kind == "food":
                rate = 0.07
            elif order.kind == "toy":
                rate = 0.2
            # ... eight more branches
            if order.member and order.total > 100:
                rate -= 0.01
            return order.total * (1 + rate)
    """,
    good="""
        RATES = {"book": 0.05, "food": 0.07, "toy": 0.2}  # one entry per kind


        def price(order):
            rate = RATES.get(order.kind, DEFAULT_RATE) - member_discount(order)
            return order.total * (1 + rate)
    """,
    fix="""
        Replace chains of branches with a table lookup, split the function into steps with
        names, or return early. Raise `complexity-rank` only for a project you cannot change yet.
    """,
    language="python",
    checked_by="gate:radon",
)


external(
    "RAD002",
    "Every module is maintainable",
    "error",
    why="""
        The maintainability index (0-100) combines a module's Halstead volume, cyclomatic
        complexity and lines of code, with credit for comments. Radon ranks it A (above 19),
        B (10-19) and C (9 or less). A module below A is long and dense: hard to review, and
        where bugs collect. The gate fails a module below `maintainability-rank` (A by
        default), and a module it cannot parse.
    """,
    bad="""
        # shop/everything.py: 1,400 lines; pricing, storage, e-mail and the HTTP handlers
    """,
    good="""
        # shop/pricing.py, shop/storage.py, shop/mail.py, shop/api.py: one concern each
    """,
    fix="""
        Split the module by concern, move repeated logic into functions, and document what is
        not obvious. Splitting, not comment padding, is what moves the index for good.
    """,
    language="python",
    checked_by="gate:radon",
)
