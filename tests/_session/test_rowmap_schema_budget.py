"""Row maps with --schema (one typed column per field; a row that does not validate is an error with its raw
text) and under a budget (rows admitted while their worst case fits; the rest refused, nothing sent)."""

from __future__ import annotations

import json
from typing import Literal

import pandas as pd
import pytest
from pydantic import BaseModel

from _magic_shell import MODEL, plain_session, run, shell  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("plain_session")


class Label(BaseModel):
    """What the model must answer for each row."""

    summary: str
    stars: int
    sentiment: Literal["positive", "negative", "mixed"]
    confidence: float


def labelled(model: str, messages: list[dict]) -> str:
    """Valid JSON for every row but row 3, which gets prose."""
    row = int(messages[-1]["content"].rsplit(" ", 1)[1])
    if row == 3:
        return "I think it is positive."
    return json.dumps({"summary": f"row {row}", "stars": row, "sentiment": ["positive", "mixed"][row % 2],
                       "confidence": row / 10})


def test_a_pydantic_schema_gives_typed_columns_and_a_row_that_does_not_validate_is_an_error_with_its_text(shell, fake):
    fake.configure(answer=labelled)
    shell.user_ns.update(Label=Label, df=pd.DataFrame({"n": range(6)}, index=list("abcdef")))
    ran = run(shell, f"%%openrouter --map df -m {MODEL} --schema Label -o out\nLabel row {{n}}")
    out = shell.user_ns["out"]
    assert ran.error is None, ran.error
    assert list(out.columns) == ["summary", "stars", "sentiment", "confidence", "_status", "_error", "_cost", "_model"]
    assert str(out["summary"].dtype) == "string" and str(out["stars"].dtype) == "Int64"
    assert str(out["confidence"].dtype) == "float64"
    assert isinstance(out["sentiment"].dtype, pd.CategoricalDtype)
    assert list(out["sentiment"].cat.categories) == ["positive", "negative", "mixed"]
    assert out.loc["c", "stars"] == 2 and out.loc["f", "sentiment"] == "mixed" and out.loc["b", "confidence"] == 0.1
    assert out.loc["d", "_status"] == "error" and "I think it is positive." in out.loc["d", "_error"]
    assert pd.isna(out.loc["d", "stars"]) and (out.drop(index="d")["_status"] == "ok").all()
    body = fake.chat_requests[0].json
    assert body["response_format"]["json_schema"]["name"] == "Label"


def test_a_json_schema_dict_works_through_map_rows_too(fake, sentinel_key, monkeypatch):
    from openrouter_magic import map_rows

    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    schema = {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a", "b"]},
                                               "count": {"type": "integer"}}, "required": ["kind", "count"]}
    out = map_rows(["x", "y"], "Kind of {text}", model=MODEL, schema=schema, progress=False)
    assert list(out["kind"]) == ["a", "a"] and list(out["count"]) == [42, 42]  # the emulator's schema values
    assert str(out["count"].dtype) == "Int64"


def test_a_run_that_would_cost_three_times_the_budget_stops_within_it_and_sends_nothing_for_refused_rows(shell, fake):
    from openrouter_magic._session import Session

    fake.configure(answer="x" * 40)  # 10 tokens: the answer is as long as --max-tokens allows
    rows = 60
    shell.user_ns["df"] = pd.DataFrame({"text": [f"item {i:03d}" for i in range(rows)]})
    probe = run(shell, f"%%openrouter --map df -m {MODEL} --max-tokens 10 --limit 3 --no-cache -o probe\n"
                       "Echo {text}")
    per_row = shell.user_ns["probe"]["_cost"].mean()
    fake.reset()
    session = Session.get(shell)
    spent_before = session.ledger.session_total()
    budget = spent_before + per_row * rows / 3
    run(shell, f"%openrouter budget {budget:.10f}")
    ran = run(shell, f"%%openrouter --map df -m {MODEL} --max-tokens 10 --no-cache -o out --concurrency 4\n"
                     "Echo {text}")
    out = shell.user_ns["out"]
    status = out["_status"].astype(str)
    assert probe.error is None and ran.error is None, ran.error
    assert (status == "refused").sum() > rows / 2 and set(status) == {"ok", "refused"}
    assert len(fake.chat_requests) == (status == "ok").sum()  # nothing sent for a refused row
    assert session.ledger.session_total() <= budget + 1e-12
    assert "budget" in out.loc[status == "refused", "_error"].iloc[0]
    assert "refused" in ran.final_text()
