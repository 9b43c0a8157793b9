"""05-cache: re-runs that cost nothing (the local response cache), ask() from Python, provenance."""

from __future__ import annotations

import nbformat

from _build import FAST, SETUP, SETUP_MD, code, md

PROMPT = "Give three tips for naming variables, one line each."


def cache_nb() -> list[nbformat.NotebookNode]:
    """05: cache on, ask, ask again (cached footer), ask() from Python, the cache status, provenance."""
    return [
        md("""# Re-runs that cost nothing

Notebooks are run again and again: *Restart & Run All*, CI, a colleague opening the file. With the response
cache on, a request that was answered before is answered again **at once, offline and for $0** from a local
SQLite file (under `OPENROUTER_MAGIC_HOME`); the ledger records it with the status `cached`. Change anything
in the request — the model, a parameter, the system prompt, a word of the prompt — and it is sent again."""),
        md(SETUP_MD), code(SETUP),
        md("""## Turn the cache on

Off by default for interactive cells. `%openrouter cache on` turns it on for this session
(`%config OpenRouterMagics.cache = True` for every session; `--cache` / `--no-cache` for one cell —
`--no-cache` always sends)."""),
        code("%openrouter cache on"),
        md("## Ask once: sent and paid"),
        code(f"""%%openrouter -m {FAST} -t 0 --max-tokens 120
{PROMPT}"""),
        md("""## Ask again: answered from the cache

The same request again (`-o` only names the result, it is not part of the request). The answer is shown at
once and the footer says `cached · $0 (first run … on …)`."""),
        code(f"""%%openrouter -m {FAST} -t 0 --max-tokens 120 -o again
{PROMPT}"""),
        md("""## Change anything and it is sent again

A different temperature is a different request: this one goes out (and is cached in its turn)."""),
        code(f"""%%openrouter -m {FAST} -t 0.7 --max-tokens 120
{PROMPT}"""),
        md("""## Where the answer came from

Every answer carries its provenance: package version, requested and served model, provider, generation id,
the request's parameters (never the key), usage, cost and its source, cache status and time. It is also saved
in the notebook as output metadata `openrouter_magic`, so the file itself says which model produced what."""),
        code("""again.provenance"""),
        md("""## From Python: `ask()`

`ask()` is the same engine as the magic (ledger, budget, cache, provenance); in a notebook it shows the answer
like the magic does, in a script it just returns the `ChatResponse`. Calls made on a bare `OpenRouter()`
client stay outside the ledger and the cache."""),
        code(f"""from openrouter_magic import ask

resp = ask("{PROMPT}", model="{FAST}", temperature=0, max_tokens=120)
resp.provenance["cache"], resp.cost"""),
        md("""## OpenRouter's own cache

`--server-cache[=TTL]` asks OpenRouter to cache the response on its side (`X-OpenRouter-Cache`); the footer
shows the reply's `HIT` or `MISS`. A `HIT` is free as well."""),
        code(f"""%%openrouter -m {FAST} -t 0 --max-tokens 60 --server-cache=600
Name a prime number between 10 and 20."""),
        md("""## What the cache holds

Entries and size on disk, hits and dollars saved in this session. `%openrouter cache clear --older-than 7d`
(or `--model M`) prunes it."""),
        code("%openrouter cache"),
    ]
