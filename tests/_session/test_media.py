"""Media and tool-call data from real recordings through the real client, and the media flags of the magic."""

from __future__ import annotations

import base64
import json
import os

import pytest
import yaml

from _magic_shell import MODEL, run, shell  # noqa: F401 (fixtures)

from openrouter_magic import OpenRouter
from openrouter_magic._client.chunks import StreamAccumulator, parse_chunk, parse_completion
from openrouter_magic._core.types import Done
from openrouter_magic.testing._media import tiny_png

TOOL_STREAMS = ["llm-openrouter__test_tool_calls@603cd08__1.sse.txt"]  # the one recorded stream with tool_calls


def big_png(size: int = 1_400_000) -> bytes:
    """A valid PNG header followed by incompressible bytes: ~1.9 MB once base64-encoded (the real image line)."""
    return tiny_png(1, 1)[:33] + os.urandom(size)


def image_stream(png: bytes) -> str:
    """An image-generation stream in the documented shape (API-FACTS §1.3): a text delta, then one chunk whose
    ``delta.images`` holds the data URL on one line, the finish chunk, the usage chunk with image_tokens."""
    head = '{"id":"gen-1-img","object":"chat.completion.chunk","created":1,"model":"google/gemini-2.5-flash-image",' \
           '"provider":"Google","choices":[{"index":0,"delta":'
    tail = ',"finish_reason":null,"native_finish_reason":null}]}'
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    image = {"role": "assistant", "content": "", "images": [{"type": "image_url", "image_url": {"url": url}}]}
    usage = {"prompt_tokens": 7, "completion_tokens": 1300, "total_tokens": 1307, "cost": 0.039,
             "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 1290}}
    events = [head + '{"role":"assistant","content":"Here"}' + tail, head + '{"role":"assistant","content":" it is"}' + tail,
              head + json.dumps(image, separators=(",", ":")) + tail,
              head + '{"role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"STOP"}]}',
              head + '{"role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"STOP"}],'
              '"usage":' + json.dumps(usage) + "}"]
    return "".join(f"data: {event}\n\n" for event in events) + "data: [DONE]\n\n"


async def _replayed(fake, body: str, **params):
    fake.configure(replay=body)
    async with OpenRouter("sk-or-v1-test", fake.base_url) as client:
        events = [event async for event in client.stream("hi", model=MODEL, **params)]
    assert isinstance(events[-1], Done)
    return events[-1].response


@pytest.mark.parametrize("name", TOOL_STREAMS)
async def test_recorded_tool_call_streams_give_tool_calls_whose_arguments_parse_as_json(name, shared, fake):
    raw = (shared / "streams" / name).read_text()
    response = await _replayed(fake, raw)
    assert response.tool_calls and response.finish_reason == "tool_calls"
    names = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith('data: {"')]
    recorded = [c["function"]["name"] for chunk in names for choice in chunk.get("choices", [])
                for c in (choice.get("delta") or {}).get("tool_calls") or [] if c.get("function", {}).get("name")]
    assert [call.name for call in response.tool_calls] == recorded
    for call in response.tool_calls:
        assert isinstance(json.loads(call.arguments), dict)


def test_the_recorded_web_search_answer_keeps_its_annotations_exactly(shared):
    cassette = yaml.safe_load((shared / "cassettes/pydantic-ai/test_openrouter_web_search_annotations.yaml").read_text())
    body = cassette["interactions"][0]["response"]["parsed_body"]
    response = parse_completion(body)
    assert list(response.annotations) == body["choices"][0]["message"]["annotations"]
    assert response.annotations[0]["url_citation"]["url"] == "https://github.com/pydantic/pydantic-ai"


async def test_the_recorded_web_search_stream_reports_its_server_tool_use(shared, fake):
    raw = (shared / "streams/pydantic-ai__test_openrouter_web_search_tool_usage_stream__0.sse.txt").read_text()
    response = await _replayed(fake, raw)
    assert response.usage.raw["server_tool_use_details"] == {"web_search_requests": 1}
    assert response.cost == pytest.approx(0.0133176)


async def test_an_image_stream_gives_the_png_bytes_after_text_chunks_learned_the_fast_path(fake):
    png = big_png()
    response = await _replayed(fake, image_stream(png))
    assert response.text == "Here it is"  # the second text chunk went through the template
    assert len(response.images) == 1
    image = response.images[0]
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n" and image.data == png and image.mime == "image/png"
    assert "base64" not in repr(response) and "base64" not in repr(image)
    assert response.usage.raw["completion_tokens_details"]["image_tokens"] == 1290


