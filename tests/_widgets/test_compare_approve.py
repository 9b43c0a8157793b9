"""``--approve`` in comparison panes without a browser: each pane's tool loop waits for its Run/Skip buttons.

The panes run on the session's private loop (as in a kernel) against the emulator's scripted tool calls;
the buttons are clicked with ``.click()`` from the test's thread, as a comm message would on the kernel's.
"""

from __future__ import annotations

import pytest
from _waits import until

from openrouter_magic._session import build_toolbox
from openrouter_magic._widgets.compare.ask import call_html
from openrouter_magic._widgets.compare.request import build_messages, session_factory
from openrouter_magic._widgets.compare.view import CompareView
from _session_fixtures import server, session  # noqa: F401 (fixtures)

A, B = "openai/gpt-4.1-mini", "anthropic/claude-haiku-4.5"
DECLINED = "Error: the user declined this call"
PLAN = [[{"name": "get_weather", "arguments": {"city": "<b>Oslo</b>"}}]]


@pytest.fixture
def seen():
    return []


@pytest.fixture
def view(server, session, seen):
    def get_weather(city: str) -> dict:
        """The weather in a city."""
        seen.append(city)
        return {"city": city, "temp": 21}

    server.configure(tool_plan=PLAN, chunk_delay=0.001)
    box = build_toolbox([get_weather])
    box.approve = True
    factory = session_factory(session, build_messages("Weather in Oslo?"), {}, box)
    compare = CompareView([A, B])
    compare.start(factory, interval=0.01, loop=session.loop())
    yield compare
    compare.stop()


def _asking(view, index: int) -> bool:
    return view.panes[index].ask.layout.display != "none" and not view.panes[index].ask.run_button.disabled


def _tool_messages(server, model: str) -> list[str]:
    return [m["content"] for r in server.chat_requests if r.json["model"] == model
            for m in r.json["messages"] if m["role"] == "tool"]


async def test_each_pane_shows_the_call_escaped_and_waits_for_its_buttons_before_running_it(server, view, seen):
    await until(lambda: _asking(view, 0) and _asking(view, 1))
    question = view.panes[0].ask.question.value
    assert "get_weather" in question and "&lt;b&gt;Oslo&lt;/b&gt;" in question and "<b>" not in question
    assert seen == [] and view.running and len(server.chat_requests) == 2  # nothing ran, nothing more was sent
    assert "waiting for Run or Skip" in view.panes[0].footer.value


async def test_run_runs_the_tool_and_the_answer_finishes_while_skip_sends_the_declined_text(server, view, seen):
    await until(lambda: _asking(view, 0) and _asking(view, 1))
    view.panes[0].ask.run_button.click()
    await until(lambda: view.panes[0].ask.layout.display == "none")
    assert seen == ["<b>Oslo</b>"] and _asking(view, 1)  # the other pane still waits for its own answer
    view.panes[1].ask.skip_button.click()
    await view.wait()
    assert seen == ["<b>Oslo</b>"]  # the skipped call never ran
    assert list(view.result["status"]) == ["ok", "ok"]
    assert '"temp": 21' in view.result["text"][0]
    assert DECLINED not in _tool_messages(server, A) and '"temp": 21' in _tool_messages(server, A)[0]
    assert _tool_messages(server, B) == [DECLINED] and "declined" in view.result["text"][1]


async def test_stop_while_a_pane_waits_cancels_the_question_cleanly_and_the_ledger_keeps_the_steps(
        server, view, session, seen):
    await until(lambda: _asking(view, 0) and _asking(view, 1))
    view.stop_button.click()
    await view.wait()
    assert view.status == "stopped" and list(view.result["status"]) == ["interrupted", "interrupted"]
    assert seen == [] and all(pane.ask.layout.display == "none" for pane in view.panes)
    assert len(server.chat_requests) == 2
    session.ledger.flush()
    frame = session.ledger.frame()
    assert sorted(frame["model"]) == sorted([A, B])
    assert len(frame) == 2


def test_the_question_escapes_the_models_text_and_shortens_long_arguments():
    html_text = call_html("<script>x</script>", '{"q": "' + "a" * 500 + '"}')
    assert "<script>" not in html_text and "&lt;script&gt;" in html_text and html_text.count("a") < 320
    assert html_text.endswith("…)</code>?")
