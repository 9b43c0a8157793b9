"""Money kept: the ledger (SQLite), the budget, and the cost reports."""

from .._core import exports_table, lazy_exports

_EXPORTS = exports_table("""
    .budget    Budget SpendGuard
    .periods   PERIODS PeriodBudgets parse_period_limit
    .tags      tagged
    .estimate  CHARS_PER_TOKEN estimate_cost estimate_prompt_tokens worst_case_cost
    .ledger    Ledger LedgerWarning unsaved_text
    .reserve   Reservation SpendBook
    .reports   KeyReport cost_report
    .cache     ResponseCache
    .runs      RUN_ID new_run_id
    .turns     current_turn turn
""")
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
