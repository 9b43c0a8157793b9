"""The response cache wired into the session's one call path (issue 14, DESIGN §3/§8/§9): ask() and
%%openrouter against the emulator over loopback — hits send nothing and cost $0, any request change misses,
provenance on every answer, OpenRouter's own cache headers, bad input and a corrupt cache file."""

from __future__ import annotations

import re
import warnings

import pytest
from _magic_shell import MODEL, run, shell  # noqa: F401 (fixtures)
from IPython.core.error import UsageError

from openrouter_magic import ask, ledger
from openrouter_magic._accounting.cache import CacheWarning
from openrouter_magic._session import Session


@pytest.fixture
def api(fake, sentinel_key, monkeypatch):
    """ask() outside IPython, on a fresh plain session pointed at the emulator."""
    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    Session._plain = None
    yield fake
    if Session._plain is not None:
        Session._plain.close()
        Session._plain = None


def sent(fake) -> int:
    return len(fake.chat_requests)


def test_a_repeated_ask_is_answered_from_the_cache_for_nothing(api):
    first = ask("Name a colour", model=MODEL, cache=True, temperature=0)
    second = ask("Name a colour", model=MODEL, cache=True, temperature=0)
    assert sent(api) == 1
    assert second.text == first.text and first.cost > 0 and second.cost == 0
    assert first.provenance["cache"] == "miss" and second.provenance["cache"] == "hit"
    assert second.provenance["first_run"]["cost"] == pytest.approx(first.cost)
    rows = ledger()
    assert list(rows["status"]) == ["ok", "cached"] and rows["cost"].iloc[1] == 0


def test_the_cache_is_off_unless_asked_for(api):
    ask("Name a colour", model=MODEL)
    ask("Name a colour", model=MODEL)
    assert sent(api) == 2


@pytest.mark.parametrize("change", [
    {"model": "anthropic/claude-haiku-4.5"}, {"temperature": 0.7}, {"system": "Be terse."},
    {"prompt": "Name a fruit"}, {"schema": {"type": "object", "properties": {"colour": {"type": "string"}}}},
])
def test_changing_any_request_field_misses(api, change):
    base = {"prompt": "Name a colour", "model": MODEL, "temperature": 0}
    ask(**base, cache=True)
    try:
        ask(**{**base, **change}, cache=True)
    except ValueError:  # a schema's parsed answer may not fit: only what was sent counts here
        pass
    assert sent(api) == 2


def test_reordering_nested_dict_keys_hits(api):
    # --body is another helper's flag; ask(**params) with nested dicts reaches the same key function
    ask("Name a colour", model=MODEL, cache=True, provider={"order": ["OpenAI"], "sort": "price"}, top_p=0.5)
    again = ask("Name a colour", model=MODEL, cache=True, top_p=0.5, provider={"sort": "price", "order": ["OpenAI"]})
    assert sent(api) == 1 and again.provenance["cache"] == "hit"


def test_the_request_and_provenance_say_what_was_sent_and_never_the_key(api, sentinel_key):
    response = ask("Name a colour", model=MODEL, temperature=0.3, max_tokens=50)
    assert response.request == {"model": MODEL, "messages": [{"role": "user", "content": "Name a colour"}],
                                "temperature": 0.3, "max_tokens": 50, "stream": True}
    found = response.provenance
    assert found["params"] == {"temperature": 0.3, "max_tokens": 50}
    assert found["model"] == MODEL and found["provider"] and found["generation_id"].startswith("gen-")
    assert found["usage"]["completion_tokens"] > 0 and found["cost_source"] == "billed" and found["cache"] == "off"
    assert sentinel_key not in repr(response.request) + repr(found)


def test_a_failed_answer_is_never_cached(api):
    api.configure(mid_stream_error={"after_chunks": 2, "shape": "documented"})
    with pytest.raises(Exception):
        ask("Name a colour", model=MODEL, cache=True)
    api.configure(mid_stream_error=None)
    ask("Name a colour", model=MODEL, cache=True)
    ask("Name a colour", model=MODEL, cache=True)
    assert sent(api) == 2  # the failure, then one real answer; the third came from the cache


