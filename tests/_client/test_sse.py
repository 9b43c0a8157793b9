"""SSE framing (bytes → payloads) and chunk meaning (payload → events + ChatResponse), as table tests
and property tests over every real stream in ../shared/openrouter/streams/."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrouter_magic._client.chunks import StreamAccumulator, parse_chunk, parse_completion
from openrouter_magic._core.errors import StreamError
from openrouter_magic._client.sse import DONE, SSEDecoder
from openrouter_magic._client.stream import StreamRun
from openrouter_magic._core.types import Done, ReasoningDelta, TextDelta, ToolCallDelta, UsageEvent
from tests.conftest import SHARED, shared_path

STREAM_FILES = sorted(p.name for p in (SHARED / "streams").glob("*.sse.txt")) if SHARED.is_dir() else ["(none)"]


def frame(*reads: bytes) -> list[bytes]:
    decoder = SSEDecoder()
    return [payload for read in reads for payload in decoder.feed(read)]


# -- framing -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("reads", "expected"), [
    ([b"data: a\n\n"], [b"a"]),
    ([b"data:a\n\n"], [b"a"]),                                   # the space after the colon is optional
    ([b"data:  a\n\n"], [b" a"]),                                # only one space is removed
    ([b": OPENROUTER PROCESSING\n\ndata: a\n\n"], [b"a"]),        # keep-alive comments are dropped
    ([b":\n\n: \n\ndata: a\n\n"], [b"a"]),                        # bare comments too
    ([b"data: a\ndata: b\n\n"], [b"a\nb"]),                      # multi-line data is joined with LF
    ([b"data\n\n"], [b""]),                                      # a bare field name is an empty value
    ([b"event: x\nid: 1\nretry: 5\ndata: a\n\n"], [b"a"]),       # other fields are ignored
    ([b"id: 1\n\n"], []),                                        # an event without data is not dispatched
    ([b"data: a\r\n\r\ndata: b\r\rdata: c\n\n"], [b"a", b"b", b"c"]),  # CRLF, CR and LF all end lines
    ([b"data: a\r", b"\n\r", b"\n"], [b"a"]),                    # CRLF split across reads is one line end
    ([b"data: a\r", b"\ndata: b\r\n\r\n"], [b"a\nb"]),        # …so both lines stay in one event
    ([b"data: a\r", b"\r"], [b"a"]),                             # CR CR is a blank line, even split
    ([b"\xef\xbb\xbfdata: a\n\n"], [b"a"]),                      # a UTF-8 BOM opens the stream
    ([b"\xef", b"\xbb\xbf", b"data: a\n\n"], [b"a"]),
    ([b"data: a\n\ndata: unfinished"], [b"a"]),                  # an event without its blank line is dropped
    ([b"da", b"ta: ", b"a", b"\n", b"\n"], [b"a"]),
    ([b"data: [DONE]\n\n"], [DONE]),
    ([b'data: {"c":"[DONE]"}\n\n'], [b'{"c":"[DONE]"}']),         # [DONE] inside content is just text
    ([b"data: a\n\n: k\n\ndata: b\n\ndata: c\n\n"], [b"a", b"b", b"c"]),  # many events in one read
    ([b"data: a\n\n\n\ndata: b\n\n\ndata: c\n\n"], [b"a", b"b", b"c"]),  # runs of blank lines
    ([b"data: a\n", b"\ndata: b\n\n"], [b"a", b"b"]),            # the blank line opens the next read
    ([b"data: a\ndata: b\n\ndata:c\n\ndata\n\n"], [b"a\nb", b"c", b""]),
    ([b"data: a\n\n: k\ndata: b\n\n"], [b"a", b"b"]),           # a comment inside an event
])
def test_framing_table(reads, expected):
    assert frame(*reads) == expected


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c", "é", "日本", "🙂"])
def test_unicode_line_separators_and_multibyte_characters_never_split_a_line(char):
    payload = json.dumps({"c": f"a{char}b"}, ensure_ascii=False).encode()
    raw = b"data: " + payload + b"\n\n"
    assert frame(*[raw[i:i + 1] for i in range(len(raw))]) == [payload]
    assert parse_chunk(payload) == {"c": f"a{char}b"}


def test_a_long_line_arriving_in_many_reads_is_rejoined():
    payload = b'{"c":"' + b"x" * 100_000 + b'"}'
    raw = b"data: " + payload + b"\n\n"
    assert frame(*[raw[i:i + 997] for i in range(0, len(raw), 997)]) == [payload]


@pytest.mark.parametrize(("data", "ok"), [(b'{"a": 1}', True), (b' {"a": 1} ', True), (b'{"a": 1', False),
                                          (b'{"a": 1} x', False), (b"\xff\xfe", False), (b"", False)])
def test_parse_chunk_accepts_json_and_raises_value_error_otherwise(data, ok):
    if ok:
        assert parse_chunk(data) == {"a": 1}
    else:
        with pytest.raises(ValueError):
            parse_chunk(data)


# -- meaning -----------------------------------------------------------------------------------------

def chunk(delta=None, finish=None, **top):
    choice = {"index": 0, "delta": {"role": "assistant", "content": "", **(delta or {})},
              "finish_reason": finish, "native_finish_reason": finish}
    return {"id": "gen-1-abc", "model": "m/x", "provider": "P", "choices": [choice], **top}


USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, "cost": 0.25,
         "completion_tokens_details": {"reasoning_tokens": 1}}


def test_text_deltas_become_text_events_and_the_response_text():
    acc = StreamAccumulator("m/requested")
    events = acc.feed(chunk({"content": "Hel"})) + acc.feed(chunk({"content": "lo"})) + acc.feed(chunk(finish="stop"))
    assert events == [TextDelta("Hel"), TextDelta("lo")]
    response = acc.response()
    assert (response.text, response.model, response.requested_model, response.provider) == ("Hello", "m/x",
                                                                                             "m/requested", "P")
    assert (response.generation_id, response.finish_reason, response.native_finish_reason) == ("gen-1-abc", "stop",
                                                                                               "stop")


@pytest.mark.parametrize("shape", [
    lambda: chunk(),                                                        # 1: empty delta, null reasons
    lambda: {"id": "gen-1-abc", "choices": []},                             # 2: choices: []
    lambda: chunk(finish="stop", service_tier="default"),                   # 3: repeats the finish reason
])
def test_all_three_usage_chunk_shapes_give_usage_and_cost(shape):
    acc = StreamAccumulator()
    acc.feed(chunk({"content": "hi"}, finish="stop"))
    events = acc.feed({**shape(), "usage": USAGE})
    assert events == [UsageEvent(acc.usage)]
    response = acc.response()
    assert (response.cost, response.usage.prompt_tokens, response.usage.reasoning_tokens) == (0.25, 3, 1)
    assert response.finish_reason == "stop"


def test_reasoning_and_its_details_are_kept_and_fragments_merged():
    acc = StreamAccumulator()
    detail = {"type": "reasoning.text", "format": "anthropic-claude-v1", "index": 0}
    events = acc.feed(chunk({"reasoning": "Thi", "reasoning_details": [{**detail, "text": "Thi"}]}))
    acc.feed(chunk({"reasoning": "nk", "reasoning_details": [{**detail, "text": "nk"}]}))
    acc.feed(chunk({"reasoning": None, "reasoning_details": [{**detail, "signature": "sig"}]}))
    acc.feed(chunk({"reasoning_details": [{"type": "reasoning.encrypted", "data": "xyz", "index": 1}]}))
    assert events == [ReasoningDelta("Thi", ({**detail, "text": "Thi"},))]
    response = acc.response()
    assert response.reasoning == "Think"
    assert response.reasoning_details == ({**detail, "text": "Think", "signature": "sig"},
                                          {"type": "reasoning.encrypted", "data": "xyz", "index": 1})


def test_tool_call_fragments_are_assembled_by_index():
    acc = StreamAccumulator()
    first = [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "f", "arguments": ""}},
             {"index": 1, "id": "call_b", "type": "function", "function": {"name": "g", "arguments": "{"}}]
    events = acc.feed(chunk({"content": None, "tool_calls": first}))
    acc.feed(chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x":'}}]}))
    acc.feed(chunk({"tool_calls": [{"index": 1, "function": {"arguments": "}"}}]}))
    acc.feed(chunk({"tool_calls": [{"index": 0, "function": {"arguments": " 1}"}}]}, finish="tool_calls"))
    assert events[0] == ToolCallDelta(0, "call_a", "f", "")
    calls = acc.response().tool_calls
    assert [(c.id, c.name, json.loads(c.arguments)) for c in calls] == [("call_a", "f", {"x": 1}), ("call_b", "g", {})]
    assert acc.response().finish_reason == "tool_calls"


def test_annotations_are_collected():
    acc = StreamAccumulator()
    citation = {"type": "url_citation", "url_citation": {"url": "https://example.org", "title": "Ex"}}
    acc.feed(chunk({"content": "See", "annotations": [citation]}))
    assert acc.response().annotations == (citation,)


@pytest.mark.parametrize(("error", "finish", "code"), [
    ({"code": 429, "message": "Rate limit exceeded", "metadata": {"error_type": "rate_limit_exceeded"}}, "error", 429),
    ({"code": "server_error", "message": "Rate limit exceeded"}, "error", "server_error"),
    ({"code": 400, "message": "Rate limit exceeded"}, None, 400),                 # the real 2025 shape
])
def test_an_error_chunk_raises_stream_error_with_partial_text_and_usage(error, finish, code):
    acc = StreamAccumulator()
    acc.feed(chunk({"content": "partial "}))
    with pytest.raises(StreamError) as caught:
        acc.feed({**chunk(finish=finish), "error": error, "usage": USAGE})
    err = caught.value
    assert (err.code, err.message) == (code, "Rate limit exceeded")
    assert err.partial.text == "partial "
    assert err.partial.cost == 0.25
    assert err.partial.error == "Rate limit exceeded"


def test_a_choice_level_error_is_a_failure_too():
    acc = StreamAccumulator()
    bad = chunk(finish="error")
    bad["choices"][0]["error"] = {"code": 502, "message": "Provider returned error"}
    with pytest.raises(StreamError, match="Provider returned error"):
        acc.feed(bad)


@pytest.mark.parametrize("value", [[], "x", 3, None])
def test_a_chunk_that_is_not_an_object_is_a_clear_stream_error(value):
    with pytest.raises(StreamError, match="malformed"):
        StreamAccumulator().feed(value)


def test_the_recorded_non_streamed_completion_parses(shared):
    payload = json.loads((shared / "responses" / "chat-completion.recorded.json").read_text())
    response = parse_completion(payload, "liquid/lfm-2.5-2.6b:free", elapsed_s=1.0)
    assert (response.text, response.provider, response.finish_reason) == ("pong", "Liquid", "stop")
    assert response.reasoning.startswith("The user wants")
    assert response.usage.reasoning_tokens == 76 and response.cost == 0
    assert response.generation_id == payload["id"] and response.reasoning_details[0]["type"] == "reasoning.text"


# -- the real streams: whole, byte by byte, and at random split points ------------------------------

def reference(raw: bytes) -> dict:
    """A deliberately plain second reading of a (LF-framed) recording: json.loads of each data line."""
    text, reasoning, tools, usage = [], [], {}, None
    for line in raw.decode().split("\n"):
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        obj = json.loads(line[6:])
        usage = obj.get("usage") or usage
        for choice in obj.get("choices") or []:
            delta = choice.get("delta") or {}
            text.append(delta.get("content") or "")
            reasoning.append(delta.get("reasoning") or "")
            for call in delta.get("tool_calls") or []:
                entry = tools.setdefault(call["index"], ["", ""])
                entry[0] += call.get("function", {}).get("name") or ""
                entry[1] += call.get("function", {}).get("arguments") or ""
    return {"text": "".join(text), "reasoning": "".join(reasoning), "tools": [tuple(v) for _, v in sorted(tools.items())],
            "usage": usage, "cost": (usage or {}).get("cost")}


def replay(reads) -> dict:
    """Framing, then the client's own meaning path (the text fast path included), read by read."""
    decoder, run, done = SSEDecoder(), StreamRun("m"), False
    for read in reads:
        payloads = decoder.feed(read)
        assert not (done and payloads) and DONE not in payloads[:-1], "nothing may follow [DONE]"
        events, failure = run.meaning(payloads)
        assert failure is None
        done = done or bool(events and isinstance(events[-1], Done))
    assert done
    response = run.acc.response()
    return {"text": response.text, "reasoning": response.reasoning,
            "tools": [(c.name, c.arguments) for c in response.tool_calls],
            "usage": response.usage.raw or None, "cost": response.cost}


