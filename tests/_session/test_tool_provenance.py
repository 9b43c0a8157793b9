"""Tool answers say where they came from (every step's request, cost summed over steps, the display metadata),
``--no-stream`` sends the tool loop's steps unstreamed, ``ask`` sends no loop options as body fields, and image
tokens show in the footer and add up over steps."""

from __future__ import annotations

from _magic_shell import MODEL, run, shell  # noqa: F401 (fixtures)

from openrouter_magic._core import ChatResponse, Usage, usd
from openrouter_magic._render import footer_text
from openrouter_magic._session.session import Session
from openrouter_magic._session.tool_loop import sum_usage

TOOLS = '''
def get_weather(city: str) -> dict:
    """The weather in a city."""
    return {"city": city, "temp": 21}

async def population(city: str) -> int:
    """How many people live in a city."""
    return 709000
'''
PLAN = [[{"name": "get_weather", "arguments": {"city": "Oslo"}}], [{"name": "population", "arguments": {"city": "Oslo"}}]]
CELL = f"%%openrouter -m {MODEL} --tools get_weather,population -o r\nWeather and size of Oslo?"


def _final_metadata(ran) -> dict[str, dict]:
    """The last metadata of every display (what a saved notebook keeps), by display id."""
    found: dict[str, dict] = {}
    for index, out in enumerate(ran.cap.outputs):
        found[(out.transient or {}).get("display_id") or f"plain-{index}"] = out.metadata or {}
    return found


def test_a_tool_answer_keeps_the_last_request_and_a_provenance_summed_over_its_steps(shell, fake):
    fake.configure(tool_plan=PLAN)
    assert run(shell, TOOLS).error is None
    ran = run(shell, CELL)
    assert ran.error is None, ran.error
    response = shell.user_ns["r"]
    sent = [request.json for request in fake.chat_requests]
    assert len(sent) == 3 and response.request == sent[-1] and response.request["messages"][-1]["role"] == "tool"
    found = response.provenance
    ledger = Session.get(shell).ledger
    ledger.flush()
    frame = ledger.frame()
    assert found["cache"] == "off" and found["cost_source"] == "billed" and found["tool_calls"] == 2
    assert abs(found["cost"] - frame["cost"].sum()) < 1e-12 and found["cost"] > 0
    assert [step["tool_calls"] for step in found["steps"]] == [["get_weather"], ["population"], []]
    assert [step["generation_id"] for step in found["steps"]] == list(frame["generation_id"])
    assert found["usage"]["prompt_tokens"] == sum(step["usage"]["prompt_tokens"] for step in found["steps"])
    assert found["params"]["tools"][0]["function"]["name"] == "get_weather"
    assert f"· {usd(found['cost'])}" in ran.finals()[-1]["text/plain"]  # the footer's cost is the provenance's


def test_every_display_of_a_tool_answer_ends_with_its_provenance_the_trace_too(shell, fake, sentinel_key):
    fake.configure(tool_plan=PLAN)
    assert run(shell, TOOLS).error is None
    ran = run(shell, CELL)
    assert ran.error is None, ran.error
    metadata = _final_metadata(ran)
    assert len(metadata) >= 3 and all("openrouter_magic" in meta for meta in metadata.values()), metadata
    trace_id = next(out.transient["display_id"] for out in ran.cap.outputs
                    if "openrouter-tool-trace" in out.data.get("text/html", ""))
    assert metadata[trace_id]["openrouter_magic"]["steps"][0]["tool_calls"] == ["get_weather"]
    assert sentinel_key not in ran.everything()


def test_tool_answers_are_never_stored_in_the_response_cache(shell, fake):
    fake.configure(tool_plan=PLAN)
    assert run(shell, TOOLS).error is None
    for _ in range(2):
        assert run(shell, CELL.replace("-o r", "-o r --cache")).error is None
    assert len(fake.chat_requests) == 6 and shell.user_ns["r"].provenance["cache"] == "off"


