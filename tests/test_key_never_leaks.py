"""The sentinel key never appears in any repr, str, exception, log record or printed output, on every
client path: success, API errors, mid-stream errors, broken connections, timeouts."""

from __future__ import annotations

import json
import logging
import traceback

import nbformat
import pytest

from openrouter_magic import OpenRouter
from openrouter_magic._core.errors import OpenRouterError
from openrouter_magic.testing import FakeOpenRouter

MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "openrouter_magic", "asyncio", ""):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def texts_of(error: BaseException) -> list[str]:
    """Every way an error may be shown: str, repr, the formatted traceback, its attributes, its partial."""
    shown = [str(error), repr(error), "".join(traceback.format_exception(error))]
    shown += [repr(value) for value in vars(error).values()]
    partial = getattr(error, "partial", None)
    if partial is not None:
        shown += [str(partial), repr(partial), partial.error or ""]
    return shown


async def every_path(client: OpenRouter, fake: FakeOpenRouter, sentinel: str) -> list[str]:
    """Run every client method and failure; return everything that could be displayed."""
    shown = [repr(client), str(client)]
    response = await client.chat("hi", model=MODEL)
    shown += [repr(response), str(response), repr(response.usage)]
    shown += [repr(event) async for event in client.stream("hi", model=MODEL)]
    for call in (client.models(), client.models_payload(), client.endpoints(MODEL), client.key(),
                 client.credits(), client.providers(), client.generation(response.generation_id)):
        try:
            shown.append(repr(await call))
        except OpenRouterError as error:  # generation: 404 at first
            shown += texts_of(error)
    failures = [
        lambda: fake.queue_error(401),
        lambda: fake.queue_error(502, times=10),
        lambda: fake.queue_error(400, body={"error": {"message": f"Invalid key {sentinel} given", "code": 400}}),
        lambda: fake.configure(mid_stream_error={"after_chunks": 2, "shape": "real", "code": 502, "message": "x"}),
        lambda: fake.configure(mid_stream_error=None, drop_after_chunks=2),
        lambda: fake.configure(drop_after_chunks=None, hang_after_chunks=2),
    ]
    for arrange in failures:
        fake.clear_errors()
        arrange()
        with pytest.raises(OpenRouterError) as caught:
            async for event in client.stream("hi", model=MODEL):
                shown.append(repr(event))
        shown += texts_of(caught.value)
    fake.stop()
    with pytest.raises(OpenRouterError) as caught:
        await client.chat("hi", model=MODEL)
    shown += texts_of(caught.value)
    return shown


async def test_the_key_appears_in_no_repr_error_log_or_output(sentinel_key, everything_logged, capsys):
    with FakeOpenRouter() as fake:
        async with OpenRouter(sentinel_key, fake.base_url, read_timeout=0.3, max_retries=1,
                              retry_base_delay=0.01) as client:
            shown = await every_path(client, fake, sentinel_key)
            print(client, *shown)
        assert fake.chat_requests[0].headers["authorization"] == f"Bearer {sentinel_key}"  # it was really used
    records = everything_logged.records
    assert any(r.name.startswith("httpx") for r in records), "httpx logging was captured"
    logged = [r.getMessage() for r in records] + [everything_logged.text]
    printed = capsys.readouterr()
    for text in [*shown, *logged, printed.out, printed.err]:
        assert sentinel_key not in text
    assert "sk-or-…CRET" in repr(client)
    assert any("Invalid key sk-or-…CRET given" in text for text in shown), "an echoed key is masked, not dropped"
    assert any("read timeout" in text for text in shown) and any("could not connect" in text for text in shown)


def test_the_key_is_masked_in_the_client_repr_even_when_it_comes_from_the_environment(monkeypatch, sentinel_key):
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    client = OpenRouter()
    assert sentinel_key not in repr(client) and sentinel_key not in str(client)
    assert client.has_key


