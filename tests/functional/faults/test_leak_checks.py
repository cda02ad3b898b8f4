"""The leak checks themselves: they find a canary where one is, so finding none proves something."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shipyard.config import Secret
from shipyard.errors import OperationError

from .conftest import ADMIN, TOKEN
from .leaks import assert_no_canary, assert_no_canary_in_error, public_objects


@dataclass
class _Holder:
    """Stands for a public object of Shipyard's (the walk looks into ``shipyard.*`` objects)."""

    name: str
    inner: object = None


_Holder.__module__ = "shipyard.test_stand_in"


def test_a_canary_kept_as_plain_text_is_found_deep_in_an_object():
    leaky = _Holder("outer", [{"k": _Holder("inner", ("x", f"token={TOKEN}"))}])
    with pytest.raises(AssertionError, match="a canary is in"):
        assert_no_canary(leaky)


def test_a_secret_kept_as_a_secret_is_not_shown():
    safe = _Holder("outer", [{"k": _Holder("inner", Secret(TOKEN, name="T"))}])
    assert assert_no_canary(safe) == len(public_objects(safe)) >= 6


def test_a_canary_in_an_error_is_found_in_its_hint_and_its_chained_error():
    with pytest.raises(AssertionError):
        assert_no_canary_in_error(OperationError("x", status=None, hint=f"use {ADMIN}"))
    try:
        try:
            raise ValueError(ADMIN)
        except ValueError:
            raise OperationError("x", status=None) from None
    except OperationError as exc:
        with pytest.raises(AssertionError):
            assert_no_canary_in_error(exc)
