"""CompareView and the playground without a browser: traits, clicks, badges, grid, static HTML, terminal output."""

from __future__ import annotations

import asyncio

import pytest
from _waits import until
from IPython.utils.capture import capture_output

from openrouter_magic import OpenRouter
from openrouter_magic._widgets.compare.api import build_messages, compare_from_magic
from openrouter_magic._render.markdown import markdown_to_html
from openrouter_magic._widgets.compare.pane import PaneState
from openrouter_magic._widgets.compare.view import CompareView
from openrouter_magic._widgets.compare.playground import Playground
from _session_fixtures import server, session  # noqa: F401 (fixtures)

A, B, C = "openai/gpt-4.1-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash"
PROMPT = "Compare **SSE** and WebSockets."
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
async def client(server, sentinel_key):
    async with OpenRouter(api_key=sentinel_key, base_url=server.base_url, max_retries=0) as c:
        yield c


def streams(client):
    return lambda model: client.stream(PROMPT, model=model)


async def finished_view(client, models) -> CompareView:
    view = CompareView(models)
    view.start(streams(client))
    await view.wait()
    return view


async def test_pane_text_widgets_fill_while_the_models_are_still_streaming(server, client):
    server.configure(chunk_delay=0.01, answer="Plain *words* " * 40)
    view = CompareView([A, B])
    view.start(streams(client), interval=0.02)
    await until(lambda: all("<em>words</em>" in pane.text.value for pane in view.panes) or not view.running)
    assert view.running, "every pane should show text before the run ends"
    assert view.status == "running" and "chars" in view.panes[0].footer.value
    await view.wait()
    assert view.status == "done" and "total" in view.panes[0].footer.value


async def test_badges_summary_and_result_appear_when_every_model_has_finished(server, client):
    server.configure(per_model={A: {"answer": "short"}, B: {"first_byte_delay": 0.1, "answer": "longer " * 50}})
    view = await finished_view(client, [A, B])
    first, second = (pane.badges.value for pane in view.panes)
    assert first.count('class="orm-compare-badge"') == 3 and "fastest first token" in first and "cheapest" in first
    assert second == '<span class="orm-compare-badge">longest answer</span>'
    assert "2 of 2 answered" in view.summary.value and "total $" in view.summary.value
    assert list(view.result["model"]) == [A, B]


@pytest.mark.parametrize(("count", "columns"), [(2, 2), (4, 4), (5, 4), (8, 4)])
def test_the_grid_holds_up_to_four_panes_a_row_and_wraps(count, columns):
    models = [f"acme/model-{i}" for i in range(count)]
    view = CompareView(models)
    assert len(view.grid.children) == count
    assert view.grid.layout.grid_template_columns == f"repeat({columns}, minmax(0, 1fr))"
    assert f"repeat({columns},minmax(0,1fr))" in view.static_html()


def test_every_part_carries_its_stable_css_class():
    view = CompareView([A, B])
    pane = view.panes[0]
    assert "orm-compare" in view._dom_classes and "orm-compare-stop" in view.stop_button._dom_classes
    assert "orm-compare-summary" in view.summary._dom_classes and "orm-compare-pane" in pane._dom_classes
    assert "orm-compare-text" in pane.text._dom_classes and "orm-compare-footer" in pane.footer._dom_classes


async def test_the_output_bundle_has_the_widget_and_a_static_html_copy_of_the_final_panes(server, client):
    server.configure(per_model={A: {"answer": "Use `curl -N` & <b>read</b>."}})
    view = await finished_view(client, [A, B])
    bundle = view._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["model_id"] == view.model_id
    page = bundle["text/html"]
    assert markdown_to_html("Use `curl -N` & <b>read</b>.") in page and "<b>read</b>" not in page
    assert markdown_to_html(view.result.loc[1, "text"]) in page
    assert page.count('class="orm-compare-pane"') == 2 and "orm-compare-badge" in page and "2 of 2 answered" in page


