"""``{name}`` interpolation of prompts: replace only lookups that exist, leave every other brace alone.

    >>> interpolate("Summarize {doc} in {n} words; JSON like {\\"a\\": 1} stays.", {"doc": "the text", "n": 5})
    'Summarize the text in 5 words; JSON like {"a": 1} stays.'

A field is ``{name}``, ``{name.attr}`` or ``{name[0]}`` / ``{name['key']}``, chained (``{df.shape[0]}``).
It is replaced only when ``name`` is in the namespace and every step of the lookup succeeds; nothing is
evaluated (attribute and item access only, no calls, no dunder attributes). Braces that look like code or
LaTeX are left as they are: ``{{x}}``, f-string fields (``f"{x}"``), LaTeX arguments (``\\frac{a}{b}``,
``x^{n}``, ``x_{i}``).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from .interpolate_frames import is_frame, prompt_text

__all__ = ["interpolate"]

_NAME = r"[^\W\d]\w*"
_INDEX = r"\[(?:-?\d+|'[^'\\\n]*'|\"[^\"\\\n]*\")\]"
_FIELD = re.compile(rf"(?<!\{{)\{{({_NAME}(?:\.{_NAME}|{_INDEX})*)\}}(?!\}})")
_STEP = re.compile(rf"\.({_NAME})|\[(-?\d+|'[^'\\\n]*'|\"[^\"\\\n]*\")\]")
_LATEX_BEFORE = re.compile(r"(\\[A-Za-z]+\*?|[\^_]|\\[A-Za-z]+\*?(\{[^{}\n]*\}|\[[^\[\]\n]*\])+)$")
_FSTRING_OPEN = re.compile(r"(?<![\w])(?:[rRbB]?[fF]|[fF][rR])(\"\"\"|'''|\"|')")
_MISSING = object()


def interpolate(prompt: str, namespace: Mapping[str, Any]) -> str:
    """Replace ``{name}``-style fields whose lookup succeeds in ``namespace`` with ``str(value)``."""

    def replace(match: re.Match[str]) -> str:
        if _looks_like_latex(prompt, match.start()) or _inside_fstring(prompt, match.start()):
            return match.group(0)
        value = _lookup(match.group(1), namespace)
        if value is _MISSING:
            return match.group(0)
        return prompt_text(value) if is_frame(value) else str(value)  # {df}: a compact table, not the repr

    return _FIELD.sub(replace, prompt)


def _lookup(path: str, namespace: Mapping[str, Any]) -> Any:
    """Follow ``name.attr[index]…`` without evaluating anything; ``_MISSING`` when a step fails."""
    name = re.match(_NAME, path).group(0)  # type: ignore[union-attr]
    if name not in namespace:
        return _MISSING
    value = namespace[name]
    for step in _STEP.finditer(path, len(name)):
        attr, index = step.group(1), step.group(2)
        try:
            if attr is not None:
                if attr.startswith("__") and attr.endswith("__"):
                    return _MISSING
                value = getattr(value, attr)
            else:
                value = value[int(index)] if index[0] not in "'\"" else value[index[1:-1]]
        except Exception:  # any failing lookup (missing attr, bad index, odd __getitem__) leaves the text alone
            return _MISSING
    return value


def _looks_like_latex(prompt: str, start: int) -> bool:
    """``\\frac{a}{b}``, ``x^{n}``, ``x_{i}``: the brace is a LaTeX argument."""
    line_start = prompt.rfind("\n", 0, start) + 1
    return bool(_LATEX_BEFORE.search(prompt, line_start, start))


def _inside_fstring(prompt: str, start: int) -> bool:
    """Whether ``start`` is inside an f-string literal that opened earlier on the same line."""
    line_start = prompt.rfind("\n", 0, start) + 1
    before = prompt[line_start:start]
    for opening in _FSTRING_OPEN.finditer(before):
        quote = opening.group(1)
        if quote not in before[opening.end() :]:
            return True
    return False
