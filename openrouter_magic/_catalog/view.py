"""Showing a catalog frame to people: ``$3.00``, ``128K``, capability badges, at most ``limit`` rows.

``display_frame(df, limit)`` returns a :class:`ModelFrame` — still a DataFrame, so
``%openrouter models --free`` can be indexed, filtered and chained — whose notebook and text
representations are the readable table with an "N more" note. Anything derived from it
(``.head()``, ``df[mask]``) is a plain DataFrame again, shown the usual pandas way.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from .._core import usd
from .columns_extra import is_retiring

__all__ = ["CatalogView", "ModelFrame", "badges", "display_frame", "format_context", "format_price"]

DEFAULT_LIMIT = 50
_HEAD = ("model", "name", "context", "max out", "prompt $/M", "completion $/M", "capabilities")
_NAME_WIDTH = 34
_STYLE = ("<style>.orm-models td,.orm-models th{padding:2px 8px;text-align:left;white-space:nowrap}"
          ".orm-models td.num{text-align:right}.orm-models .orm-more{color:#777;margin:4px 0}</style>")


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_price(usd_per_m: Any) -> str:
    """USD per million tokens for people: ``3.0`` → ``$3.00``, ``0.075`` → ``$0.075``, NaN → ``—``."""
    return usd(usd_per_m, unknown="—", zero="$0.00", floor=0.0001)  # a table column: free reads $0.00


def format_context(tokens: Any) -> str:
    """A token count for people: ``128000`` → ``128K``, ``1048576`` → ``1M``, missing → ``—``."""
    if _missing(tokens):
        return "—"
    n = int(tokens)
    if n < 1000:
        return str(n)
    if n < 999_500:
        return f"{round(n / 1000)}K"
    return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"


def _has(values: Any, *wanted: str) -> bool:
    return isinstance(values, (tuple, list)) and any(w in values for w in wanted)


def badges(row: Any) -> str:
    """Compact capability marks: 👁 vision, 🛠 tools, {} structured output, 🧠 reasoning, free, retiring."""
    params = row["supported_parameters"]
    marks = [
        "👁" if _has(row["input_modalities"], "image") else "",
        "🛠" if _has(params, "tools") else "",
        "{}" if _has(params, "structured_outputs", "response_format") else "",
        "🧠" if _has(params, "reasoning", "include_reasoning") else "",
        "free" if bool(row["is_free"]) else "",
        "retiring" if is_retiring(row) else "",  # expires within 90 days (columns_extra.py)
    ]
    return " ".join(m for m in marks if m)


def _cells(row: Any) -> tuple[str, ...]:
    name = row["name"] if isinstance(row["name"], str) else ""
    return (row["id"], name, format_context(row["context_length"]), format_context(row["max_completion_tokens"]),
            format_price(row["prompt_usd_per_m"]), format_price(row["completion_usd_per_m"]), badges(row))


class CatalogView:
    """A readable table of (at most ``limit`` rows of) a catalog frame, for notebooks and terminals."""

    def __init__(self, df: pd.DataFrame, limit: int | None = DEFAULT_LIMIT) -> None:
        self.total = len(df)
        self.limit = DEFAULT_LIMIT if limit is None else max(int(limit), 0)
        self.rows = [_cells(row) for row in df.iloc[: self.limit].to_dict("records")]

    @property
    def more(self) -> int:
        """How many matching models are not shown."""
        return self.total - len(self.rows)

    def _more_note(self) -> str:
        if not self.more:
            return ""
        return f"{self.more} more (of {self.total}): narrow the filters or raise --limit"

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in _HEAD)
        body = "".join(
            "<tr>" + "".join(f'<td class="num">{esc(c)}</td>' if 2 <= i <= 5 else f"<td>{esc(c)}</td>"
                             for i, c in enumerate(cells)) + "</tr>"
            for cells in self.rows)
        empty = "" if self.rows else '<p class="orm-more">no model matches these filters</p>'
        more = f'<p class="orm-more">{esc(self._more_note())}</p>' if self.more else ""
        return f'{_STYLE}<div class="orm-models"><table><thead><tr>{head}</tr></thead>' \
               f"<tbody>{body}</tbody></table>{empty}{more}</div>"

    def __repr__(self) -> str:
        if not self.rows:
            return "no model matches these filters"
        rows = [_HEAD] + [c[:1] + (_clip(c[1]),) + c[2:] for c in self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(_HEAD))]
        lines = ["  ".join(cell.rjust(w) if 2 <= i <= 5 else cell.ljust(w)
                           for i, (cell, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
        if self.more:
            lines.append(self._more_note())
        return "\n".join(lines)

    __str__ = __repr__


def _clip(text: str) -> str:
    return text if len(text) <= _NAME_WIDTH else text[: _NAME_WIDTH - 1] + "…"


class ModelFrame(pd.DataFrame):
    """A catalog DataFrame that displays itself as the readable table (derived frames are plain)."""

    _metadata = ["view_limit"]
    view_limit: int = DEFAULT_LIMIT

    @property
    def _constructor(self):
        return pd.DataFrame  # .head(), df[mask]… give ordinary frames with the ordinary display

    def view(self) -> CatalogView:
        """The readable table of this frame."""
        return CatalogView(self, self.view_limit)

    def _repr_html_(self) -> str:
        return self.view()._repr_html_()

    def __repr__(self) -> str:
        return repr(self.view())


def display_frame(df: pd.DataFrame, limit: int | None = DEFAULT_LIMIT) -> ModelFrame:
    """``df`` as a :class:`ModelFrame` showing at most ``limit`` rows (what ``%openrouter models`` returns)."""
    frame = ModelFrame(df)
    frame.view_limit = DEFAULT_LIMIT if limit is None else max(int(limit), 0)
    return frame