async def test_a_displayed_view_is_replaced_in_place_by_the_final_panes(server, client, shell):
    server.configure(chunk_delay=0.005)
    view = CompareView([A, B])
    with capture_output() as cap:
        view.start(streams(client))
        shell.display_formatter.format(view)  # what the display hook does with a cell's value
        await view.wait()
    first, *updates = cap.outputs
    assert WIDGET_VIEW in first.data and 'class="orm-compare-badge"' not in first.data["text/html"]
    assert len(updates) == 1 and updates[0].update
    assert markdown_to_html(view.result.loc[0, "text"]) in updates[0].data["text/html"]
    assert WIDGET_VIEW in updates[0].data


async def test_an_error_pane_shows_its_error_and_never_the_key(server, client, sentinel_key):
    server.queue_error(402, model=B)
    view = await finished_view(client, [A, B])
    notice = view.panes[1].notice.value
    assert 'class="orm-compare-error"' in notice and "402" in notice and view.panes[0].notice.value == ""
    assert sentinel_key not in view.static_html() and sentinel_key not in repr(view)


async def test_the_stop_button_is_enabled_only_while_running(server, client):
    server.configure(chunk_delay=0.005)
    view = CompareView([A, B])
    assert view.stop_button.disabled
    view.start(streams(client))
    assert not view.stop_button.disabled
    await view.wait()
    assert view.stop_button.disabled


async def test_stopped_panes_keep_their_text_and_are_marked(server, client):
    server.configure(chunk_delay=0.02, answer="slow " * 300)
    view = CompareView([A, B])
    view.start(streams(client))
    await until(lambda: all(pane.text for pane in view.run.panes))
    view.stop_button.click()
    await view.wait()
    assert view.status == "stopped" and "2 interrupted" in view.summary.value
    assert all("orm-compare-interrupted" in p.notice.value and "slow" in p.text.value for p in view.panes)


async def test_running_again_reuses_the_panes(server, client):
    view = await finished_view(client, [A, B])
    panes = list(view.panes)
    view.start(streams(client), models=[A, B, C])
    await view.wait()
    assert view.panes[:2] == panes and len(view.panes) == 3 and list(view.result["status"]) == ["ok"] * 3


def test_terminal_ipython_prints_each_answer_labelled_then_the_stats_table(server, session, shell, capsys):
    compare_from_magic(session, build_messages(PROMPT), f"{A},{B}", {"max_tokens": 40}, output_name="cmp", shell=shell)
    out = capsys.readouterr().out
    frame = shell.user_ns["cmp"]
    label_a, label_b = out.index(f"=== {A} · OpenAI"), out.index(f"=== {B} · Anthropic")
    assert label_a < out.index(frame.loc[0, "text"]) < label_b < out.index(frame.loc[1, "text"])
    table = out[out.index(frame.loc[1, "text"]):]
    assert "completion_tokens" in table and "ttft_s" in table and "2 of 2 answered" in table


async def test_the_playground_runs_the_chosen_models_and_reuses_its_panes(server, session):
    play = Playground(session, [A])
    await play.catalog_task
    assert A in play.search.options and B in play.search.options
    play.prompt.value = PROMPT
    assert play.run() is None and "choose 2 to 8" in play.message.value
    play.search.value = B  # picking an id from the search list adds it
    assert play.models == [A, B] and play.chosen.options == (A, B)
    await play.run()
    await play.view.wait()
    panes = list(play.view.panes)
    assert list(play.view.result["status"]) == ["ok", "ok"] and not play.run_button.disabled
    assert [r.json["temperature"] for r in server.chat_requests] == [1.0, 1.0]
    play.remove_model(A)
    play.add_model(C)
    await play.run()
    await play.view.wait()
    assert play.view.panes == panes and list(play.view.result["model"]) == [B, C]


