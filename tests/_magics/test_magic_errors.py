"""Every misuse and every API failure is one plain UsageError line that says what to do — never the key."""

from __future__ import annotations

import pytest
from _magic_shell import MODEL, keyless_shell, run, shell  # noqa: F401 (fixtures)
from IPython.core.error import UsageError

BAD_INPUT = {
    "unknown option": (f"%%openrouter -m {MODEL} --bogus\nhi", "unrecognized arguments: --bogus"),
    "empty cell": ("%%openrouter\n   \n\n", "the cell is empty"),
    "temperature out of range": ("%%openrouter -t 5\nhi", "between 0 and 2"),
    "temperature not a number": ("%%openrouter -t warm\nhi", "invalid float value"),
    "negative max tokens": ("%%openrouter --max-tokens -1\nhi", "at least 1"),
    "unknown format": ("%%openrouter -f xml\nhi", "invalid choice: 'xml'"),
    "schema missing": ("%%openrouter --schema Missing\nhi", "no such variable"),
    "schema not a schema": ("%%openrouter --schema number\nhi", "is a int"),
    "schema dict not a schema": ("%%openrouter --schema plain\nhi", "not a JSON schema"),
    "image missing": ("%%openrouter --image /no/such/picture.png\nhi", "no such file"),
    "image not an image": ("%%openrouter --image {text_file}\nhi", "not a PNG"),
    "unbalanced quotes": ('%%openrouter -s "oops\nhi', "check the quotes"),
    "bad max price": ("%%openrouter --max-price cheap\nhi", "USD per million"),
    "bad output name": ("%%openrouter -o 2x\nhi", "variable name"),
    "unknown subcommand": ("%openrouter frobnicate", "unknown subcommand"),
    "bad budget": ("%openrouter budget lots", "USD"),
}


def _assert_one_line_usage_error(ran, expected: str) -> None:
    assert type(ran.error) is UsageError, repr(ran.error)  # exactly UsageError: a subclass shows a traceback
    assert expected in str(ran.error)
    assert ran.cap.stderr.count("\n") == 1 and ran.cap.stderr.startswith("UsageError: ")
    assert "Traceback" not in ran.cap.stdout + ran.cap.stderr


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_usage_error_line_and_nothing_is_sent(shell, fake, tmp_path, case):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello")
    shell.user_ns.update(number=5, plain={"a": 1})
    source, expected = BAD_INPUT[case]
    ran = run(shell, source.format(text_file=text_file))
    _assert_one_line_usage_error(ran, expected)
    assert fake.chat_requests == []


def test_no_key_says_how_to_set_it_or_try_the_sandbox(keyless_shell, fake, monkeypatch):
    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    ran = run(keyless_shell, f"%%openrouter -m {MODEL}\nhi")
    _assert_one_line_usage_error(ran, "export OPENROUTER_API_KEY=… before starting Jupyter")
    for way in (".env file", "%openrouter key --set", "%openrouter sandbox on"):
        assert way in str(ran.error)
    assert "%env" not in str(ran.error)  # IPython echoes %env assignments: the saved notebook would hold the key
    assert fake.requests == []


API_FAILURES = {
    401: "rejected the API key",
    402: "not enough credits",
    403: "flagged by moderation for misc",
    429: "rate limited after 1 retries",
    502: "the provider failed",
    503: "the provider failed",
}


@pytest.mark.parametrize("status", list(API_FAILURES))
def test_api_failures_become_one_line_that_says_what_to_do(shell, fake, status):
    shell.run_line_magic("config", "OpenRouterMagics.max_retries = 1")
    fake.queue_error(status, times=5, headers={"Retry-After": "0"})
    ran = run(shell, f"%%openrouter -m {MODEL}\nhi")
    _assert_one_line_usage_error(ran, API_FAILURES[status])
    assert f"({status}: " in str(ran.error)


def test_an_unknown_model_is_sent_and_answered_with_did_you_mean(shell, fake):
    ran = run(shell, "%%openrouter -m openai/gpt-4o-mni\nhi")
    _assert_one_line_usage_error(ran, "did you mean openai/gpt-4o-mini")
    assert fake.chat_requests[0].json["model"] == "openai/gpt-4o-mni"  # never blocked before sending


def test_a_404_for_a_model_offers_other_models(shell, fake):
    fake.queue_error(404, model=MODEL)
    ran = run(shell, f"%%openrouter -m {MODEL}\nhi")
    _assert_one_line_usage_error(ran, f"(404: No endpoints found for {MODEL}.): did you mean openai/")
    assert f"mean {MODEL}" not in str(ran.error) and f", {MODEL}" not in str(ran.error)


def test_a_mid_stream_error_keeps_and_shows_the_partial_answer(shell, fake):
    fake.configure(mid_stream_error={"after_chunks": 5, "code": 502, "message": "Provider disconnected"})
    ran = run(shell, f"%%openrouter -m {MODEL} -o r\nhi")
    _assert_one_line_usage_error(ran, "the answer broke off (502: Provider disconnected)")
    partial = shell.user_ns["r"]
    assert len(partial.text) == 20 and partial.error
    assert partial.text in ran.final_text() and "Provider disconnected" in ran.final_text()


def test_an_unreachable_server_says_to_check_the_network(shell, fake):
    shell.run_line_magic("config", "OpenRouterMagics.max_retries = 0")
    fake.stop()
    ran = run(shell, f"%%openrouter -m {MODEL}\nhi")
    _assert_one_line_usage_error(ran, "could not reach OpenRouter at http://127.0.0.1:")


def test_the_key_never_appears_in_any_output_of_any_failure(shell, fake, sentinel_key, tmp_path):
    shell.run_line_magic("config", "OpenRouterMagics.max_retries = 0")
    shown = []
    for source, _ in BAD_INPUT.values():
        shown.append(run(shell, source.format(text_file=tmp_path / "none.txt")).everything())
    for status in API_FAILURES:
        fake.queue_error(status)
        shown.append(run(shell, f"%%openrouter -m {MODEL} -o r\nhi").everything())
    shown.append(run(shell, "%%openrouter -m openai/gpt-4o-mni\nhi").everything())
    for command in ("config", "key", "cost", "history", "help"):
        shown.append(run(shell, f"%openrouter {command}").everything())
    shown.append(repr(shell.user_ns.get("r")) + repr(_ledger_text(shell)))
    assert len(shown) > 25
    assert not [text for text in shown if sentinel_key in text]


def _ledger_text(shell):
    from openrouter_magic._session.session import Session

    return Session.get(shell).ledger.frame().to_string()
