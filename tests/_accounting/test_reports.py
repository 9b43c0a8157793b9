"""What `%openrouter cost` and `%openrouter key` display, and the cost part of the footer."""

from __future__ import annotations

import base64
import struct
import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell

from openrouter_magic._core.errors import OpenRouterError
from openrouter_magic._accounting.ledger import Ledger
from openrouter_magic._accounting.reports import CostReport, KeyReport, cost_report
from openrouter_magic._core import cost_text
from openrouter_magic._core.types import ChatResponse, Usage

KEY_DATA = {"label": "sk-or-v1-abc...123", "limit": 20.0, "limit_remaining": 12.5, "limit_reset": "monthly",
            "usage": 7.5, "usage_daily": 0.25, "usage_weekly": 1.75, "usage_monthly": 7.5, "is_free_tier": False}


def call(model: str, cost: float | None, completion: int = 40) -> ChatResponse:
    return ChatResponse(text="x", model=model, provider="P", usage=Usage(100, completion, cost=cost),
                        ttft_s=0.5, elapsed_s=1.5)


@pytest.fixture
def ledger(isolated_home) -> Ledger:
    ledger = Ledger(session_id="now")
    ledger.record_response(call("openai/gpt-4o", 0.002))
    ledger.record_response(call("openai/gpt-4o", 0.003, completion=80))
    ledger.record_response(call("anthropic/claude-sonnet-4.5", 0.01))
    ledger.record_response(call("vendor/unpriced", None))
    return ledger


def formatted(obj) -> dict:
    data, _ = InteractiveShell.instance().display_formatter.format(obj)
    return data


def test_cost_report_shows_the_session_total_and_totals_by_model(ledger):
    report = cost_report(ledger)
    assert isinstance(report, CostReport) and report.total == pytest.approx(0.015)
    text = repr(report)
    assert text.splitlines()[0] == "this session: $0.015 over 4 calls, 1 of unknown cost"
    gpt = next(line for line in text.splitlines() if line.startswith("openai/gpt-4o"))
    assert gpt.split()[:6] == ["openai/gpt-4o", "2", "200", "120", "320", "$0.005"]
    assert report.table.loc["openai/gpt-4o", "tokens_per_s"] == pytest.approx((40 + 80) / 2)
    html = formatted(report)["text/html"]
    assert "<table>" in html and "$0.015" in html and "anthropic/claude-sonnet-4.5" in html


def test_unknown_cost_shows_a_dash_never_zero(ledger):
    line = next(line for line in repr(cost_report(ledger)).splitlines() if line.startswith("vendor/unpriced"))
    assert "—" in line and "$0" not in line


def test_all_history_and_by_day(ledger):
    Ledger(session_id="earlier").record_response(call("openai/gpt-4o", 0.985))
    assert cost_report(ledger).total == pytest.approx(0.015)
    everything = cost_report(ledger, all=True, by="day")
    assert everything.total == pytest.approx(1.0) and everything.title.startswith("all history: $1.00 over 5")
    assert everything.table.index.name == "day" and everything.table["calls"].sum() == 5


def test_empty_session_says_there_are_no_calls(isolated_home):
    report = cost_report(Ledger())
    assert repr(report) == "this session: $0 over 0 calls\n(no calls yet)"
    assert "no calls yet" in report._repr_html_()


def png_size(data: str | bytes) -> tuple[int, int]:
    data = base64.b64decode(data) if isinstance(data, str) else data  # IPython sends PNG as base64 text
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plot_is_displayed_as_a_png_image(ledger):
    data = formatted(cost_report(ledger, plot=True))
    assert png_size(data["image/png"]) == (900, 320)


def test_plot_of_an_empty_ledger_is_still_an_image(isolated_home):
    assert png_size(formatted(cost_report(Ledger(), plot=True))["image/png"]) == (900, 320)


def test_plot_without_matplotlib_says_how_to_install_it(ledger, monkeypatch):
    for name in [name for name in sys.modules if name.split(".")[0] == "matplotlib"] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    with pytest.raises(OpenRouterError, match="pip install matplotlib"):
        cost_report(ledger, plot=True)


def test_key_report_shows_limit_usage_free_tier_and_credits():
    text = repr(KeyReport(KEY_DATA, {"total_credits": 50.0, "total_usage": 12.25}))
    for expected in ["label              sk-or-v1-abc...123", "limit remaining    $12.50", "usage today        $0.25",
                     "usage this week    $1.75", "usage this month   $7.50", "free tier          no",
                     "limit resets       monthly", "credits left       $37.75"]:
        assert expected in text


def test_key_report_says_unlimited_and_works_without_credits():
    report = KeyReport({**KEY_DATA, "limit": None, "limit_remaining": None, "is_free_tier": True})
    rows = dict(report.rows())
    assert (rows["limit"], rows["limit remaining"], rows["free tier"]) == ("unlimited", "unlimited", "yes")
    assert "credits left" not in rows and "<table>" in formatted(report)["text/html"]


def test_key_report_never_shows_a_key_even_if_the_label_carried_one(sentinel_key):
    from openrouter_magic._core.config import register_secret

    register_secret(sentinel_key)
    report = KeyReport({**KEY_DATA, "label": sentinel_key})
    for shown in (repr(report), report._repr_html_()):
        assert sentinel_key not in shown and "SECRET" not in shown


@pytest.mark.parametrize(("cost", "source", "total", "text"), [
    (0.000123, "billed", None, "$0.000123"),
    (0.000123, "estimated", None, "≈$0.000123"),
    (None, "unknown", None, "?"),
    (0.000123, "billed", 0.0042, "$0.000123 · session $0.0042"),
    (None, "unknown", 0.0042, "? · session $0.0042"),
    (0.0, "billed", 0.0, "$0 · session $0"),
])
def test_the_footer_cost_reads_billed_estimated_or_unknown_then_the_session_total(cost, source, total, text):
    assert cost_text(cost, source, total) == text


def test_the_report_says_how_many_rows_are_not_yet_saved(ledger):
    report = cost_report(ledger)
    assert report.unsaved == 0 and "not yet saved" not in report.title  # the file works: nothing waits
    report.unsaved = 2
    assert report.title == "this session: $0.015 over 4 calls, 1 of unknown cost; 2 rows not yet saved"
