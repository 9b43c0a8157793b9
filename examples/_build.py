"""Write the example notebooks (``python examples/_build.py``): the notebooks are generated, edit them here.

Every notebook runs top to bottom against the embedded sandbox when no ``OPENROUTER_API_KEY`` is set, and
against real OpenRouter when it is (then with cheap models and small ``--max-tokens``). They are saved
without outputs; ``make demo`` executes them into ``build/demo/``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

# Cheap models that exist both in the sandbox's demo catalog and on real OpenRouter.
FAST, FLASH, HAIKU = "openai/gpt-4o-mini", "google/gemini-2.5-flash", "anthropic/claude-haiku-4.5"

SETUP_MD = """\
Load the extension. With no `OPENROUTER_API_KEY` in the environment, `%openrouter sandbox on` starts the
embedded emulator: a local OpenRouter on 127.0.0.1 that answers with made-up text and fake (but consistent)
costs, so every cell below works without a key or network. With a key set, the same cells talk to the real
OpenRouter."""

SETUP = """\
%load_ext openrouter_magic
import os

if not os.environ.get("OPENROUTER_API_KEY"):
    %openrouter sandbox on"""


def md(text: str) -> nbformat.NotebookNode:
    """A markdown cell."""
    return new_markdown_cell(text.strip())


def code(text: str, *tags: str) -> nbformat.NotebookNode:
    """A code cell (``tags`` become nbclient/Jupyter cell tags)."""
    cell = new_code_cell(text.strip())
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def quickstart() -> list[nbformat.NotebookNode]:
    """01: load, sandbox or key, first streamed answer, formats, schema, interpolation, -o, chat."""
    return [
        md("""# Quick start

`%%openrouter` sends a cell to any of the hundreds of models on [OpenRouter](https://openrouter.ai) and
streams the answer into the cell as it is generated."""),
        md(SETUP_MD), code(SETUP),
        md(f"""## A first answer

The cell body is the prompt; `-m` picks the model. The text appears while it is generated, and a footer
under it says which provider served it, the tokens, the time to first token, the speed and the **cost in USD**
(plus the running session total)."""),
        code(f"""%%openrouter -m {FAST} --max-tokens 120
Explain server-sent events in one short paragraph."""),
        md("""## Formats

`-f` chooses how the answer is shown: `markdown` (the default), `text`, `code` (highlighted, and in
JupyterLab also put into a new cell below), `json` (parsed) and `html`. A system prompt is `-s`; `-q` hides the
footer."""),
        code(f"""%%openrouter -m {FAST} -f text -q --max-tokens 60
Name three HTTP status codes with their meaning."""),
        code(f"""%%openrouter -m {FAST} -f code --max-tokens 100
Write a Python function that reverses the words of a sentence. Only the code."""),
        code(f"""%%openrouter -m {FAST} -f json --max-tokens 80
Return a JSON object with keys "city" and "country" for the capital of France. Only JSON."""),
        md("""`_` holds the parsed value of the last answer, here a dict:"""),
        code("""_"""),
        code(f"""%%openrouter -m {FAST} -f html -q --max-tokens 60
An HTML <ul> with three fruits. Only the HTML."""),
        md("""## Structured output with a pydantic model

`--schema NAME` sends the JSON schema of a pydantic model (or of a plain dict schema) as the
`response_format`; the answer comes back parsed and validated into an instance."""),
        code("""from pydantic import BaseModel


class Capital(BaseModel):
    city: str
    country: str
    population_millions: float"""),
        code(f"""%%openrouter -m {FAST} --schema Capital --max-tokens 100
The capital of Japan."""),
        code("""capital = _
type(capital).__name__, capital"""),
        md("""## Variables in the prompt, and keeping the response

`{name}` is replaced by the value of a Python variable (attributes and indexes too, like `{doc.title}` or
`{items[0]}`); braces that are not a known name — code, JSON — are left untouched. `-o NAME` keeps the whole
response: text, usage, cost, model, provider, timings."""),
        code("""topic = "HTTP/2 server push"
audience = "a new backend developer\""""),
        code(f"""%%openrouter -m {FAST} -o answer --max-tokens 80
Explain {{topic}} to {{audience}} in two sentences. (Braces like {{this}} stay as they are.)"""),
        code("""tokens = answer.usage.completion_tokens
print(f"{answer.model} via {answer.provider}: {tokens} tokens, ${answer.cost:.6f}")
print(answer.text[:200])"""),
        md("""## Chat

`--chat` continues a conversation (named `default` unless you give a name): each cell sees the earlier
exchanges. Re-running a cell replaces its own exchange instead of adding a duplicate.
`%openrouter history` shows the conversation, `%openrouter reset` clears it."""),
        code(f"""%%openrouter -m {FAST} --chat --max-tokens 50
My name is Ada. Suggest a name for a cat."""),
        code(f"""%%openrouter -m {FAST} --chat --max-tokens 50
What is my name, and what did you suggest?"""),
        code("""%openrouter history"""),
        md("""## What this notebook cost

`%openrouter cost` sums up every call of this session (more in [04-cost](04-cost.ipynb))."""),
        code("""%openrouter cost"""),
        md("""Next: [02-catalog](02-catalog.ipynb) — find the right model."""),
    ]


