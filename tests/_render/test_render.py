"""The notebook renderer in a real InteractiveShell with captured display messages and a simulated clock."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from openrouter_magic._render.select import NotebookRenderer, make_renderer
from openrouter_magic._core.types import ChatResponse
from render_helpers import (Clock, answer_markdown, answer_pieces, final_states, is_answer, long_markdown, sent_bytes,
                            stream)

ANSWER = "# Title\n\nFirst paragraph.\n\n```python\nx = 1\n\n\ny = 2\n```\n\n- a\n- b\n\nLast words."


@pytest.fixture
def clock():
    return Clock()


def answer_html(outputs):
    return "".join(state["text/html"] for state in final_states(outputs) if is_answer(state))


def notebook(shell, clock, fmt="markdown", **options):
    return NotebookRenderer(fmt, shell=shell, clock=clock, **options)


def test_the_saved_state_holds_the_answer_exactly_once(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        stream(renderer, ANSWER, clock, chunk=3, dt=0.1)
        renderer.finish(ChatResponse(text=ANSWER), None)
    assert answer_markdown(cap.outputs) == ANSWER
    plain = "".join(s["text/plain"] for s in final_states(cap.outputs))
    assert plain == ANSWER
    assert len(final_states(cap.outputs)) > 3  # finished blocks live in their own displays


def test_the_first_token_replaces_the_waiting_indicator_in_the_same_display(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("openai/gpt-4o")
        clock.now += 1.25
        renderer.tick()
        renderer.text("Hi")
    first, tick, token = cap.outputs
    assert "waiting for first token… 0.0s" in first.data["text/plain"]
    assert "openai/gpt-4o" in first.data["text/plain"]
    assert "waiting for first token… 1.2s" in tick.data["text/plain"] and tick.update
    assert token.update and token.data["text/plain"] == "Hi" and "<p>Hi</p>" in token.data["text/html"]
    assert len({o.transient["display_id"] for o in cap.outputs}) == 1


def test_updates_are_throttled_to_the_refresh_interval(shell, clock):
    text = "word " * 2000  # one 10 kB paragraph, no block boundary at all
    with capture_output() as cap:
        renderer = notebook(shell, clock, refresh_interval=0.25)
        renderer.start("m")
        stream(renderer, text, clock, chunk=5, dt=0.005)  # 2,000 deltas over 10 simulated seconds
        renderer.finish(ChatResponse(text=text), None)
    assert len(cap.outputs) <= 10 / 0.25 + 12  # one per tick, plus forced cuts and the final merge
    assert len(cap.outputs) >= 30
    assert answer_markdown(cap.outputs) == text


def test_display_bytes_grow_linearly_with_a_long_answer(shell, clock):
    def ratio(tokens):
        text = long_markdown(tokens)
        with capture_output() as cap:
            renderer = notebook(shell, clock)
            renderer.start("m")
            stream(renderer, text, clock, chunk=4, dt=0.003)  # 20,000 tokens take 60 simulated seconds
            renderer.finish(ChatResponse(text=text), None)
        assert answer_markdown(cap.outputs) == text
        return sent_bytes(cap.outputs) / len(text.encode())

    long, short = ratio(20_000), ratio(2_000)
    assert long <= 10
    assert long < short * 1.5  # ten times the answer, about ten times the bytes: linear, not quadratic


def test_finished_blocks_are_never_sent_again(shell, clock):
    text = long_markdown(3000)  # blocks all shorter than max_block_chars: no merge at the end
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        stream(renderer, text, clock, chunk=4, dt=0.02)
        renderer.finish(ChatResponse(text=text), None)
    newest = None
    for output in cap.outputs:
        if output.update:  # only the newest display (the tail) is ever updated; older ones are final
            assert output.transient["display_id"] == newest
        else:
            newest = output.transient["display_id"]
    assert len(final_states(cap.outputs)) > 20


@settings(max_examples=60, deadline=None)
@given(blocks=st.lists(st.sampled_from(["Para *one*.", "```py\nx\n\ny\n```", "- a\n\n- b", "    code",
                                         "# H", "> q", "1. x\n\n   more"]), min_size=1, max_size=12),
       chunk=st.integers(1, 12), dt=st.floats(0.0, 0.5), max_block=st.integers(8, 200))
def test_any_stream_is_saved_as_exactly_the_answer(blocks, chunk, dt, max_block):
    text = "\n\n".join(blocks)
    shell, clock = InteractiveShell.instance(), Clock()
    with capture_output() as cap:
        renderer = notebook(shell, clock, max_block_chars=max_block)
        renderer.start("m")
        stream(renderer, text, clock, chunk=chunk, dt=dt)
        renderer.finish(None, "footer")
    assert answer_markdown(cap.outputs) == text
    assert "".join(s["text/plain"] for s in final_states(cap.outputs)) == text + "footer"


def test_a_blank_line_inside_an_open_fence_does_not_end_the_block(shell, clock):
    text = "Intro.\n\n```python\ndef f():\n\n    return 1\n```\n\nOutro paragraph."
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        stream(renderer, text, clock, chunk=2, dt=0.3)
        renderer.finish(None, None)
    assert answer_pieces(cap.outputs) == ["Intro.\n\n", "```python\ndef f():\n\n    return 1\n```\n\n", "Outro paragraph."]


def test_a_fence_too_long_for_one_block_is_merged_into_one_display_at_the_end(shell, clock):
    code = "".join(f"v{i} = {i}\n" for i in range(400))
    text = f"Code:\n\n```python\n{code}```\n\nDone."
    with capture_output() as cap:
        renderer = notebook(shell, clock, max_block_chars=500)
        renderer.start("m")
        stream(renderer, text, clock, chunk=6, dt=0.05)
        streamed = [o.data for o in cap.outputs if not o.update and is_answer(o.data)]
        renderer.finish(None, None)
    # a display that starts inside the fence still renders as highlighted python code
    assert any(d["text/plain"].startswith("v") and '<code class="language-python">' in d["text/html"]
               for d in streamed)
    assert answer_markdown(cap.outputs) == text
    non_empty = answer_pieces(cap.outputs)
    assert non_empty[0] == "Code:\n\n"
    assert non_empty[1].startswith(f"```python\n{code}```\n\n")  # the whole fence in one display


def test_link_references_force_one_whole_rendering_at_the_end(shell, clock):
    text = "See [the docs][d].\n\nMore text here.\n\n[d]: https://example.org\n"
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        stream(renderer, text, clock, chunk=3, dt=0.3)
        renderer.finish(None, None)
    assert answer_pieces(cap.outputs) == [text]
    assert '<a href="https://example.org" rel="noopener noreferrer">the docs</a>' in answer_html(cap.outputs)


def test_reasoning_streams_into_an_open_block_that_closes_when_the_answer_starts(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        clock.now += 0.5
        renderer.reasoning("Let me think <carefully>.")
        clock.now += 0.5
        renderer.reasoning(" Step two.")
        renderer.tick()
        renderer.text("Answer.")
        renderer.finish(None, None)
    reasoning_history = [o.data for o in cap.outputs if o.transient["display_id"] == cap.outputs[0].transient["display_id"]]
    assert "<details open>" in reasoning_history[1]["text/html"]
    assert "&lt;carefully&gt;" in reasoning_history[1]["text/html"]
    states = final_states(cap.outputs)
    assert states[0]["text/html"].startswith("<details>")
    assert "Let me think <carefully>. Step two." in states[0]["text/plain"]
    assert states[1]["text/plain"] == "Answer." and is_answer(states[1])


def test_text_format_sends_plain_text_only(shell, clock):
    text = "line one\nline two\n\nline three"
    with capture_output() as cap:
        renderer = notebook(shell, clock, "text")
        renderer.start("m")
        stream(renderer, text, clock, dt=0.3)
        renderer.finish(None, None)
    answer = [s for s in final_states(cap.outputs)]
    assert all(set(s) == {"text/plain"} for s in answer)
    assert "".join(s["text/plain"] for s in answer) == text


def test_code_format_shows_one_highlighted_fence_with_the_language(shell, clock):
    text = "```\ndef f():\n    return '```'\n```"
    with capture_output() as cap:
        renderer = notebook(shell, clock, "code", language="python")
        renderer.start("m")
        stream(renderer, text, clock, dt=0.3)
        renderer.finish(None, None)
    (state,) = final_states(cap.outputs)
    assert '<code class="language-python">' in state["text/html"] and "&#x27;```&#x27;" not in state["text/html"]
    assert "return </span>" in state["text/html"] and "'```'" in state["text/html"]  # highlighted, not cut short
    assert state["text/plain"] == "def f():\n    return '```'"


def test_json_format_streams_raw_text_then_shows_parsed_json(shell, clock):
    text = '```json\n{"name": "Ada", "langs": ["en", "fr"]}\n```'
    with capture_output() as cap:
        renderer = notebook(shell, clock, "json")
        renderer.start("m")
        stream(renderer, text, clock, dt=0.3)
        renderer.finish(None, None)
    assert all(set(o.data) == {"text/plain"} for o in cap.outputs[1:-1])  # after the waiting indicator
    final = cap.outputs[-1]
    assert final.data["application/json"] == {"name": "Ada", "langs": ["en", "fr"]}
    assert final.data["text/plain"].startswith('{\n  "name": "Ada"')
    assert final.metadata["application/json"]["expanded"] is False


def test_invalid_json_is_shown_raw_with_the_parse_error(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock, "json")
        renderer.start("m")
        renderer.text('{"a": ')
        renderer.finish(None, None)
    (state,) = final_states(cap.outputs)
    assert state["text/plain"].startswith('{"a": \n⚠ not valid JSON')


def test_html_format_renders_html_at_the_end(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock, "html")
        renderer.start("m")
        stream(renderer, "<b>bold</b> move", clock, dt=0.3)
        renderer.finish(None, None)
    assert "text/html" not in cap.outputs[-2].data
    assert final_states(cap.outputs) == [{"text/html": '<div class="orm-answer mathjax_ignore tex2jax_ignore">'
                                                       "<b>bold</b> move</div>", "text/plain": "<b>bold</b> move"}]


def test_every_display_has_a_real_text_plain(shell, clock):
    with capture_output() as cap:
        for fmt in ("markdown", "text", "code", "json", "html"):
            renderer = notebook(shell, clock, fmt)
            renderer.start("m")
            renderer.reasoning("hmm")
            stream(renderer, '{"k": [1, 2]}\n\nmore', clock, dt=0.3)
            renderer.finish(None, "footer line")
    for output in cap.outputs:
        assert "text/plain" in output.data
        assert "object>" not in output.data["text/plain"]


def test_an_interrupted_answer_keeps_its_partial_text_marked(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        stream(renderer, "Partial answer that stops", clock, dt=0.01)
        renderer.finish(ChatResponse(text="Partial answer that stops", interrupted=True), "footer")
    states = final_states(cap.outputs)
    assert answer_markdown(cap.outputs) == "Partial answer that stops"
    assert [s["text/plain"] for s in states[-2:]] == ["[interrupted]", "footer"]


def test_a_failure_before_the_first_token_replaces_the_indicator_with_the_error(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        renderer.fail(None, "⚠ 502: provider down")
    assert [s["text/plain"] for s in final_states(cap.outputs)] == ["⚠ 502: provider down"]


def test_a_response_that_was_not_streamed_is_rendered_at_finish(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        renderer.finish(ChatResponse(text="Whole answer.\n\nSecond block.", reasoning="why"), None)
    states = final_states(cap.outputs)
    assert "why" in states[0]["text/plain"]
    assert answer_markdown(cap.outputs) == "Whole answer.\n\nSecond block."


def test_the_footer_is_small_grey_html_under_the_answer(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        renderer.text("A")
        renderer.finish(None, "m via P · $0.1 <x>")
    footer = final_states(cap.outputs)[-1]
    assert footer["text/plain"] == "m via P · $0.1 <x>"
    assert "color:#888" in footer["text/html"] and "&lt;x&gt;" in footer["text/html"]


async def test_started_inside_an_event_loop_the_renderer_ticks_by_itself(shell):
    with capture_output() as cap:
        renderer = NotebookRenderer(shell=shell, refresh_interval=0.05)
        renderer.start("m")
        await asyncio.sleep(0.38)
        renderer.finish(None, None)
        count = len(cap.outputs)
        await asyncio.sleep(0.06)
    assert count >= 5  # 0.0s, 0.1s, 0.2s, 0.3s, then the final state: the waiting indicator was refreshed while no token arrived
    assert len(cap.outputs) == count  # and ticking stopped at finish


def test_make_renderer_picks_notebook_when_displays_are_captured_and_terminal_otherwise(shell):
    assert make_renderer(shell=shell).__class__.__name__ == "TerminalRenderer"  # bare shell prints text/plain
    with capture_output():
        assert isinstance(make_renderer(shell=shell), NotebookRenderer)
    assert make_renderer(kind="null").__class__.__name__ == "NullRenderer"
    with pytest.raises(ValueError, match="unknown format"):
        make_renderer("yaml")


def test_close_before_any_token_removes_the_waiting_indicator(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        renderer.close()
        renderer.close()
        renderer.text("too late")
    assert final_states(cap.outputs) == [{"text/html": "", "text/plain": ""}]


def test_close_after_some_text_keeps_it(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        renderer.start("m")
        stream(renderer, "Some text.\n\nMore", clock, dt=0.3)
        renderer.close()
    assert answer_markdown(cap.outputs) == "Some text.\n\nMore"


def test_without_start_reasoning_and_text_still_use_one_display_each(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock)
        for piece in ("a", "b", "c"):
            clock.now += 1
            renderer.reasoning(piece)
        stream(renderer, "Answer", clock, chunk=2, dt=1)
        renderer.finish(None, None)
    states = final_states(cap.outputs)
    assert len(states) == 2
    assert states[0]["text/plain"].endswith("\nabc") and states[1]["text/plain"] == "Answer"


def test_code_without_a_language_is_highlighted_as_python(shell, clock):
    with capture_output() as cap:
        renderer = notebook(shell, clock, "code")
        renderer.start("m")
        renderer.text("x = 1\n")
        renderer.finish(None, None)
    (state,) = final_states(cap.outputs)
    assert state["text/plain"] == "x = 1"
    assert '<code class="language-python">x = <span style="color:#' in state["text/html"]  # 1 is coloured
