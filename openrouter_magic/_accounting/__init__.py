"""Money kept: the ledger (SQLite), the budget, and the cost reports."""

from .._core import lazy_exports

_EXPORTS = {
    "Budget": ".budget",
    "CHARS_PER_TOKEN": ".budget",
    "SpendGuard": ".budget",
    "estimate_prompt_tokens": ".budget",
    "Ledger": ".ledger",
    "estimate_cost": ".ledger",
    "KeyReport": ".reports",
    "cost_report": ".reports",
    "ResponseCache": ".cache",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
