"""``-f html`` answers: the model's HTML, sanitized with nh3 (ammonia) before it reaches the front end.

Sanitizing rather than a sandboxed ``<iframe>``: an iframe without scripts cannot size itself to its
content, does not take the notebook's theme or MathJax, and JupyterLab strips iframes from the outputs of
an untrusted notebook, so a reopened notebook would show nothing. A sanitized fragment flows inline and
survives saving. What is kept: ammonia's element whitelist (no ``script``, ``style``, ``iframe``, ``svg``,
``form``, ``object``…) minus ``img`` (a remote image would load by itself, see markdown.py), no event
handler or unknown attribute, a few harmless ``style`` properties, links only to ``http(s):``/``mailto:``
with ``rel="noopener noreferrer"`` and no ``target``. The fragment is marked ``mathjax_ignore`` so TeX in
it cannot be typeset into links.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .markdown import ANSWER_CLASS, REL

__all__ = ["sanitize_html"]

_STYLES = {"color", "background-color", "font-weight", "font-style", "font-size", "text-align",
           "text-decoration", "border", "border-collapse", "padding", "margin", "width"}
_STYLED = ("div", "span", "p", "table", "td", "th", "tr", "b", "i", "em", "strong", "code", "pre")


@lru_cache(maxsize=1)
def _options() -> dict[str, Any]:
    import nh3

    attributes = {tag: set(allowed) for tag, allowed in nh3.ALLOWED_ATTRIBUTES.items() if tag != "img"}
    for tag in _STYLED:
        attributes.setdefault(tag, set()).add("style")
    return {
        "tags": set(nh3.ALLOWED_TAGS) - {"img", "area", "map"},
        "clean_content_tags": {"script", "style", "iframe", "noscript", "template", "svg", "math", "object"},
        "attributes": attributes,
        "url_schemes": {"http", "https", "mailto"},
        "url_relative": "deny",  # as in markdown answers: no link into the notebook server's own pages
        "link_rel": REL,
        "filter_style_properties": _STYLES,
    }


def sanitize_html(markup: str) -> str:
    """The safe version of an answer's HTML, in one ``orm-answer`` element ("" for no markup)."""
    import nh3

    if not markup:
        return ""
    return f'<div class="{ANSWER_CLASS}">{nh3.clean(markup, **_options())}</div>'
