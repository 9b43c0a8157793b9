"""Ledger rows → totals by model or by day (what ``%openrouter cost`` shows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["TOTALS_COLUMNS", "totals"]

TOTALS_COLUMNS = ["calls", "prompt_tokens", "completion_tokens", "tokens", "cost", "unknown_cost_calls",
                  "tokens_per_s"]


def totals(frame: pandas.DataFrame, by: str = "model") -> pandas.DataFrame:
    """Group ledger rows ``by`` "model", "day" (UTC date) or "run" (row map run id): calls, tokens, cost, mean tokens/s.

    ``cost`` sums billed and estimated costs; it stays missing (not 0) for a group whose every cost is
    unknown, and ``unknown_cost_calls`` counts the answered calls whose cost is unknown.
    """
    import pandas as pd

    if by not in ("model", "day", "run"):
        raise ValueError(f"by must be 'model', 'day' or 'run', not {by!r}")
    df = frame.copy()
    df["day"] = df["time"].dt.date if len(df) else pd.Series(dtype="object")
    if by == "run":  # calls outside a row map are one group of their own
        df["run"] = df["run_id"].fillna("(no run)") if "run_id" in df else "(no run)"
    df["tokens"] = df["prompt_tokens"].fillna(0) + df["completion_tokens"].fillna(0)
    df["unknown_cost"] = df["cost"].isna() & (df["status"] != "refused")
    grouped = df.groupby(by, sort=True, dropna=False)
    out = pd.DataFrame({
        "calls": grouped.size(),
        "prompt_tokens": grouped["prompt_tokens"].sum(min_count=1),
        "completion_tokens": grouped["completion_tokens"].sum(min_count=1),
        "tokens": grouped["tokens"].sum(),
        "cost": grouped["cost"].sum(min_count=1),
        "unknown_cost_calls": grouped["unknown_cost"].sum(),
        "tokens_per_s": grouped["tokens_per_s"].mean(),
    })
    out = out.astype({"calls": "int64", "tokens": "int64", "unknown_cost_calls": "int64"})
    out.index.name = by
    return out[TOTALS_COLUMNS]
