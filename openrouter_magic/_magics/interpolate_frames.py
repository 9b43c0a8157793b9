"""``{df}`` / ``{series}`` in a prompt: a compact markdown table, not the repr (DESIGN §11).

A small frame (≤ 20 rows × 20 columns) is sent whole; a larger one as its shape, its dtypes and its first
rows (at most 20 columns, long cells cut), so a 10,000-row frame costs well under 2 KB of prompt.

    >>> prompt_text(pd.DataFrame({"a": [1, 2]}))
    'DataFrame 2 rows × 1 column\\n\\n| | a |\\n|---|---|\\n| 0 | 1 |\\n| 1 | 2 |'
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["is_frame", "prompt_text"]

WHOLE_ROWS = WHOLE_COLUMNS = 20
HEAD_ROWS = 5
CELL_CHARS = 40


def is_frame(value: Any) -> bool:
    """A pandas DataFrame or Series (without importing pandas when it was never imported)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series))


def prompt_text(value: Any) -> str:
    """The prompt text of a DataFrame or Series: shape, dtypes when cut, and a markdown table."""
    frame = value.to_frame() if _is_series(value) else value
    rows, columns = frame.shape
    kind = "Series" if _is_series(value) else "DataFrame"
    title = f"{kind} {rows:,} row{'s' * (rows != 1)} × {columns} column{'s' * (columns != 1)}"
    if rows <= WHOLE_ROWS and columns <= WHOLE_COLUMNS:
        return f"{title}\n\n{_table(frame)}"
    shown = frame.iloc[:HEAD_ROWS, :WHOLE_COLUMNS]
    dtypes = ", ".join(f"{_cell(name)}: {dtype}" for name, dtype in list(frame.dtypes.items())[:WHOLE_COLUMNS])
    more = f" (first {WHOLE_COLUMNS} of {columns})" if columns > WHOLE_COLUMNS else ""
    return (f"{title}\n\ndtypes{more}: {dtypes}\n\nfirst {len(shown)} rows:\n\n{_table(shown)}"
            + (f"\n\n… {rows - len(shown):,} more rows" if rows > len(shown) else ""))


def _is_series(value: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.Series)


def _cell(value: Any) -> str:
    text = " ".join(str(value).split()).replace("|", "\\|")
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _table(frame: Any) -> str:
    """A markdown table with the index as the first column."""
    header = "| " + " | ".join([_cell(frame.index.name or "")] + [_cell(c) for c in frame.columns]) + " |"
    rule = "|" + "---|" * (len(frame.columns) + 1)
    body = ["| " + " | ".join([_cell(index)] + [_cell(v) for v in row]) + " |"
            for index, row in zip(frame.index, frame.itertuples(index=False, name=None))]
    return "\n".join([header, rule, *body])
