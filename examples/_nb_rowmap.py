"""06-row-map: a prompt over every row of a DataFrame, typed schema columns, budget, resume, compare, embed()."""

from __future__ import annotations

import nbformat

from _build import FAST, HAIKU, SETUP, SETUP_MD, code, md


def rowmap_nb() -> list[nbformat.NotebookNode]:
    """06: --map with a dry run, a run, --schema, --compare, a re-run from the cache, map_rows(), embed()."""
    return [
        md("""# A prompt over a whole DataFrame

The same prompt over thousands of rows — classify reviews, extract fields, label a data set — is one cell:
`%%openrouter --map DF`. `{column}` in the prompt is the row's value. The rows go out concurrently (with
back-off on rate limits), a progress bar shows rows/s, the ETA and the dollars spent and projected, and the
result is a new DataFrame with the input's index and a `_status` per row."""),
        md(SETUP_MD), code(SETUP),
        code("""import pandas as pd

reviews = pd.DataFrame({
    "product": ["kettle", "headphones", "desk lamp", "backpack", "blender", "keyboard"],
    "review": [
        "Boils fast and the handle stays cool. Love it.",
        "Great sound but the ear cushions started peeling after a month.",
        "Stopped working after two days. Waste of money.",
        "Roomy, comfortable straps, survived a rainy week of hiking.",
        "Loud, and the lid leaks unless you hold it down.",
        "Keys feel nice; the software is confusing but it works.",
    ],
})
reviews"""),
        md("""## Try the prompt first

`--dry-run` shows the first rendered prompt, the row count and the estimated cost range, and sends
nothing. `--limit N` runs only the first N rows."""),
        code(f"""%%openrouter --map reviews -m {FAST} --max-tokens 5 --dry-run
Classify the sentiment of this {{product}} review as positive, negative or mixed. One word.
Review: {{review}}"""),
        md("""## Run it

`-o labels` stores the result (it is also the cell's value). `_status` is `ok`, `error`, `cached`, `refused`
(the budget said no: nothing was sent) or `cancelled` (Ctrl-C); `_cost` is each row's USD."""),
        code(f"""%%openrouter --map reviews -m {FAST} --max-tokens 5 -t 0 --concurrency 4 -o labels
Classify the sentiment of this {{product}} review as positive, negative or mixed. One word.
Review: {{review}}"""),
        md("""## Typed columns with a schema

With `--schema`, each field of a pydantic model becomes a column of its type (a `Literal` becomes a
category). A row whose answer does not validate gets `_status = error`, with its text in `_error`."""),
        code("""from typing import Literal
from pydantic import BaseModel

class Review(BaseModel):
    sentiment: Literal["positive", "negative", "mixed"]
    stars: int
    complaint: str"""),
        code(f"""%%openrouter --map reviews -m {FAST} --schema Review --max-tokens 80 -t 0 -o fields
Read this {{product}} review. Give the sentiment, a star rating from 1 to 5 and the main complaint
(empty if none). Review: {{review}}"""),
        code("fields.dtypes"),
        md("""## Re-runs send only what is missing

Every finished row is in the response cache: running the same map again (after a Ctrl-C, or a failed row)
sends only the rows that are missing or failed — the others come back `cached`, for $0."""),
        code(f"""%%openrouter --map reviews -m {FAST} --max-tokens 5 -t 0 --concurrency 4 -o labels
Classify the sentiment of this {{product}} review as positive, negative or mixed. One word.
Review: {{review}}"""),
        code("labels['_status'].value_counts()"),
        md("""## Compare models on the same column

`--compare` fills one answer column per model, and shows each model's cost and latency."""),
        code(f"""%%openrouter --map reviews --compare {FAST},{HAIKU} --max-tokens 5 -t 0 -o both
Classify the sentiment of this {{product}} review as positive, negative or mixed. One word.
Review: {{review}}"""),
        md("""## From Python, and what it cost

`map_rows()` does the same without the magic. Every row is one ledger row tagged with its run's id:
`%openrouter cost --by run` sums each run."""),
        code(f"""from openrouter_magic import map_rows

short = map_rows(reviews, "Summarize in five words: {{review}}", model="{FAST}", max_tokens=20, progress=False)
short[["answer", "_status", "_cost"]]"""),
        code("%openrouter cost --by run"),
        md("""## Embeddings

`embed()` sends texts to an embedding model in batches (cached per text, in the ledger with their cost) and
returns a float32 array, one row per text. `%openrouter models --embeddings` lists the embedding models."""),
        code("""from openrouter_magic import embed

vectors = embed(reviews["review"], model="openai/text-embedding-3-small")
vectors.shape, vectors.dtype"""),
    ]
