"""The tool loop (DESIGN §10) in a real InteractiveShell against the emulator's scripted tool calls."""

from __future__ import annotations

import json
import re
import threading

from _magic_shell import MODEL, run, shell  # noqa: F401 (fixtures)

from openrouter_magic._session.session import Session

TOOLS = '''
import asyncio, threading
seen = []
def get_weather(city: str, units: str = "c") -> dict:
    """The weather in a city.

    Args:
        city: the city name
    """
    seen.append(("get_weather", city, threading.current_thread() is threading.main_thread()))
    return {"city": city, "temp": 21, "units": units}

async def population(city: str) -> int:
    """How many people live in a city."""
    await asyncio.sleep(0.01)
    seen.append(("population", city))
    return 709000

def broken(city: str) -> str:
    """Always fails."""
    raise ValueError(f"no data for {city}")
'''
PLAN = [[{"name": "get_weather", "arguments": {"city": "Oslo"}}], [{"name": "population", "arguments": {"city": "Oslo"}}]]


def _setup(shell, fake, **knobs):
    fake.configure(**knobs)
    assert run(shell, TOOLS).error is None


def _trace_html(ran) -> str:
    return next(d["text/html"] for d in ran.finals() if "openrouter-tool-trace" in d.get("text/html", ""))


def test_two_tools_one_async_run_with_the_models_arguments_and_the_answer_uses_their_results(shell, fake):
    _setup(shell, fake, tool_plan=PLAN)
    ran = run(shell, f"%%openrouter -m {MODEL} --tools get_weather,population -o r\nWeather and size of Oslo?")
    assert ran.error is None, ran.error
    assert shell.user_ns["seen"] == [("get_weather", "Oslo", True), ("population", "Oslo")]
    response = shell.user_ns["r"]
    assert "get_weather said" in response.text and '"temp": 21' in response.text and "709000" in response.text
    assert [e["name"] for e in response.tool_trace] == ["get_weather", "population"]
    trace = _trace_html(ran)
    assert trace.startswith("<details") and "<details open" not in trace
    assert "get_weather" in trace and "population" in trace and "709000" in trace
    bodies = [r.json for r in fake.chat_requests]
    assert len(bodies) == 3 and all(b["tools"][0]["function"]["name"] == "get_weather" for b in bodies)
    assert bodies[1]["messages"][-1]["role"] == "tool"


def test_the_footer_sums_the_cost_of_every_http_call_and_the_ledger_has_one_row_each_under_one_turn(shell, fake):
    _setup(shell, fake, tool_plan=PLAN)
    ran = run(shell, f"%%openrouter -m {MODEL} --tools get_weather,population -o r\nWeather and size of Oslo?")
    assert ran.error is None, ran.error
    ledger = Session.get(shell).ledger
    ledger.flush()
    frame = ledger.frame()
    assert len(frame) == 3 and frame["turn_id"].nunique() == 1 and frame["turn_id"].iloc[0].startswith("turn-")
    response = shell.user_ns["r"]
    assert abs(response.cost - frame["cost"].sum()) < 1e-12
    footer = ran.finals()[-1]["text/plain"]
    assert "2 tool calls in 3 steps" in footer


def test_a_raising_tool_sends_its_error_to_the_model_and_the_trace_marks_it(shell, fake):
    _setup(shell, fake, tool_plan=[[{"name": "broken", "arguments": {"city": "Oslo"}}]])
    ran = run(shell, f"%%openrouter -m {MODEL} --tools broken -o r\nTry it.")
    assert ran.error is None, ran.error
    sent = fake.chat_requests[-1].json["messages"][-1]
    assert sent["role"] == "tool" and "ValueError: no data for Oslo" in sent["content"]
    assert "no data for Oslo" in shell.user_ns["r"].text
    assert "tool-error" in _trace_html(ran) and "(1 failed)" in _trace_html(ran)


def test_max_steps_stops_a_model_that_always_asks_for_tools_with_a_note(shell, fake):
    _setup(shell, fake, tool_plan="always")
    done = threading.Event()
    ran = run(shell, f"%%openrouter -m {MODEL} --tools get_weather --max-steps 2 -o r\nLoop forever.")
    done.set()
    assert ran.error is None, ran.error
    assert len(fake.chat_requests) == 2
    assert "stopped after 2 steps" in shell.user_ns["r"].error
    assert "stopped after 2 steps" in ran.final_text()


def test_bad_tool_names_and_annotations_are_one_line_errors_before_sending(shell, fake):
    run(shell, "x = 3\nclass Odd: pass\ndef odd(v: Odd) -> str:\n    return ''")
    for flag, wanted in (("--tools nothere", "no such name"), ("--tools x", "not a function"),
                         ("--tools odd", "--tools:"), ("--max-steps 0", "at least 1")):
        ran = run(shell, f"%%openrouter -m {MODEL} {flag}\nHi")
        assert ran.error is not None and wanted in str(ran.error), (flag, ran.error)
        assert "\n" not in str(ran.error)
    assert fake.chat_requests == []


