"""The stream's fast paths and bounds as pure table tests: the text-chunk template (it must mean exactly
what a full JSON parse means, or step aside), the SSE decoder's size limit, and bounded inflating."""

from __future__ import annotations

import json
import tracemalloc
import zlib

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrouter_magic._client.chunks import parse_chunk
from openrouter_magic._client.fastpath import ContentTemplate
from openrouter_magic._client.http import body_chunks
from openrouter_magic._client.sse import SSEDecoder, SSELimitError


def text_chunk(content: str, **extra) -> bytes:
    choice = {"index": 0, "delta": {"role": "assistant", "content": content}, "finish_reason": None,
              "native_finish_reason": None, "logprobs": None}
    body = {"id": "gen-1", "provider": "OpenAI", "model": "openai/gpt-4o", "object": "chat.completion.chunk",
            "created": 1, "choices": [choice], **extra}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def learned(data: bytes = b"") -> ContentTemplate:
    template = ContentTemplate()
    data = data or text_chunk("Hello")
    template.learn(data, parse_chunk(data))
    return template


def test_a_sibling_text_chunk_gives_its_content_without_a_parse():
    template = learned()
    assert template.match(text_chunk(" world")) == " world"
    assert template.match(text_chunk("")) == ""
    assert template.match(text_chunk("é日🙂\u2028")) == "é日🙂\u2028"


@pytest.mark.parametrize("other", [
    text_chunk('say "hi"'),                                   # an escape: parsed in full
    text_chunk("a\\b"), text_chunk("line\nbreak"), text_chunk("tab\t"),
    text_chunk("x", usage={"cost": 1}),                       # a usage field has its own meaning
    text_chunk("x", error={"code": 502, "message": "boom"}),
    text_chunk("x").replace(b'"finish_reason":null', b'"finish_reason":"stop"'),
    text_chunk("x").replace(b"gen-1", b"gen-2"),              # another generation's chunk
    text_chunk("x").replace(b'"content":"x"', b'"content": "x"'),
    text_chunk("x") + b" ",
    b"[DONE]",
])
def test_anything_but_a_sibling_text_chunk_is_left_to_the_full_parse(other):
    assert learned().match(other) is None


@pytest.mark.parametrize("chunk", [
    text_chunk("x", usage={"cost": 1}),
    text_chunk("x").replace(b'"finish_reason":null', b'"finish_reason":"stop"'),
    text_chunk("x").replace(b'"role":"assistant"', b'"reasoning":"r"'),
    text_chunk('say "hi"'),
    b'{"id":{"content":"x"},"choices":[{"delta":{"content":"x"}}]}',  # the key twice: never guess which
])
def test_only_a_plain_text_chunk_becomes_the_template(chunk):
    template = ContentTemplate()
    template.learn(chunk, parse_chunk(chunk))
    assert template.match(chunk) is None


def test_invalid_utf8_in_a_matching_chunk_raises_value_error_like_json_would():
    with pytest.raises(ValueError):
        learned().match(text_chunk("ab").replace(b'"ab"', b'"a\xffb"'))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=12))
def test_whatever_the_text_the_template_agrees_with_json_or_steps_aside(text):
    data = text_chunk(text)
    got = learned().match(data)
    assert got is None or got == parse_chunk(data)["choices"][0]["delta"]["content"]
    if not any(c in text for c in '"\\') and all(ord(c) >= 0x20 for c in text):
        assert got == text


# -- the decoder's bound -------------------------------------------------------------------------------

def test_a_line_over_the_limit_raises_before_it_is_joined():
    decoder = SSEDecoder(limit=1000)
    decoder.feed(b"data: " + b"x" * 600)
    with pytest.raises(SSELimitError, match="longer than 1,000 bytes"):
        decoder.feed(b"x" * 600)
    assert decoder.partial == 0


def test_an_event_of_many_lines_over_the_limit_raises_too():
    decoder = SSEDecoder(limit=1000)
    with pytest.raises(SSELimitError, match="event"):
        decoder.feed(b"".join(b"data: " + b"y" * 99 + b"\n" for _ in range(20)))


def test_lines_just_under_the_limit_pass_whatever_the_split():
    decoder, payload = SSEDecoder(limit=1000), b"z" * 900
    raw = b"data: " + payload + b"\n\n"
    assert [p for i in range(0, len(raw), 7) for p in decoder.feed(raw[i:i + 7])] == [payload]


def test_a_50_mb_line_costs_at_most_about_the_limit_in_memory():
    decoder, piece = SSEDecoder(limit=8 * 2**20), b"data: " + b"x" * (64 * 1024 - 6)
    tracemalloc.start()
    try:
        with pytest.raises(SSELimitError):
            for _ in range(50 * 2**20 // len(piece)):
                decoder.feed(piece)
                piece = b"x" * len(piece)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 8 * 2**20


@pytest.mark.parametrize("name", ["llm-openrouter__test_prompt@603cd08__1.sse.txt",
                                  "pydantic-ai__test_openrouter_web_search_tool_usage_stream__0.sse.txt"])
def test_most_chunks_of_a_real_stream_take_the_fast_path(name):
    from tests.conftest import shared_path

    template, fast, payloads = ContentTemplate(), 0, SSEDecoder().feed(shared_path("streams", name).read_bytes())
    for data in payloads[:-1]:
        if template.match(data) is not None:
            fast += 1
        else:
            template.learn(data, parse_chunk(data))
    assert fast >= len(payloads) * 0.6


# -- bodies: inflated by us, 64 KiB at a time ---------------------------------------------------------

def _deflated(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(wbits=wbits)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(("encoding", "wbits"), [("gzip", 31), ("deflate", 15), ("deflate", -15)])
async def test_gzip_zlib_and_raw_deflate_bodies_are_inflated_in_bounded_pieces(encoding, wbits):
    plain = b"data: " + b"z" * 1_000_000 + b"\n\n"
    packed = _deflated(plain, wbits)
    reads = [packed[i:i + 1000] for i in range(0, len(packed), 1000)]
    response = httpx.Response(200, headers={"content-encoding": encoding}, stream=_Reads(reads))
    pieces = [piece async for piece in body_chunks(response)]
    assert b"".join(pieces) == plain and max(map(len, pieces)) <= 64 * 1024


async def test_corrupt_deflate_data_raises_httpx_decoding_error():
    response = httpx.Response(200, headers={"content-encoding": "gzip"}, stream=_Reads([b"\x1f\x8b not gzip"]))
    with pytest.raises(httpx.DecodingError, match="invalid gzip data"):
        _ = [piece async for piece in body_chunks(response)]


class _Reads(httpx.AsyncByteStream):
    def __init__(self, reads: list[bytes]) -> None:
        self.reads = reads

    async def __aiter__(self):
        for read in self.reads:
            yield read
