"""``%openrouter help``: the manual — the cell magic's generated options, then the subcommand table.

The table is handed in by whoever owns it (``subcommands``), so this module never imports it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["manual"]


def manual(magics: Any, subcommands: Mapping[str, tuple[Any, str]]) -> str:
    """The whole manual: the cell magic's options, then one line per subcommand (name, what it does)."""
    cell_doc = magics.openrouter_cell.__doc__ or ""
    lines = ["%%openrouter — send the cell to a model", "", cell_doc.strip(), "",
             "%openrouter SUBCOMMAND — one of:"]
    width = max(len(name) for name in subcommands)
    lines += [f"  {name.ljust(width)}  {text}" for name, (_, text) in subcommands.items()]
    return "\n".join(lines)
