"""The ModelPicker's texts: one-line row labels, the details pane and the providers table (pure).

Kept apart from the widget so they are plain functions of a catalog row or an ``/endpoints`` payload,
tested without ipywidgets, and cheap: row labels are built once per catalog, not per keystroke.
"""

from __future__ import annotations

import html
from typing import Any

from ..._catalog import parse_price
from ..._catalog import badges, format_context, format_price
from ..._render import markdown_to_html

__all__ = ["STYLE", "details_html", "error_html", "providers_html", "row_label"]

STYLE = ("<style>.orm-picker-table select{font-family:var(--jp-code-font-family,monospace);font-size:12px}"
         ".orm-picker-details table :is(td,th),.orm-picker-providers table :is(td,th){padding:1px 10px;text-align:left}"
         ".orm-picker-error{color:#b00020}.orm-picker-muted{color:#777}</style>")
_ID_WIDTH = 44
_esc = html.escape


def row_label(row: dict[str, Any]) -> str:
    """``openai/gpt-4o   $2.50 / $10.00   128K  👁 🛠 {}`` — one line of the picker's list."""
    model_id = row["id"] if len(row["id"]) <= _ID_WIDTH else row["id"][: _ID_WIDTH - 1] + "…"
    prices = f"{format_price(row['prompt_usd_per_m'])} / {format_price(row['completion_usd_per_m'])}"
    return f"{model_id:<{_ID_WIDTH}} {prices:>17} {format_context(row['context_length']):>5}  {badges(row)}".rstrip()


def _listing(values: Any) -> str:
    if not isinstance(values, (tuple, list)):
        return '<span class="orm-picker-muted">not listed</span>'
    return _esc(", ".join(values)) if values else "none"


def details_html(row: dict[str, Any]) -> str:
    """The selected model: name, description, context, max output, prices, modalities, supported parameters."""
    name = row["name"] if isinstance(row["name"], str) else row["id"]
    created = row["created"]
    facts = [
        ("context", format_context(row["context_length"]) + " tokens"),
        ("max output", format_context(row["max_completion_tokens"]) + " tokens"),
        ("prompt", format_price(row["prompt_usd_per_m"]) + " per M tokens"),
        ("completion", format_price(row["completion_usd_per_m"]) + " per M tokens"),
        ("input", _listing(row["input_modalities"])),
        ("output", _listing(row["output_modalities"])),
        ("parameters", _listing(row["supported_parameters"])),
        ("added", created.strftime("%Y-%m-%d") if hasattr(created, "strftime") and created == created else "—"),
        *_newer_facts(row),
    ]
    cells = "".join(f"<tr><th>{label}</th><td>{value if label in ('input', 'output', 'parameters') else _esc(value)}"
                    "</td></tr>" for label, value in facts)
    return f"<b>{_esc(name)}</b> <code>{_esc(row['id'])}</code>{_description(row)}<table>{cells}</table>"


def _day(value: Any) -> str | None:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") and value == value else None


def _newer_facts(row: dict[str, Any]) -> list[tuple[str, str]]:
    """The 2026 catalog fields the row has (cache prices, cutoff, expiry, indexes, efforts, alias target)."""
    found: list[tuple[str, str]] = []
    for label, name in (("cache read", "cache_read_usd_per_m"), ("cache write", "cache_write_usd_per_m")):
        value = row.get(name)
        if isinstance(value, float) and value == value:
            found.append((label, format_price(value) + " per M tokens"))
    for label, name in (("knowledge cutoff", "knowledge_cutoff"), ("retires", "expires")):
        day = _day(row.get(name))
        if day:
            found.append((label, day))
    indexes = [f"{label} {row.get(name):g}" for label, name in (("intelligence", "intelligence"), ("coding", "coding"))
               if isinstance(row.get(name), float) and row.get(name) == row.get(name)]
    if indexes:
        found.append(("indexes", ", ".join(indexes) + " (Artificial Analysis)"))
    if isinstance(row.get("reasoning_efforts"), tuple) and row["reasoning_efforts"]:
        found.append(("reasoning efforts", ", ".join(row["reasoning_efforts"])))
    if isinstance(row.get("alias_target"), str):
        found.append(("alias of", row["alias_target"]))
    return found


def _description(row: dict[str, Any]) -> str:
    """The catalog's markdown description, when the row has one, through the answers' safe renderer.

    Descriptions come from a remote catalog (and from any ``OPENROUTER_BASE_URL``): untrusted like answers.
    """
    text = row.get("description")
    if not isinstance(text, str) or not text.strip():
        return ""
    return f'<div class="orm-picker-description">{markdown_to_html(text)}</div>'


def _p50(stats: Any, unit: str) -> str:
    if isinstance(stats, dict) and isinstance(stats.get("p50"), (int, float)):
        return f"{stats['p50']:,.0f} {unit}"
    return "—"


def _uptime(value: Any) -> str:
    return f"{value:.1f}%" if isinstance(value, (int, float)) and not isinstance(value, bool) else "—"


def _provider_row(endpoint: dict[str, Any]) -> str:
    pricing = endpoint.get("pricing") if isinstance(endpoint.get("pricing"), dict) else {}
    cells = [
        str(endpoint.get("provider_name") or endpoint.get("name") or "?"),
        format_price(parse_price(pricing.get("prompt"), 1e6)),
        format_price(parse_price(pricing.get("completion"), 1e6)),
        _p50(endpoint.get("latency_last_30m"), "ms"),
        _p50(endpoint.get("throughput_last_30m"), "tok/s"),
        _uptime(endpoint.get("uptime_last_30m")),
    ]
    return "<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>"


def providers_html(data: Any) -> str:
    """The ``/endpoints`` payload as a table: provider, prices, latency, throughput, uptime (p50, 30 min)."""
    endpoints = data.get("endpoints") if isinstance(data, dict) else None
    if not isinstance(endpoints, list) or not endpoints:
        return '<p class="orm-picker-muted">no provider listed for this model</p>'
    head = "".join(f"<th>{h}</th>" for h in ("provider", "prompt $/M", "completion $/M", "latency", "throughput",
                                              "uptime"))
    rows = "".join(_provider_row(e) for e in endpoints if isinstance(e, dict))
    return f"<b>Providers</b><table><tr>{head}</tr>{rows}</table>"


def error_html(message: str) -> str:
    """A one-line error shown inside the widget (never raised out of a callback)."""
    return f'<p class="orm-picker-error">⚠ {_esc(message)}</p>'
