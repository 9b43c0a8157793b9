"""The terminal renderer writes plain text once, with no display messages; and the footer line."""

from __future__ import annotations

import io

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from openrouter_magic._core import cost_text
from openrouter_magic._render.select import TerminalRenderer, footer_text, make_renderer
from openrouter_magic._core.types import ChatResponse, Usage
from render_helpers import Clock


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_answer_is_printed_exactly_once_and_nothing_is_displayed():
    with capture_output() as cap:
        renderer = TerminalRenderer()
        renderer.start("m")
        for piece in ["Hello", " wor", "ld.\n\nBye"]:
            renderer.text(piece)
        renderer.finish(ChatResponse(text="Hello world.\n\nBye"), "m · $0.000100")
    assert cap.stdout == "Hello world.\n\nBye\nm · $0.000100\n"
    assert cap.outputs == []


def test_reasoning_is_prefixed_when_not_a_terminal_and_separated_from_the_answer():
    out = io.StringIO()
    renderer = TerminalRenderer(stream=out)
    renderer.start("m")
    renderer.reasoning("think\nmore")
    renderer.text("Answer")
    renderer.finish(None, None)
    assert out.getvalue() == "│ think\n│ more\n\nAnswer\n"


def test_reasoning_is_dimmed_on_a_terminal_and_the_waiting_line_is_erased_by_the_first_token():
    out, clock = FakeTTY(), Clock()
    renderer = TerminalRenderer(stream=out, clock=clock)
    renderer.start("m")
    clock.now += 1.0
    renderer.tick()
    renderer.reasoning("hmm")
    renderer.text("Yes")
    renderer.finish(None, "footer")
    value = out.getvalue()
    assert "waiting for first token… 1.0s" in value
    assert "\r\x1b[K\x1b[2mhmm\x1b[0m" in value
    assert value.endswith("Yes\n\x1b[2mfooter\x1b[0m\n")


def test_a_non_streamed_response_is_printed_at_finish():
    out = io.StringIO()
    renderer = TerminalRenderer(stream=out)
    renderer.start("m")
    renderer.finish(ChatResponse(text="All at once"), None)
    assert out.getvalue() == "All at once\n"


def test_an_interrupted_answer_ends_with_the_mark():
    out = io.StringIO()
    renderer = TerminalRenderer(stream=out)
    renderer.start("m")
    renderer.text("Partial")
    renderer.fail(ChatResponse(text="Partial", interrupted=True), "[interrupted]", "footer")
    assert out.getvalue() == "Partial\n[interrupted]\nfooter\n"


def test_make_renderer_gives_the_terminal_renderer_to_terminal_ipython():
    from IPython.terminal.interactiveshell import TerminalInteractiveShell

    InteractiveShell.clear_instance()
    shell = TerminalInteractiveShell.instance()
    try:
        assert isinstance(make_renderer(shell=shell), TerminalRenderer)
        with capture_output():  # even when its displays happen to be captured
            assert isinstance(make_renderer(shell=shell), TerminalRenderer)
    finally:
        TerminalInteractiveShell.clear_instance()


def test_make_renderer_gives_the_terminal_renderer_to_plain_python():
    InteractiveShell.clear_instance()  # no shell at all, as in a script
    assert isinstance(make_renderer(), TerminalRenderer)


RESPONSE = ChatResponse(
    model="anthropic/claude-sonnet-4.5",
    provider="Anthropic",
    usage=Usage(prompt_tokens=12, completion_tokens=345, reasoning_tokens=120, cost=0.000123),
    ttft_s=0.42,
    elapsed_s=3.1,
)


@pytest.mark.parametrize(
    ("kwargs", "expected_end"),
    [
        ({}, "· $0.000123"),
        ({"cost": 0.0042, "cost_source": "estimated"}, "· ≈$0.0042"),
        ({"session_total": 1.5}, "· $0.000123 · session $1.50"),
    ],
)
def test_the_footer_is_one_line_with_every_measure(kwargs, expected_end):
    text = footer_text(RESPONSE, **kwargs)
    assert text.startswith("anthropic/claude-sonnet-4.5 via Anthropic · 12 in / 345 out / 120 reasoning tokens")
    assert "first token 0.42 s · total 3.10 s · 129 tok/s" in text
    assert text.endswith(expected_end)
    assert "\n" not in text


def test_an_unknown_cost_is_a_question_mark_never_zero():
    response = ChatResponse(model="m", usage=Usage(prompt_tokens=1))
    assert footer_text(response) == "m · 1 in / ? out tokens · ?"


@pytest.mark.parametrize(
    ("cost", "source", "expected"),
    [(0.000123, "billed", "$0.000123"), (0.0, "billed", "$0"), (0.0123, "billed", "$0.0123"),
     (12.5, "billed", "$12.50"), (0.5, "estimated", "≈$0.50"), (None, "billed", "?"), (0.1, "unknown", "?")],
)
def test_costs_are_formatted_with_enough_digits(cost, source, expected):
    assert cost_text(cost, source) == expected


def test_close_erases_the_waiting_line_on_a_terminal():
    out, clock = FakeTTY(), Clock()
    renderer = TerminalRenderer(stream=out, clock=clock)
    renderer.start("m")
    renderer.close()
    assert out.getvalue().endswith("\r\x1b[K")
