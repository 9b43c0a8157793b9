"""The one partial-answer accumulator (``_client.PartialAnswer``): events in, the answer so far out."""

from __future__ import annotations

from openrouter_magic._client import PartialAnswer
from openrouter_magic._core import ChatResponse, Done, ReasoningDelta, TextDelta, ToolCallDelta, Usage, UsageEvent


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_text_and_reasoning_pieces_are_kept_in_order_and_returned_by_feed():
    so_far = PartialAnswer("a/b")
    pieces = [so_far.feed(e) for e in (ReasoningDelta("think "), TextDelta("Hel"), ToolCallDelta(0), TextDelta("lo"))]
    assert pieces == ["think ", "Hel", "", "lo"]
    assert (so_far.text, so_far.reasoning, so_far.reasoning_chars) == ("Hello", "think ", 6)


def test_reading_the_text_while_streaming_stays_in_step_with_the_pieces():
    so_far = PartialAnswer("a/b")
    seen = []
    for piece in ("a", "b", "c"):
        so_far.feed(TextDelta(piece))
        seen.append(so_far.text)
    assert seen == ["a", "ab", "abc"]


def test_a_partial_response_has_the_text_usage_and_timings_of_what_arrived():
    clock = Clock()
    so_far = PartialAnswer("a/b", clock=clock)
    clock.now += 0.5
    so_far.feed(TextDelta("partial"))
    so_far.feed(UsageEvent(Usage(prompt_tokens=3, completion_tokens=2, cost=0.001)))
    clock.now += 1.0
    partial = so_far.response(interrupted=True, error="interrupted")
    assert (partial.text, partial.model, partial.requested_model) == ("partial", "a/b", "a/b")
    assert partial.usage.cost == 0.001 and partial.ttft_s == 0.5 and partial.elapsed_s == 1.5
    assert partial.interrupted and partial.error == "interrupted"


def test_without_usage_the_cost_of_a_partial_is_unknown_never_zero():
    so_far = PartialAnswer("a/b")
    so_far.feed(TextDelta("x"))
    assert so_far.response().usage.cost is None and so_far.response().ttft_s is not None


def test_once_done_arrives_the_response_is_the_final_one():
    final = ChatResponse(text="whole", model="a/b", provider="P", generation_id="gen-1")
    so_far = PartialAnswer("a/b")
    so_far.feed(TextDelta("who"))
    so_far.feed(Done(final))
    assert so_far.final is final and so_far.response() is final
    assert so_far.response(interrupted=True).interrupted and so_far.response(interrupted=True).provider == "P"


def test_nothing_arrived_means_an_empty_partial_without_a_first_token_time():
    partial = PartialAnswer("a/b").response()
    assert partial.text == "" and partial.reasoning == "" and partial.ttft_s is None