def catalog_nb() -> list[nbformat.NotebookNode]:
    """02: models DataFrame with filters, pandas, catalog(), picker, use."""
    return [
        md("""# The model catalog

OpenRouter serves hundreds of models. `%openrouter models` gives the catalog as a pandas DataFrame
(cached on disk for an hour; `--refresh` refetches), `%openrouter picker` a widget to search it."""),
        md(SETUP_MD), code(SETUP),
        md("""## Filter from the magic

Filters combine: `--search` (id or name), `--free`, `--vision`, `--tools`, `--structured`, `--reasoning`,
`--min-context N`, `--max-price USD_PER_M`, `--author A`; then `--sort price|context|newest|name` and
`--limit N`. Prices are USD per million tokens."""),
        code("""%openrouter models --vision --tools --sort price --limit 8"""),
        code("""%openrouter models --free --limit 5"""),
        code("""%openrouter models --author anthropic --sort context"""),
        md("""## Chain with pandas

The result is a real DataFrame, so everything pandas does works. For instance: the cheapest models with at
least 100K tokens of context that accept tools, by vendor."""),
        code("""df = _  # the last DataFrame shown
print(type(df).__name__, len(df), "rows;", list(df.columns))"""),
        code("""from openrouter_magic import catalog

models = catalog()  # the same catalog from plain Python (works outside IPython too)
has_tools = models["supported_parameters"].apply(lambda params: "tools" in params)
cheap = models[(models["context_length"] >= 100_000) & has_tools & ~models["is_free"]]
columns = ["id", "context_length", "prompt_usd_per_m", "completion_usd_per_m"]
cheap.sort_values("prompt_usd_per_m").groupby("author").head(1)[columns].head(8)"""),
        code("""print(len(models), "models in the catalog")"""),
        md("""## The picker

Type to search, toggle capabilities, click a row to see its details and providers, and **Use** makes it
the session default for `%%openrouter` cells without `-m`."""),
        code("""%openrouter picker"""),
        md("""The picker is also an object: choosing from code does what a click does, and the picker above updates
(here we wait for the providers to load so that this saved notebook shows them)."""),
        code(f"""picker = _
picker.select("{HAIKU}")
await picker.pending
print("selected:", picker.selected)"""),
        md("""## Set the default model

`%openrouter use MODEL` sets the session default (it warns, with suggestions, for ids the catalog does not
know — they are still sent, OpenRouter decides)."""),
        code(f"""%openrouter use {FAST}"""),
        code("""%%openrouter --max-tokens 60
Which model are you? One sentence."""),
        md("""## What this notebook cost

`%openrouter cost` sums up every call of this session (more in [04-cost](04-cost.ipynb))."""),
        code("""%openrouter cost"""),
        md("""Next: [03-compare](03-compare.ipynb) — one prompt, several models side by side."""),
    ]


def compare_nb() -> list[nbformat.NotebookNode]:
    """03: --compare, the table, compare() from Python, the playground."""
    return [
        md("""# Compare models side by side

`%%openrouter --compare A,B,C` streams one prompt to 2–8 models at once, each in its own pane, with its
time to first token, speed, tokens and cost, and badges for the fastest and cheapest."""),
        md(SETUP_MD), code(SETUP),
        code(f"""%%openrouter --compare {FAST},{FLASH},{HAIKU} -o table --max-tokens 100
Explain what a vector database is in three sentences."""),
        md("""## The table

`-o table` stores the results as a DataFrame, one row per model, ready for pandas."""),
        code("""table[["model", "provider", "status", "ttft_s", "elapsed_s", "completion_tokens", "cost"]]"""),
        code("""cheapest = table.sort_values("cost").iloc[0]
print(f"cheapest: {cheapest['model']} (${cheapest['cost']:.6f}); all three: ${table['cost'].sum():.6f}")"""),
        md("""## From Python

`compare()` does the same from code. In a notebook it returns the live view at once (the answers keep
streaming while you work); `await view.wait()` gives the table when all have finished (and keeps the
cell open until then, which is what a saved notebook like this one needs). Outside a notebook
it runs to the end and returns the table."""),
        code(f"""from openrouter_magic import compare

view = compare("Give one tip for writing clear error messages.", [{FAST!r}, {FLASH!r}], max_tokens=80)
display(view)
result = await view.wait()  # optional in a notebook: the view streams on its own"""),
        code("""result[["model", "status", "completion_tokens", "cost"]]"""),
        md("""## The playground

`%openrouter compare` opens a playground: a prompt box, a model chooser fed by the catalog, temperature
and max tokens, Run and Stop. Here we fill it and press Run from code."""),
        code(f"""%openrouter compare {FAST} {HAIKU}"""),
        code("""playground = _
playground.prompt.value = "Write a haiku about caching."
playground.max_tokens.value = 60
await playground.run()
table = await playground.view.wait()
table[["model", "status", "completion_tokens", "cost"]]"""),
        md("""## What this notebook cost

`%openrouter cost` sums up every call of this session (more in [04-cost](04-cost.ipynb))."""),
        code("""%openrouter cost"""),
        md("""Next: [04-cost](04-cost.ipynb) — what it all cost, and a hard budget."""),
    ]


