"""A catalog that the user gets back is theirs: editing it never changes the session's catalog or the
prices the session charges with — on pandas 3 (copy on write) and pandas 2 (no copy on write) alike."""

from __future__ import annotations

import warnings

import pytest
from _magic_shell import MODEL, run, shell  # noqa: F401 (fixtures)

from openrouter_magic._catalog import filter_models
from openrouter_magic._session.session import Session

FILTERS = [{}, {"free": False}, {"sort": "price"}, {"search": "gpt"}, {"author": "openai", "limit": 3}]


def _edit_prices(frame) -> None:
    """Every usual way of changing a price in a frame the user holds (warnings are errors: no
    SettingWithCopyWarning on pandas 2 either)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = frame.index[0]
        frame.loc[first, "prompt_usd_per_m"] = 123456.0
        frame.iloc[0, frame.columns.get_loc("completion_usd_per_m")] = 654321.0
        frame["request_usd"] = 99.0
        frame.loc[:, "context_length"] = 1
        frame.loc[first, "id"] = "edited/id"


def _snapshot(session: Session):
    frame = session.run(session.catalog_frame())
    return frame.copy(deep=True), _prices(session)


def _prices(session: Session) -> str:
    """The session's price row of MODEL, as text (NaN == NaN there)."""
    row = session.known_prices(MODEL)
    assert row is not None and row["prompt_usd_per_m"] > 0
    return repr(sorted(row.items()))


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_editing_a_filter_result_changes_neither_the_session_catalog_nor_its_prices(shell, filters):
    session = Session.get(shell)
    before, prices = _snapshot(session)
    result = filter_models(session.run(session.catalog_frame()), **filters)
    assert len(result) and MODEL in set(before["id"])
    _edit_prices(result)
    after = session.run(session.catalog_frame())
    assert after.equals(before) and after is not result
    assert _prices(session) == prices


def test_editing_the_frame_of_the_models_magic_leaves_the_next_listing_as_it_was(shell):
    shown = run(shell, "%openrouter models").result.result
    _edit_prices(shown)
    again = run(shell, "%openrouter models").result.result
    assert "edited/id" not in set(again["id"]) and (again["request_usd"] != 99.0).all()


def test_editing_what_catalog_returns_leaves_the_session_prices_as_they_were(shell):
    from openrouter_magic import catalog

    session = Session.get(shell)
    before, prices = _snapshot(session)
    mine = catalog()
    _edit_prices(mine)
    assert session.run(session.catalog_frame()).equals(before)
    assert _prices(session) == prices
