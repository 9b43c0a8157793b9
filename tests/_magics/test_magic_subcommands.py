"""%openrouter subcommands, --chat conversations and the widgets other modules provide, in a real shell."""

from __future__ import annotations

import json
import re

from _magic_shell import MODEL, keyless_shell, run, shell  # noqa: F401 (fixtures)

from openrouter_magic._session.session import Session


def _last_body(fake) -> dict:
    return fake.chat_requests[-1].json


# ── conversations ──────────────────────────────────────────────────────────────────────────────
def test_chat_sends_the_conversation_and_rerunning_a_cell_replaces_its_exchange(shell, fake):
    run(shell, f"%%openrouter -m {MODEL} --chat\nMy name is Ann.", cell_id="c1")
    run(shell, f"%%openrouter -m {MODEL} --chat\nWhat is my name?", cell_id="c2")
    roles = [m["role"] for m in _last_body(fake)["messages"]]
    assert roles == ["user", "assistant", "user"]
    run(shell, f"%%openrouter -m {MODEL} --chat\nMy name is Bob.", cell_id="c1")  # edited and re-run
    assert [m["role"] for m in _last_body(fake)["messages"]] == ["user"]  # nothing came before c1
    turns = Session.get(shell).conversations.exchanges()
    assert [t.user["content"] for t in turns] == ["My name is Bob.", "What is my name?"]


def test_without_a_cell_id_the_same_source_replaces_its_exchange(shell):
    for _ in range(2):
        run(shell, f"%%openrouter -m {MODEL} --chat notes\nRemember 7.")
    assert len(Session.get(shell).conversations.exchanges("notes")) == 1


def test_history_shows_a_conversation_and_reset_clears_it(shell, fake):
    run(shell, f"%%openrouter -m {MODEL} --chat\nMy name is Ann.", cell_id="c1")
    shown = run(shell, "%openrouter history").cap.stdout
    assert "1 exchange" in shown and "My name is Ann." in shown
    assert "cleared: default" in run(shell, "%openrouter reset").cap.stdout
    run(shell, f"%%openrouter -m {MODEL} --chat\nAnd now?", cell_id="c2")
    assert len(_last_body(fake)["messages"]) == 1


# ── sandbox, config, line subcommands ──────────────────────────────────────────────────────────
def test_sandbox_on_works_without_a_key_and_off_restores_the_no_key_error(keyless_shell):
    assert "sandbox on" in run(keyless_shell, "%openrouter sandbox on").cap.stdout
    ran = run(keyless_shell, f"%%openrouter -m {MODEL} -o r\nhi")
    assert ran.error is None and keyless_shell.user_ns["r"].text
    assert "sandbox off" in run(keyless_shell, "%openrouter sandbox off").cap.stdout
    ran = run(keyless_shell, f"%%openrouter -m {MODEL}\nhi")
    assert "OPENROUTER_API_KEY" in str(ran.error) and "sandbox on" in str(ran.error)


def test_config_shows_every_setting_with_its_source_and_the_key_masked(shell, sentinel_key):
    run(shell, '%config OpenRouterMagics.default_model = "mistralai/mistral-small"')
    table = repr(shell.run_line_magic("openrouter", "config"))
    for name in ("api_key", "base_url", "default_model", "max_retries", "timeout", "refresh_interval",
                 "show_footer", "home", "budget"):
        assert name in table
    assert sentinel_key not in table and "sk-or-…CRET" in table
    assert "(env:OPENROUTER_API_KEY)" in table and "(env:OPENROUTER_BASE_URL)" in table
    assert re.search(r"default_model +mistralai/mistral-small +\(config\)", table), table


def test_config_default_model_is_used_when_no_model_is_given(shell, fake):
    run(shell, '%config OpenRouterMagics.default_model = "mistralai/mistral-small"')
    run(shell, "%%openrouter\nhi")
    assert _last_body(fake)["model"] == "mistralai/mistral-small"
    run(shell, "%openrouter use openai/gpt-4o")
    run(shell, "%%openrouter\nhi")
    assert _last_body(fake)["model"] == "openai/gpt-4o"


def test_models_use_cost_budget_and_key_subcommands_are_wired(shell, fake, sentinel_key):
    frame = shell.run_line_magic("openrouter", "models --search gpt-4o --limit 5")
    assert MODEL in set(frame["id"])
    assert "default model: openai/gpt-4o" in run(shell, "%openrouter use openai/gpt-4o").cap.stdout
    run(shell, f"%%openrouter -m {MODEL}\nhi")
    assert "1 call" in repr(shell.run_line_magic("openrouter", "cost"))
    assert "budget: $1.00" in run(shell, "%openrouter budget 1").cap.stdout
    assert Session.get(shell).budget.limit_usd == 1.0
    assert "budget off" in run(shell, "%openrouter budget off").cap.stdout
    key_report = repr(shell.run_line_magic("openrouter", "key"))
    assert "credits left" in key_report and sentinel_key not in key_report


def test_help_lists_the_subcommands(shell):
    out = run(shell, "%openrouter help").cap.stdout
    for name in ("models", "picker", "use", "compare", "cost", "budget", "key", "history", "reset", "sandbox",
                 "config", "help"):
        assert f"\n  {name} " in out
    assert "--max-tokens" in out


# ── the widgets and comparisons other modules provide ─────────────────────────────────────────
def test_picker_and_compare_subcommands_return_their_widgets(shell):
    from openrouter_magic._widgets.picker.view import ModelPicker
    from openrouter_magic._widgets.compare.playground import Playground

    assert isinstance(shell.run_line_magic("openrouter", "picker"), ModelPicker)
    playground = shell.run_line_magic("openrouter", f"compare {MODEL} openai/gpt-4o")
    assert isinstance(playground, Playground)


def test_compare_option_sends_the_same_messages_to_every_model_and_stores_the_table(shell, fake):
    ran = run(shell, f'%%openrouter --compare {MODEL},openai/gpt-4o -s "Be brief" --max-tokens 30 -o table\n'
                     "Name a color.")
    assert ran.error is None, ran.error
    bodies = sorted((r.json["model"], json.dumps(r.json["messages"]), r.json["max_tokens"]) for r in fake.chat_requests)
    assert [b[0] for b in bodies] == ["openai/gpt-4o", MODEL]
    assert bodies[0][1:] == bodies[1][1:]  # same system + prompt, same params
    assert set(shell.user_ns["table"]["model"]) == {MODEL, "openai/gpt-4o"}


def test_compare_with_a_single_model_is_a_usage_error_and_sends_nothing(shell, fake):
    ran = run(shell, f"%%openrouter --compare {MODEL}\nhi")
    assert type(ran.error).__name__ == "UsageError" and ran.error.args[0].startswith("--compare: ")
    assert fake.chat_requests == []


def test_unloading_stops_the_sandbox(keyless_shell):
    from openrouter_magic._magics.magics import unload_ipython_extension

    run(keyless_shell, "%openrouter sandbox on")
    session = Session.get(keyless_shell)
    assert session.sandbox.active
    unload_ipython_extension(keyless_shell)
    assert not session.sandbox.active


def test_show_footer_and_timeout_settings_reach_the_renderer_and_the_client(shell):
    run(shell, "%config OpenRouterMagics.show_footer = False")
    run(shell, "%config OpenRouterMagics.timeout = 7.5")
    ran = run(shell, f"%%openrouter -m {MODEL}\nhi")
    assert ran.error is None and "tokens" not in ran.final_text()
    session = Session.get(shell)
    assert session.settings()["timeout"].value == 7.5 and session.settings()["timeout"].source == "config"
    assert session._client_key[4] == 7.5
