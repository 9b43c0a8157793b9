"""07-tools: Python functions as tools, the trace and the summed footer, server tools, images out, files in."""

from __future__ import annotations

import nbformat

from _build import FAST, SETUP, SETUP_MD, code, md

IMAGE_MODEL = "google/gemini-2.5-flash-image"

TOOLS = '''\
import asyncio
from typing import Literal

def get_weather(city: str, units: Literal["c", "f"] = "c") -> dict:
    """The current weather in a city.

    Args:
        city: the city name, e.g. Oslo
        units: c for Celsius, f for Fahrenheit
    """
    return {"city": city, "temperature": 21 if units == "c" else 70, "sky": "clear"}

async def population(city: str) -> int:
    """How many people live in a city (an async function: it runs on the session's loop)."""
    await asyncio.sleep(0.1)  # as if it called a web API
    return 709_000'''


def tools_nb() -> list[nbformat.NotebookNode]:
    """07: two tools (one async), the trace, the footer summed over steps, the ledger's turn_id, errors,
    --max-steps, server tools and citations, an image answer, a file attached, ask(tools=…)."""
    return [
        md("""# Tools: your Python functions in the loop

`--tools f,g` lets the model call functions from your notebook. Their name, description and JSON schema
come from the signature, the type hints and the docstring. The magic runs the loop: it sends the prompt, runs
the calls the model asks for, sends the results back, and so on until the model answers (at most
`--max-steps`, 8 by default). In the sandbox the emulated model calls every tool it is given once, then
answers from the results."""),
        md(SETUP_MD), code(SETUP),
        md("""## Two tools, one of them async

Plain functions run in the kernel's main thread (they may touch notebook state); `async def` functions run
on the session's loop, side by side when the model asks for several at once."""),
        code(TOOLS),
        md("""## Ask with tools

Above the answer, a collapsed **trace** lists each call: name, arguments, result (or error) and time. Click
it to open. The footer sums tokens and cost over every request of the loop and counts the calls."""),
        code(f"""%%openrouter -m {FAST} --tools get_weather,population -o r
What is the weather in Oslo, and how many people live there?"""),
        md("Everything is kept on the response: the calls (complete, never cut), the summed cost."),
        code("""[(c["name"], c["arguments"], c["result"]) for c in r.tool_trace], r.cost"""),
        md("""Each HTTP request of the loop is one row in the cost ledger; the rows of one answer share a `turn_id`."""),
        code("""from openrouter_magic import ledger
ledger()[["model", "status", "cost", "turn_id"]].tail(2)"""),
        md("""## When a tool fails

The error text goes back to the model, which can explain or try again; the trace marks the call."""),
        code('''def stock_price(ticker: str) -> float:
    """The last price of a stock."""
    raise ConnectionError("the quote service is down")'''),
        code(f"""%%openrouter -m {FAST} --tools stock_price -o failed
What is ACME trading at?"""),
        md("""## A runaway loop stops

`--max-steps N` bounds the number of requests; the answer ends with a note saying so. (`--approve` asks
yes/no before each call.)"""),
        code(f"""%%openrouter -m {FAST} --tools get_weather --max-steps 1
Weather in Bergen?"""),
        md("""## OpenRouter's server tools

Names starting with `openrouter:` are run by OpenRouter itself: `openrouter:web_search`, `openrouter:web_fetch`,
`openrouter:datetime`. `--web` is a shortcut for the web search (`--web-max-results`, `--web-domains`). The
sources come as a numbered list under the answer; the footer counts the searches."""),
        code(f"""%%openrouter -m {FAST} --web --web-max-results 3
What is new in Python 3.14?"""),
        md(f"""## Images out

`--image-out` asks an image model for an image; it is shown under the answer and kept in `-o` as bytes
(`resp.images[0].data`, PNG/JPEG/WebP/GIF), never printed as base64."""),
        code(f"""%%openrouter -m {IMAGE_MODEL} --image-out -o pic
A small blue square."""),
        code("pic.images[0], pic.images[0].data[:8]"),
        md("""## Files in

`--file PATH` attaches a PDF or text file (up to 20 MB); `--pdf-engine pdf-text|mistral-ocr|native` picks how
OpenRouter reads PDFs."""),
        code('''from pathlib import Path
Path("notes.txt").write_text("Meeting notes: ship the tools release on Friday; Ana owns the docs.")'''),
        code(f"""%%openrouter -m {FAST} --file notes.txt --max-tokens 80
Who owns the docs?"""),
        md("""## From Python: `ask(…, tools=[…])`

The same loop without the magic; functions and server tool names can be mixed."""),
        code(f"""from openrouter_magic import ask
resp = ask("Weather in Oslo?", model="{FAST}", tools=[get_weather, population], max_steps=4, display=False)
resp.text, len(resp.tool_trace)"""),
    ]