@pytest.mark.parametrize("name", STREAM_FILES)
def test_every_recorded_stream_parses_whole_and_byte_by_byte_to_the_reference_reading(name):
    raw = shared_path("streams", name).read_bytes()
    expected = reference(raw)
    assert expected["text"] or expected["tools"] or expected["reasoning"]
    assert replay([raw]) == expected
    assert replay(raw[i:i + 1] for i in range(len(raw))) == expected  # every byte boundary is a split point


@pytest.mark.parametrize("name", STREAM_FILES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_recorded_stream_gives_the_same_result_at_random_split_points(name, data):
    raw = shared_path("streams", name).read_bytes()
    cuts = sorted(data.draw(st.sets(st.integers(1, len(raw) - 1), max_size=40)))
    reads = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)])]
    assert replay(reads) == reference(raw)


@pytest.mark.parametrize("name", STREAM_FILES)
def test_every_recorded_stream_means_the_same_with_crlf_or_cr_line_ends(name):
    raw = shared_path("streams", name).read_bytes()
    for ending in (b"\r\n", b"\r"):
        assert replay([raw.replace(b"\n", ending)]) == reference(raw)


TRICKY = st.lists(st.sampled_from(["a", " ", "é", "日", "🙂", "\u2028", "\u2029", "\u0085", "\r\n", "\r",
                                            "\n", "[DONE]", "data: ", ": ", "\\", '"', "\x00"]), max_size=12).map("".join)


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(TRICKY, min_size=1, max_size=15), ending=st.sampled_from([b"\n", b"\r\n", b"\r"]),
       comments=st.booleans(), data=st.data())
