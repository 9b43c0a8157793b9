"""The run a ledger row belongs to: a row map sets ``RUN_ID`` for its tasks, the ledger tags their rows.

A context variable (not a parameter threaded through every call): each asyncio task copies the context it
was created in, so the rows of one ``map_rows`` run carry its id while other cells' calls carry none.
"""

from __future__ import annotations

import os
from contextvars import ContextVar

__all__ = ["RUN_ID", "new_run_id"]

RUN_ID: ContextVar[str | None] = ContextVar("openrouter_magic_run_id", default=None)


def new_run_id() -> str:
    """A fresh run id (12 hex digits)."""
    return "run-" + os.urandom(6).hex()
