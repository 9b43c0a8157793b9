"""Importing the client in a fresh interpreter loads neither IPython, pandas nor ipywidgets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("IPython", "pandas", "ipywidgets")


@pytest.mark.parametrize("statement", [
    "import openrouter_magic._client.client",
    "from openrouter_magic import OpenRouter",
    "from openrouter_magic import OpenRouter, TextDelta, StreamError; OpenRouter('sk-or-v1-x', 'http://127.0.0.1:9')",
])
def test_importing_the_client_loads_no_ipython_pandas_or_ipywidgets(statement):
    code = f"{statement}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    modules = set(json.loads(out.stdout))
    assert "httpx" in modules and "openrouter_magic._client.client" in modules  # the import really happened
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert loaded == []