def test_approve_asks_before_each_call_and_a_no_is_sent_as_declined(shell, fake, monkeypatch):
    _setup(shell, fake, tool_plan=[[{"name": "get_weather", "arguments": {"city": "Oslo"}}]])
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")
    ran = run(shell, f"%%openrouter -m {MODEL} --tools get_weather --approve -o r\nWeather?")
    assert ran.error is None, ran.error
    assert len(asked) == 1 and "get_weather" in asked[0] and '"Oslo"' in asked[0]
    assert shell.user_ns["seen"] == []
    assert "declined" in fake.chat_requests[-1].json["messages"][-1]["content"]


def test_chat_keeps_the_tool_turns_for_the_next_cell(shell, fake):
    _setup(shell, fake, tool_plan=PLAN)
    assert run(shell, f"%%openrouter -m {MODEL} --tools get_weather,population --chat t\nOslo?").error is None
    fake.configure(tool_plan=None)
    assert run(shell, f"%%openrouter -m {MODEL} --chat t\nAnd then?").error is None
    roles = [m["role"] for m in fake.chat_requests[-1].json["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "tool", "assistant", "user"]


def test_web_sends_the_openrouter_web_search_server_tool_not_the_web_plugin(shell, fake):
    ran = run(shell, f"%%openrouter -m {MODEL} --web --web-max-results 3 --web-domains a.org,b.org -o r\nNews?")
    assert ran.error is None, ran.error
    body = fake.chat_requests[-1].json
    assert "plugins" not in body
    assert body["tools"] == [{"type": "openrouter:web_search",
                              "parameters": {"max_results": 3, "allowed_domains": ["a.org", "b.org"]}}]
    sources = next(d for d in ran.finals() if "openrouter-sources" in d.get("text/html", ""))
    assert sources["text/html"].count('rel="noopener noreferrer"') == 2 and "&lt;emulated&gt;" in sources["text/html"]
    assert "web search requests: 1" in ran.finals()[-1]["text/plain"]


def test_ask_with_python_tools_runs_the_loop_in_a_plain_script(fake, sentinel_key, monkeypatch):
    import asyncio

    from openrouter_magic._session.asking import ask

    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    fake.configure(tool_plan=[[{"name": "double", "arguments": {"n": 4}}, {"name": "slow", "arguments": {"n": 1}},
                               {"name": "slow", "arguments": {"n": 2}}]])
    threads = []

    def double(n: int) -> int:
        """Twice n."""
        threads.append(threading.current_thread() is threading.main_thread())
        return 2 * n

    async def slow(n: int) -> int:
        """n after a pause."""
        await asyncio.sleep(0.3)
        return n

    session = Session()
    try:
        started = __import__("time").perf_counter()
        response = ask("Double 4?", model=MODEL, tools=[double, slow], session=session, display=False)
        took = __import__("time").perf_counter() - started
    finally:
        session.close()
    assert threads == [True]  # the plain function ran in the thread that called ask()
    assert [e["result"] for e in response.tool_trace] == ["8", "1", "2"]
    assert took < 0.55  # the two async calls of one step ran side by side (0.3 s each)
    assert "double said 8" in response.text


def test_each_comparison_pane_runs_its_own_tool_loop(shell, fake):
    _setup(shell, fake, tool_plan=PLAN)
    other = "anthropic/claude-haiku-4.5"
    ran = run(shell, f"%%openrouter --compare {MODEL},{other} --tools get_weather,population -o t\nOslo?")
    assert ran.error is None, ran.error
    assert len(fake.chat_requests) == 6  # three steps per pane
    by_model = {}
    for request in fake.chat_requests:
        by_model.setdefault(request.json["model"], []).append(request.json)
    assert all(len(bodies) == 3 and bodies[-1]["messages"][-1]["role"] == "tool" for bodies in by_model.values())
    assert [seen[0] for seen in shell.user_ns["seen"]].count("get_weather") == 2
    assert "709000" in ran.cap.stdout
    frame = Session.get(shell).ledger.frame()
    assert frame["turn_id"].nunique() == 2


def test_an_interrupt_while_a_tool_runs_ends_the_cell_with_what_arrived_and_nothing_hangs(shell, fake):
    import _thread
    import time

    fake.configure(tool_plan=[[{"name": "slow", "arguments": {}}]])
    run(shell, "import asyncio\nasync def slow() -> str:\n    '''Takes long.'''\n    await asyncio.sleep(30)\n    return 'late'")
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    started = time.perf_counter()
    ran = run(shell, f"%%openrouter -m {MODEL} --tools slow -o r\nGo.")
    assert time.perf_counter() - started < 2.5
    assert type(ran.error).__name__ == "UsageError" and "interrupted" in str(ran.error)
    assert shell.user_ns["r"].interrupted
    ledger = Session.get(shell).ledger
    ledger.flush()
    assert list(ledger.frame()["status"]) == ["ok"]  # the first step was complete; the tool never finished
    fake.configure(tool_plan=None)
    assert run(shell, f"%%openrouter -m {MODEL}\nStill fine?").error is None
