"""What ``%openrouter cost`` and ``%openrouter key`` display, and the cost part of an answer's footer.

Each report is a small object with ``_repr_html_`` (notebooks) and a readable ``__repr__`` (terminals).
``--plot`` draws with matplotlib (Agg backend, imported only then) and returns PNG bytes wrapped for display.
"""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING, Any

from .._core import usd
from .._core import redact
from .._core import OpenRouterError
from .ledger import unsaved_text

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .ledger import Ledger

__all__ = ["CostReport", "KeyReport", "cost_plot_png", "cost_report"]


def _cell(value: Any, column: str) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if column == "cost":
        return usd(float(value))
    if column in ("tokens_per_s", "p50_s", "p95_s"):
        return f"{float(value):.1f}" if column == "tokens_per_s" else f"{float(value):.2f}"
    if column == "success_rate":
        return f"{float(value):.0%}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{int(value):,}"
    return str(value)


def _table_rows(table: pandas.DataFrame) -> tuple[list[str], list[list[str]]]:
    header = [str(table.index.name or "")] + [str(c) for c in table.columns]
    rows = [[str(index)] + [_cell(row[c], c) for c in table.columns] for index, row in table.iterrows()]
    return header, rows


class CostReport:
    """The session (or all-history) total and a table of totals by model or day."""

    def __init__(self, table: pandas.DataFrame, total: float, *, all: bool, by: str, calls: int,
                 unsaved: int = 0) -> None:
        self.table, self.total, self.all, self.by, self.calls = table, total, all, by, calls
        self.unsaved = unsaved  # rows counted here but still waiting for the ledger file

    @property
    def title(self) -> str:
        """One line: what is covered and the total spent."""
        scope = "all history" if self.all else "this session"
        unknown = int(self.table["unknown_cost_calls"].sum()) if len(self.table) else 0
        note = f", {unknown} of unknown cost" if unknown else ""
        if self.unsaved:
            note += f"; {unsaved_text(self.unsaved)}"
        return f"{scope}: {usd(self.total)} over {self.calls} call{'s' * (self.calls != 1)}{note}"

    def __repr__(self) -> str:
        if not len(self.table):
            return self.title + "\n(no calls yet)"
        header, rows = _table_rows(self.table)
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
                 for r in [header, *rows]]
        return "\n".join([self.title, *lines])

    def _repr_html_(self) -> str:
        caption = f"<p><b>{html.escape(self.title)}</b></p>"
        if not len(self.table):
            return caption + "<p><i>no calls yet</i></p>"
        header, rows = _table_rows(self.table)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
        return f"{caption}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cost_report(ledger: Ledger, *, all: bool = False, by: str = "model", plot: bool = False) -> Any:
    """What ``%openrouter cost [--all] [--by model|day|run|tag] [--plot]`` displays."""
    from .totals import totals

    frame = ledger.frame(all=all)  # includes the rows still waiting to be saved
    if plot:
        from IPython.display import Image

        return Image(data=cost_plot_png(frame), format="png")
    total = float(frame["cost"].sum()) if len(frame) else 0.0
    return CostReport(totals(frame, by=by), total, all=all, by=by, calls=len(frame), unsaved=ledger.unsaved())


def cost_plot_png(frame: pandas.DataFrame) -> bytes:
    """PNG bytes: cumulative spend over time (left) and spend by model (right)."""
    try:
        # The Agg canvas directly: no pyplot, so the user's own matplotlib backend is left alone.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise OpenRouterError("the cost chart needs matplotlib: pip install matplotlib "
                              "(or openrouter_magic[plot])") from exc
    figure = Figure(figsize=(9, 3.2), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, width_ratios=[3, 2])
    priced = frame.dropna(subset=["cost"]).sort_values("time")
    if len(priced):
        left.step(priced["time"], priced["cost"].cumsum(), where="post")
        _readable_time_axis(left)
        by_model = priced.groupby("model")["cost"].sum().sort_values()
        right.barh([str(m) for m in by_model.index], by_model.values)
    else:
        for axes in (left, right):
            axes.text(0.5, 0.5, "no priced calls yet", ha="center", va="center", transform=axes.transAxes)
    left.set_title("cumulative spend (USD)")
    right.set_title("spend by model (USD)")
    left.tick_params(axis="x", labelrotation=30, labelsize=8)
    right.tick_params(axis="y", labelsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _readable_time_axis(axes: Any) -> None:
    """Short clock/date tick labels (the default shows seconds with microseconds for one session)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=6)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


_KEY_FIELDS = [("label", "label"), ("limit", "limit"), ("limit_remaining", "limit remaining"),
               ("limit_reset", "limit resets"), ("usage", "usage (all time)"), ("usage_daily", "usage today"),
               ("usage_weekly", "usage this week"), ("usage_monthly", "usage this month"),
               ("is_free_tier", "free tier")]


class KeyReport:
    """``/key`` and ``/credits`` facts about the current key — its label only, never the key itself."""

    def __init__(self, key: dict[str, Any] | None, credits: dict[str, Any] | None = None) -> None:
        self.key, self.credits = key or {}, credits

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs in display order."""
        rows = [(name, self._value(field)) for field, name in _KEY_FIELDS]
        if self.credits is not None:
            total, used = self.credits.get("total_credits"), self.credits.get("total_usage")
            left = total - used if isinstance(total, (int, float)) and isinstance(used, (int, float)) else None
            rows += [(name, usd(value, unknown="—"))
                     for name, value in (("credits purchased", total), ("credits used", used), ("credits left", left))]
        return rows

    def _value(self, field: str) -> str:
        value = self.key.get(field)
        if field == "label":
            return redact(str(value)) if value else "—"
        if field in ("limit", "limit_remaining") and value is None:
            return "unlimited"
        if field == "is_free_tier":
            return {True: "yes", False: "no"}.get(value, "—")
        if field == "limit_reset":
            return str(value) if value else "never"
        return usd(value, unknown="—")

    def __repr__(self) -> str:
        rows = self.rows()
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)

    def _repr_html_(self) -> str:
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(n)}</th><td>{html.escape(v)}</td></tr>"
                       for n, v in self.rows())
        return f"<table>{body}</table>"