def test_a_corrupt_cache_file_warns_once_and_calls_go_on_uncached(api, isolated_home):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "cache.sqlite3").write_bytes(b"this is not a database" * 100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answers = [ask("Name a colour", model=MODEL, cache=True) for _ in range(3)]
    assert all(answer.text for answer in answers) and sent(api) == 3
    assert len([w for w in caught if issubclass(w.category, CacheWarning)]) == 1


def test_server_cache_first_misses_and_bills_then_hits_for_free(api):
    first = ask("Name a colour", model=MODEL, server_cache=60)
    second = ask("Name a colour", model=MODEL, server_cache=60)
    assert first.provenance["server_cache"] == "MISS" and first.cost > 0
    assert second.provenance["server_cache"] == "HIT" and second.cost == 0
    assert second.text == first.text and second.generation_id != first.generation_id
    assert [r.headers.get("x-openrouter-cache-ttl") for r in api.chat_requests] == ["60", "60"]


def test_a_cached_cell_says_so_in_its_footer_and_no_cache_always_sends(shell, fake):
    assert "cache on" in run(shell, "%openrouter cache on").cap.stdout
    run(shell, f"%%openrouter -m {MODEL}\nName a colour").result.raise_error()
    again = run(shell, f"%%openrouter -m {MODEL}\nName a colour")
    assert re.search(r"cached · \$0 \(first run \$[0-9.]+ on \d{4}-\d\d-\d\d\)", again.final_text())
    assert len(fake.chat_requests) == 1
    run(shell, f"%%openrouter -m {MODEL} --no-cache\nName a colour").result.raise_error()
    assert len(fake.chat_requests) == 2
    status = run(shell, "%openrouter cache").cap.stdout
    assert "1 entry" in status and "1 hit" in status and "saved" in status


def test_the_cache_flag_and_config_turn_it_on_per_cell_and_per_kernel(shell, fake):
    run(shell, f"%%openrouter -m {MODEL} --cache\nhi")
    run(shell, f"%%openrouter -m {MODEL} --cache\nhi")
    assert len(fake.chat_requests) == 1
    shell.run_line_magic("config", "OpenRouterMagics.cache = True")
    run(shell, f"%%openrouter -m {MODEL}\nhi")
    assert len(fake.chat_requests) == 1


def test_server_cache_flag_shows_hit_and_miss_in_the_footer(shell, fake):
    first = run(shell, f"%%openrouter -m {MODEL} --server-cache=120\nhi")
    second = run(shell, f"%%openrouter -m {MODEL} --server-cache=120\nhi")
    assert "server cache MISS" in first.final_text() and "server cache HIT" in second.final_text()
    assert "$0 · session" in second.final_text()


@pytest.mark.parametrize("line, expected", [
    ("%openrouter cache clear --older-than banana", "--older-than takes a number and a unit"),
    ("%openrouter cache sometimes", "invalid choice"),
    ("%openrouter cache on --model x", "go with clear"),
])
def test_bad_cache_input_is_one_usage_error_line(shell, line, expected):
    error = run(shell, line).error
    assert type(error) is UsageError and expected in str(error) and "\n" not in str(error)


def test_bad_server_cache_ttl_is_one_usage_error_line(shell, fake):
    error = run(shell, f"%%openrouter -m {MODEL} --server-cache=forever\nhi").error
    assert type(error) is UsageError and "--server-cache" in str(error) and "1 to 86400" in str(error)
    assert not fake.chat_requests


def test_cache_clear_prunes_by_model(shell, fake):
    run(shell, "%openrouter cache on")
    run(shell, f"%%openrouter -m {MODEL}\nhi")
    run(shell, "%%openrouter -m anthropic/claude-haiku-4.5\nhi")
    assert "removed 1 cached answer of" in run(shell, f"%openrouter cache clear --model {MODEL}").cap.stdout
    assert "removed 0" in run(shell, "%openrouter cache clear --older-than 7d").cap.stdout
    assert "removed 1" in run(shell, "%openrouter cache clear").cap.stdout


def test_a_chat_sends_one_stable_session_id_per_conversation(shell, fake):
    run(shell, f"%%openrouter -m {MODEL} --chat\nhi")
    run(shell, f"%%openrouter -m {MODEL} --chat\nand then?")
    run(shell, f"%%openrouter -m {MODEL} --chat other\nhi")
    ids = [r.json.get("session_id") for r in fake.chat_requests]
    assert ids[0] and ids[0] == ids[1] and ids[2] and ids[2] != ids[0]


def test_every_display_of_an_answer_ends_with_its_provenance(shell, fake, sentinel_key):
    ran = run(shell, f"%%openrouter -m {MODEL} -q -t 0.2\nWrite three short paragraphs about rivers.")
    final: dict[str, dict] = {}
    for out in ran.cap.outputs:  # the last state of each display is what the saved notebook keeps
        final[(out.transient or {}).get("display_id")] = out.metadata
    assert len(final) >= 1 and all("openrouter_magic" in meta for meta in final.values())
    found = next(iter(final.values()))["openrouter_magic"]
    assert found["model"] == MODEL and found["params"] == {"temperature": 0.2} and found["cost"] > 0
    assert found["generation_id"].startswith("gen-") and found["cache"] == "off" and found["usage"]["prompt_tokens"]
    assert sentinel_key not in ran.everything()


def test_reordering_keys_in_body_hits_and_changing_a_value_misses(shell, fake):
    run(shell, "%openrouter cache on")
    run(shell, f"""%%openrouter -m {MODEL} --body '{{"provider": {{"order": ["OpenAI"], "sort": "price"}}, "top_k": 3}}'
hi""").result.raise_error()
    again = run(shell, f"""%%openrouter -m {MODEL} --body '{{"top_k": 3, "provider": {{"sort": "price", "order": ["OpenAI"]}}}}'
hi""")
    assert "cached · $0" in again.final_text() and len(fake.chat_requests) == 1
    run(shell, f"""%%openrouter -m {MODEL} --body '{{"top_k": 4, "provider": {{"sort": "price", "order": ["OpenAI"]}}}}'
hi""").result.raise_error()
    assert len(fake.chat_requests) == 2


def test_a_comparison_goes_through_the_same_cache_and_provenance(api):
    from openrouter_magic import compare
    from openrouter_magic._session import cache_switch

    cache_switch(Session.get()).session_on = True
    models = [MODEL, "anthropic/claude-haiku-4.5"]
    first = compare("Name a colour", models, max_tokens=50)
    second = compare("Name a colour", models, max_tokens=50)
    assert sent(api) == 2
    assert list(second["text"]) == list(first["text"])
    assert sorted(ledger()["status"]) == ["cached", "cached", "ok", "ok"]


def test_a_compare_cell_honours_the_cache_flag(shell, fake):
    cell = f"%%openrouter --compare {MODEL},anthropic/claude-haiku-4.5 --cache --max-tokens 40\nName a colour"
    for _ in range(2):
        run(shell, cell).result.raise_error()  # outside a kernel the comparison runs to its end
    statuses = sorted(Session.get(shell).ledger.frame()["status"])
    assert len(fake.chat_requests) == 2 and statuses == ["cached", "cached", "ok", "ok"]


def test_a_long_answer_cut_into_many_displays_carries_its_provenance_on_each(shell):
    from IPython.utils.capture import capture_output
    from render_helpers import Clock, long_markdown, stream

    from openrouter_magic._core.types import ChatResponse
    from openrouter_magic._render.select import NotebookRenderer

    clock, text = Clock(), long_markdown(3000)
    with capture_output() as cap:
        renderer = NotebookRenderer(shell=shell, clock=clock, auto_tick=False)
        renderer.start("m")
        stream(renderer, text, clock, chunk=4, dt=0.02)
        renderer.finish(ChatResponse(text=text, provenance={"model": "m", "cache": "off"}), "footer")
    final: dict[str, dict] = {}
    for out in cap.outputs:
        final[out.transient["display_id"]] = out.metadata
    assert len(final) > 20 and all(meta.get("openrouter_magic", {}).get("model") == "m" for meta in final.values())
    streamed = sum(1 for out in cap.outputs if not out.metadata)
    assert len(cap.outputs) - streamed <= len(final) + 2  # each display re-sent once at the end, no more


def test_a_whole_float_and_an_int_are_the_same_request(api):
    ask("Name a colour", model=MODEL, cache=True, temperature=0.0, provider={"max_price": {"prompt": 1.0}})
    again = ask("Name a colour", model=MODEL, cache=True, temperature=0, provider={"max_price": {"prompt": 1}})
    assert sent(api) == 1 and again.provenance["cache"] == "hit"
    ask("Name a colour", model=MODEL, cache=True, temperature=0.5, provider={"max_price": {"prompt": 1}})
    assert sent(api) == 2


def test_a_refused_call_sends_nothing_and_stores_nothing(api):
    from openrouter_magic import BudgetExceeded
    from openrouter_magic._accounting import Budget
    from openrouter_magic._session import cache_switch

    session = Session.get()
    session.budget = Budget(0.0000001)
    with pytest.raises(BudgetExceeded):
        ask("Name a colour", model=MODEL, cache=True, max_tokens=500)
    assert sent(api) == 0 and cache_switch(session).store.stats().entries == 0
    session.budget = None
    ask("Name a colour", model=MODEL, cache=True, max_tokens=500)
    assert sent(api) == 1
