"""Named conversations for ``--chat``: exchanges keyed by the cell that produced them.

Re-running a cell replaces its own exchange (in place) instead of appending a duplicate, and what is sent
as context is the conversation *before* that exchange — so a notebook re-run behaves like editing a turn.
The key is the front end's cell id when there is one, otherwise the cell's source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Conversations", "Exchange"]

DEFAULT_NAME = "default"


@dataclass(frozen=True)
class Exchange:
    """One turn: the user message (dict, content may hold image parts) and the assistant's answer."""

    key: str
    user: dict[str, Any]
    answer: str
    model: str | None = None
    interrupted: bool = False
    tool_turns: tuple[dict[str, Any], ...] = ()  # the tool loop's call and result messages, in order

    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of this turn: the user's, the tool turns (if any), the answer."""
        return [self.user, *self.tool_turns, {"role": "assistant", "content": self.answer}]


class Conversations:
    """``dict[name, list[Exchange]]`` with replace-on-rerun semantics."""

    def __init__(self) -> None:
        self._by_name: dict[str, list[Exchange]] = {}

    def names(self) -> list[str]:
        """Conversation names, in creation order."""
        return list(self._by_name)

    def exchanges(self, name: str = DEFAULT_NAME) -> list[Exchange]:
        """A copy of the exchanges of one conversation (empty if unknown)."""
        return list(self._by_name.get(name, []))

    def context(self, name: str, key: str) -> list[dict[str, Any]]:
        """Messages to send before a new turn of cell ``key``: everything before its earlier exchange."""
        turns = self._by_name.get(name, [])
        index = self._index(turns, key)
        before = turns if index is None else turns[:index]
        return [message for turn in before for message in turn.messages()]

    def record(self, name: str, exchange: Exchange) -> None:
        """Add a turn, or replace the earlier turn of the same cell where it stood."""
        turns = self._by_name.setdefault(name, [])
        index = self._index(turns, exchange.key)
        if index is None:
            turns.append(exchange)
        else:
            turns[index] = exchange

    def reset(self, name: str | None = None) -> list[str]:
        """Clear one conversation (or all when ``name`` is None); returns the names cleared."""
        if name is None:
            cleared = list(self._by_name)
            self._by_name.clear()
            return cleared
        return [name] if self._by_name.pop(name, None) is not None else []

    @staticmethod
    def _index(turns: list[Exchange], key: str) -> int | None:
        for index, turn in enumerate(turns):
            if turn.key == key:
                return index
        return None
