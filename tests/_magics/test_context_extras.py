"""Issue 17's smaller fixes in a real shell against the emulator: a long --chat history is trimmed (oldest
turns first, the system prompt kept) with a note; %openrouter history shows token estimates; the timeout
error names %config OpenRouterMagics.timeout; --schema/-f json on a model without structured outputs warns
once and sends provider.require_parameters."""

from __future__ import annotations

from _magic_shell import MODEL, run, shell  # noqa: F401  (the shell fixture)

SMALL = "microsoft/phi-4"  # 16,384 tokens of context in the demo catalog


def test_a_chat_over_the_context_length_drops_its_oldest_turns_and_says_so(shell, fake):
    run(shell, "%openrouter models")  # the catalog in memory
    shell.user_ns["chunk"] = "word " * 12_000  # ~15,000 tokens a turn
    for n in range(3):
        ran = run(shell, f"%%openrouter -m {SMALL} --chat -s 'Be brief' -q\nTurn {n}: {{chunk}}")
        assert ran.error is None, ran.everything()
    sent = fake.chat_requests[-1].json["messages"]
    assert sent[0] == {"role": "system", "content": "Be brief"}
    assert sent[-1]["content"].startswith("Turn 2:")
    assert not any(m["content"].startswith(("Turn 0:", "Turn 1:")) for m in sent if m["role"] == "user")
    assert "the 2 oldest turns left out" in ran.cap.stdout and SMALL in ran.cap.stdout


def test_a_short_chat_is_sent_whole_without_a_note(shell, fake):
    for n in range(2):
        ran = run(shell, f"%%openrouter -m {MODEL} --chat -q\nTurn {n}")
    assert [m["role"] for m in fake.chat_requests[-1].json["messages"]] == ["user", "assistant", "user"]
    assert "left out" not in ran.cap.stdout


def test_history_shows_a_token_estimate_per_turn(shell, fake):
    run(shell, f"%%openrouter -m {MODEL} --chat -q\n{'x' * 400}")
    shown = run(shell, "%openrouter history").cap.stdout
    assert "[1] (~" in shown and " tokens) you: " in shown


def test_a_timeout_names_the_setting_that_allows_longer(shell, fake):
    fake.configure(first_byte_delay=2.0)
    run(shell, "%config OpenRouterMagics.timeout = 0.3\n%config OpenRouterMagics.max_retries = 0")
    ran = run(shell, f"%%openrouter -m {MODEL}\nhi")
    assert type(ran.error).__name__ == "UsageError"
    assert "%config OpenRouterMagics.timeout" in str(ran.error) and "\n" not in str(ran.error)


def test_json_on_a_model_without_structured_outputs_warns_once_and_requires_parameters(shell, fake):
    run(shell, "%openrouter models")
    model = "meta-llama/llama-3.1-8b-instruct"
    first = run(shell, f"%%openrouter -m {model} -f json -q\nGive JSON")
    assert fake.chat_requests[-1].json["provider"] == {"require_parameters": True}
    assert "does not list structured outputs" in first.cap.stdout
    second = run(shell, f"%%openrouter -m {model} -f json -q\nGive JSON")
    assert "does not list structured outputs" not in second.cap.stdout
    run(shell, f"%%openrouter -m {MODEL} -f json -q\nGive JSON")
    assert "provider" not in fake.chat_requests[-1].json


def test_retry_delay_is_a_setting_the_client_uses(shell, fake):
    from openrouter_magic._session.session import Session

    run(shell, "%config OpenRouterMagics.retry_delay = 0.01")
    session = Session.get(shell)
    assert session.client.retry_base_delay == 0.01
    assert session.settings()["retry_delay"].source == "config"
    fake.queue_error(429, times=2)
    ran = run(shell, f"%%openrouter -m {MODEL} -q\nhi")
    assert ran.error is None and len(fake.chat_requests) == 3
