"""A model's answer is untrusted input (DESIGN §13): every payload, in every format and on every path,
reaches the front end as inert HTML or plain text, while tables, code and math still render.

The same payloads run in a real browser in tests/e2e/test_untrusted_answers.py; here the HTML is taken
apart with a real parser (render_helpers.inert_problems) so a dangerous element or attribute anywhere fails.
"""

from __future__ import annotations

import pytest
from _magic_shell import MODEL, run, shell  # noqa: F401 (fixtures)
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from openrouter_magic._core.types import ChatResponse
from openrouter_magic._render.markdown import markdown_to_html, safe_url
from openrouter_magic._render.safe_html import sanitize_html
from openrouter_magic._render.select import NotebookRenderer
from openrouter_magic._widgets.compare.format import static_html
from openrouter_magic._widgets.compare.pane import PaneState
from openrouter_magic._widgets.picker.html import details_html
from render_helpers import (HOSTILE_HTML, HOSTILE_JSON, HOSTILE_MARKDOWN, PAYLOADS, Clock, inert_problems,
                            stream, visible_text)

FORMATS = ("markdown", "html", "text", "code", "json")
ANSWERS = {"markdown": HOSTILE_MARKDOWN, "html": HOSTILE_HTML, "text": HOSTILE_MARKDOWN,
           "code": HOSTILE_MARKDOWN, "json": HOSTILE_JSON}


def every_html(outputs) -> list[str]:
    """The text/html of every display message sent (streamed updates included, not only final states)."""
    return [o.data["text/html"] for o in outputs if "text/html" in o.data]


@pytest.mark.parametrize("name", PAYLOADS)
def test_each_payload_in_markdown_becomes_visible_inert_text(name):
    markup = markdown_to_html(f"Before {PAYLOADS[name]} after.")
    assert inert_problems(markup) == []
    shown = visible_text(markup)
    assert "__ormPwned" in shown and "Before" in shown  # the reader sees what the model tried


@pytest.mark.parametrize("name", PAYLOADS)
def test_each_payload_in_html_answers_is_sanitized(name):
    markup = sanitize_html(f"<p>Before {PAYLOADS[name]} after.</p>")
    assert inert_problems(markup) == []
    if PAYLOADS[name].startswith("<"):  # an element: dropped with its handlers (markdown syntax stays text)
        assert "__ormPwned" not in markup
    assert visible_text(markup).startswith("Before")


def test_html_answers_keep_harmless_markup_and_safe_links():
    markup = sanitize_html('<table><tr><td style="color:red;position:fixed">c</td></tr></table><b>b</b>'
                           '<a href="https://example.org" target="_blank">ok</a><a href="/lab/tree">rel</a>')
    assert '<td style="color:red">c</td>' in markup and "<b>b</b>" in markup
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in markup
    assert "target" not in markup and "/lab/tree" not in markup


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://example.org/a?b=1", True), ("http://x.org", True), ("mailto:a@b.org", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), (" java\tscript:alert(1)", False),
    ("vbscript:x", False), ("data:text/html,<script>x</script>", False), ("/lab/tree/x.ipynb", False),
    ("#top", False), ("file:///etc/passwd", False),
])
def test_only_http_https_and_mailto_urls_become_links(url, allowed):
    assert safe_url(url) is allowed


@pytest.mark.parametrize("link", ["[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))",
                                  "[x](java&#115;cript:alert(1))", "[x](&#106;avascript:alert(1))",
                                  "<javascript:alert(1)>", "[x][r]\n\n[r]: javascript:alert(1)",
                                  "[x](data:text/html;base64,PHNjcmlwdD4=)"])
def test_obfuscated_script_links_stay_text(link):
    markup = markdown_to_html(link)
    assert "<a" not in markup and inert_problems(markup) == []


def test_links_get_noopener_noreferrer_and_no_target():
    markup = markdown_to_html("[docs](https://example.org) and <https://auto.example.org>")
    assert markup.count('rel="noopener noreferrer"') == 2 and "target" not in markup


def test_images_become_links_so_nothing_loads_by_itself():
    markup = markdown_to_html("![a chart](https://example.org/leak.png?secret=1)")
    assert "<img" not in markup
    assert '<a class="orm-image" href="https://example.org/leak.png?secret=1" rel="noopener noreferrer">' in markup


def test_tables_fenced_code_and_math_still_render():
    markup = markdown_to_html(HOSTILE_MARKDOWN)
    assert "<table>" in markup and "<td><code>&lt;script&gt;</code></td>" in markup
    assert '<code class="language-python">' in markup and "&lt;script&gt;" in markup
    assert '<span class="orm-math mathjax_process tex2jax_process">$x^2$</span>' in markup
    assert "$$e^{i\\pi} + 1 = 0$$</span>" in markup
    assert markup.startswith('<div class="orm-answer mathjax_ignore tex2jax_ignore">')  # only math is typeset


@pytest.mark.parametrize(("text", "math"), [
    ("It costs $5 and $10.", 0), ("$x^2$", 1), ("$ x $", 0), ("$$\na < b\n$$", 1), ("`$x$` in code", 0),
])
def test_only_real_math_is_marked_for_mathjax(text, math):
    assert markdown_to_html(text).count("mathjax_process") == math


