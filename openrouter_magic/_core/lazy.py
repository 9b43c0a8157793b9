"""Lazy re-exports for a folder's ``__init__``: a name is imported from its module on first use.

Folders whose modules pull in pandas, IPython or ipywidgets name their seam this way, so that importing
the folder (and ``%load_ext``) stays cheap until a name is really used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["exports_table", "lazy_exports"]


def lazy_exports(package: str, names: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``name`` comes from ``names[name]`` (``.module[:attr]``)."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        where = names.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = where.partition(":")  # ".module" or ".module:other_name"
        value = getattr(importlib.import_module(module, package), attribute or name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__


def exports_table(text: str) -> dict[str, str]:
    """``{name: ".module[:attr]"}`` from lines ``.module  Name other_name=attr …`` (a folder's seam, readable)."""
    names: dict[str, str] = {}
    for line in text.strip().splitlines():
        module, *exported = line.split()
        for entry in exported:
            name, _, attribute = entry.partition("=")
            names[name] = f"{module}:{attribute}" if attribute else module
    return names
