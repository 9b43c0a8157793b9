"""Availability errors and router metadata (issue 17, DESIGN §12): ``error.availability`` bodies become one-line
fixes with their ``fallback_models``; ``--zdr`` with no ZDR endpoint fails once, not retried; retryable ones
wait ``retry_after``; the footer notes fallbacks and other providers; ``-o`` keeps the metadata."""

from __future__ import annotations

import pytest

from _magic_shell import MODEL, run, shell  # noqa: F401  (the shell fixture)
from openrouter_magic.testing._routing import availability_error

FREE = "deepseek/deepseek-chat-v3.1:free"


def _error(ran) -> str:
    assert type(ran.error).__name__ == "UsageError", ran.everything()
    text = str(ran.error)
    assert "\n" not in text
    return text


def test_zdr_without_a_zdr_endpoint_is_the_privacy_one_liner_and_is_sent_once(shell, fake):
    assert any(m["id"] == FREE for m in fake.catalog.models)
    text = _error(run(shell, f"%%openrouter -m {FREE} --zdr\nhi"))
    assert "privacy settings exclude every provider" in text and "drop --zdr" in text
    assert "%openrouter use " in text  # the emulator's fallback_models, suggested
    assert len(fake.chat_requests) == 1  # a 404 of routing is not retried


def test_no_train_on_a_free_model_is_refused_the_same_way(shell, fake):
    text = _error(run(shell, f"%%openrouter -m {FREE} --no-train\nhi"))
    assert "privacy settings" in text and "--no-train" in text


def test_routing_constraints_that_leave_no_endpoint_say_which_flags_to_loosen(shell, fake):
    text = _error(run(shell, f"%%openrouter -m {MODEL} --quant int4\nhi"))
    assert "loosen --only / --ignore / --quant" in text


@pytest.mark.parametrize(("code", "says"), [
    ("model_deprecated", "is deprecated"),
    ("free_variant_ended", "— its free variant has ended"),
    ("no_endpoints", "has no endpoint"),
])
def test_an_availability_body_is_a_one_line_fix_naming_the_fallback(shell, fake, code, says):
    body = availability_error(404, code, "gone", requested=["x/old:free"], fallback_models=["x/new", "y/other"])
    fake.queue_error(404, body=body)
    text = _error(run(shell, "%%openrouter -m x/old:free\nhi"))
    assert text.startswith(f"x/old:free {says}")
    assert "%openrouter use x/new (or --fallback x/new,y/other)" in text
    assert len(fake.chat_requests) == 1


def test_a_retryable_availability_error_is_retried_after_its_retry_after(shell, fake):
    body = availability_error(503, "capacity_exhausted", "busy", requested=[MODEL], retryable=True,
                              retry_after=0.05)
    fake.queue_error(503, body=body)
    ran = run(shell, f"%%openrouter -m {MODEL} -q -o answer\nhi")
    assert ran.error is None, ran.everything()
    assert len(fake.chat_requests) == 2 and shell.user_ns["answer"].text


def test_a_400_that_mentions_429_is_not_called_a_rate_limit(shell, fake):
    fake.queue_error(400, body={"error": {"code": 400, "message": "max_tokens must be below 4290 (HTTP 429 "
                                                                    "docs)", "metadata": {}}})
    text = _error(run(shell, f"%%openrouter -m {MODEL}\nhi"))
    assert "rate limit" not in text.lower() and "refused the request" in text


def test_the_footer_notes_a_provider_fallback_and_dash_o_keeps_the_metadata(shell, fake):
    fake.configure(per_model={MODEL: {"failed_providers": ["Azure"], "provider": "Together"}})
    ran = run(shell, f"%%openrouter -m {MODEL} -o answer\nhi")
    assert ran.error is None
    assert "2 attempts → Together" in ran.final_text()
    router = shell.user_ns["answer"].router
    assert [a["provider"] for a in router["attempts"]] == ["Azure", "Together"]
    assert router["requested"] == MODEL and router["strategy"] == "fallback"


def test_the_footer_names_the_fallback_model_that_served(shell, fake):
    fake.queue_error(503, model="openai/gpt-4o", times=10)
    ran = run(shell, f"%%openrouter -m openai/gpt-4o --fallback {MODEL} -o answer\nhi")
    assert ran.error is None, ran.everything()
    assert f"2 attempts → {MODEL} via OpenAI" in ran.final_text()


def test_a_direct_answer_has_no_routing_note(shell, fake):
    ran = run(shell, f"%%openrouter -m {MODEL} -o answer\nhi")
    assert "attempt" not in ran.final_text()
    assert shell.user_ns["answer"].router["attempt"] == 1


def test_an_availability_error_marked_not_retryable_is_not_retried_even_as_a_503(shell, fake):
    body = availability_error(503, "model_unavailable_upstream", "down", requested=[MODEL], retryable=False,
                              fallback_models=["openai/gpt-4o"])
    fake.queue_error(503, body=body, times=5)
    text = _error(run(shell, f"%%openrouter -m {MODEL}\nhi"))
    assert "unavailable upstream" in text and "%openrouter use openai/gpt-4o" in text
    assert len(fake.chat_requests) == 1


def test_a_model_past_its_expiration_date_is_deprecated_with_its_successor_suggested(shell, fake):
    old = next(m for m in fake.catalog.models if m["id"] == "openai/gpt-4o")
    old["expiration_date"], old["alias_target"] = "2020-01-01", {"name": "GPT", "slug": MODEL}
    text = _error(run(shell, "%%openrouter -m openai/gpt-4o\nhi"))
    assert text.startswith("openai/gpt-4o is deprecated (404: openai/gpt-4o was retired on 2020-01-01)")
    assert f"%openrouter use {MODEL}" in text