def cost_nb() -> list[nbformat.NotebookNode]:
    """04: cost, --by day, --plot, budget with a refused call, ledger(), key."""
    return [
        md("""# Cost, budget and key

Every call is written to a local ledger (SQLite in `~/.local/share/openrouter_magic/`, or
`$OPENROUTER_MAGIC_HOME`; never the key) with its tokens, timings and the cost OpenRouter billed. The sandbox
keeps its own ledger in memory, so its fake costs never mix with real ones. `%openrouter cost` sums it up;
`%openrouter budget` sets a hard limit
for the session."""),
        md(SETUP_MD), code(SETUP),
        md("""A few calls to have something to count:"""),
        code(f"""%%openrouter -m {FAST} --max-tokens 80
One sentence about the history of the penny."""),
        code(f"""%%openrouter -m {HAIKU} --max-tokens 80
One sentence about the history of the euro."""),
        code(f"""%%openrouter --compare {FAST},{FLASH} -q --max-tokens 60
A one-line definition of inflation."""),
        md("""## The tally

By model (the default), by day, or with `--all` over every session on this machine."""),
        code("""%openrouter cost"""),
        code("""%openrouter cost --by day --all"""),
        code("""%openrouter cost --plot"""),
        md("""## The ledger from Python

`ledger()` is one row per call: time, model, provider, generation id, status, tokens, cost and where
the cost came from (`billed` by OpenRouter, or `estimate` from catalog prices)."""),
        code("""from openrouter_magic import ledger

calls = ledger()
calls[["model", "provider", "status", "prompt_tokens", "completion_tokens", "cost", "cost_source"]]"""),
        code("""calls.groupby("model")["cost"].agg(["count", "sum"])"""),
        md("""## A hard budget

`%openrouter budget USD` refuses, before sending anything, every call whose worst case (its prompt plus
`--max-tokens` at the model's prices) could take the session past the limit. Here the budget is a tenth
of a cent above what this session has spent, so a long answer from an expensive model is refused, while a
short answer from a cheap one still goes through."""),
        code("""limit = round(ledger()["cost"].sum() + 0.001, 6)
%openrouter budget {limit}"""),
        md("""The refusal is a one-line error. To keep this notebook running top to bottom we catch it; in
your own notebook it simply ends the cell with that line."""),
        code("""from IPython.core.error import UsageError

try:
    get_ipython().run_cell_magic(
        "openrouter", "-m anthropic/claude-sonnet-4.5 --max-tokens 8000", "Write a long essay about money."
    )
except UsageError as refusal:
    print("UsageError:", refusal)"""),
        code(f"""%%openrouter -m {FAST} --max-tokens 40
Say "still within budget" and nothing else."""),
        code("""%openrouter budget off"""),
        md("""## The key

`%openrouter key` shows the key's label, limit, usage and remaining credit — never the key itself
(in the sandbox: a made-up key)."""),
        code("""%openrouter key"""),
        md("""The tally at the end (the refused call sent nothing and cost nothing):"""),
        code("""%openrouter cost"""),
        md("""Back to the start: [01-quickstart](01-quickstart.ipynb)."""),
    ]


NOTEBOOKS = {
    "01-quickstart.ipynb": quickstart,
    "02-catalog.ipynb": catalog_nb,
    "03-compare.ipynb": compare_nb,
    "04-cost.ipynb": cost_nb,
    "05-cache.ipynb": lambda: __import__("_nb_cache").cache_nb(),  # examples/_nb_cache.py (issue 14)
    "06-row-map.ipynb": lambda: __import__("_nb_rowmap").rowmap_nb(),  # examples/_nb_rowmap.py (issue 15)
    "08-context.ipynb": lambda: __import__("_nb_context").context_nb(),  # examples/_nb_context.py (issue 17)
    "07-tools.ipynb": lambda: __import__("_nb_tools").tools_nb(),  # examples/_nb_tools.py (issue 16)
}


def build(directory: Path = HERE) -> list[Path]:
    """Write every example notebook (no outputs) into ``directory``; returns the paths."""
    written = []
    for name, make in NOTEBOOKS.items():
        nb = new_notebook(cells=make())
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        for index, cell in enumerate(nb.cells):  # stable ids: regenerating gives the same files
            cell["id"] = f"{name[:2]}-{index:02d}"
        path = directory / name
        nbformat.write(nb, path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build():
        print(path.relative_to(HERE.parent))
