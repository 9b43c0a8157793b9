"""Ledger rows → totals by model or by day (what ``%openrouter cost`` shows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["TOTALS_COLUMNS", "totals"]

TOTALS_COLUMNS = ["calls", "prompt_tokens", "completion_tokens", "tokens", "cost", "unknown_cost_calls",
                  "tokens_per_s", "errors", "success_rate", "p50_s", "p95_s"]
BY = ("model", "day", "run", "tag")


def totals(frame: pandas.DataFrame, by: str = "model") -> pandas.DataFrame:
    """Group ledger rows ``by`` "model", "day" (UTC date), "run" (row map run id) or "tag" (``--tag``): calls,
    tokens, cost, mean tokens/s, errors, success rate and p50/p95 total seconds of the ok calls.

    ``cost`` sums billed and estimated costs; it stays missing (not 0) for a group whose every cost is
    unknown, and ``unknown_cost_calls`` counts the answered calls whose cost is unknown.
    """
    import pandas as pd

    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    df = frame.copy()
    df["day"] = df["time"].dt.date if len(df) else pd.Series(dtype="object")
    if by == "run":  # calls outside a row map are one group of their own
        df["run"] = df["run_id"].fillna("(no run)") if "run_id" in df else "(no run)"
    if by == "tag":  # --tag LABEL; untagged calls are one group
        df["tag"] = df["tag"].fillna("(no tag)") if "tag" in df else "(no tag)"
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
    out = _reliability(out, df, by)
    out = out.astype({"calls": "int64", "tokens": "int64", "unknown_cost_calls": "int64", "errors": "int64"})
    out.index.name = by
    return out[TOTALS_COLUMNS]


def _reliability(out: pandas.DataFrame, df: pandas.DataFrame, by: str) -> pandas.DataFrame:
    """Errors, the share of answered (not refused) calls that ended ok, and p50/p95 seconds of the ok calls."""
    groups = df.groupby(by, sort=True, dropna=False)
    answered = groups["status"].apply(lambda s: int((s != "refused").sum()))
    out["errors"] = groups["status"].apply(lambda s: int((s == "error").sum()))
    out["success_rate"] = groups["status"].apply(lambda s: int(s.isin(("ok", "cached")).sum())) \
        / answered.where(answered > 0)
    latency = df["elapsed_s"].where(df["status"] == "ok").groupby(df[by], sort=True, dropna=False)
    out["p50_s"], out["p95_s"] = latency.quantile(0.5), latency.quantile(0.95)
    return out