def test_generated_streams_survive_any_split_and_any_line_ending(pieces, ending, comments, data):
    events = [b": OPENROUTER PROCESSING"] if comments else []
    for piece in pieces:
        events.append(b"data: " + json.dumps(chunk({"content": piece}), ensure_ascii=False).encode())
        if comments:
            events.append(b": keep-alive")
    events += [b"data: " + json.dumps({**chunk(finish="stop"), "usage": USAGE}).encode(), b"data: [DONE]"]
    raw = b"".join(e + ending + ending for e in events)
    cuts = sorted(data.draw(st.sets(st.integers(1, len(raw) - 1), max_size=30)))
    reads = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)])]
    result = replay(reads)
    assert result["text"] == "".join(pieces)
    assert result["cost"] == 0.25


@pytest.mark.parametrize("odd", [
    {"choices": [{"delta": {"content": [{"type": "text", "text": "x"}]}}]},
    {"choices": [{"delta": "text"}]},
    {"choices": ["x"]},
    {"choices": {"0": {}}},
    {"choices": [{"delta": {"tool_calls": ["x", {"function": None}, {"function": "f"}]}}]},
    {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"name": 3, "arguments": {"a": 1}}}]}}]},
    {"choices": [{"delta": {"reasoning": 5, "reasoning_details": "x", "annotations": ["x"]}}]},
    {"usage": {"prompt_tokens": "many", "cost": "0.1"}},
])
def test_odd_shapes_inside_a_chunk_are_ignored_rather_than_crashing(odd):
    acc = StreamAccumulator()
    acc.feed(chunk({"content": "ok"}))
    acc.feed(odd)
    response = acc.response()
    assert response.text == "ok" and response.error is None


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["choices", "delta", "content", "usage", "error", "tool_calls", "index",
                                         "function", "name", "arguments", "reasoning", "reasoning_details",
                                         "finish_reason", "id", "model", "cost", "code", "message", "text"]),
                        inner, max_size=4), max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(JSON, max_size=6), noise=st.binary(max_size=40))
def test_arbitrary_bytes_and_json_only_ever_raise_our_errors(values, noise):
    decoder, acc = SSEDecoder(), StreamAccumulator()
    raw = b"".join(b"data: " + json.dumps(v).encode() + b"\n\n" for v in values) + noise + b"\n\n"
    payloads = decoder.feed(raw)
    for payload in payloads:
        try:
            acc.feed(parse_chunk(payload))
        except (ValueError, StreamError):
            pass
    assert isinstance(acc.response().text, str)
    for start in range(len(payloads)):  # the client's own path (template included) fails only in our ways
        _, failure = StreamRun("m").meaning(payloads[start:] + payloads)
        assert failure is None or isinstance(failure, (ValueError, StreamError))
