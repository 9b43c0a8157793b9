"""What every call gets besides its own options (DESIGN §12): aliases resolved, ``default_params`` under the
call's fields, ``extra_headers`` and the router-metadata header — and those settings for ``%openrouter config``.

    model, params = request_extras(session, "fast", {"temperature": 0.1})
    # → ("google/gemini-2.5-flash", {"max_tokens": 800, "temperature": 0.1,
    #    "extra_headers": {"X-OpenRouter-Metadata": "enabled"}})
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from .._core import Setting, redact

__all__ = ["METADATA_HEADER", "deep_merge", "extra_settings", "period_budgets", "admit_periods", "request_extras",
           "resolve_model"]

METADATA_HEADER = {"X-OpenRouter-Metadata": "enabled"}  # the footer's "2 attempts → Together" reads it


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged into a copy of ``base``: nested dicts key by key, anything else replaced."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_model(session: Any, model: str | None) -> str | None:
    """The model id an alias names (``%openrouter alias`` or ``OpenRouterMagics.aliases``), else ``model``."""
    return session.aliases.resolve(model, session.config_values().get("aliases"))


def request_extras(session: Any, model: str | None, params: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(resolved model, params over ``default_params`` with the extra headers)."""
    config = session.config_values()
    merged = deep_merge(dict(config.get("default_params") or {}), params)
    headers = {**METADATA_HEADER, **{str(k): str(v) for k, v in (config.get("extra_headers") or {}).items()},
               **(params.get("extra_headers") or {})}
    merged["extra_headers"] = headers
    return resolve_model(session, model), merged


def extra_settings(session: Any, config: dict[str, Any]) -> dict[str, Setting]:
    """``default_params``, ``extra_headers`` (values masked) and ``aliases`` with their sources."""
    found = {}
    for name in ("default_params", "extra_headers"):
        value = config.get(name)
        found[name] = Setting(name, value or {}, "config" if value else "default")
    if found["extra_headers"].value:
        masked = {k: redact(str(v)) if k.lower() != "authorization" else "…"
                  for k, v in config["extra_headers"].items()}
        found["extra_headers"] = Setting("extra_headers", masked, "config")
    saved, configured = session.aliases.saved(), config.get("aliases") or {}
    source = " + ".join(s for s, on in ((f"file:{session.aliases.path}", saved), ("config", configured)) if on)
    found["aliases"] = Setting("aliases", session.aliases.all(configured), source or "default")
    periods = period_budgets(session)
    limits = periods.limits()
    found["period_budgets"] = Setting("period_budgets", {k: f"${v:g}/{k}" for k, v in limits.items()},
                                      f"file:{periods.path}" if limits else "default")
    return found


def period_budgets(session: Any) -> Any:
    """This session's day/month budgets over its current ledger (the sandbox has its own)."""
    from .._accounting import PeriodBudgets

    ledger = session.ledger
    found = getattr(session, "_period_budgets", None)
    if found is None or found[0] is not ledger:
        found = session._period_budgets = (ledger, PeriodBudgets(ledger))
    return found[1]


async def admit_periods(session: Any, model: str, messages: Any, params: dict[str, Any]) -> list[Any]:
    """Reserve the call's worst case under each day/month budget before anything is sent (the holds to
    release when the call ends), or refuse it: a ``refused`` row, then BudgetExceeded."""
    return await _admit_periods(session, model, messages, params)


async def _admit_periods(session: Any, model: str, messages: Any, params: dict[str, Any]) -> list[Any]:
    from .._core import BudgetExceeded

    budgets = period_budgets(session).active()
    if not budgets:
        return []
    await _read_key_usage(session)
    prices, holds = await session.prices_for(model), []
    try:
        for budget in budgets:
            holds.append(budget.admit(budget.book, model, messages, prices, params))
    except BudgetExceeded as refusal:
        for hold in holds:
            hold.release()
        message = re.sub(r"%openrouter budget ([\d.]+)", rf"%openrouter budget \1/{budget.period}",
                         refusal.message.replace("budget $", f"budget per {budget.period} $", 1))
        session.ledger.record_refused(model, message)
        raise BudgetExceeded(message) from None
    return holds


KEY_USAGE_EVERY_S = 60.0  # GET /key at most this often while a day/month budget is set


async def _read_key_usage(session: Any) -> None:
    """Raise the periods' spent to the key's own usage_daily/usage_monthly (other apps, other machines)."""
    import asyncio
    import time

    periods = period_budgets(session)
    if time.monotonic() - periods.key_read_at < KEY_USAGE_EVERY_S or not session.settings()["api_key"].value:
        return
    periods.key_read_at = time.monotonic()
    try:
        periods.note_key(await asyncio.wait_for(session.client.key(), timeout=3.0))
    except Exception:  # offline, or a key without /key access: the ledger alone
        pass
