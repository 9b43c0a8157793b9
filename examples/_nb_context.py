"""08-context: the notebook as context ({df}, --context, %openrouter fix) and the controls (--body, routing
flags, an alias)."""

from __future__ import annotations

import nbformat

from _build import FAST, SETUP, SETUP_MD, code, md


def context_nb() -> list[nbformat.NotebookNode]:
    """08: {df} as a table, --context with a traceback, fix, --body and privacy flags, an alias."""
    return [
        md("""# The notebook as context, and the controls real work needs

Let the model see your data and your errors, and say exactly what goes into the request: any body field,
privacy routing, provider choices, and short names for models."""),
        md(SETUP_MD), code(SETUP),
        md("""## `{df}`: a DataFrame as a compact table

`{name}` puts a variable into the prompt. A DataFrame or Series goes in as a markdown table: the whole table
when it is small (≤ 20 rows × 20 columns), else its shape, dtypes and first rows — so 10,000 rows cost a few
hundred characters, not the repr."""),
        code("""import numpy as np
import pandas as pd

sales = pd.DataFrame({"region": np.tile(["north", "south", "east", "west"], 2500),
                      "units": np.arange(10_000) % 37, "price": np.round(np.linspace(1, 9, 10_000), 2)})"""),
        code(f"""%%openrouter -m {FAST} --max-tokens 150
Which columns could explain revenue in this table? {{sales}}"""),
        md("""## `--context`: the last cells and the last error

A cell fails…"""),
        code("""totals = sales.groupby("region")["units"].sum()
share = totals / totals["central"]""", "raises-exception"),
        md("""…and `--context N` sends the source of the last N executed cells (default 5) with the last
traceback."""),
        code(f"""%%openrouter -m {FAST} --context 2 --max-tokens 150
Why did my last cell fail?"""),
        md("""## `%openrouter fix`

Sends the last failing cell and its traceback, shows the explanation, and puts the corrected code in a new
cell below (in Jupyter; here in a script run it is only shown)."""),
        code(f"%openrouter fix -m {FAST}"),
        md("""## `--body` and routing flags: exactly what is sent

`--body '{json}'` deep-merges any field into the request and wins over the flags; `--zdr` (zero data
retention), `--no-train`, `--only`/`--ignore` providers, `--quant`, `--transforms middle-out`,
`--require-parameters` fill the `provider` object. `-o` keeps the exact body that was sent."""),
        code(f"%%openrouter -m {FAST} --max-tokens 60 --no-train -o sent "
             """--body '{"top_k": 20, "provider": {"sort": "price"}}'\nSay hello in five words."""),
        code("sent.request"),
        md("""Defaults for every call come from config, under the flags:
`%config OpenRouterMagics.default_params = {"temperature": 0.2}`, `extra_headers`, `aliases`."""),
        md("""## An alias

`%openrouter alias NAME=MODEL` saves a short name (in `OPENROUTER_MAGIC_HOME`, so every kernel sees it);
use it wherever a model id goes: `-m`, `%openrouter use`, `--compare`, `ask(model=…)`."""),
        code(f"%openrouter alias demo-fast={FAST}"),
        code("""%%openrouter -m demo-fast --max-tokens 40
One sentence on why aliases help."""),
        code("%openrouter alias --remove demo-fast"),
    ]