def test_math_that_would_build_a_link_or_load_code_is_shown_not_typeset():
    for tex in ("\\href{javascript:alert(1)}{x}", "\\require{html}", "\\class{x}{y}", "\\style{color:red}{y}"):
        markup = markdown_to_html(f"${tex}$")
        assert "mathjax_process" not in markup and f"<code>${tex}$</code>" in markup.replace("&amp;", "&")


def test_an_answer_nested_too_deep_for_markdown_is_shown_whole_as_plain_text():
    text = ">" * 5000 + " deep <script>x</script>\n\n" + "".join("  " * i + "- x\n" for i in range(500)) + "\nEnd."
    markup = markdown_to_html(text)  # no RecursionError, and nothing dropped past markdown-it's 20 levels
    assert visible_text(markup).rstrip("\n") == text and inert_problems(markup) == []
    assert "<blockquote>" in markdown_to_html("> > > > a\n\nEnd.")  # ordinary nesting still renders


def renderer_outputs(fmt: str, answer: str, *, reasoning: str | None = None, streamed: bool = True) -> list:
    shell, clock = InteractiveShell.instance(), Clock()
    with capture_output() as cap:
        renderer = NotebookRenderer(fmt, shell=shell, clock=clock)
        renderer.start("m")
        if reasoning:
            renderer.reasoning(reasoning)
        if streamed:
            stream(renderer, answer, clock, chunk=5, dt=0.1)
        renderer.finish(ChatResponse(text=answer, reasoning=reasoning), "footer")
    return cap.outputs


@pytest.mark.parametrize("streamed", [True, False])
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_display_of_any_format_carries_raw_markdown_or_live_html(fmt, streamed):
    outputs = renderer_outputs(fmt, ANSWERS[fmt], streamed=streamed)
    assert not any("text/markdown" in o.data for o in outputs)
    for markup in every_html(outputs):
        assert inert_problems(markup) == [], markup
    assert all("text/plain" in o.data for o in outputs)


@pytest.mark.parametrize("fmt", ["markdown", "text", "code"])
def test_the_payload_is_readable_as_text_in_the_saved_state(fmt):
    outputs = renderer_outputs(fmt, HOSTILE_MARKDOWN)
    finals = {o.transient["display_id"]: o.data for o in outputs}.values()
    shown = "".join(visible_text(d.get("text/html", "")) or d["text/plain"] for d in finals)
    assert "<script>window.__ormPwned=" in shown


def test_a_json_answer_goes_to_the_json_viewer_as_data():
    final = renderer_outputs("json", HOSTILE_JSON)[-2]
    assert final.data["application/json"] == PAYLOADS and "text/html" not in final.data


def test_reasoning_is_rendered_by_the_safe_renderer_while_open_and_closed():
    outputs = renderer_outputs("markdown", "Answer.", reasoning=HOSTILE_MARKDOWN)
    details = [m for m in every_html(outputs) if m.startswith("<details")]
    assert any("<details open>" in m for m in details) and details[-1].startswith("<details>")
    for markup in details:
        assert inert_problems(markup) == [] and "orm-answer mathjax_ignore" in markup


def test_comparison_panes_and_their_saved_copy_are_inert():
    panes = [PaneState("a/b", status="ok", text=HOSTILE_MARKDOWN),
             PaneState("c/d", status="streaming", text=HOSTILE_MARKDOWN[:200])]
    page = static_html(panes)
    assert inert_problems(page.split("</style>", 1)[1]) == []
    assert page.count("<table>") == 1 and "$x^2$</span>" in page


def test_the_pickers_model_description_goes_through_the_safe_renderer():
    row = {"id": "evil/model", "name": "Evil <b>model</b>", "created": None, "context_length": 8,
           "max_completion_tokens": 8, "prompt_usd_per_m": 1.0, "completion_usd_per_m": 2.0,
           "input_modalities": ("text",), "output_modalities": ("text",), "supported_parameters": (),
           "description": HOSTILE_MARKDOWN}
    markup = details_html(row)
    assert inert_problems(markup) == [] and "&lt;b&gt;model" in markup
    assert '<div class="orm-picker-description"><div class="orm-answer' in markup and "<table>" in markup


@pytest.mark.parametrize("flags", ["", "-f html", "-f text", "-f code", "-f json", "--chat", "--no-stream"])
def test_every_magic_path_publishes_only_inert_html(shell, fake, flags):  # noqa: F811 (fixture)
    answer = {"-f html": HOSTILE_HTML, "-f json": HOSTILE_JSON}.get(flags, HOSTILE_MARKDOWN)
    fake.configure(answer=answer, chunk_chars=7)
    ran = run(shell, f"%%openrouter -m {MODEL} {flags}\nanswer with payloads")
    assert ran.error is None
    assert not any("text/markdown" in out.data for out in ran.cap.outputs)
    for markup in every_html(ran.cap.outputs):
        assert inert_problems(markup) == [], markup
