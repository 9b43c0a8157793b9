"""The label of a ledger row: ``%%openrouter --tag LABEL`` sets ``TAG`` around its call, the ledger writes it
into the row's ``tag`` column, and ``%openrouter cost --by tag`` groups by it.

A context variable crosses to the session's private loop with the call (the task copies the caller's context).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["TAG", "tagged"]

TAG: ContextVar[str | None] = ContextVar("openrouter_magic_tag", default=None)


@contextmanager
def tagged(label: str | None) -> Iterator[None]:
    """Rows written inside get ``tag = label`` (nothing changes for None)."""
    token = TAG.set(label) if label else None
    try:
        yield
    finally:
        if token is not None:
            TAG.reset(token)
