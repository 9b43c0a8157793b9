"""%%openrouter and %openrouter in a real InteractiveShell against the emulator over loopback."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import textwrap
import _thread
import threading
import time

from _magic_shell import MODEL, run, shell  # noqa: F401 (fixtures)

from openrouter_magic._magics.magics import OpenRouterMagics, load_ipython_extension
from openrouter_magic._core import cost_text
from openrouter_magic._session.session import Session
from openrouter_magic._core.types import ChatResponse

SYNOPSIS_FLAGS = ["-m", "-s", "-t", "--max-tokens", "--top-p", "--seed", "--stop", "-f", "-o", "--chat", "--image",
                  "--schema", "--reasoning", "--web", "--fallback", "--provider-order", "--provider-sort",
                  "--max-price", "--no-fallbacks", "--compare", "--no-stream", "--no-interpolate", "-q"]


def _last_body(fake) -> dict:
    return fake.chat_requests[-1].json


# ── loading and the manual ─────────────────────────────────────────────────────────────────────
def test_loading_the_extension_twice_keeps_one_set_of_magics(shell):
    load_ipython_extension(shell)
    load_ipython_extension(shell)
    instances = [m for m in shell.configurables if isinstance(m, OpenRouterMagics)]
    assert len(instances) == 1
    assert "openrouter" in shell.magics_manager.magics["cell"]
    assert "openrouter" in shell.magics_manager.magics["line"]


def test_the_cell_magic_help_is_a_generated_manual_listing_every_option(shell):
    ran = run(shell, "%%openrouter?")
    for flag in SYNOPSIS_FLAGS:
        assert f"{flag} " in ran.cap.stdout or f"{flag}," in ran.cap.stdout, flag
    assert "%%openrouter [-m MODEL]" in ran.cap.stdout


def test_loading_imports_neither_httpx_nor_pandas_nor_ipywidgets():
    script = textwrap.dedent("""
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        InteractiveShell.instance().run_line_magic("load_ext", "openrouter_magic")
        print(sorted(m for m in ("httpx", "pandas", "ipywidgets") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


# ── streaming, footer, return value ────────────────────────────────────────────────────────────
def test_the_answer_streams_in_place_and_the_final_displays_hold_it_once(shell, fake):
    fake.configure(chunk_delay=0.002, answer_tokens=500)
    run(shell, "%config OpenRouterMagics.refresh_interval = 0.02")
    ran = run(shell, f"%%openrouter -m {MODEL} -o r\nExplain streaming.")
    answer = shell.user_ns["r"].text
    assert ran.error is None and len(answer) == 2000
    assert ran.updates() >= 5  # updated in place, throttled
    assert len(ran.cap.outputs) < 250  # never one message per chunk (500 chunks)
    final = " ".join(ran.final_text().split())
    assert final.count(" ".join(answer.split())[:200]) == 1
    assert "waiting for first token" not in final


def test_the_footer_shows_model_provider_tokens_timings_and_billed_cost(shell, fake):
    ran = run(shell, f"%%openrouter -m {MODEL} -o r\nhi")
    footer = ran.finals()[-1]["text/plain"]
    response = shell.user_ns["r"]
    assert footer.startswith(f"{response.model} via {response.provider}")
    assert f"{response.usage.prompt_tokens} in / {response.usage.completion_tokens} out" in footer
    assert "first token" in footer and "total" in footer and "tok/s" in footer
    assert f"· {cost_text(response.cost)} ·" in footer and "≈" not in footer
    assert f"session {cost_text(response.cost)}" in footer


def test_the_footer_marks_a_cost_estimated_from_catalog_prices(shell, fake):
    fake.configure(include_cost=False)
    ran = run(shell, f"%%openrouter -m {MODEL}\nhi")
    footer = ran.finals()[-1]["text/plain"]
    assert "≈$" in footer
    assert list(Session.get(shell).ledger.frame()["cost_source"]) == ["estimated"]


def test_quiet_hides_the_footer(shell):
    ran = run(shell, f"%%openrouter -m {MODEL} -q\nhi")
    assert "tokens" not in ran.final_text() and "via" not in ran.final_text()


def test_o_stores_the_response_and_underscore_holds_it_with_the_answer_as_plain_text(shell):
    ran = run(shell, f"%%openrouter -m {MODEL} -o answer\nhi")
    response = shell.user_ns["answer"]
    assert isinstance(response, ChatResponse) and response.text
    assert shell.user_ns["_"] is response
    assert shell.display_formatter.format(response)[0]["text/plain"] == response.text
    assert ran.final_text().count(response.text[:40]) == 1  # not shown a second time as Out[n]


# ── formats ────────────────────────────────────────────────────────────────────────────────────
def test_code_format_puts_the_code_in_a_new_cell_below(shell, fake):
    fake.configure(answer="Here you go:\n\n```python\nprint('hi')\n```\n")
    ran = run(shell, f"%%openrouter -m {MODEL} -f code\nwrite code")
    assert ran.error is None
    assert shell.rl_next_input == "print('hi')"


def test_json_format_asks_for_json_and_underscore_is_the_parsed_value(shell, fake):
    fake.configure(answer='{"a": 1, "b": [true, null]}')
    ran = run(shell, f"%%openrouter -m {MODEL} -f json -o r\ngive json")
    assert ran.error is None
    assert _last_body(fake)["response_format"] == {"type": "json_object"}
    assert shell.user_ns["_"] == {"a": 1, "b": [True, None]} == shell.user_ns["r"].parsed


def test_json_format_with_an_answer_that_is_not_json_says_so_and_keeps_the_text(shell, fake):
    fake.configure(answer="not json at all")
    ran = run(shell, f"%%openrouter -m {MODEL} -f json -o r\ngive json")
    assert type(ran.error).__name__ == "UsageError" and "not valid JSON" in str(ran.error)
    assert shell.user_ns["r"].text == "not json at all"


def test_html_format_shows_html(shell, fake):
    fake.configure(answer="<b>bold</b>")
    ran = run(shell, f"%%openrouter -m {MODEL} -f html\nhtml please")
    assert any("<b>bold</b>" in data.get("text/html", "") for data in ran.finals())


def test_text_format_shows_plain_text(shell, fake):
    fake.configure(answer="*not markdown*")
    ran = run(shell, f"%%openrouter -m {MODEL} -f text\nplain")
    assert not any("text/markdown" in data for data in ran.finals()[:-1])
    assert "*not markdown*" in ran.final_text()


def test_schema_from_a_dict_sends_json_schema_and_returns_the_parsed_object(shell, fake):
    shell.user_ns["city"] = {"type": "object", "properties": {"name": {"type": "string"},
                                                              "population": {"type": "integer"}},
                             "required": ["name", "population"]}
    ran = run(shell, f"%%openrouter -m {MODEL} --schema city\nA city please")
    assert ran.error is None
    sent = _last_body(fake)["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["schema"] == shell.user_ns["city"]
    result = shell.user_ns["_"]
    assert isinstance(result, dict) and isinstance(result["name"], str) and isinstance(result["population"], int)


def test_schema_from_a_pydantic_class_returns_an_instance(shell, fake):
    from pydantic import BaseModel

    class Person(BaseModel):
        name: str
        age: int

    shell.user_ns["Person"] = Person
    ran = run(shell, f"%%openrouter -m {MODEL} --schema Person -o r\nA person")
    assert ran.error is None
    assert isinstance(shell.user_ns["_"], Person) and shell.user_ns["r"].parsed == shell.user_ns["_"]
    assert _last_body(fake)["response_format"]["json_schema"]["schema"]["title"] == "Person"


# ── interpolation ──────────────────────────────────────────────────────────────────────────────
def test_existing_names_are_interpolated_and_other_braces_stay(shell, fake):
    shell.user_ns.update(topic="SSE", data={"k": [10, 20]})
    run(shell, f'%%openrouter -m {MODEL}\nAbout {{topic}} and {{data["k"][1]}}; keep {{missing}}, {{"a": 1}}, \\frac{{a}}{{b}}')
    sent = _last_body(fake)["messages"][-1]["content"]
    assert sent == 'About SSE and 20; keep {missing}, {"a": 1}, \\frac{a}{b}'


def test_no_interpolate_leaves_the_prompt_as_written(shell, fake):
    shell.user_ns["topic"] = "SSE"
    run(shell, f"%%openrouter -m {MODEL} --no-interpolate\nAbout {{topic}}")
    assert _last_body(fake)["messages"][-1]["content"] == "About {topic}"

# ── routing and request fields ─────────────────────────────────────────────────────────────────
def test_routing_and_sampling_options_become_the_documented_request_fields(shell, fake, tmp_path):
    png = tmp_path / "dot.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    ran = run(shell, f'%%openrouter -m {MODEL} -s "Be brief" -t 0.5 --max-tokens 50 --top-p 0.9 --seed 7 '
                     f'--stop END --stop STOP --fallback anthropic/claude-3.5-haiku,google/gemini-2.0-flash-001 '
                     f'--provider-order openai,azure --provider-sort price --max-price 1,2 --no-fallbacks --web '
                     f'--reasoning high --image {png} --image https://example.org/cat.jpg\nDescribe.')
    assert ran.error is None, ran.error
    body = _last_body(fake)
    assert body["messages"][0] == {"role": "system", "content": "Be brief"}
    assert (body["temperature"], body["max_tokens"], body["top_p"], body["seed"]) == (0.5, 50, 0.9, 7)
    assert body["stop"] == ["END", "STOP"]
    assert body["models"] == ["anthropic/claude-3.5-haiku", "google/gemini-2.0-flash-001"]
    assert body["provider"] == {"order": ["openai", "azure"], "sort": "price",
                                "max_price": {"prompt": 1.0, "completion": 2.0}, "allow_fallbacks": False}
    assert body["tools"] == [{"type": "openrouter:web_search"}] and body["reasoning"] == {"effort": "high"}
    assert "plugins" not in body  # --web is the openrouter:web_search server tool, not the deprecated web plugin
    text, local, remote = body["messages"][-1]["content"]
    assert text == {"type": "text", "text": "Describe."}
    assert local["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
    assert remote["image_url"]["url"] == "https://example.org/cat.jpg"

# ── interrupt, terminal ────────────────────────────────────────────────────────────────────────
def test_an_interrupt_keeps_the_partial_answer_marks_it_and_the_next_cell_works(shell, fake):
    fake.configure(chunk_delay=0.03, answer_tokens=2000)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    started = time.perf_counter()
    ran = run(shell, f"%%openrouter -m {MODEL} -o r\nA long story.")
    assert time.perf_counter() - started < 1.0  # interrupted at 0.5 s, stopped well within 0.5 s
    partial = shell.user_ns["r"]
    assert partial.interrupted and 0 < len(partial.text) < 8000
    assert "[interrupted]" in ran.final_text() and partial.text[:20] in ran.final_text()
    assert type(ran.error).__name__ == "UsageError" and "interrupted" in str(ran.error)
    assert fake.wait_for_disconnects(1, timeout=2)
    assert list(Session.get(shell).ledger.frame()["status"]) == ["interrupted"]
    fake.configure(chunk_delay=0, answer_tokens=20)
    ran = run(shell, f"%%openrouter -m {MODEL} -o r\nAgain.")
    assert ran.error is None and not shell.user_ns["r"].interrupted


def test_a_keyboard_interrupt_raised_while_rendering_is_handled_the_same_way(shell, fake):
    magics = shell.magics_manager.registry["OpenRouterMagics"]
    make = magics.renderer

    def interrupting_renderer(fmt):  # the renderer hook: Ctrl-C lands inside our own code this time
        renderer = make(fmt)
        original, calls = renderer.text, []

        def text(piece):
            calls.append(piece)
            if len(calls) == 5:
                raise KeyboardInterrupt
            original(piece)

        renderer.text = text
        return renderer

    magics.renderer = interrupting_renderer
    fake.configure(chunk_delay=0.01, answer_tokens=2000)
    ran = run(shell, f"%%openrouter -m {MODEL} -o r\nA long story.")
    assert shell.user_ns["r"].interrupted and len(shell.user_ns["r"].text) == 20
    assert "[interrupted]" in ran.final_text() and "interrupted" in str(ran.error)
    assert fake.wait_for_disconnects(1, timeout=2)
    assert list(Session.get(shell).ledger.frame()["status"]) == ["interrupted"]


def test_terminal_ipython_prints_the_answer_once(fake, sentinel_key, tmp_path):
    script = textwrap.dedent(f"""
        from IPython.terminal.interactiveshell import TerminalInteractiveShell
        sh = TerminalInteractiveShell.instance()
        sh.run_cell("%load_ext openrouter_magic", store_history=True)
        sh.run_cell("%%openrouter -m {MODEL} -o r\\nhi", store_history=True)
        sh.run_cell("print('TEXT:', r.text == _.text)", store_history=True)
    """)
    env = dict(os.environ, OPENROUTER_BASE_URL=fake.base_url, OPENROUTER_API_KEY=sentinel_key,
               OPENROUTER_MAGIC_HOME=str(tmp_path))
    fake.configure(answer="A unique terminal answer.")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert out.stdout.count("A unique terminal answer.") == 1, out.stdout + out.stderr
    assert "TEXT: True" in out.stdout and "via OpenAI" in out.stdout
    assert sentinel_key not in out.stdout + out.stderr


# ── display modes ──────────────────────────────────────────────────────────────────────────────
def test_no_stream_shows_the_answer_only_when_complete(shell, fake):
    fake.configure(chunk_delay=0.002, answer_tokens=300)
    run(shell, "%config OpenRouterMagics.refresh_interval = 0.02")
    ran = run(shell, f"%%openrouter -m {MODEL} --no-stream -o r -q\nhi")
    final = {}
    for out in ran.cap.outputs:
        final[out.transient["display_id"]] = out.data
    answer_outputs = [out for out in ran.cap.outputs if "waiting for first token" not in out.data["text/plain"]]
    assert answer_outputs and all(out.data == final[out.transient["display_id"]] for out in answer_outputs)
    assert " ".join(shell.user_ns["r"].text.split()) == " ".join(ran.final_text().split())


def test_reasoning_streams_into_a_collapsible_block_before_the_answer(shell, fake):
    ran = run(shell, "%%openrouter -m deepseek/deepseek-r1 --reasoning high -o r -q\nThink.")
    assert ran.error is None and shell.user_ns["r"].reasoning
    assert _last_body(fake)["reasoning"] == {"effort": "high"}
    html_parts = [data.get("text/html", "") for data in ran.finals()]
    assert "<details" in html_parts[0] and "<details open" not in html_parts[0]
