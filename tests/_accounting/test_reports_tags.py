"""Reports (issue 17): ``--tag LABEL`` labels a cell's ledger rows (column ``tag``) and ``cost --by tag`` groups
by it; ``cost --by model`` adds errors, success rate and p50/p95 seconds; a call that failed before any token
is $0 billed, not of unknown cost. A real shell against the emulator."""

from __future__ import annotations

import pytest

from _magic_shell import MODEL, run, shell  # noqa: F401  (the shell fixture)
from openrouter_magic._session.session import Session


def _table(shell, line: str):
    report = run(shell, line).result.result
    return report.table


def test_tagged_cells_are_grouped_by_their_tag(shell, fake):
    for tag in ("exp1", "exp1", "exp2", None):
        flag = f"--tag {tag}" if tag else ""
        assert run(shell, f"%%openrouter -m {MODEL} -q {flag}\nhi").error is None
    frame = Session.get(shell).ledger.frame()
    assert frame["tag"].tolist()[:3] == ["exp1", "exp1", "exp2"] and frame["tag"].isna().tolist()[3]
    table = _table(shell, "%openrouter cost --by tag")
    assert table["calls"].to_dict() == {"(no tag)": 1, "exp1": 2, "exp2": 1}


def test_cost_by_model_has_errors_success_rate_and_latency_percentiles(shell, fake):
    fake.configure(per_model={MODEL: {"first_byte_delay": 0.05}})
    for _ in range(3):
        run(shell, f"%%openrouter -m {MODEL} -q\nhi")
    fake.queue_error(400, model=MODEL)
    assert run(shell, f"%%openrouter -m {MODEL} -q\nhi").error is not None
    row = _table(shell, "%openrouter cost").loc[MODEL]
    assert row["calls"] == 4 and row["errors"] == 1
    assert row["success_rate"] == pytest.approx(0.75)
    assert 0.05 <= row["p50_s"] <= row["p95_s"] < 5
    shown = repr(run(shell, "%openrouter cost").result.result)
    assert "success_rate" in shown and "75%" in shown


def test_a_call_that_failed_before_any_token_is_zero_billed(shell, fake):
    fake.queue_error(400, model=MODEL)
    run(shell, f"%%openrouter -m {MODEL}\nhi")
    frame = Session.get(shell).ledger.frame()
    assert frame["status"].tolist() == ["error"]
    assert frame["cost"].tolist() == [0.0] and frame["cost_source"].tolist() == ["billed"]
    assert "unknown cost" not in repr(run(shell, "%openrouter cost").result.result)
