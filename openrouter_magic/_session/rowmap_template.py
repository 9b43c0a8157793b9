"""The rows of a row map and their prompts: any table-like input → a DataFrame, ``{column}`` templates.

    frame = as_frame(df_or_series_or_list)
    template = RowTemplate("Classify: {review}", frame, resolve=lambda text: interpolate(text, user_ns))
    template.prompt(0)                   # the first row's prompt
    template.messages(0)                 # [{"role": "system", …}?, {"role": "user", "content": …}]

A ``{name}`` that is a column is the row's value (a column wins over a namespace variable of the same name);
the text around the columns goes through ``resolve`` once (the magic's ``{name}`` interpolation); a plain
``{name}`` left after that is an unknown column: one-line ``ValueError`` listing the columns, before sending.
Rendering a row is one ``str.format`` call (C speed): the template is compiled once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["RowTemplate", "as_frame"]

_FIELD = re.compile(r"(?<!\{)\{([^{}\n]+)\}(?!\})")
_PLAIN = re.compile(r"(?<!\{)\{([^\W\d]\w*)\}(?!\})")
_SHOWN_COLUMNS = 12


def as_frame(data: Any) -> pandas.DataFrame:
    """A DataFrame (as it is), a Series (one column named after it, or ``text``), a list of str (``text``)
    or of dicts (their keys); anything else, or no rows, is a ``ValueError`` saying what to give."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, pd.Series):
        frame = data.to_frame(name=data.name if data.name is not None else "text")
    elif isinstance(data, (list, tuple)) and all(isinstance(item, str) for item in data):
        frame = pd.DataFrame({"text": list(data)})
    elif isinstance(data, (list, tuple)) and all(isinstance(item, dict) for item in data):
        frame = pd.DataFrame.from_records(list(data))
    else:
        raise ValueError(f"cannot map over a value of type {type(data).__name__}: give a DataFrame, a Series, "
                         "or a list of str or of dicts")
    if len(frame) == 0:
        raise ValueError("there are no rows to map over (the frame is empty)")
    return frame


def _column_list(columns: list[str]) -> str:
    shown = ", ".join(columns[:_SHOWN_COLUMNS])
    return shown + (f", … ({len(columns)} in all)" if len(columns) > _SHOWN_COLUMNS else "")


class RowTemplate:
    """A prompt template compiled against the columns of ``frame`` (see the module docstring)."""

    def __init__(self, text: str, frame: pandas.DataFrame, *, system: str | None = None,
                 resolve: Callable[[str], str] | None = None) -> None:
        self.frame, self.system = frame, system
        names = {str(column): column for column in frame.columns}
        pieces, used, start = [], [], 0
        for match in _FIELD.finditer(text):
            if match.group(1) in names:
                pieces.append(_static(text[start:match.start()], resolve))
                used.append(names[match.group(1)])
                start = match.end()
        pieces.append(_static(text[start:], resolve))
        _refuse_unknown(pieces, [str(column) for column in frame.columns])
        self.columns = used
        escaped = [piece.replace("{", "{{").replace("}", "}}") for piece in pieces]
        self._format = "".join(escaped[i] + (f"{{{i}}}" if i < len(used) else "") for i in range(len(escaped))).format
        self._values = [frame[column].tolist() for column in used]  # plain lists: no pandas per row

    def __len__(self) -> int:
        return len(self.frame)

    def prompt(self, row: int) -> str:
        """The prompt of the row at position ``row``."""
        return self._format(*(values[row] for values in self._values))

    def messages(self, row: int) -> list[dict[str, Any]]:
        """The chat messages of the row at position ``row``."""
        user = {"role": "user", "content": self.prompt(row)}
        return [{"role": "system", "content": self.system}, user] if self.system else [user]


def _static(text: str, resolve: Callable[[str], str] | None) -> str:
    return resolve(text) if resolve is not None and text else text


def _refuse_unknown(pieces: list[str], columns: list[str]) -> None:
    for piece in pieces:
        match = _PLAIN.search(piece)
        if match is not None:
            raise ValueError(f"{{{match.group(1)}}} is not a column (columns: {_column_list(columns)}); write "
                             f"{{{{{match.group(1)}}}}} for literal braces")