def test_a_non_streamed_answer_takes_its_images_from_the_message():
    png = tiny_png(3, 2)
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    body = {"id": "gen-x", "choices": [{"finish_reason": "stop", "message": {
        "role": "assistant", "content": "ok", "images": [{"type": "image_url", "image_url": {"url": url}}]}}]}
    assert parse_completion(body).images[0].data == png


def test_images_that_are_not_png_jpeg_webp_or_gif_are_never_shown():
    from openrouter_magic._core.types import Image
    from openrouter_magic._render.media import image_bundle

    svg = Image("data:image/svg+xml;base64," + base64.b64encode(b"<svg onload=alert(1)>").decode())
    assert svg.mime is None and image_bundle(svg) is None
    assert Image("https://example.org/a.png").data == b""


def test_image_out_asks_for_image_output_and_shows_an_img_from_our_own_data_url(shell, fake):
    ran = run(shell, f"%%openrouter -m {MODEL} --image-out -o r\nDraw a square.")
    assert ran.error is None, ran.error
    assert fake.chat_requests[-1].json["modalities"] == ["image", "text"]
    image = shell.user_ns["r"].images[0]
    assert image.data == tiny_png(64, 48)
    shown = next(d for d in ran.finals() if "openrouter-image" in d.get("text/html", ""))
    assert shown["text/html"].count('src="data:image/png;base64,') == 1
    assert shown["text/plain"] == f"[image: image/png, 64×48, {len(image.data):,} bytes]"
    assert "base64" not in ran.cap.stdout and "iVBOR" not in ran.final_text()
    assert "1,290 image tokens" in ran.finals()[-1]["text/plain"]


def test_file_attaches_a_pdf_as_a_file_part_with_the_pdf_engine(shell, fake, tmp_path):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 4000)
    ran = run(shell, f"%%openrouter -m {MODEL} --file {pdf} --pdf-engine pdf-text -o r\nSummarize.")
    assert ran.error is None, ran.error
    body = fake.chat_requests[-1].json
    part = body["messages"][-1]["content"][1]
    assert part["type"] == "file" and part["file"]["filename"] == "paper.pdf"
    assert base64.b64decode(part["file"]["file_data"].split(",", 1)[1]) == pdf.read_bytes()
    assert body["plugins"] == [{"id": "file-parser", "pdf": {"engine": "pdf-text"}}]
    assert shell.user_ns["r"].usage.prompt_tokens > 1000  # the emulator counted the file


def test_missing_unreadable_and_too_large_files_are_one_line_errors_before_sending(shell, fake, tmp_path):
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)  # opening it to read would wait for a writer forever
    cases = ((tmp_path / "nope.pdf", "no such file"), (big, "over the 20 MB limit"), (folder, "not a regular file"),
             (pipe, "not a regular file"), ("/proc/self/mem", "cannot read it"))  # reading fails even for root
    for ref, wanted in cases:
        ran = run(shell, f"%%openrouter -m {MODEL} --file {ref}\nHi")
        assert ran.error is not None and wanted in str(ran.error) and "\n" not in str(ran.error)
    assert fake.chat_requests == []


def test_a_two_megabyte_image_line_parses_with_the_c_scanner_and_keeps_only_the_url():
    line = image_stream(big_png()).split("\n\n")[2][6:].encode()
    acc = StreamAccumulator("m")
    acc.feed(parse_chunk(line))
    response = acc.response()
    assert len(response.images) == 1 and "data" not in response.images[0].__dict__  # not decoded yet
    assert response.images[0].data.startswith(b"\x89PNG")


def test_a_model_the_catalog_lists_as_image_only_gets_image_modalities_without_the_flag(shell, fake):
    from openrouter_magic._session.session import Session

    session = Session.get(shell)
    session.known_prices = lambda model: {"id": model, "output_modalities": ("image",)}
    ran = run(shell, "%%openrouter -m google/gemini-2.5-flash-image -o r\nA red dot.")
    assert ran.error is None, ran.error
    assert fake.chat_requests[-1].json["modalities"] == ["image"]


def test_the_trace_escapes_what_tools_return_and_cuts_long_results_in_the_view_only(shell, fake):
    fake.configure(tool_plan=[[{"name": "loud", "arguments": {}}]])
    run(shell, "def loud() -> str:\n    '''Noise.'''\n    return '<img src=x onerror=alert(1)>' + 'y' * 5000")
    ran = run(shell, f"%%openrouter -m {MODEL} --tools loud -o r\nGo.")
    assert ran.error is None, ran.error
    trace = next(d for d in ran.finals() if "openrouter-tool-trace" in d.get("text/html", ""))["text/html"]
    assert "<img" not in trace and "&lt;img src=x onerror=alert(1)&gt;" in trace
    assert "5,028 characters in all" in trace and "y" * 1000 not in trace
    assert shell.user_ns["r"].tool_trace[0]["result"].endswith("y" * 5000)  # complete in -o
