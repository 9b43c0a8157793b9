"""The response cache (DESIGN §8): the request key, exact round trips of answers, what put refuses.

Stats, pruning, damaged files, several kernels at once and the API key's absence: tests/_accounting/test_cache_store.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest

from cache_helpers import BASE, PNG, assert_same, body, full_response
from openrouter_magic._accounting import ResponseCache
from openrouter_magic._accounting.cache_codec import CachedImage, cache_key, canonical_body
from openrouter_magic._client.chunks import parse_completion
from openrouter_magic._core.types import ChatResponse, Usage


# -- the key -------------------------------------------------------------------------------------------

SAME = [
    ("keys reordered", dict(reversed(list(body().items())))),
    ("schema keys reordered", body(response_format={"json_schema": {"schema": {"properties": {
        "score": {"type": "number"}, "label": {"type": "string"}}, "type": "object"}, "name": "Label"},
        "type": "json_schema"})),
    ("stream on", body(stream=True)),
    ("stream_options", body(stream=True, stream_options={"include_usage": True})),
    ("usage switch", body(usage={"include": True})),
    ("sticky-routing session id", body(session_id="chat-42")),
]
DIFFERENT = [
    ("model", body(model="openai/gpt-4o")),
    ("temperature", body(temperature=0.3)),
    ("temperature dropped", {k: v for k, v in body().items() if k != "temperature"}),
    ("system", body(messages=[{"role": "system", "content": "Be kind."}, body()["messages"][1]])),
    ("user message", body(messages=[body()["messages"][0], {"role": "user", "content": "Label: bad café"}])),
    ("one more message", body(messages=[*body()["messages"], {"role": "assistant", "content": "ok"}])),
    ("schema", body(response_format={"type": "json_schema", "json_schema": {"name": "Label", "schema": {
        "type": "object", "properties": {"label": {"type": "string"}}}}})),
    ("max_tokens", body(max_tokens=51)),
    ("tools", body(tools=[{"type": "function", "function": {"name": "lookup", "parameters": {}}}])),
]


@pytest.mark.parametrize(("case", "other"), SAME, ids=[c for c, _ in SAME])
def test_key_ignores_key_order_and_the_stream_and_usage_switches(case, other):
    assert cache_key(other, BASE) == cache_key(body(), BASE)


@pytest.mark.parametrize(("case", "other"), DIFFERENT, ids=[c for c, _ in DIFFERENT])
def test_key_changes_with_anything_that_changes_the_answer(case, other):
    assert cache_key(other, BASE) != cache_key(body(), BASE)


def test_key_depends_on_the_base_url_but_not_its_trailing_slash():
    assert cache_key(body(), BASE) == cache_key(body(), BASE + "/")
    assert cache_key(body(), BASE) != cache_key(body(), "http://127.0.0.1:8080/api/v1")


def test_canonical_body_is_sorted_compact_unicode_json_and_the_key_is_its_sha256():
    text = canonical_body({"b": 1, "stream": True, "a": {"d": "é", "c": [2, 1]}})
    assert text == '{"a":{"c":[2,1],"d":"é"},"b":1}'
    want = hashlib.sha256(f"{BASE}\n{text}".encode()).hexdigest()
    assert cache_key({"b": 1, "stream": True, "a": {"d": "é", "c": [2, 1]}}, BASE) == want


@pytest.mark.parametrize(("case", "other"), SAME[:1] + DIFFERENT, ids=["reordered"] + [c for c, _ in DIFFERENT])
def test_the_cache_hits_a_reordered_request_and_misses_a_changed_one(tmp_path, case, other):
    cache = ResponseCache(tmp_path / "cache.sqlite3")
    assert cache.put(cache_key(body(), BASE), full_response(), model="openai/gpt-4o-mini")
    hit = cache.get(cache_key(other, BASE))
    assert (hit is not None) == (case == "keys reordered")
    cache.close()


# -- the value -----------------------------------------------------------------------------------------

def test_every_field_of_an_answer_round_trips_exactly_through_the_file(tmp_path):
    key = cache_key(body(), BASE)
    before = datetime.now(timezone.utc)
    writer = ResponseCache(tmp_path / "cache.sqlite3")
    assert writer.put(key, full_response(), model="openai/gpt-4o-mini", images=[(PNG, "image/png")],
                      extra={"server_cache_status": "MISS"})
    writer.close()
    reader = ResponseCache(tmp_path / "cache.sqlite3")  # a later kernel
    hit = reader.get(key)
    assert_same(hit.response, full_response())
    assert hit.images == (CachedImage(PNG, "image/png"),)
    assert hit.extra == {"server_cache_status": "MISS"}
    assert (hit.cost, hit.cost_source, hit.model) == (0.0123, "billed", "openai/gpt-4o-mini")
    assert before - timedelta(seconds=1) <= hit.first_run <= datetime.now(timezone.utc)
    reader.close()


def test_a_real_recorded_completion_round_trips_exactly(tmp_path, shared):
    payload = json.loads((shared / "responses" / "chat-completion.recorded.json").read_text())
    response = parse_completion(payload, "liquid/lfm-2.5-2.6b:free", ttft_s=0.8, elapsed_s=0.9)
    cache = ResponseCache(tmp_path / "cache.sqlite3")
    cache.put("k", response, model="liquid/lfm-2.5-2.6b:free")
    assert_same(cache.get("k").response, response)
    cache.close()


def test_an_estimated_cost_and_an_unknown_cost_are_kept_as_such(tmp_path):
    cache = ResponseCache(tmp_path / "cache.sqlite3")
    cache.put("est", full_response(usage=Usage(prompt_tokens=5)), model="m", cost=0.002, cost_source="estimated")
    cache.put("unk", full_response(usage=Usage(prompt_tokens=5)), model="m")
    assert (cache.get("est").cost, cache.get("est").cost_source) == (0.002, "estimated")
    assert (cache.get("unk").cost, cache.get("unk").cost_source) == (None, "unknown")
    cache.close()


REFUSED = [
    ("interrupted", full_response(interrupted=True), "ok"),
    ("failed part way", full_response(error="stream broke"), "ok"),
    ("finish reason error", full_response(finish_reason="error"), "ok"),
    ("native finish reason error", full_response(native_finish_reason="ERROR"), "ok"),
    ("empty and unfinished", ChatResponse(model="m"), "ok"),
    ("refused status", full_response(), "refused"),
    ("cancelled status", full_response(), "cancelled"),
    ("error status", full_response(), "error"),
]


@pytest.mark.parametrize(("case", "response", "status"), REFUSED, ids=[c for c, _, _ in REFUSED])
def test_put_refuses_answers_that_are_not_complete_successes(tmp_path, case, response, status):
    cache = ResponseCache(tmp_path / "cache.sqlite3")
    assert cache.put("k", response, model="m", status=status) is False
    assert cache.get("k") is None
    cache.close()


def test_an_image_only_answer_is_stored(tmp_path):
    cache = ResponseCache(tmp_path / "cache.sqlite3")
    assert cache.put("k", ChatResponse(model="m"), model="m", images=[CachedImage(PNG, "image/webp")])
    assert cache.get("k").images == (CachedImage(PNG, "image/webp"),)
    cache.close()


def test_a_later_put_for_the_same_request_replaces_the_entry(tmp_path):
    cache = ResponseCache(tmp_path / "cache.sqlite3")
    cache.put("k", full_response(text="first"), model="m")
    cache.put("k", full_response(text="second"), model="m")
    assert (cache.get("k").response.text, cache.stats().entries) == ("second", 1)
    cache.close()
