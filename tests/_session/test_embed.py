"""embed(): POST /embeddings in batches, float32 rows aligned with the input, cached per text, in the ledger
with the billed cost; the emulator serves deterministic vectors; embedding models are listed apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

EMBEDDER = "openai/text-embedding-3-small"


@pytest.fixture
def env(fake, sentinel_key, monkeypatch):
    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    from openrouter_magic._session import Session

    Session._plain = None  # a fresh session (and ledger session id) for each test
    yield fake
    Session.get().close()
    Session._plain = None


def embedding_posts(fake) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith("/embeddings")]


def test_vectors_are_float32_rows_aligned_with_the_input_sent_in_batches(env):
    from openrouter_magic import embed
    from openrouter_magic.testing._embeddings import vector

    texts = pd.Series([f"text {i}" for i in range(7)], index=range(70, 77))
    vectors = embed(texts, model=EMBEDDER, batch_size=3)
    assert vectors.dtype == np.float32 and vectors.shape == (7, 64)
    for row, text in enumerate(texts):
        assert np.allclose(vectors[row], vector(EMBEDDER, text, 64), atol=1e-6)
    assert [len(r.json["input"]) for r in embedding_posts(env)] == [3, 3, 1]


def test_texts_seen_before_come_from_the_cache_and_only_new_ones_are_sent(env):
    from openrouter_magic import embed

    first = embed(["a", "b", "c"], model=EMBEDDER)
    again = embed(["c", "d", "a"], model=EMBEDDER)
    assert [r.json["input"] for r in embedding_posts(env)] == [["a", "b", "c"], ["d"]]
    assert np.array_equal(again[0], first[2]) and np.array_equal(again[2], first[0])
    embed(["a"], model=EMBEDDER, cache=False)
    assert len(embedding_posts(env)) == 3


def test_each_batch_is_one_ledger_row_with_the_billed_cost(env):
    from openrouter_magic import embed, ledger

    embed(["alpha beta gamma", "delta"], model=EMBEDDER, batch_size=1, dimensions=8)
    rows = ledger()
    assert list(rows["status"]) == ["ok", "ok"] and set(rows["cost_source"]) == {"billed"}
    tokens = [4, 2]  # the emulator's tokenizer: one token per 4 characters, rounded up
    assert rows["cost"].sum() == pytest.approx(sum(tokens) * 0.02 / 1e6)
    assert rows["run_id"].nunique() == 1 and rows["run_id"].iloc[0].startswith("run-")


def test_embedding_models_are_listed_with_catalog_embeddings_and_models_embeddings(env):
    from IPython.core.interactiveshell import InteractiveShell

    from openrouter_magic import catalog

    assert list(catalog(embeddings=True)["id"]) == [EMBEDDER]
    assert EMBEDDER not in set(catalog()["id"])
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "openrouter_magic")
        listed = shell.run_line_magic("openrouter", "models --embeddings")
        assert EMBEDDER in repr(listed)
    finally:
        InteractiveShell.clear_instance()


def test_the_real_catalog_names_embedding_models_by_their_output_modalities(shared):
    """The 2026 snapshot (fetched with the default output_modalities=text) holds none: they need the filter."""
    import json

    models = json.loads((shared / "models" / "models-2026-08-19.json").read_text())["data"]
    assert not [m for m in models if "embeddings" in m["architecture"].get("output_modalities", [])]


def test_a_model_the_emulator_does_not_know_is_an_error_and_empty_input_is_refused(env):
    from openrouter_magic import BadRequestError, embed

    with pytest.raises(BadRequestError):
        embed(["x"], model="nobody/nothing")
    with pytest.raises(ValueError):
        embed([], model=EMBEDDER)
