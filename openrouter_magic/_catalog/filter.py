"""Filtering, searching and sorting the catalog DataFrame (pure; ≤ 1 ms at 400 models).

Text search is case- and punctuation-insensitive over ``id`` and ``name``: every word of the query,
stripped of punctuation, must appear in the id or the name stripped the same way, so "claude sonnet"
finds ``anthropic/claude-sonnet-4.5`` and "gpt4o" finds ``openai/gpt-4o``.

``max_price`` (USD per million tokens) bounds *both* the prompt and the completion price: a model
passes when no token it reads or writes costs more than that. Models whose price is unknown
(routers, dynamic pricing) are left out whenever ``max_price`` is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["SORTS", "compact", "copy_on_write", "detached", "filter_models"]

SORTS = ("price", "context", "newest", "name", "intelligence", "coding")
_NOT_ALNUM = re.compile(r"[\W_]+")
_KEYS: dict[tuple[str, object], str] = {}  # (id, name) → search key; ids repeat across calls and frames
_KEYS_MAX = 50_000


def compact(text: str) -> str:
    """Lower-case ``text`` without punctuation or spaces: ``"GPT-4o mini"`` → ``"gpt4omini"``."""
    return _NOT_ALNUM.sub("", text.casefold())


def _search_key(model_id: str, name: object) -> str:
    key = _KEYS.get((model_id, name))
    if key is None:
        if len(_KEYS) > _KEYS_MAX:
            _KEYS.clear()
        # The separator keeps a query word from matching across the end of the id and the name.
        key = compact(model_id) + "|" + (compact(name) if isinstance(name, str) else "")
        _KEYS[(model_id, name)] = key
    return key


def _keep(pos, column, test):
    """The positions in ``pos`` whose value in ``column`` passes ``test`` (a Python-level check)."""
    import numpy as np

    values = column.to_numpy()
    return np.fromiter((p for p in pos.tolist() if test(values[p])), dtype=np.intp)


def _has(*wanted: str):
    if len(wanted) == 1:
        (one,) = wanted
        return lambda v: type(v) is tuple and one in v
    return lambda v: type(v) is tuple and any(w in v for w in wanted)


def _authors(author: str | Iterable[str]) -> set[str]:
    names = [author] if isinstance(author, str) else list(author)
    return {a.strip().casefold() for name in names for a in name.split(",") if a.strip()}


def _vector_filters(df, pos, free, min_context, max_price):
    """The conditions numpy can check at once; they run first so the slower ones see fewer rows."""
    if free:
        pos = pos[df["is_free"].to_numpy()[pos]]
    if min_context is not None:
        context = df["context_length"].to_numpy(dtype="float64", na_value=float("nan"))
        pos = pos[context[pos] >= float(min_context)]
    if max_price is not None:
        limit = float(max_price)
        # NaN (unknown price) compares False, so those models drop out as documented.
        ok = (df["prompt_usd_per_m"].to_numpy() <= limit) & (df["completion_usd_per_m"].to_numpy() <= limit)
        pos = pos[ok[pos]]
    return pos


def _row_filters(df, pos, vision, tools, structured, reasoning, author, search):
    """The conditions that look inside each value (text, tuples), on the surviving rows only."""
    words = [w for w in (compact(part) for part in (search or "").split()) if w]
    if words:  # first: a search usually leaves few rows for the checks below
        pos = _search(pos, df["id"].to_numpy(), df["name"].to_numpy(), words)
    if vision:
        pos = _keep(pos, df["input_modalities"], _has("image"))
    if tools:
        pos = _keep(pos, df["supported_parameters"], _has("tools"))
    if structured:
        pos = _keep(pos, df["supported_parameters"], _has("structured_outputs", "response_format"))
    if reasoning:
        pos = _keep(pos, df["supported_parameters"], _has("reasoning", "include_reasoning"))
    if author:
        wanted = _authors(author)
        pos = _keep(pos, df["author"], lambda a: isinstance(a, str) and a.casefold() in wanted)
    return pos


def _search(pos, ids, names, words: list[str]):
    import numpy as np

    # The cached key is looked up inline (a call per row would cost more than the test itself).
    keys = [_KEYS.get(pair) or _search_key(*pair) for pair in zip(ids[pos].tolist(), names[pos].tolist())]
    if len(words) == 1:  # the usual case: one word, no all() per row
        (word,) = words
        return np.array([p for p, key in zip(pos.tolist(), keys) if word in key], dtype=np.intp)
    return np.array([p for p, key in zip(pos.tolist(), keys) if all(w in key for w in words)], dtype=np.intp)


def _floats(column):
    """A numeric or datetime column as float64 with NaN for missing (NaN sorts last in numpy)."""
    import numpy as np

    if hasattr(column.array, "asi8"):  # datetimes: their integer ticks, NaT → NaN
        ticks = column.array.asi8
        return np.where(column.isna().to_numpy(), np.nan, ticks.astype("float64"))
    return column.to_numpy(dtype="float64", na_value=np.nan)


def _sort_positions(df, pos, sort: str):
    """``pos`` reordered by ``sort`` (stable; missing values last) without touching the frame."""
    import numpy as np

    if sort == "name":
        names = df["name"].to_numpy()
        return np.array(sorted(pos.tolist(), key=lambda p: (not isinstance(names[p], str),
                                                            names[p].casefold() if isinstance(names[p], str) else "")),
                        dtype=np.intp)
    if sort == "price":
        completion, prompt = _floats(df["completion_usd_per_m"])[pos], _floats(df["prompt_usd_per_m"])[pos]
        return pos[np.lexsort((prompt, completion))]
    column = {"context": "context_length", "newest": "created"}.get(sort, sort)  # intelligence, coding: indexes
    key = _floats(df[column])[pos]
    return pos[np.argsort(-key, kind="stable")]  # largest first; -NaN is NaN, still last


def filter_models(
    df: pandas.DataFrame,
    *,
    search: str | None = None,
    free: bool = False,
    vision: bool = False,
    tools: bool = False,
    structured: bool = False,
    reasoning: bool = False,
    min_context: int | None = None,
    max_price: float | None = None,
    author: str | Iterable[str] | None = None,
    sort: str | None = None,
    limit: int | None = None,
) -> pandas.DataFrame:
    """The catalog rows that meet every given condition, optionally sorted and cut to ``limit``.

    ``search``: words that must all appear in the id or name (case and punctuation ignored);
    ``min_context``: at least this many tokens of context; ``max_price``: USD per million tokens
    that neither the prompt nor the completion price exceeds (unknown prices excluded);
    ``author``: the part of the id before "/", case-insensitive (a comma list or a list for several);
    ``sort``: ``price`` (cheapest completion, then prompt, first), ``context`` (longest first),
    ``newest`` or ``name``; None keeps the catalog order. Unknown values raise ValueError.

        >>> filter_models(df, search="llama 70b", free=True)
        >>> filter_models(df, vision=True, max_price=1.0, sort="price", limit=10)
    """
    if sort is not None and sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    import numpy as np

    everything = np.arange(len(df))
    pos = _vector_filters(df, everything, free, min_context, max_price)
    pos = _row_filters(df, pos, vision, tools, structured, reasoning, author, search)
    if sort is not None:
        pos = _sort_positions(df, pos, sort)
    if limit is not None:
        pos = pos[: max(int(limit), 0)]
    # One take at the end, whatever was asked (take copies); when nothing changed, a copy of its own.
    return detached(df) if len(pos) == len(df) and (pos == everything).all() else df.take(pos)


def copy_on_write() -> bool:
    """True when pandas copies on write (pandas 3, or pandas 2 with the option on)."""
    import pandas as pd

    if int(pd.__version__.split(".", 1)[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


def detached(df: pandas.DataFrame) -> pandas.DataFrame:
    """A frame whose edits never reach ``df`` (a shallow copy suffices only where pandas copies on write)."""
    return df.copy(deep=not copy_on_write())
