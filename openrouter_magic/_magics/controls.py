"""``%openrouter alias``, ``%openrouter fix`` and the day/month forms of ``%openrouter budget`` (DESIGN §11–12)."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from .args import call, parse, parser
from .errors import one_line

__all__ = ["budget_periods", "by_speed", "cmd_alias", "cmd_fix", "show_periods"]


def cmd_alias(magics: Any, argv: list[str]) -> None:
    """``alias`` lists; ``alias NAME=MODEL`` saves (in OPENROUTER_MAGIC_HOME); ``alias --remove NAME`` forgets."""
    from .._session import AliasError, parse_alias

    p = parser("alias")
    p.add_argument("definition", nargs="?")
    p.add_argument("--remove", metavar="NAME")
    args = parse(p, argv)
    aliases, configured = magics.session.aliases, magics.session.config_values().get("aliases")
    if args.remove:
        print(f"alias {args.remove} removed" if aliases.remove(args.remove)
              else f"no saved alias {args.remove!r} (saved: {', '.join(aliases.saved()) or 'none'})")
        return
    if args.definition is None:
        table = aliases.all(configured)
        print("\n".join(f"{name} → {model}" for name, model in sorted(table.items())) if table
              else "no aliases; add one with %openrouter alias fast=google/gemini-2.5-flash")
        return
    try:
        name, model = parse_alias(args.definition)
    except AliasError as error:
        raise UsageError(one_line(str(error))) from None
    aliases.set(name, model)
    print(f"alias {name} → {model} (saved in {aliases.path.parent}; use it wherever a model id goes: -m {name})")


def cmd_fix(magics: Any, argv: list[str]) -> None:
    """Send the last failing cell and its traceback; stream the explanation; put the fixed code in a new cell."""
    from .cell import run_cell
    from .context import fix_prompt, last_failure
    from .options import parse_cell_line

    p = parser("fix")
    p.add_argument("-m", "--model", metavar="MODEL")
    p.add_argument("extra", nargs="*", help="more instructions, e.g. keep the plot")
    args = parse(p, argv)
    failure = last_failure(magics.shell)
    if failure is None:
        raise UsageError("nothing to fix: no cell has failed since %load_ext openrouter_magic — run the failing "
                         "cell again, then %openrouter fix")
    line = "--no-interpolate" + (f" -m {args.model}" if args.model else "")
    before = magics.shell.user_ns.get("_")
    run_cell(magics, parse_cell_line(magics.openrouter_cell, line), line, fix_prompt(failure, " ".join(args.extra)))
    response = magics.shell.user_ns.get("_")
    if response is before or not getattr(response, "text", ""):
        return
    from .._render import extract_code

    code = extract_code(response.text)[0]
    if code.strip():
        magics.shell.set_next_input(code, replace=False)


def budget_periods(magics: Any, argv: list[str]) -> bool:
    """``budget 2/day`` / ``20/month`` / ``off/day``: limits over every kernel; False for the other forms."""
    from .._accounting import parse_period_limit
    from .._session import period_budgets

    text = argv[0] if len(argv) == 1 else None
    if not text or "/" not in text:
        return False
    periods = period_budgets(magics.session)
    if text.lower().startswith("off/"):
        period = text[4:].lower()
        _check_period(period)
        periods.set(period, None)
        print(f"budget per {period} off")
        return True
    try:
        limit, period = parse_period_limit(text)
    except ValueError as error:
        raise UsageError(one_line(str(error))) from None
    periods.set(period, limit)
    print(f"budget per {period}: ${limit:.2f} over every kernel using {periods.path.parent} — calls that could "
          f"pass it are refused before sending")
    return True


def _check_period(period: str) -> None:
    from .._accounting import PERIODS

    if period not in PERIODS:
        raise UsageError(f"budget off/{period}: the periods are {', '.join(PERIODS)}")


def show_periods(magics: Any) -> None:
    """Each active day/month limit with spent/reserved/left (the key's usage read first when online)."""
    from .._session import period_budgets

    periods = period_budgets(magics.session)
    active = periods.active()
    if not active:
        return
    session = magics.session
    if session.settings()["api_key"].value:
        try:
            periods.note_key(session.run(session.client.key()))
        except Exception:  # offline or a key without /key access: the ledger alone
            pass
    for budget in active:
        print(budget.line())


def by_speed(magics: Any, frame: Any) -> Any:
    """The catalog rows sorted by measured throughput (fastest first), with a ``tokens_per_s`` column."""
    from .._session import MAX_MEASURED, throughputs

    ids = frame["id"].tolist()
    if len(ids) > MAX_MEASURED:
        print(f"speed: measured for the first {MAX_MEASURED} of {len(ids)} models (one request each); narrow the "
              f"list with --search, --author, --free, … to measure others")
    speeds = call(magics.session, throughputs(magics.session, ids))
    measured = frame[frame["id"].isin(speeds)].copy()
    measured["tokens_per_s"] = [speeds[i] for i in measured["id"]]
    return measured.sort_values("tokens_per_s", ascending=False, na_position="last", kind="stable")
