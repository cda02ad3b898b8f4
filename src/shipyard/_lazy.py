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
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    exports: Mapping[str, Iterable[str]],
    namespace: dict[str, Any],
    modules: Iterable[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's ``__getattr__`` and ``__dir__`` serving names from its submodules.

    Args:
        package: The package's ``__name__``.
        exports: Submodule (relative to the package) -> the names it provides, e.g.
            ``{"provision": ["provision", "mambarc"]}`` (``provision`` is the function).
        namespace: The package's ``globals()``; a loaded name is stored there, so the next
            access is an ordinary attribute lookup.
        modules: Submodules the package exports as modules (``shipyard.packaging.publish``).
    """
    where = {name: module for module, names in exports.items() for name in names}
    exported_modules = set(modules)
    where.update({name: name for name in exported_modules})
    namespace["_lazy_attributes"] = {name for name in where if name not in exported_modules}
    sys.modules[package].__class__ = _Facade

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module protocol's name
        module_name = where.get(name)
        if module_name is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        module = importlib.import_module(f"{package}.{module_name}")
        value = module if name in exported_modules else getattr(module, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__


class _Facade(types.ModuleType):
    """A package whose submodule imports never replace a function of the same name.

    Importing ``shipyard.environments.lock`` sets the package's attribute ``lock`` to the
    submodule; the package's own ``lock()`` (or ``provision()``, loaded from the submodule of that
    name) must stay what ``shipyard.environments.lock`` means. Eager imports got this by their
    order; lazy ones get it here.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}":
            current = self.__dict__.get(name)
            if current is not None and not isinstance(current, types.ModuleType):
                return  # keep the function defined (or already loaded) under this name
            if name in self.__dict__.get("_lazy_attributes", ()):
                value = getattr(value, name)  # the submodule's function of that name
        super().__setattr__(name, value)
