"""Syntax colours for fenced code in answers: Pygments' lexers, a small palette of inline colours.

Inline ``style`` colours rather than Pygments' CSS classes: JupyterLab drops ``<style>`` elements from
the outputs of an untrusted notebook but keeps ``color``, and ipywidgets' HTML panes have no Pygments CSS.
The palette is mid-tone so it reads on light and dark themes; consecutive tokens of one colour share one
``<span>``, which keeps a streamed code block's bytes close to its text.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

__all__ = ["highlight"]

_MAX_LANGUAGE = 40


@lru_cache(maxsize=1)
def _palette() -> tuple[tuple[Any, str], ...]:
    from pygments import token as t

    return (  # checked in order: the first type the token belongs to wins
        (t.Comment, "#8a8a8a;font-style:italic"),
        (t.String, "#4e9a06"),
        (t.Number, "#c4620f"),
        (t.Keyword, "#a626a4"),
        (t.Operator.Word, "#a626a4"),
        (t.Name.Builtin, "#b8860b"),
        (t.Name.Function, "#3b78e7"),
        (t.Name.Class, "#3b78e7"),
        (t.Name.Decorator, "#b8860b"),
        (t.Generic.Inserted, "#4e9a06"),
        (t.Generic.Deleted, "#d03030"),
    )


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=None)  # a few hundred token types at most
def _colour(kind: Any) -> str | None:
    return next((colour for parent, colour in _palette() if kind in parent), None)


@lru_cache(maxsize=128)  # a finished block is rendered again in the final answer: colour it once
def highlight(code: str, language: str, _attrs: str = "") -> str:
    """``code`` as escaped HTML with coloured spans; "" when the language is unknown (plain, escaped)."""
    if not language or len(language) > _MAX_LANGUAGE:
        return ""
    lexer = _lexer(language.lower())
    if lexer is None:
        return ""
    out: list[str] = []
    run: list[str] = []
    current: str | None = None
    for kind, value in lexer.get_tokens(code):
        colour = _colour(kind) if value.strip() else current  # whitespace joins the run it is in
        if colour != current:
            out.append(_span(current, run))
            run, current = [], colour
        run.append(value)
    out.append(_span(current, run))
    return "".join(out)


def _span(colour: str | None, run: list[str]) -> str:
    text = html.escape("".join(run), quote=False)
    return f'<span style="color:{colour}">{text}</span>' if colour and text else text
