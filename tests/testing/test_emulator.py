"""The emulator over real loopback HTTP, driven with httpx directly (not our client)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal

import httpx
import pytest

from conftest import shared_path
from openrouter_magic.testing import FakeOpenRouter

KEY = "sk-or-v1-emulator-test-key-0001"
HI = [{"role": "user", "content": "Say hello."}]


@pytest.fixture
def http(fake):
    """An httpx client with a bearer key, pointed at the running emulator."""
    with httpx.Client(base_url=fake.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as client:
        yield client


def eventually(predicate, timeout=5.0):
    """Poll a condition that the server thread makes true soon after the client saw the effect."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def chat(http, **body):
    body.setdefault("model", "openai/gpt-4o-mini")
    body.setdefault("messages", HI)
    return http.post("/chat/completions", json=body)


def stream_events(http, **body):
    """(response headers, list of raw SSE lines without blanks) for one streamed chat."""
    body.setdefault("model", "openai/gpt-4o-mini")
    body.setdefault("messages", HI)
    with http.stream("POST", "/chat/completions", json={**body, "stream": True}) as response:
        lines = [line for line in response.iter_lines() if line]
        return response, lines


def data_chunks(lines):
    return [json.loads(line[6:]) for line in lines if line.startswith("data: {")]


def streamed_text(chunks):
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))


# --------------------------------------------------------------------------------------------- chat JSON

def test_chat_json_answer_has_the_real_fields_and_generation_header(http):
    response = chat(http)
    body = response.json()
    assert response.status_code == 200
    assert response.headers["x-generation-id"] == body["id"]
    assert body["id"].startswith("gen-") and len(body["id"].split("-")[2]) == 20
    assert body["object"] == "chat.completion" and body["provider"] == "OpenAI"
    choice = body["choices"][0]
    assert choice["finish_reason"] == choice["native_finish_reason"] == "stop"
    assert choice["logprobs"] is None and choice["message"]["refusal"] is None
    assert {"cost", "is_byok", "cost_details", "prompt_tokens_details", "completion_tokens_details"} <= set(body["usage"])


def test_same_model_and_messages_give_the_same_text_and_other_prompts_differ(http):
    first = chat(http).json()["choices"][0]["message"]["content"]
    again = chat(http).json()["choices"][0]["message"]["content"]
    other = chat(http, messages=[{"role": "user", "content": "Something else entirely"}]).json()
    assert first == again
    assert other["choices"][0]["message"]["content"] != first
    assert 40 <= len(first.split()) <= 140


def test_a_prompt_about_code_gets_a_fenced_code_block_in_paragraphs(http):
    text = chat(http, messages=[{"role": "user", "content": "Write a python function"}]).json()
    content = text["choices"][0]["message"]["content"]
    assert "```python\n" in content and "\n\n" in content


def test_cost_is_prompt_and_completion_tokens_times_catalog_prices(http, fake):
    body = chat(http, model="anthropic/claude-sonnet-4.5").json()
    usage = body["usage"]
    pricing = fake.catalog.by_id["anthropic/claude-sonnet-4.5"]["pricing"]
    expected = usage["prompt_tokens"] * Decimal(pricing["prompt"]) + usage["completion_tokens"] * Decimal(
        pricing["completion"])
    assert usage["cost"] == pytest.approx(float(expected), rel=1e-12)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert fake.cost_of(body["id"]) == usage["cost"]


def test_free_variant_costs_nothing(http):
    body = chat(http, model="meta-llama/llama-3.3-70b-instruct:free").json()
    assert body["model"] == "meta-llama/llama-3.3-70b-instruct:free"
    assert body["usage"]["cost"] == 0


def test_router_priced_minus_one_serves_and_bills_a_concrete_model(http, fake):
    body = chat(http, model="openrouter/auto").json()
    assert body["model"] != "openrouter/auto"
    served = fake.catalog.by_id[body["model"]]
    assert body["usage"]["cost"] > 0 and served["pricing"]["prompt"] != "-1"


