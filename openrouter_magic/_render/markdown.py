"""Safe markdown → HTML for answers, which are untrusted input (DESIGN §13).

One renderer for every place an answer is shown: single answers (streamed pieces and the final
rendering), ``--chat``, comparison panes, reasoning blocks, model descriptions. It is markdown-it-py
(CommonMark plus tables and strikethrough) with raw HTML off, so ``<script>`` or ``<img onerror=…>`` in an
answer shows as text. On top of that:

- links and autolinks only for ``http:``, ``https:`` and ``mailto:`` (anything else stays literal text),
  with ``rel="noopener noreferrer"`` and no ``target``;
- images become links: a remote image would load by itself, and a prompt-injected answer could leak what
  the model read through its URL without anyone clicking;
- ``$x^2$``, ``$$…$$`` (dollarmath) keep their delimiters as text in a ``mathjax_process`` element inside
  an answer marked ``mathjax_ignore``: JupyterLab's MathJax typesets that math and nothing else (so
  "$5 and $10" stays money), and TeX that builds links or loads code (``\\href``, ``\\require``…) is shown
  as code instead of being typeset;
- fenced code is highlighted by Pygments with inline colours (outputs of untrusted notebooks keep
  ``style`` attributes but lose ``<style>`` elements).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

__all__ = ["ANSWER_CLASS", "markdown_body", "markdown_to_html", "safe_url"]

ANSWER_CLASS = "orm-answer mathjax_ignore tex2jax_ignore"
REL = "noopener noreferrer"
_PRE = '<pre style="background:rgba(128,128,128,.08);padding:6px 8px;white-space:pre-wrap">'
_MATH_CLASS = "orm-math mathjax_process tex2jax_process"
_DEEPEST = 19  # markdown-it's maxNesting (20) minus one: a token this deep means the parser gave up
_SCHEME = re.compile(r"^(?:https?:|mailto:)", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
# MathJax commands that make links, add attributes or load extensions: never typeset an answer's use of them.
_UNSAFE_TEX = re.compile(r"\\(?:href|url|require|class|cssId|style|data|mmlToken)(?![A-Za-z])")


def markdown_to_html(text: str) -> str:
    """Render an answer's markdown as safe HTML in one ``orm-answer`` element ("" for no text)."""
    if not text:
        return ""
    return f'<div class="{ANSWER_CLASS}">{markdown_body(text)}</div>'


def markdown_body(text: str) -> str:
    """The safe HTML of ``text`` without the wrapping element (pieces of one answer join into the whole)."""
    md = _parser()
    tokens = md.parse(text)
    if any(token.level >= _DEEPEST for token in tokens):
        # markdown-it stops at 20 levels instead of recursing and drops what lies deeper (and may drop
        # the rest of the block): show such an answer whole, as plain text, rather than hide part of it.
        return f'<pre style="white-space:pre-wrap">{html.escape(text, quote=False)}</pre>\n'
    return md.renderer.render(tokens, md.options, {})


def safe_url(url: str) -> bool:
    """Whether ``url`` may be a link target: absolute ``http(s):`` or ``mailto:`` only."""
    return bool(_SCHEME.match(_INVISIBLE.sub("", url)))


@lru_cache(maxsize=1)
def _parser() -> Any:
    """The configured markdown-it instance (built once: about 2 ms, imports markdown-it lazily)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    from .highlight import highlight

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False,
                                   "highlight": highlight})
    md.enable(["table", "strikethrough"])
    # Pandoc's rule for inline math: no space inside the dollars, no digit after the closing one.
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False, double_inline=True)
    md.validateLink = safe_url
    md.add_render_rule("link_open", _link_open)
    for rule in ("fence", "code_block"):
        md.add_render_rule(rule, _shaded(md.renderer.rules[rule]))
    md.add_render_rule("image", _image)
    md.add_render_rule("math_inline", _math("span", "$"))
    md.add_render_rule("math_inline_double", _math("span", "$$"))
    md.add_render_rule("math_block", _math("div", "$$"))
    return md


def _link_open(self: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    token.attrSet("rel", REL)
    return self.renderToken(tokens, idx, options, env)


def _shaded(rule: Any) -> Any:
    """Give code blocks a faint background (text/html outputs get no code style from JupyterLab)."""
    def render(self: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
        return rule(tokens, idx, options, env).replace("<pre>", _PRE, 1)

    return render


def _image(self: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    src = html.escape(token.attrGet("src") or "", quote=True)
    return f'<a class="orm-image" href="{src}" rel="{REL}">🖼 {html.escape(alt)}</a>'


def _math(tag: str, delimiter: str) -> Any:
    """A render rule that keeps ``delimiter``-wrapped TeX as text for MathJax to typeset."""
    block = tag == "div"

    def render(self: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
        content = tokens[idx].content.strip("\n") if block else tokens[idx].content
        tex = html.escape(f"{delimiter}{content}{delimiter}", quote=False)
        end = "\n" if block else ""
        if _UNSAFE_TEX.search(content):
            return f"<{tag}><code>{tex}</code></{tag}>{end}"
        return f'<{tag} class="{_MATH_CLASS}">{tex}</{tag}>{end}'

    return render
