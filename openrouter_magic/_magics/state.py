"""``%openrouter history | reset | sandbox | config``: the session's own state."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from .._session import DEFAULT_NAME
from .args import parse, parser
from .context import estimate_tokens

__all__ = ["SettingsTable", "cache_settings", "cmd_config", "cmd_history", "cmd_reset", "cmd_sandbox"]

_PREVIEW_CHARS = 300


def _name_arg(name: str) -> Any:
    p = parser(name)
    p.add_argument("name", nargs="?")
    return p


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 1] + "…"


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [p.get("text", "") if p.get("type") == "text" else "[image]" for p in content if isinstance(p, dict)]
    return " ".join(parts)


def cmd_history(magics: Any, argv: list[str]) -> None:
    """Print a conversation, one exchange per turn."""
    name = parse(_name_arg("history"), argv).name or DEFAULT_NAME
    exchanges = magics.session.conversations.exchanges(name)
    if not exchanges:
        known = magics.session.conversations.names()
        others = f" (conversations: {', '.join(known)})" if known else " (start one with %%openrouter --chat)"
        print(f"conversation {name!r} is empty{others}")
        return
    print(f"conversation {name!r}: {len(exchanges)} exchange{'s' if len(exchanges) != 1 else ''}")
    for number, turn in enumerate(exchanges, 1):
        mark = " [interrupted]" if turn.interrupted else ""
        tokens = estimate_tokens(turn.messages())
        print(f"[{number}] (~{tokens:,} tokens) you: {_clip(_content_text(turn.user.get('content')))}")
        print(f"    {turn.model or 'model'}{mark}: {_clip(turn.answer)}")


def cmd_reset(magics: Any, argv: list[str]) -> None:
    """Clear one conversation, or all of them."""
    name = parse(_name_arg("reset"), argv).name
    cleared = magics.session.conversations.reset(name)
    if cleared:
        print(f"cleared: {', '.join(cleared)}")
    else:
        print(f"nothing to clear ({'no conversation ' + repr(name) if name else 'no conversations'})")


def cmd_sandbox(magics: Any, argv: list[str]) -> None:
    """Start/stop the embedded emulator; without an argument, say whether it runs."""
    p = parser("sandbox")
    p.add_argument("state", nargs="?", choices=("on", "off"))
    state = parse(p, argv).state
    session = magics.session
    if state == "on":
        url = session.sandbox_on()
        print(f"sandbox on: a local emulator at {url} answers every call (made-up text, fake costs, no key "
              f"needed); %openrouter sandbox off to go back")
    elif state == "off":
        print("sandbox off: back to " + str(session.settings()["base_url"].value)
              if session.sandbox_off() else "the sandbox was not on")
    else:
        print("sandbox on at " + str(session.settings()["base_url"].value) if session.sandbox.active
              else "sandbox off (%openrouter sandbox on starts it)")


class SettingsTable:
    """Effective settings with their source; displays as a table (the key is always masked)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.rows = [(name, setting.shown(), setting.source) for name, setting in settings.items()]

    def __repr__(self) -> str:
        width = max(len(name) for name, _, _ in self.rows)
        value_width = max(len(value) for _, value, _ in self.rows)
        return "\n".join(f"{n.ljust(width)}  {v.ljust(value_width)}  ({s})" for n, v, s in self.rows)

    def _repr_html_(self) -> str:
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(n)}</th><td><code>{html.escape(v)}</code>"
                       f"</td><td>{html.escape(s)}</td></tr>" for n, v, s in self.rows)
        return f"<table><thead><tr><th>setting</th><th>value</th><th>source</th></tr></thead>{body}</table>"


def cmd_config(magics: Any, argv: list[str]) -> SettingsTable:
    """Every effective setting with its source (argument, env, config, sandbox, session, default)."""
    parse(parser("config"), argv)
    settings = magics.session.settings()
    settings.update(cache_settings(magics.session, settings))
    return SettingsTable(settings)


def cache_settings(session: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """``cache`` (on/off: ``%openrouter cache on|off`` > ``OpenRouterMagics.cache`` > off), its file, and
    ``server_cache`` (on only when the configured ``extra_headers`` ask OpenRouter's cache for every call)."""
    from .._core import Setting

    config = session.config_values()
    session_on = getattr(session.cache, "session_on", None)  # never opens the cache file
    if session_on is not None:
        cache = Setting("cache", "on" if session_on else "off", "session (%openrouter cache on|off)")
    elif "cache" in config:
        cache = Setting("cache", "on" if config["cache"] else "off", "config (OpenRouterMagics.cache)")
    else:
        cache = Setting("cache", "off", "default (--cache in a cell, %openrouter cache on)")
    store = getattr(session.cache, "_store", None)
    path = store.path if store is not None else str(Path(str(settings["home"].value)) / "cache.sqlite3")
    found = {"cache": cache, "cache_file": Setting("cache_file", path, settings["home"].source)}
    headers = {str(k).lower(): v for k, v in (config.get("extra_headers") or {}).items()}
    if str(headers.get("x-openrouter-cache", "")).lower() == "true":
        ttl = headers.get("x-openrouter-cache-ttl")
        value = f"on (TTL {ttl} s)" if ttl else "on (OpenRouter's default TTL)"
        found["server_cache"] = Setting("server_cache", value, "config (extra_headers)")
    else:
        found["server_cache"] = Setting("server_cache", "off", "default (--server-cache[=TTL] in a cell)")
    return found
