"""The turn a call belongs to: one id shared by every HTTP call of one tool loop (DESIGN §10).

The tool loop opens a turn around its steps; the ledger reads it when it writes a row. A context variable
(not an argument threaded through every layer) because the loop, the recorded stream and the ledger call
all run in the same asyncio task, which carries its own context.

    with turn() as turn_id:
        ...                           # every ledger row written in here has this turn_id
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["current_turn", "turn"]

_TURN: ContextVar[str | None] = ContextVar("openrouter_magic_turn", default=None)


def current_turn() -> str | None:
    """The id of the turn being recorded, or None outside a tool loop."""
    return _TURN.get()


@contextmanager
def turn(turn_id: str | None = None) -> Iterator[str]:
    """Record the calls made inside under one ``turn_id`` (a new random id by default)."""
    value = turn_id or "turn-" + os.urandom(6).hex()
    token = _TURN.set(value)
    try:
        yield value
    finally:
        _TURN.reset(token)
