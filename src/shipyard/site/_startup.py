"""Start-up costs the site build and the executor's workers avoid."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

__all__ = ["defer_iri_grammar"]


def defer_iri_grammar() -> None:
    """Make ``import rfc3987_syntax`` cheap: its grammar is compiled on the first IRI checked.

    ``rfc3987_syntax`` compiles 39 Lark grammars at import, and jsonschema imports it to offer
    the ``iri`` formats. The module put in its place has the same ``is_valid_syntax`` and
    ``parse``, which import the real module when first called. Does nothing when the package is
    not installed or already imported.
    """
    name = "rfc3987_syntax"
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        return
    helpers = f"{name}.syntax_helpers"

    def is_valid_syntax(term: str, value: str) -> bool:
        return importlib.import_module(helpers).is_valid_syntax(term, value)

    def parse(term: str, value: str) -> Any:
        return importlib.import_module(helpers).parse(term, value)

    module = types.ModuleType(name, "rfc3987_syntax, its grammar compiled on first use")
    module.__path__ = list(spec.submodule_search_locations)
    module.__spec__ = spec
    vars(module).update(is_valid_syntax=is_valid_syntax, parse=parse)
    sys.modules[name] = module