def test_unknown_model_gets_the_real_400_body(http):
    response = chat(http, model="nonexistent/not-a-model:free")
    assert response.status_code == 400
    assert response.json()["error"] == {"message": "nonexistent/not-a-model:free is not a valid model ID",
                                        "code": 400}


def test_missing_messages_gets_the_real_400_body(http):
    response = http.post("/chat/completions", json={"model": "openai/gpt-4o-mini"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == 'Input required: specify "prompt" or "messages"'


def test_max_tokens_caps_the_answer_with_finish_reason_length(http):
    body = chat(http, max_tokens=3).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3
    assert len(body["choices"][0]["message"]["content"]) == 12


# ------------------------------------------------------------------------------------------------- auth

def test_missing_key_gets_the_real_401_body(fake):
    response = httpx.post(f"{fake.base_url}/chat/completions", json={"model": "openai/gpt-4o", "messages": HI})
    assert response.status_code == 401
    assert response.json() == {"error": {"message": "No cookie auth credentials found", "code": 401}}


def test_wrong_key_is_refused_when_the_emulator_has_a_key():
    with FakeOpenRouter(api_key="sk-or-v1-right") as fake:
        wrong = httpx.get(f"{fake.base_url}/key", headers={"Authorization": "Bearer sk-or-v1-wrong"})
        right = httpx.get(f"{fake.base_url}/key", headers={"Authorization": "Bearer sk-or-v1-right"})
    assert wrong.status_code == 401 and wrong.json()["error"]["message"] == "User not found."
    assert right.status_code == 200


def test_models_need_no_key(fake):
    assert httpx.get(f"{fake.base_url}/models").status_code == 200


# ---------------------------------------------------------------------------------------------- streams

def test_stream_has_keepalive_headers_chunks_usage_and_done(http):
    response, lines = stream_events(http)
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["x-generation-id"].startswith("gen-")
    assert lines[0] == ": OPENROUTER PROCESSING" and lines[-1] == "data: [DONE]"
    chunks = data_chunks(lines)
    assert all(c["choices"][0]["delta"]["role"] == "assistant" for c in chunks)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop" and "usage" not in chunks[-2]
    assert chunks[-1]["usage"]["cost"] > 0


def test_stream_text_equals_the_json_answer(http):
    json_text = chat(http).json()["choices"][0]["message"]["content"]
    _, lines = stream_events(http)
    assert streamed_text(data_chunks(lines)) == json_text


@pytest.mark.parametrize("shape", [1, 2, 3])
def test_usage_chunk_comes_in_each_real_shape(fake, http, shape):
    fake.configure(usage_shape=shape)
    usage_chunk = data_chunks(stream_events(http)[1])[-1]
    choices = usage_chunk["choices"]
    if shape == 2:
        assert choices == []
    else:
        assert choices[0]["finish_reason"] == (None if shape == 1 else "stop")
    assert usage_chunk["usage"]["completion_tokens"] > 0


def test_chunk_chars_and_answer_tokens_set_the_number_of_deltas(fake, http):
    fake.configure(answer_tokens=50, chunk_chars=4)
    chunks = data_chunks(stream_events(http)[1])
    deltas = [c for c in chunks if c["choices"] and c["choices"][0]["delta"]["content"]]
    assert len(deltas) == 50 and all(len(c["choices"][0]["delta"]["content"]) == 4 for c in deltas)
    assert chunks[-1]["usage"]["completion_tokens"] == 50


def test_fixed_answer_and_keepalives_knobs(fake, http):
    fake.configure(answer="Hello there!", keepalives=3, keepalive_every=1)
    _, lines = stream_events(http)
    assert lines[:3] == [": OPENROUTER PROCESSING"] * 3
    assert lines[4] == ": OPENROUTER PROCESSING"  # after the first data event
    assert streamed_text(data_chunks(lines)) == "Hello there!"


def test_include_cost_false_sends_usage_without_cost(fake, http):
    fake.configure(include_cost=False)
    usage = data_chunks(stream_events(http)[1])[-1]["usage"]
    assert "cost" not in usage and "cost_details" not in usage and usage["prompt_tokens"] > 0


def test_reasoning_is_streamed_first_when_asked_and_supported(http):
    _, lines = stream_events(http, model="anthropic/claude-sonnet-4.5", reasoning={"effort": "high"})
    chunks = data_chunks(lines)
    first = chunks[0]["choices"][0]["delta"]
    assert first["reasoning"] and first["reasoning_details"][0]["type"] == "reasoning.text"
    first_content = next(i for i, c in enumerate(chunks) if c["choices"][0]["delta"]["content"])
    assert all("reasoning" not in c["choices"][0]["delta"] for c in chunks[first_content:])
    assert chunks[-1]["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0


def test_reasoning_is_not_sent_without_the_request_or_support(http):
    for body in ({"model": "anthropic/claude-sonnet-4.5"}, {"model": "openai/gpt-4o", "reasoning_effort": "high"}):
        message = chat(http, **body).json()["choices"][0]["message"]
        assert message["reasoning"] is None


def test_first_byte_delay_and_chunk_delay_slow_the_stream(fake, http):
    fake.configure(first_byte_delay=0.2, chunk_delay=0.02, answer_tokens=5)
    started = time.perf_counter()
    stream_events(http)
    assert time.perf_counter() - started >= 0.2 + 4 * 0.02


@pytest.mark.parametrize("shape", ["documented", "real"])
def test_mid_stream_error_in_both_shapes(fake, http, shape):
    fake.configure(mid_stream_error={"after_chunks": 3, "shape": shape, "code": 502, "message": "Upstream died"})
    _, lines = stream_events(http)
    chunks = data_chunks(lines)
    assert lines[-1] == "data: [DONE]" and len(chunks) == 4
    last = chunks[-1]
    assert last["error"]["code"] == 502 and last["error"]["message"] == "Upstream died"
    if shape == "documented":
        assert last["choices"][0]["finish_reason"] == "error"
        assert last["error"]["metadata"]["error_type"] == "provider_unavailable"
    else:
        assert last["choices"][0]["finish_reason"] is None and "usage" in last


def test_drop_after_chunks_cuts_the_connection_mid_stream(fake, http):
    fake.configure(drop_after_chunks=2)
    seen = []
    with pytest.raises(httpx.RemoteProtocolError):
        with http.stream("POST", "/chat/completions", json={"model": "openai/gpt-4o", "messages": HI,
                                                             "stream": True}) as response:
            seen.extend(line for line in response.iter_lines() if line.startswith("data:"))
    assert len(seen) == 2
    assert eventually(lambda: fake.chat_requests[-1].outcome == "dropped")


def test_client_disconnect_during_a_hang_is_detected(fake, http):
    fake.configure(hang_after_chunks=2)
    with http.stream("POST", "/chat/completions", json={"model": "openai/gpt-4o", "messages": HI,
                                                         "stream": True}) as response:
        lines = response.iter_lines()
        assert [next(lines) for _ in range(5)][-1].startswith("data:")
    assert fake.wait_for_disconnects(1, timeout=5)
    assert fake.chat_requests[-1].cancelled is True


def test_client_disconnect_during_a_slow_stream_is_detected(fake, http):
    fake.configure(chunk_delay=0.01, answer_tokens=500)
    with http.stream("POST", "/chat/completions", json={"model": "openai/gpt-4o", "messages": HI,
                                                         "stream": True}) as response:
        next(response.iter_lines())
    assert fake.wait_for_disconnects(1, timeout=5) and fake.disconnects == 1


def test_a_completed_stream_is_not_a_disconnect(fake, http):
    stream_events(http)
    assert fake.disconnects == 0 and fake.chat_requests[-1].cancelled is False


def test_a_large_zero_delay_stream_is_fast(fake, http):
    fake.configure(answer_tokens=20000)
    started = time.perf_counter()
    _, lines = stream_events(http)
    assert len(lines) == 20000 + 4 and time.perf_counter() - started < 5


# ------------------------------------------------------------------------------------------ queued errors

@pytest.mark.parametrize("status,message", [
    (400, "Provider returned error"), (401, "User not found."), (402, "This request requires more credits"),
    (403, "requires moderation"), (404, "No endpoints found for"), (408, "Operation timed out"),
    (429, "Provider returned error"), (500, "Internal Server Error"), (502, "Provider returned error"),
    (503, "Service temporarily unavailable"), (524, "Provider timed out"), (529, "Provider returned error"),
])
def test_queued_errors_use_the_real_bodies(fake, http, status, message):
    fake.queue_error(status)
    response = chat(http)
    assert response.status_code == status
    assert response.json()["error"]["code"] == status and message in response.json()["error"]["message"]
    assert chat(http).status_code == 200  # times=1


def test_queued_429_carries_retry_after_in_header_and_metadata(fake, http):
    fake.queue_error(429, times=2, headers={"Retry-After": "1"})
    first, second, third = chat(http), chat(http), chat(http)
    assert first.status_code == second.status_code == 429 and third.status_code == 200
    assert first.headers["retry-after"] == "1"
    assert first.json()["error"]["metadata"]["retry_after_seconds"] == 1


def test_queued_error_with_a_custom_body_is_sent_verbatim(fake, http):
    fake.queue_error(503, body={"error": {"code": 503, "message": "custom"}})
    assert chat(http).json() == {"error": {"code": 503, "message": "custom"}}


def test_queued_error_for_one_model_falls_back_to_the_models_list(fake, http):
    fake.queue_error(502, model="openai/gpt-4o")
    body = chat(http, model="openai/gpt-4o", models=["anthropic/claude-haiku-4.5"]).json()
    assert body["model"] == "anthropic/claude-haiku-4.5" and body["provider"] == "Anthropic"


def test_unknown_primary_model_falls_back_to_the_first_good_one(http):
    body = chat(http, model="nope/nothing", models=["nope/other", "openai/gpt-4o"]).json()
    assert body["model"] == "openai/gpt-4o"


def test_queued_error_for_one_model_spares_other_models(fake, http):
    fake.queue_error(429, model="openai/gpt-4o")
    assert chat(http, model="openai/gpt-4o-mini").status_code == 200
    assert chat(http, model="openai/gpt-4o").status_code == 429


def test_per_model_knobs_override_the_globals(fake, http):
    fake.configure(answer="global", per_model={"openai/gpt-4o": {"answer": "special"}})
    assert chat(http, model="openai/gpt-4o").json()["choices"][0]["message"]["content"] == "special"
    assert chat(http, model="openai/gpt-4o-mini").json()["choices"][0]["message"]["content"] == "global"


def test_unknown_knob_is_refused(fake):
    with pytest.raises(TypeError, match="chunk_dleay"):
        fake.configure(chunk_dleay=1)


@pytest.mark.parametrize("hostile", [{"kind": "nope"}, "gzip", {"size": 5}])
def test_a_hostile_knob_without_a_known_kind_is_refused(fake, hostile):
    with pytest.raises(TypeError, match="huge_line"):
        fake.configure(per_model={"openai/gpt-4o": {"hostile": hostile}})


def test_hostile_answers_go_on_the_wire_as_described(fake, http):
    fake.configure(hostile={"kind": "html"})
    page = chat(http)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html") and b"<title>" in page.content
    fake.configure(hostile={"kind": "no_done", "after_chunks": 2})
    _, lines = stream_events(http)
    assert len(data_chunks(lines)) == 2 and "data: [DONE]" not in lines
    fake.configure(hostile={"kind": "huge_line", "size": 300_000, "after_chunks": 1})
    _, lines = stream_events(http)
    assert len(lines[-1]) > 300_000 and lines[-1].startswith('data: {"choices"')
    fake.configure(hostile={"kind": "gzip"})
    assert chat(http).headers["content-encoding"] == "gzip" and chat(http).json()["choices"]  # httpx inflates it


# --------------------------------------------------------------------------------------- other endpoints

def test_models_envelope_and_output_modalities_filter(http):
    default = http.get("/models").json()
    everything = http.get("/models", params={"output_modalities": "all"}).json()
    images = http.get("/models", params={"output_modalities": "image"}).json()
    assert default["total_count"] == len(default["data"]) >= 30 and default["links"] == {"next": None}
    assert len(everything["data"]) > len(default["data"])
    assert all("image" in m["architecture"]["output_modalities"] for m in images["data"])
    assert http.get("/models/count").json() == {"data": {"count": len(default["data"])}}


def test_models_supported_parameters_filter_needs_every_parameter(http):
    found = http.get("/models", params={"supported_parameters": "tools,reasoning"}).json()["data"]
    assert found and all({"tools", "reasoning"} <= set(m["supported_parameters"]) for m in found)


def test_invalid_output_modalities_gets_the_zod_error_shape(http):
    response = http.get("/models", params={"output_modalities": "smell"})
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["error"]["name"] == "ZodError"
    assert json.loads(body["error"]["message"])[0]["path"] == ["output_modalities"]


def test_endpoints_lists_plausible_endpoints(http):
    data = http.get("/models/meta-llama/llama-3.3-70b-instruct/endpoints").json()["data"]
    assert data["id"] == "meta-llama/llama-3.3-70b-instruct" and len(data["endpoints"]) == 2
    endpoint = data["endpoints"][0]
    assert endpoint["status"] == 0 and set(endpoint["latency_last_30m"]) == {"p50", "p75", "p90", "p99"}
    assert endpoint["pricing"]["prompt"] == "0.00000013"
    assert http.get("/models/nope/nothing/endpoints").status_code == 404


def test_generation_is_404_at_first_then_the_record_with_the_billed_cost(fake, http):
    fake.configure(generation_delay=0.3)
    body = chat(http, model="openai/gpt-4o").json()
    early = http.get("/generation", params={"id": body["id"]})
    assert early.status_code == 404
    assert early.json()["error"]["message"] == f"Generation {body['id']} not found"
    time.sleep(0.35)
    record = http.get("/generation", params={"id": body["id"]}).json()["data"]
    assert record["id"] == body["id"] and record["total_cost"] == body["usage"]["cost"]
    assert record["tokens_completion"] == body["usage"]["completion_tokens"] and record["streamed"] is False


def test_key_and_credits_reflect_what_was_billed(http, fake):
    fake.configure(key_limit=10.0)
    cost = chat(http, model="openai/gpt-4o").json()["usage"]["cost"]
    key = http.get("/key").json()["data"]
    assert key["usage"] == pytest.approx(cost) and key["limit_remaining"] == pytest.approx(10.0 - cost)
    assert KEY not in json.dumps(key) and key["label"].startswith("sk-or-v1-")
    assert http.get("/credits").json()["data"]["total_usage"] == pytest.approx(cost)


def test_providers_and_unknown_routes(http):
    providers = http.get("/providers").json()["data"]
    assert {"OpenAI", "Anthropic"} <= {p["name"] for p in providers}
    missing = http.get("/does/not/exist")
    assert missing.status_code == 404 and missing.json() == {"error": {"message": "Not Found", "code": 404}}


def test_requests_are_recorded_with_headers_and_json(http, fake):
    chat(http, temperature=0.5)
    recorded = fake.chat_requests[-1]
    assert recorded.json["temperature"] == 0.5 and recorded.headers["authorization"] == f"Bearer {KEY}"
    assert recorded.generation_id and recorded.path == "/api/v1/chat/completions"


# ------------------------------------------------------------------------------------------- lifecycle

def test_stop_refuses_connections_and_start_serves_again_on_the_same_port(fake, http):
    port = fake.port
    fake.stop()
    with pytest.raises(httpx.ConnectError):
        http.get("/models")
    fake.start()
    assert fake.port == port and http.get("/models").status_code == 200


def test_real_snapshot_can_be_served(shared):
    with FakeOpenRouter(catalog=shared / "models" / "models-2026-08-19.json") as fake:
        body = httpx.get(f"{fake.base_url}/models").json()
    assert body["total_count"] >= 400


def test_module_runs_standalone_and_prints_its_base_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "openrouter_magic.testing", "--port", str(port),
                             "--chunk-delay", "0.001"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == f"http://127.0.0.1:{port}/api/v1"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/models").status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()


# --------------------------------------------------------------------------- capabilities and structure

WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city", "days"]}}}


def test_required_tool_choice_produces_a_tool_call(http):
    body = chat(http, tools=[WEATHER_TOOL], tool_choice="required").json()
    choice = body["choices"][0]
    call = choice["message"]["tool_calls"][0]
    assert choice["finish_reason"] == "tool_calls" and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "example city", "days": 42}


def test_streamed_tool_call_arrives_as_head_then_argument_fragments(http):
    chunks = data_chunks(stream_events(http, tools=[WEATHER_TOOL],
                                      tool_choice={"type": "function", "function": {"name": "get_weather"}})[1])
    calls = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks if c["choices"][0]["delta"].get("tool_calls")]
    assert calls[0]["id"].startswith("call_") and calls[0]["function"] == {"name": "get_weather", "arguments": ""}
    assert json.loads("".join(c["function"]["arguments"] for c in calls[1:]))["city"] == "example city"
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_auto_tool_choice_answers_with_text(http):
    body = chat(http, tools=[WEATHER_TOOL], tool_choice="auto").json()
    assert "tool_calls" not in body["choices"][0]["message"] and body["choices"][0]["message"]["content"]


def test_json_schema_response_format_gives_valid_matching_json(http):
    schema = {"type": "object", "required": ["name", "tags", "score", "ok", "kind"],
              "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
                             "score": {"type": "number"}, "ok": {"type": "boolean"},
                             "kind": {"enum": ["cat", "dog"]}, "unused": {"type": "string"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "thing", "strict": True, "schema": schema}}
    parsed = json.loads(chat(http, response_format=fmt).json()["choices"][0]["message"]["content"])
    assert parsed == {"name": "example name", "tags": ["example tags"], "score": 42.5, "ok": True, "kind": "cat"}
    streamed = streamed_text(data_chunks(stream_events(http, response_format=fmt)[1]))
    assert json.loads(streamed) == parsed


def test_json_object_response_format_gives_a_json_object(http):
    content = chat(http, response_format={"type": "json_object"}).json()["choices"][0]["message"]["content"]
    assert isinstance(json.loads(content), dict)


def test_image_input_to_a_text_only_model_gets_no_endpoints_404(http):
    image = {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                         {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}
    refused = chat(http, model="meta-llama/llama-3.1-8b-instruct", messages=[image])
    accepted = chat(http, model="openai/gpt-4o", messages=[image])
    assert refused.status_code == 404 and "support image input" in refused.json()["error"]["message"]
    assert accepted.status_code == 200 and accepted.json()["usage"]["prompt_tokens"] >= 85


def test_tools_to_a_model_without_tool_support_gets_404(http):
    response = chat(http, model="microsoft/phi-4", tools=[WEATHER_TOOL])
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No endpoints found that support tool use"


def test_turning_off_mandatory_reasoning_gets_the_real_400(http):
    response = chat(http, model="openai/o4-mini", reasoning={"effort": "none"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Reasoning is mandatory for this endpoint and cannot be disabled."


def test_prompt_field_and_online_variant_are_served(http):
    body = http.post("/chat/completions", json={"model": "openai/gpt-4o:online", "prompt": "Hi"}).json()
    assert body["model"] == "openai/gpt-4o" and body["choices"][0]["message"]["content"]


# ------------------------------------------------------------------------------ billing of cut streams

def test_a_stream_cut_short_is_billed_for_what_was_sent(fake, http):
    fake.configure(hang_after_chunks=10, answer_tokens=100, generation_delay=0)
    with http.stream("POST", "/chat/completions", json={"model": "openai/gpt-4o", "messages": HI,
                                                         "stream": True}) as response:
        gen_id = response.headers["x-generation-id"]
        lines = response.iter_lines()
        data_seen = 0
        while data_seen < 10:  # the 11th never comes: the emulator hangs after 10
            data_seen += next(lines).startswith("data:")
    assert fake.wait_for_disconnects(1)
    assert eventually(lambda: http.get("/generation", params={"id": gen_id}).status_code == 200)
    record = http.get("/generation", params={"id": gen_id}).json()["data"]
    assert record["cancelled"] is True and record["tokens_completion"] == 10
    assert fake.cost_of(gen_id) == pytest.approx(record["total_cost"])


def test_recorded_request_repr_hides_the_key(http, fake):
    chat(http)
    assert KEY not in repr(fake.chat_requests[-1]) and "Bearer ***" in repr(fake.chat_requests[-1])


# -------------------------------------------------------------------------------------------- plumbing

def test_catalog_may_be_a_list_of_model_dicts():
    model = {"id": "acme/tiny", "name": "Tiny", "pricing": {"prompt": "0.000001", "completion": "0.000002"},
             "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]}}
    with FakeOpenRouter(catalog=[model], answer="ok") as fake:
        body = httpx.post(f"{fake.base_url}/chat/completions", headers={"Authorization": "Bearer k"},
                          json={"model": "acme/tiny", "messages": HI}).json()
    assert body["model"] == "acme/tiny" and body["usage"]["cost"] == pytest.approx(
        body["usage"]["prompt_tokens"] * 1e-6 + 1 * 2e-6)


async def test_it_serves_async_clients_running_on_another_loop(fake):
    async with httpx.AsyncClient(base_url=fake.base_url, headers={"Authorization": "Bearer k"}) as client:
        responses = [await client.post("/chat/completions", json={"model": "openai/gpt-4o", "messages": HI})
                     for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]


def test_concurrent_streams_from_threads_each_get_their_full_answer(fake):
    from concurrent.futures import ThreadPoolExecutor
    fake.configure(chunk_delay=0.001, answer_tokens=30)

    def one(i):
        with httpx.Client(base_url=fake.base_url, headers={"Authorization": "Bearer k"}) as client:
            return streamed_text(data_chunks(stream_events(client, messages=[{"role": "user", "content": str(i)}])[1]))
    with ThreadPoolExecutor(8) as pool:
        texts = list(pool.map(one, range(16)))
    assert all(len(t) == 120 for t in texts) and len(set(texts)) == 16
    assert len(fake.chat_requests) == 16 and fake.disconnects == 0


def test_stop_cuts_a_hanging_stream(fake, http):
    import threading
    fake.configure(hang_after_chunks=1)
    errors = []

    def read():
        try:
            stream_events(http)
        except httpx.HTTPError as exc:
            errors.append(exc)
    reader = threading.Thread(target=read)
    reader.start()
    assert eventually(lambda: len(fake.chat_requests) == 1)
    time.sleep(0.05)
    fake.stop()
    reader.join(timeout=5)
    assert not reader.is_alive() and isinstance(errors[0], httpx.RemoteProtocolError)


def test_models_paginate_with_limit_and_offset(http):
    first = http.get("/models", params={"limit": 10}).json()
    assert len(first["data"]) == 10 and first["total_count"] > 10
    assert first["links"]["next"].startswith("/api/v1/models?") and "offset=10" in first["links"]["next"]
    second = http.get(first["links"]["next"].removeprefix("/api/v1")).json()
    assert second["data"][0]["id"] != first["data"][0]["id"]
    assert http.get("/models", params={"offset": first["total_count"] - 1}).json()["links"]["next"] is None


def test_excluded_reasoning_is_billed_but_not_returned(http):
    body = chat(http, model="anthropic/claude-sonnet-4.5", reasoning={"effort": "high", "exclude": True}).json()
    assert body["choices"][0]["message"]["reasoning"] is None
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0


def test_reasoning_knob_off_and_usage_shape_none(fake, http):
    fake.configure(reasoning=False, usage_shape=None)
    chunks = data_chunks(stream_events(http, model="anthropic/claude-sonnet-4.5", reasoning={"effort": "high"})[1])
    assert not any("reasoning" in c["choices"][0]["delta"] for c in chunks)
    assert "usage" not in chunks[-1] and chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_answer_knob_may_be_a_function_of_model_and_messages(fake, http):
    fake.configure(answer=lambda model, messages: f"{model} heard: {messages[-1]['content']}")
    assert chat(http).json()["choices"][0]["message"]["content"] == "openai/gpt-4o-mini heard: Say hello."


def test_provider_and_credit_knobs(fake, http):
    fake.configure(provider="Groq", total_credits=3.5)
    assert chat(http).json()["provider"] == "Groq"
    assert http.get("/credits").json()["data"]["total_credits"] == 3.5


def test_streamed_generations_are_recorded_as_streamed(fake, http):
    fake.configure(generation_delay=0)
    response, _ = stream_events(http)
    gen_id = response.headers["x-generation-id"]
    assert eventually(lambda: http.get("/generation", params={"id": gen_id}).status_code == 200)
    record = http.get("/generation", params={"id": gen_id}).json()["data"]
    assert record["streamed"] is True and record["cancelled"] is False and record["total_cost"] == fake.cost_of(gen_id)


def test_non_streaming_requests_honour_the_fault_knobs(fake, http):
    fake.configure(mid_stream_error={"after_chunks": 2, "code": 502, "message": "Upstream died"})
    choice = chat(http).json()["choices"][0]
    assert choice["finish_reason"] == "error" and choice["error"]["code"] == 502
    assert len(choice["message"]["content"]) == 8
    fake.configure(mid_stream_error=None, drop_after_chunks=1)
    with pytest.raises(httpx.RemoteProtocolError):
        chat(http)
    fake.configure(drop_after_chunks=None, hang_after_chunks=1)
    with pytest.raises(httpx.ReadTimeout):
        http.post("/chat/completions", json={"model": "openai/gpt-4o", "messages": HI}, timeout=0.3)
    assert fake.wait_for_disconnects(1)


def test_per_model_override_can_be_removed_and_errors_and_state_reset(fake, http):
    fake.configure(per_model={"openai/gpt-4o-mini": {"answer": "x"}})
    fake.configure(per_model={"openai/gpt-4o-mini": None})
    assert chat(http).json()["choices"][0]["message"]["content"] != "x"
    fake.queue_error(500, times=5)
    fake.clear_errors()
    assert chat(http).status_code == 200
    fake.reset()
    assert fake.requests == [] and fake.total_billed == 0


# ------------------------------------------------------------------------------------------------ replay

def test_a_recorded_stream_is_replayed_byte_for_byte_and_billed_as_recorded(fake, http):
    path = shared_path("streams", "pydantic-ai__test_openrouter_stream_with_reasoning__0.sse.txt")
    recorded = path.read_bytes()
    fake.configure(replay=path)
    with http.stream("POST", "/chat/completions", json={"model": "openai/gpt-4o", "messages": HI,
                                                         "stream": True}) as response:
        received = response.read()
        gen_id = response.headers["x-generation-id"]
    assert received == recorded
    usage = [json.loads(line[6:]) for line in recorded.decode().splitlines() if '"usage"' in line][-1]["usage"]
    assert gen_id in recorded.decode() and fake.cost_of(gen_id) == pytest.approx(usage["cost"])


def test_replay_in_small_byte_pieces_still_delivers_the_same_bytes(fake, http):
    body = 'data: {"id":"gen-1-x","choices":[{"index":0,"delta":{"content":"h\\u00e9 ✓ \u2028"}}]}\n\ndata: [DONE]\n\n'
    fake.configure(replay=body, replay_piece_bytes=25, chunk_delay=0.01)  # the delay keeps pieces apart
    with http.stream("POST", "/chat/completions", json={"model": "openai/gpt-4o", "messages": HI,
                                                         "stream": True}) as response:
        pieces = list(response.iter_raw())
    assert b"".join(pieces) == body.encode() and len(pieces) > 1


def test_a_failing_answer_function_gives_a_500_and_the_server_keeps_serving(fake, http, capsys):
    fake.configure(answer=lambda model, messages: 1 / 0)
    assert chat(http).status_code == 500
    fake.configure(answer=None)
    assert chat(http).status_code == 200


def test_the_emulator_imports_only_the_standard_library():
    code = ("import sys, openrouter_magic.testing as t; t.FakeOpenRouter().stop(); "
            "own = [m for m in sys.modules if m.startswith('openrouter_magic.') "
            "and not m.startswith('openrouter_magic.testing')]; "
            "third = [m for m in ('httpx', 'pandas', 'IPython', 'ipywidgets', 'pydantic') if m in sys.modules]; "
            "print(own, third)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "[] []", result.stderr
