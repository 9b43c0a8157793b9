"""Passthrough and routing (issue 17, DESIGN §12): every new flag → the body the emulator received, ``--body``
deep merge and precedence, ``default_params``/``extra_headers``, presets, aliases, and bad input refused
before anything is sent. A real InteractiveShell, real HTTP to the emulator over loopback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from _magic_shell import MODEL, run, shell  # noqa: F401  (the shell fixture)


def _sent(fake) -> dict:
    return fake.chat_requests[-1].json


def _cell(shell, line: str, prompt: str = "hi"):
    ran = run(shell, f"%%openrouter -q {line}\n{prompt}")
    assert ran.error is None, ran.everything()
    return ran


FLAGS = [  # (flags, the fields they must put in the body)
    ("--zdr", {"provider": {"zdr": True}}),
    ("--no-train", {"provider": {"data_collection": "deny"}}),
    ("--only openai,azure", {"provider": {"only": ["openai", "azure"]}}),
    ("--ignore together", {"provider": {"ignore": ["together"]}}),
    ("--quant fp8,unknown", {"provider": {"quantizations": ["fp8", "unknown"]}}),
    ("--transforms middle-out", {"transforms": ["middle-out"]}),
    ("--require-parameters", {"provider": {"require_parameters": True}}),
    ("--body '{\"top_k\": 40, \"provider\": {\"sort\": \"price\"}}'", {"top_k": 40, "provider": {"sort": "price"}}),
]


@pytest.mark.parametrize(("flags", "expected"), FLAGS, ids=[f for f, _ in FLAGS])
def test_each_routing_flag_puts_its_field_in_the_request_body(shell, fake, flags, expected):
    _cell(shell, f"-m {MODEL} {flags}")
    body = _sent(fake)
    for key, value in expected.items():
        if isinstance(value, dict):
            assert {k: body[key][k] for k in value} == value
        else:
            assert body[key] == value
    assert fake.chat_requests[-1].headers.get("x-openrouter-metadata") == "enabled"


def test_require_parameters_is_on_by_itself_with_a_schema(shell, fake):
    shell.user_ns["Point"] = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
    _cell(shell, f"-m {MODEL} --schema Point")
    assert _sent(fake)["provider"] == {"require_parameters": True}


def test_body_wins_over_flags_which_win_over_default_params(shell, fake):
    run(shell, "%config OpenRouterMagics.default_params = {'temperature': 0.2, 'max_tokens': 800, "
               "'top_p': 0.5, 'provider': {'sort': 'latency', 'zdr': False}}")
    _cell(shell, f"-m {MODEL} -t 0.7 --zdr --max-tokens 300 --body '{{\"max_tokens\": 99, \"provider\": "
                 f"{{\"only\": [\"openai\"]}}}}'")
    body = _sent(fake)
    assert body["temperature"] == 0.7  # flag over default_params
    assert body["max_tokens"] == 99  # --body over the flag
    assert body["top_p"] == 0.5  # default_params where nothing else says
    # deep merge: default_params' provider, the flag's zdr and --body's only all survive
    assert body["provider"] == {"sort": "latency", "zdr": True, "only": ["openai"]}


def test_a_body_field_replaces_a_list_rather_than_merging_it(shell, fake):
    _cell(shell, f"-m {MODEL} --only azure,together --body '{{\"provider\": {{\"only\": [\"openai\"]}}}}'")
    assert _sent(fake)["provider"]["only"] == ["openai"]


def test_extra_headers_from_config_go_with_every_chat_request_and_are_masked_in_config(shell, fake):
    run(shell, "%config OpenRouterMagics.extra_headers = {'X-Team': 'data-science'}")
    _cell(shell, f"-m {MODEL}")
    assert fake.chat_requests[-1].headers.get("x-team") == "data-science"
    table = repr(run(shell, "%openrouter config").result.result)
    assert "extra_headers" in table and "default_params" in table and "aliases" in table


def test_dash_o_keeps_the_exact_body_that_was_sent(shell, fake):
    _cell(shell, f"-m {MODEL} --no-train -o answer --body '{{\"seed\": 7}}'")
    request = shell.user_ns["answer"].request
    sent = _sent(fake)
    assert request == {k: v for k, v in sent.items()}
    assert request["provider"]["data_collection"] == "deny" and request["seed"] == 7


def test_a_preset_goes_as_model_at_preset_and_alone_as_at_preset(shell, fake):
    _cell(shell, f"-m {MODEL} --preset demo")
    assert _sent(fake)["model"] == f"{MODEL}@preset/demo"
    _cell(shell, "--preset demo")
    assert _sent(fake)["model"] == "@preset/demo"


BAD = [
    ("--body '[1]'", "--body must be a JSON object"),
    ("--body '{bad'", "--body is not valid JSON"),
    ("--quant int3", "int4, int8, fp4"),
    ("--reasoning turbo", "'none', 'minimal', 'low', 'medium', 'high'"),
    ("--transforms squash", "middle-out"),
    ("--context 0", "--context takes a number of cells"),
]


@pytest.mark.parametrize(("flags", "says"), BAD, ids=[f for f, _ in BAD])
def test_bad_input_is_one_usage_error_naming_the_allowed_values_and_nothing_is_sent(shell, fake, flags, says):
    ran = run(shell, f"%%openrouter -m {MODEL} {flags}\nhi")
    assert type(ran.error).__name__ == "UsageError"
    assert says in str(ran.error) and "\n" not in str(ran.error)
    assert fake.chat_requests == []


@pytest.mark.parametrize("line", ["alias x=", "alias =openai/gpt-4o", "alias fast=notamodel", "budget 2/fortnight",
                                  "budget two/day"])
def test_bad_alias_and_period_budget_are_one_usage_error(shell, fake, line):
    ran = run(shell, f"%openrouter {line}")
    assert type(ran.error).__name__ == "UsageError" and "\n" not in str(ran.error)
    assert ("NAME=MODEL" in str(ran.error) or "model id" in str(ran.error) or "day, month" in str(ran.error))


def test_an_alias_works_for_the_cell_use_and_compare_models(shell, fake):
    assert run(shell, f"%openrouter alias fast={MODEL}").error is None
    _cell(shell, "-m fast")
    assert _sent(fake)["model"] == MODEL
    run(shell, "%openrouter use fast")
    _cell(shell, "")
    assert _sent(fake)["model"] == MODEL
    run(shell, "%openrouter alias big=openai/gpt-4o")
    ran = run(shell, "%%openrouter --compare fast,big -o table\nhi")
    assert ran.error is None, ran.everything()
    assert {r.json["model"] for r in fake.chat_requests[-2:]} == {MODEL, "openai/gpt-4o"}


def test_aliases_from_config_and_the_ask_api(shell, fake):
    run(shell, f"%config OpenRouterMagics.aliases = {{'cheap': '{MODEL}'}}")
    ran = run(shell, "import openrouter_magic as om\nr = om.ask('hi', model='cheap', display=False)")
    assert ran.error is None, ran.everything()
    assert _sent(fake)["model"] == MODEL


def test_an_alias_persists_across_sessions_sharing_the_home(shell, fake, isolated_home):
    run(shell, f"%openrouter alias fast={MODEL}")
    assert json.loads((isolated_home / "aliases.json").read_text()) == {"fast": MODEL}
    script = ("from openrouter_magic._session.aliases import Aliases\n"
              "print(Aliases().resolve('fast'), Aliases().resolve('fast:nitro'))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={"OPENROUTER_MAGIC_HOME": str(isolated_home), "PATH": ""})
    assert done.stdout.split() == [MODEL, f"{MODEL}:nitro"], done.stderr
    listed = run(shell, "%openrouter alias")
    assert f"fast → {MODEL}" in listed.cap.stdout
    run(shell, "%openrouter alias --remove fast")
    assert json.loads((isolated_home / "aliases.json").read_text()) == {}