# ── the whole example notebooks, with a real-looking key, against the emulator ──────────────────────────
LOGGING_CELL = """import logging, os
_handler = logging.FileHandler(os.path.join({log_dir!r}, f"kernel-{{os.getpid()}}.log"))
_handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
for _name in ("openrouter_magic", "httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.DEBUG)
    logging.getLogger(_name).addHandler(_handler)"""
SETTINGS_CELL = """%openrouter config
from openrouter_magic._session.session import Session
print(Session.get().settings(), Session.get().client)"""


@pytest.fixture(scope="module")
def examples_with_key(tmp_path_factory):
    """The four example notebooks run with the sentinel key in the environment, talking to an emulator
    that accepts only that key (so the key was really sent), with DEBUG logs of the package, httpx and
    httpcore written to files; their saved .ipynb files; the home with the ledger and the catalog cache."""
    from _examples_run import execute_examples
    from tests.conftest import SENTINEL_KEY

    home, logs, saved = (tmp_path_factory.mktemp(name) for name in ("leak-home", "leak-logs", "leak-saved"))
    with FakeOpenRouter(api_key=SENTINEL_KEY) as fake:
        notebooks = execute_examples(
            {"OPENROUTER_API_KEY": SENTINEL_KEY, "OPENROUTER_BASE_URL": fake.base_url,
             "OPENROUTER_MAGIC_HOME": str(home), "OPENROUTER_MAGIC_HEADLESS": "1"},
            first_cell=LOGGING_CELL.format(log_dir=str(logs)), last_cell=SETTINGS_CELL)
        bearers = {request.headers.get("authorization") for request in fake.requests}
    for name, nb in notebooks.items():
        nbformat.write(nb, saved / f"{name}.ipynb")
    return {"notebooks": notebooks, "home": home, "logs": logs, "saved": saved, "bearers": bearers}


def _all_text(folder) -> dict[str, str]:
    """Every file under ``folder`` (SQLite and its WAL included), as text."""
    return {str(p): p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()}


def _assert_no_key(texts: dict[str, str]) -> None:
    from tests.conftest import SENTINEL_KEY

    for where, text in texts.items():
        assert SENTINEL_KEY not in text and "SENTINEL" not in text, where  # not even the key's middle


@pytest.mark.kernel
def test_the_examples_ran_with_the_key_and_every_output_is_free_of_it(examples_with_key):
    from tests.conftest import SENTINEL_KEY

    assert examples_with_key["bearers"] == {f"Bearer {SENTINEL_KEY}"}
    outputs = {}
    for name, nb in examples_with_key["notebooks"].items():
        cells = [c for c in nb.cells if c.cell_type == "code"]
        assert [o for c in cells for o in c.outputs if o.output_type == "error"] == [], name
        outputs.update({f"{name} cell {n}": json.dumps(c.outputs, ensure_ascii=False) for n, c in enumerate(cells)})
        assert "sk-or-…CRET" in outputs[f"{name} cell {len(cells) - 1}"]  # the settings were shown, masked
    _assert_no_key(outputs)


@pytest.mark.kernel
def test_the_saved_example_notebooks_hold_no_key(examples_with_key):
    saved = _all_text(examples_with_key["saved"])
    assert len(saved) == 4 and any("application/vnd.jupyter.widget-state+json" in text for text in saved.values())
    _assert_no_key(saved)


@pytest.mark.kernel
def test_debug_logs_of_the_package_httpx_and_httpcore_hold_no_key(examples_with_key):
    logs = _all_text(examples_with_key["logs"])
    everything = "\n".join(logs.values())
    assert len(logs) == 4 and "httpx INFO HTTP Request" in everything and "httpcore.http11 DEBUG" in everything
    _assert_no_key(logs)


@pytest.mark.kernel
def test_the_ledger_and_the_catalog_cache_hold_no_key(examples_with_key):
    files = _all_text(examples_with_key["home"])
    names = {p.rsplit("/", 1)[-1] for p in files}
    assert any(n.startswith("ledger") for n in names) and any(n.startswith("catalog") for n in names), names
    _assert_no_key(files)
