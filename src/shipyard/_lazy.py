"""Lazy package facades: a chapter's names load their submodule when first used.

A chapter's ``__init__`` re-exports the functions its notebook cells call, from submodules that
import heavy libraries (py-rattler, requests, twine). ``shipyard check`` on a pyproject-only
project needs none of them, so a facade maps each name to its submodule and
:func:`lazy_exports` loads the submodule on first access (PEP 562): ``from shipyard.nexus
import plan_nexus`` and ``shipyard.nexus.plan_nexus`` work as before, and importing
``shipyard.nexus.indexconf`` no longer imports the Nexus client.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, Iterable[str]], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's ``__getattr__`` and ``__dir__`` serving names from its submodules.

    Args:
        package: The package's ``__name__``.
        exports: Submodule (relative to the package) -> the names it provides; a submodule
            listing its own name (``"publish": ["publish"]``) exports the module itself.
        namespace: The package's ``globals()``; a loaded name is stored there, so the next
            access is an ordinary attribute lookup.
    """
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module protocol's name
        module_name = where.get(name)
        if module_name is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        module = importlib.import_module(f"{package}.{module_name}")
        value = module if name == module_name else getattr(module, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
