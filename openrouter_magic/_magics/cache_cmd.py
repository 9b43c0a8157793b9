"""``%openrouter cache [on|off|clear [--older-than 7d] [--model M]]``: the local response cache (DESIGN §8).

    %openrouter cache on                  # this session answers repeated requests from the cache
    %openrouter cache                     # entries, size, hits and dollars saved this session
    %openrouter cache clear --older-than 7d --model openai/gpt-4o-mini
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from .._core import usd
from .args import parse, parser

__all__ = ["CACHE_HELP", "cmd_cache"]

CACHE_HELP = ("[on|off|clear [--older-than 7d] [--model M]] — the local response cache: repeated requests "
              "answered at once for $0; without arguments: entries, size, hits and dollars saved")


def _parser() -> Any:
    p = parser("cache")
    p.add_argument("action", nargs="?", choices=("on", "off", "clear"))
    p.add_argument("--older-than", dest="older_than", metavar="AGE")
    p.add_argument("--model", metavar="M")
    return p


def cmd_cache(magics: Any, argv: list[str]) -> None:
    """Turn the response cache on or off for the session, prune it, or show what it holds and saved."""
    from .._session import cache_switch

    args = parse(_parser(), argv)
    switch = cache_switch(magics.session)
    if args.action != "clear" and (args.older_than or args.model):
        raise UsageError("--older-than and --model go with clear: %openrouter cache clear --older-than 7d")
    if args.action == "clear":
        print(_clear(switch.store, args.older_than, args.model))
    elif args.action in ("on", "off"):
        switch.session_on = args.action == "on"
        print(f"response cache {args.action} for this session" + (
            ": a request answered before is answered again at once, for $0 (--no-cache sends anyway)"
            if switch.session_on else ": every request is sent"))
    else:
        print(_status(switch, magics.session))


def _clear(store: Any, older_than: str | None, model: str | None) -> str:
    age = None
    if older_than is not None:
        try:
            age = store.parse_age(older_than)
        except ValueError:
            raise UsageError(f"--older-than takes a number and a unit (s, m, h, d, w), like 12h or 7d — "
                             f"not {older_than!r}") from None
    deleted = store.clear(older_than=age, model=model)
    what = " older than " + older_than if older_than else ""
    what += f" of {model}" if model else ""
    return f"removed {deleted} cached answer{'s' * (deleted != 1)}{what}"


def _status(switch: Any, session: Any) -> str:
    enabled = switch.enabled(None, session.config_values().get("cache"))
    stats = switch.store.stats()
    size = f"{stats.bytes / 1024:,.0f} KiB" if stats.bytes < 1024 ** 2 else f"{stats.bytes / 1024 ** 2:,.1f} MiB"
    state = "on" if enabled else "off (%openrouter cache on, or --cache in a cell)"
    note = f" — unusable: {switch.store.disabled_reason}" if switch.store.disabled else ""
    return (f"response cache {state}: {stats.entries:,} entr{'ies' if stats.entries != 1 else 'y'}, {size}; "
            f"this session {stats.hits:,} hit{'s' * (stats.hits != 1)}, {usd(stats.saved_usd)} saved{note}")