def test_no_stream_sends_every_step_of_the_tool_loop_unstreamed(shell, fake):
    fake.configure(tool_plan=PLAN)
    assert run(shell, TOOLS).error is None
    ran = run(shell, CELL.replace("-o r", "-o r --no-stream"))
    assert ran.error is None, ran.error
    sent = [request.json for request in fake.chat_requests]
    assert len(sent) == 3 and all("stream" not in body for body in sent)
    response = shell.user_ns["r"]
    assert "709000" in response.text and [e["name"] for e in response.tool_trace] == ["get_weather", "population"]
    assert response.request == sent[-1] and len(response.provenance["steps"]) == 3
    ledger = Session.get(shell).ledger
    ledger.flush()
    assert list(ledger.frame()["status"]) == ["ok", "ok", "ok"] and ledger.frame()["turn_id"].nunique() == 1


def test_ask_sends_no_loop_options_with_json_specs_only_and_runs_server_tools_alone(fake, sentinel_key, monkeypatch):
    from openrouter_magic._session.asking import ask

    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    spec = {"type": "function", "function": {"name": "noop", "description": "Nothing.",
                                             "parameters": {"type": "object", "properties": {}}}}
    session = Session()
    try:
        ask("Hi", model=MODEL, tools=[spec], max_steps=3, approve=True, session=session, display=False)
        plain = fake.chat_requests[-1].json
        ask("Hi", model=MODEL, max_steps=3, session=session, display=False)
        bare = fake.chat_requests[-1].json
        answer = ask("News?", model=MODEL, tools=["openrouter:datetime"], max_steps=2, session=session, display=False)
    finally:
        session.close()
    assert plain["tools"] == [spec] and "max_steps" not in plain and "approve" not in plain
    assert "max_steps" not in bare and "approve" not in bare
    assert fake.chat_requests[-1].json["tools"] == [{"type": "openrouter:datetime"}]
    assert answer.text and answer.provenance["steps"] and answer.request == fake.chat_requests[-1].json


def test_image_tokens_add_up_over_steps_and_show_in_the_footer():
    def usage(images: int, cost: float) -> Usage:
        raw = {"completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": images}}
        return Usage(prompt_tokens=5, completion_tokens=images + 10, cost=cost, raw=raw)

    total = sum_usage([usage(1290, 0.039), usage(0, 0.001), usage(1290, 0.039)])
    assert total.raw["completion_tokens_details"]["image_tokens"] == 2580 and total.completion_tokens == 2610
    line = footer_text(ChatResponse(text="", model=MODEL, usage=total))
    assert "15 in / 2,610 out / 2,580 image tokens" in line and "$0.079" in line
    assert "image" not in footer_text(ChatResponse(text="", model=MODEL, usage=usage(0, 0.001)))


def test_an_estimated_cost_prices_image_tokens_at_the_catalogs_image_output_price():
    from openrouter_magic._accounting import estimate_cost
    from openrouter_magic._catalog import catalog_row
    from openrouter_magic._catalog.frame import models_to_frame
    from openrouter_magic.testing._demo_catalog import build

    frame = models_to_frame(build()["data"])
    image_model = next(row for _, row in frame.iterrows()
                       if "image" in row["output_modalities"] and "text" in row["output_modalities"])
    row = catalog_row(frame, image_model["id"])
    assert row["image_output_usd_per_m"] == 30.0  # "0.00003" USD per image token
    text_only = Usage(prompt_tokens=100, completion_tokens=1300, raw={})
    with_images = Usage(prompt_tokens=100, completion_tokens=1300,
                        raw={"completion_tokens_details": {"image_tokens": 1290}})
    extra = estimate_cost(with_images, row) - estimate_cost(text_only, row)
    assert abs(extra - 1290 * (30.0 - row["completion_usd_per_m"]) / 1e6) < 1e-12 and extra > 0.03
    assert estimate_cost(with_images, {"prompt_usd_per_m": 1.0, "completion_usd_per_m": 2.0}) == \
        estimate_cost(text_only, {"prompt_usd_per_m": 1.0, "completion_usd_per_m": 2.0})  # no image price: as text


def test_approve_with_compare_is_one_line_error_before_sending(shell, fake):
    assert run(shell, TOOLS).error is None
    ran = run(shell, f"%%openrouter --compare {MODEL},anthropic/claude-haiku-4.5 --tools get_weather --approve\nOslo?")
    assert ran.error is not None and "--approve does not work with --compare" in str(ran.error)
    assert "\n" not in str(ran.error) and fake.chat_requests == []
