"""Money kept: the ledger (SQLite), the budget, and the cost reports."""

from .._core import lazy_exports

_EXPORTS = {
    "Budget": ".budget",
    "PERIODS": ".periods",
    "tagged": ".tags",
    "PeriodBudgets": ".periods",
    "parse_period_limit": ".periods",
    "SpendGuard": ".budget",
    "CHARS_PER_TOKEN": ".estimate",
    "estimate_cost": ".estimate",
    "estimate_prompt_tokens": ".estimate",
    "worst_case_cost": ".estimate",
    "Ledger": ".ledger",
    "LedgerWarning": ".ledger",
    "unsaved_text": ".ledger",
    "Reservation": ".reserve",
    "SpendBook": ".reserve",
    "KeyReport": ".reports",
    "cost_report": ".reports",
    "ResponseCache": ".cache",
    "RUN_ID": ".runs",
    "new_run_id": ".runs",
    "current_turn": ".turns",
    "turn": ".turns",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