async def test_the_playground_stop_button_cancels_the_run(server, session):
    server.configure(chunk_delay=0.02, answer="slow " * 300)
    play = Playground(session, [A, B])
    play.prompt.value, play.system.value = PROMPT, "Be brief."
    await play.run()
    assert not play.stop_button.disabled and play.run_button.disabled
    await asyncio.sleep(0.1)
    play.stop_button.click()
    await play.view.wait()
    assert play.view.status == "stopped" and play.stop_button.disabled
    assert server.chat_requests[0].json["messages"][0] == {"role": "system", "content": "Be brief."}


PRE = '<pre style="background:rgba(128,128,128,.08);padding:6px 8px;white-space:pre-wrap">'


@pytest.mark.parametrize(("markdown", "expected"), [
    ("a <script>x</script>", "<p>a &lt;script&gt;x&lt;/script&gt;</p>\n"),
    ("**bold** and *it* and snake_case_name", "<p><strong>bold</strong> and <em>it</em> and snake_case_name</p>\n"),
    ("use `a<b>` here", "<p>use <code>a&lt;b&gt;</code> here</p>\n"),
    ("```\nstill streaming <", f"{PRE}<code>still streaming &lt;</code></pre>\n"),
    ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
    ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"),
    ("# Title", "<h1>Title</h1>\n"),
    ("first\n\nsecond", "<p>first</p>\n<p>second</p>\n"),
    ("[ok](https://x.org/?a=1&b=2) [no](javascript:alert(1))",
     '<p><a href="https://x.org/?a=1&amp;b=2" rel="noopener noreferrer">ok</a> [no](javascript:alert(1))</p>\n'),
    ('<img src=x onerror="alert(1)">', "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>\n"),
    ("| a | b |\n|---|---|\n| 1 | 2 |", "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
     "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n"),
])
def test_pane_markdown_becomes_safe_html_in_one_answer_element(markdown, expected):
    assert markdown_to_html(markdown) == f'<div class="orm-answer mathjax_ignore tex2jax_ignore">{expected}</div>'


def test_a_pane_uses_the_same_renderer_as_a_single_answer():
    from openrouter_magic._render.bundles import piece_bundle
    from openrouter_magic._render.blocks import Piece
    from openrouter_magic._widgets.compare.format import text_html

    text = "Hi <img src=x onerror=alert(1)>\n\n```py\nx = 1\n```\n\n$x^2$"
    assert text_html(PaneState(A, text=text)) == piece_bundle(Piece(text), "markdown")["text/html"]


async def test_a_reasoning_model_shows_that_it_is_thinking_before_its_answer(server, client):
    from openrouter_magic._widgets.compare.format import text_html
    from openrouter_magic._widgets.compare.run import CompareRun

    class Texts:
        def __init__(self):
            self.seen = []

        def pane_changed(self, index, pane):
            self.seen.append(text_html(pane))

        def run_finished(self, run):
            pass

    server.configure(chunk_delay=0.003)
    texts = Texts()
    run = CompareRun(["deepseek/deepseek-r1"], lambda m: client.stream(PROMPT, model=m, reasoning={"effort": "low"}),
                     listener=texts, interval=0.01)
    await run.run()
    thinking = [t for t in texts.seen if "thinking…" in t]
    assert thinking and texts.seen.index(thinking[0]) < len(texts.seen) - 1 and run.panes[0].status == "ok"
    assert run.panes[0].reasoning_chars > 0 and "thinking" not in texts.seen[-1]


async def test_a_displayed_playground_is_updated_with_the_final_panes_after_each_run(server, session, shell):
    play = Playground(session, [A, B])
    play.prompt.value = "Say <hi>"
    with capture_output() as cap:
        shell.display_formatter.format(play)
        await play.run()
        await play.view.wait()
    first, *updates = cap.outputs
    assert "Say &lt;hi&gt;" in first.data["text/html"] and "0 of 2 answered" in first.data["text/html"]
    assert len(updates) == 1 and "2 of 2 answered" in updates[0].data["text/html"]
    assert markdown_to_html(play.view.result.loc[0, "text"]) in updates[0].data["text/html"]
