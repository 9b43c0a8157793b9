"""Comparison provenance without a kernel (DESIGN §9): each pane's record in the display metadata, the cached and
server-cache footers, and what a failed pane's record holds (never its error text or the key)."""

from __future__ import annotations

import json

import pytest
from IPython.utils.capture import capture_output

from openrouter_magic import OpenRouter
from openrouter_magic._widgets.compare.format import footer_text, static_html
from openrouter_magic._widgets.compare.pane import PaneState
from openrouter_magic._widgets.compare.playground import Playground
from openrouter_magic._widgets.compare.view import CompareView
from _session_fixtures import server, session  # noqa: F401 (fixtures)

A, B = "openai/gpt-4.1-mini", "anthropic/claude-haiku-4.5"
HIT = {"model": A, "cache": "hit", "cost": 0.0, "first_run": {"cost": 0.0123, "cost_source": "billed",
                                                             "time": "2026-12-01T10:00:00+00:00"}}


def panes_of(output) -> list[dict]:
    return output.metadata["openrouter_magic"]["panes"]


def test_a_pane_answered_from_the_cache_says_so_instead_of_its_cost():
    pane = PaneState(A, status="ok", text="Red.", completion_tokens=2, cost=0.0, provenance=HIT)
    assert footer_text(pane).endswith("2 tok · cached · $0 (first run $0.0123 on 2026-12-01)")
    assert "cached · $0 (first run $0.0123 on 2026-12-01)" in static_html([pane, PaneState(B, status="ok")])


def test_a_pane_through_openrouters_cache_shows_hit_or_miss_after_its_cost():
    pane = PaneState(A, status="ok", text="Red.", cost=0.0, provenance={"model": A, "cache": "off",
                                                                         "server_cache": "HIT"})
    assert footer_text(pane) == "$0 · server cache HIT"
    assert "server cache" not in footer_text(PaneState(A, status="ok", cost=0.001))


def test_a_pane_still_streaming_shows_no_cache_note_yet():
    assert "cached" not in footer_text(PaneState(A, status="streaming", text="Re", provenance=HIT))


async def test_a_displayed_view_gains_one_record_per_pane_when_the_run_ends(server, sentinel_key, shell):
    server.queue_error(402, model=B)  # a failed pane keeps a record: its model and status, not its error text
    async with OpenRouter(api_key=sentinel_key, base_url=server.base_url, max_retries=0) as client:
        view = CompareView([A, B])
        with capture_output() as cap:
            view.start(lambda model: client.stream("Say hi", model=model, max_tokens=20))
            shell.display_formatter.format(view)
            await view.wait()
    first, *updates = cap.outputs
    assert "openrouter_magic" not in first.metadata  # not before the panes are final
    ok, failed = panes_of(updates[-1])
    assert (ok["requested_model"], ok["status"]) == (A, "ok") and ok["generation_id"].startswith("gen-")
    assert ok["usage"]["completion_tokens"] > 0 and ok["cost"] > 0 and ok["provider"]
    assert (failed["requested_model"], failed["status"], failed["generation_id"]) == (B, "error", None)
    assert "402" not in json.dumps(failed) and sentinel_key not in json.dumps(updates[-1].metadata)


async def test_a_playground_run_records_each_answers_provenance_from_the_sessions_call_path(session, shell,
                                                                                            sentinel_key):
    play = Playground(session, [A, B])
    play.prompt.value = "Name a colour"
    with capture_output() as cap:
        shell.display_formatter.format(play)
        await play.run()
        await play.view.wait()
    records = panes_of(cap.outputs[-1])
    assert [r["requested_model"] for r in records] == [A, B]
    for record in records:
        assert record["cache"] == "off" and record["cost_source"] == "billed" and record["version"]
        assert record["params"]["max_tokens"] == play.max_tokens.value and "messages" not in record["params"]
    assert sentinel_key not in json.dumps(cap.outputs[-1].metadata)


def test_terminal_ipython_labels_each_cached_answer_like_a_single_answers_footer(server, sentinel_key, monkeypatch):
    from _magic_shell import close_shell, make_shell, run

    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
    terminal = make_shell()
    try:
        cell = f"%%openrouter --compare {A},{B} --cache --max-tokens 30\nName a colour"
        first, second = (run(terminal, cell).cap.stdout for _ in range(2))
    finally:
        close_shell(terminal)
    assert len(server.chat_requests) == 2 and "cached" not in first
    labels = [line for line in second.splitlines() if line.startswith("=== ")]
    assert len(labels) == 2 and all("· cached · $0 (first run $" in label for label in labels), second
