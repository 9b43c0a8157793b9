"""Model aliases: ``%openrouter alias fast=google/gemini-2.5-flash`` (kept in ``OPENROUTER_MAGIC_HOME``) and
``OpenRouterMagics.aliases`` from config; an alias works wherever a model id does.

The file is small JSON (``aliases.json``), rewritten whole through a temporary file and ``os.replace`` so
a reader in another kernel never sees half of it. Aliases set with the subcommand win over config.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .._core import magic_home, read_json_object, write_json_object

__all__ = ["AliasError", "Aliases", "parse_alias"]

_NAME = re.compile(r"^[A-Za-z][\w.-]*$")
_MODEL = re.compile(r"^(~?[\w.-]+/[\w.:@/-]+|@preset/[\w.-]+)$")
FILE_NAME = "aliases.json"


class AliasError(ValueError):
    """A malformed ``NAME=MODEL``."""


def parse_alias(text: str) -> tuple[str, str]:
    """``"fast=google/gemini-2.5-flash"`` → ``("fast", "google/gemini-2.5-flash")``; AliasError when malformed."""
    name, equals, model = (text or "").partition("=")
    name, model = name.strip(), model.strip()
    if not equals or not name or not model:
        raise AliasError(f"alias takes NAME=MODEL, e.g. fast=google/gemini-2.5-flash (not {text!r})")
    if not _NAME.match(name) or "/" in name:
        raise AliasError(f"alias name {name!r}: use letters, digits, '.', '-' or '_', starting with a letter")
    if not _MODEL.match(model):
        raise AliasError(f"alias {name}={model}: the target must be a model id (author/slug)")
    return name, model


class Aliases:
    """The persistent aliases of ``home`` over the configured ones (read fresh, so other kernels' show up)."""

    def __init__(self, home: Path | None = None) -> None:
        self._home = home

    @property
    def path(self) -> Path:
        """Where the aliases are kept."""
        return (self._home or magic_home()) / FILE_NAME

    def saved(self) -> dict[str, str]:
        """The aliases set with ``%openrouter alias`` (an unreadable file counts as none)."""
        data = read_json_object(self.path)
        return {k: v for k, v in data.items() if isinstance(v, str)}

    def all(self, configured: dict[str, Any] | None = None) -> dict[str, str]:
        """Configured aliases overridden by the saved ones."""
        found = {str(k): str(v) for k, v in (configured or {}).items() if isinstance(v, str)}
        return {**found, **self.saved()}

    def set(self, name: str, model: str) -> None:
        """Save ``name`` → ``model``."""
        self._write({**self.saved(), name: model})

    def remove(self, name: str) -> bool:
        """Forget a saved alias; True when it existed."""
        saved = self.saved()
        if saved.pop(name, None) is None:
            return False
        self._write(saved)
        return True

    def resolve(self, model: str | None, configured: dict[str, Any] | None = None) -> str | None:
        """The model id an alias names (``NAME`` or ``NAME:variant``), else ``model`` unchanged."""
        if not model:
            return model
        table = self.all(configured)
        if model in table:
            return table[model]
        base, colon, variant = model.partition(":")
        return f"{table[base]}:{variant}" if colon and base in table else model

    def _write(self, data: dict[str, str]) -> None:
        write_json_object(self.path, data)
