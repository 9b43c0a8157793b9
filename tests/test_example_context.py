"""examples/08-context.ipynb runs top to bottom in a real kernel (nbclient) against the embedded sandbox:
{df} as a table, --context after a failing cell, fix, --body with a privacy flag (the body kept by -o),
and an alias that is removed again."""

from __future__ import annotations

import json

import pytest
from _examples_run import output_text, run_example

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    home = tmp_path_factory.mktemp("example-home")
    nb = run_example("08-context", home)
    return nb, home


def _cell(nb, starts: str):
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(starts))


def test_only_the_tagged_cell_fails_and_the_rest_answer(executed):
    nb, _ = executed
    errors = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.outputs)]
    assert errors == ['totals = sales.groupby("region")["units"].sum()']
    assert "KeyError" in output_text(_cell(nb, "totals = "))
    for starts in ("%%openrouter -m openai/gpt-4o-mini --max-tokens 150\nWhich",
                   "%%openrouter -m openai/gpt-4o-mini --context", "%openrouter fix", "%%openrouter -m demo-fast"):
        assert "openai/gpt-4o-mini" in output_text(_cell(nb, starts)), starts  # the footer names the model


def test_the_body_sent_has_the_privacy_flag_and_the_body_fields(executed):
    nb, _ = executed
    shown = output_text(_cell(nb, "sent.request"))
    assert "'data_collection': 'deny'" in shown and "'top_k': 20" in shown and "'sort': 'price'" in shown


def test_the_alias_is_saved_then_removed_from_the_home(executed):
    nb, home = executed
    assert "alias demo-fast → openai/gpt-4o-mini" in output_text(_cell(nb, "%openrouter alias demo-fast="))
    assert json.loads((home / "aliases.json").read_text()) == {}
