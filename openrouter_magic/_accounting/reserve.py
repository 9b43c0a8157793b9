"""Money in motion: what calls in flight have reserved against the budget, under one lock.

Admission reads what is spent and reserved and adds its own reservation while holding ``SpendBook.lock``,
so two calls admitted at the same moment (on the session's loop, in compare panes, from other threads) see
each other. A reservation is replaced by the call's cost when its ledger row is written
(``Ledger.record_response(reservation=…)``), or released when the call is refused or fails before sending.

A comparison reserves all its panes at once and *parks* the reservations; each pane's stream then claims
its own instead of being admitted again. A parked reservation nobody claims within ``PARK_S`` seconds is
released, so a comparison that never started cannot hold the budget; admitting the same comparison again
replaces what it had parked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

__all__ = ["PARK_S", "Reservation", "SpendBook"]

PARK_S = 10.0


class Reservation:
    """One call's hold on the budget: its worst case until the call ends."""

    __slots__ = ("amount", "book", "model", "released")

    def __init__(self, book: SpendBook, model: str, amount: float) -> None:
        self.book, self.model, self.amount, self.released = book, model, amount, False

    def release(self) -> None:
        """Give the amount back (idempotent)."""
        self.book.release(self)

    def __repr__(self) -> str:
        return f"<Reservation {self.model} {self.amount:.6g} USD{' released' if self.released else ''}>"


class SpendBook:
    """What this session has spent (``spent()``, from the ledger) and reserved by calls in flight."""

    def __init__(self, spent: Callable[[], float]) -> None:
        self.lock = threading.RLock()
        self._spent = spent
        self._holds: list[Reservation] = []
        self._parked: dict[Hashable, list[tuple[float, Reservation]]] = {}

    def spent(self) -> float:
        """USD spent in this session (rows written, saved to disk or not)."""
        return self._spent()

    def reserved(self) -> float:
        """USD held by calls in flight (and comparison panes about to start)."""
        with self.lock:
            self._expire()
            return sum(hold.amount for hold in self._holds)

    def in_flight(self) -> int:
        """How many reservations are held."""
        with self.lock:
            self._expire()
            return len(self._holds)

    def hold(self, model: str, amount: float) -> Reservation:
        """Add a reservation; the caller has checked the room for it while holding ``lock``."""
        with self.lock:
            reservation = Reservation(self, model, max(float(amount), 0.0))
            self._holds.append(reservation)
            return reservation

    def release(self, reservation: Reservation) -> None:
        """Drop a reservation (its cost, if any, is in the ledger by now)."""
        with self.lock:
            if not reservation.released:
                reservation.released = True
                self._holds.remove(reservation)

    def grow(self, reservation: Reservation, amount: float, limit: float) -> bool:
        """Raise a running call's reservation to ``amount`` if the budget ``limit`` has room; False if not."""
        with self.lock:
            if amount <= reservation.amount:
                return True
            others = self.spent() + self.reserved() - reservation.amount
            if others + amount > limit + 1e-12:  # the same rounding allowance as admission
                return False
            reservation.amount = amount
            return True

    def park(self, key: Hashable, reservation: Reservation) -> None:
        """Keep ``reservation`` for the stream that will claim it with ``key`` (a comparison pane)."""
        with self.lock:
            self._parked.setdefault(key, []).append((time.monotonic() + PARK_S, reservation))

    def claim(self, key: Hashable) -> Reservation | None:
        """A reservation parked for ``key``, now owned by the caller; None when there is none."""
        with self.lock:
            self._expire()
            waiting = self._parked.get(key)
            if not waiting:
                return None
            _, reservation = waiting.pop(0)
            if not waiting:
                del self._parked[key]
            return reservation

    def unpark(self, key: Hashable) -> None:
        """Release what is parked for ``key`` (the same comparison is being admitted again)."""
        with self.lock:
            for _, reservation in self._parked.pop(key, []):
                reservation.release()

    def _expire(self) -> None:
        now = time.monotonic()
        for key, waiting in list(self._parked.items()):
            for item in [item for item in waiting if item[0] < now]:
                waiting.remove(item)
                self.release(item[1])
            if not waiting:
                del self._parked[key]
