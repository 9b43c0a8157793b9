"""examples/06-row-map.ipynb runs top to bottom in a real kernel (nbclient) against the embedded sandbox:
a dry run that sends nothing, a map, typed schema columns, a re-run answered from the cache, a comparison,
map_rows() and cost by run, embed()."""

from __future__ import annotations

import re

import pytest
from _examples_run import output_text, run_example

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    home = tmp_path_factory.mktemp("example-home")
    nb = run_example("06-row-map", home)
    return nb


def _cells(nb, starts: str) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(starts)]


def test_every_cell_runs_and_the_dry_run_only_previews(executed):
    assert not [c.source for c in executed.cells if c.cell_type == "code"
                and any(o.get("output_type") == "error" for o in c.outputs)]
    dry = output_text(_cells(executed, "%%openrouter --map reviews -m openai/gpt-4o-mini --max-tokens 5 --dry-run")[0])
    assert "6 rows × openai/gpt-4o-mini · estimated $" in dry and "Review: Boils fast" in dry
    assert "rows/s" not in dry  # no progress: nothing ran


def test_the_rerun_is_answered_from_the_cache_and_the_schema_columns_are_typed(executed):
    counts = output_text(_cells(executed, "labels['_status'].value_counts()")[0])
    assert re.search(r"cached\s+6\n", counts) and re.search(r"ok\s+0\n", counts)
    dtypes = output_text(_cells(executed, "fields.dtypes")[0])
    assert re.search(r"sentiment\s+category", dtypes) and re.search(r"stars\s+Int64", dtypes)
    assert re.search(r"complaint\s+string", dtypes)


def test_compare_cost_by_run_and_embed(executed):
    both = output_text(_cells(executed, "%%openrouter --map reviews --compare")[0])
    assert "mean_latency_s" in both and "anthropic/claude-haiku-4.5" in both
    assert "run-" in output_text(_cells(executed, "%openrouter cost --by run")[0])
    assert "((6, 64), dtype('float32'))" in output_text(_cells(executed, "from openrouter_magic import embed")[0])
