"""``%openrouter SUBCOMMAND …``: the one table of subcommands, and the commands that call a service.

Misuse is one ``UsageError`` line; results are returned (so they display and land in ``_``) or printed.
To add a subcommand: write ``cmd_NAME(magics, argv)`` (here, or in a module of its own) and add one row
to ``SUBCOMMANDS`` — dispatch and the manual (``%openrouter help``) follow from the table.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

from .args import call, parse, parser
from .cache_cmd import CACHE_HELP, cmd_cache
from .controls import budget_periods, by_speed, cmd_alias, cmd_fix, show_periods
from .errors import one_line
from .manual import manual
from .state import cmd_config, cmd_history, cmd_reset, cmd_sandbox

__all__ = ["SUBCOMMANDS", "dispatch"]


def _models_parser() -> MagicArgumentParser:
    p = parser("models")
    p.add_argument("--search"), p.add_argument("--author")
    for flag in ("--free", "--vision", "--tools", "--structured", "--reasoning", "--refresh", "--embeddings",
                 "--zdr"):
        p.add_argument(flag, action="store_true")
    p.add_argument("--min-context", dest="min_context", type=int)
    p.add_argument("--max-price", dest="max_price", type=float)
    p.add_argument("--sort", choices=("price", "context", "newest", "name", "intelligence", "coding", "speed"))
    p.add_argument("--limit", type=int)
    return p


def cmd_models(magics: Any, argv: list[str]) -> Any:
    """The catalog as a DataFrame, filtered and sorted."""
    from .._catalog import filter_models
    from .._catalog import display_frame

    args = parse(_models_parser(), argv)
    session = magics.session
    if args.embeddings:  # embedding models are listed apart (output_modalities=embeddings)
        from .._session import embedding_catalog

        result = call(session, embedding_catalog(session, refresh=args.refresh))
    else:
        result = call(session, session.catalog_result(refresh=args.refresh))
    if result.note:
        print(result.note)
    filters = {k: v for k, v in vars(args).items() if k not in ("refresh", "limit", "embeddings", "zdr")}
    speed = filters.get("sort") == "speed"
    frame = filter_models(result.frame, **{**filters, "sort": None if speed else filters.get("sort")})
    if args.zdr:  # zero-data-retention endpoints: OpenRouter's own filter (GET /models?zdr=true)
        frame = frame[frame["id"].isin({m.get("id") for m in call(session, session.client.models(zdr=True))})]
    if speed:  # throughput from each model's endpoints (controls.py)
        frame = by_speed(magics, frame)
    return display_frame(frame, limit=args.limit) if args.limit else display_frame(frame)


def cmd_picker(magics: Any, argv: list[str]) -> Any:
    """The ModelPicker widget; choosing a model makes it the session default."""
    parse(parser("picker"), argv)
    from .._widgets import headless
    from .._widgets import ModelPicker

    picker = ModelPicker(magics.session)
    if headless() and picker.pending is not None:
        # nbclient drops messages after the cell ends: wait for the catalog, or the saved picker is empty
        magics.session.run(picker.pending)
    return picker


def cmd_use(magics: Any, argv: list[str]) -> None:
    """Set the session default model."""
    p = parser("use")
    p.add_argument("model")
    args = parse(p, argv)
    try:
        warning = magics.session.use(args.model)
    except ValueError as error:
        raise UsageError(one_line(str(error))) from None
    print(f"default model: {args.model}" + (f" ({warning})" if warning else ""))


def cmd_compare(magics: Any, argv: list[str]) -> Any:
    """The comparison playground widget."""
    p = parser("compare")
    p.add_argument("models", nargs="*")
    args = parse(p, argv)
    from .._widgets import playground

    try:
        return playground(magics.session, args.models or None)
    except ValueError as error:
        raise UsageError(one_line(str(error))) from None


def cmd_cost(magics: Any, argv: list[str]) -> Any:
    """The session's spending (or all history), by model or day, optionally as a chart."""
    p = parser("cost")
    p.add_argument("--all", action="store_true")
    p.add_argument("--by", choices=("model", "day", "run", "tag"), default="model")
    p.add_argument("--plot", action="store_true")
    args = parse(p, argv)
    from .._accounting import cost_report

    try:
        return cost_report(magics.session.ledger, all=args.all, by=args.by, plot=args.plot)
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'openrouter_magic[plot]'") from None


def cmd_budget(magics: Any, argv: list[str]) -> None:
    """Show, set (USD) or remove (off) the hard session budget."""
    from .._accounting import Budget
    from .._core import usd

    if budget_periods(magics, argv):  # 2/day, 20/month, off/day: over every kernel (controls.py)
        return
    p = parser("budget")
    p.add_argument("limit", nargs="?")
    args = parse(p, argv)
    session = magics.session
    if args.limit is None:
        spent, reserved = session.ledger.session_total(), session.ledger.book.reserved()
        print(session.budget.status(spent, reserved, every_part=True) if session.budget
              else f"no budget (spent {usd(spent)} this session); set one with %openrouter budget 0.50")
        show_periods(magics)
        return
    if args.limit.lower() == "off":
        session.budget = None
        print("budget off")
        return
    try:
        session.budget = Budget(float(args.limit.lstrip("$")))
    except ValueError:
        raise UsageError(f"budget takes USD (e.g. 0.50) or off, not {args.limit!r}") from None
    print(f"budget: {usd(session.budget.limit_usd)} — calls that could exceed it are refused before sending")


def cmd_key(magics: Any, argv: list[str]) -> Any:
    """Key label, limit, usage, remaining, free tier — never the key; ``--set`` asks for a key (getpass)."""
    p = parser("key")
    p.add_argument("--set", action="store_true", dest="set_key",
                   help="ask for a key without echoing it; kept in this kernel only, never saved")
    p.add_argument("typed", nargs="*", help=argparse.SUPPRESS)
    args = parse(p, argv)
    if args.typed:  # never echoed: it may be the key itself
        raise UsageError("%openrouter key takes no value: run %openrouter key --set and type the key when asked "
                         "(a key typed in a cell is saved with the notebook: delete that cell)")
    from .errors import NO_KEY
    from .._accounting import KeyReport

    session = magics.session
    if args.set_key:
        return _set_key(session)
    if not session.settings()["api_key"].value:
        raise UsageError(NO_KEY)
    key = call(session, session.client.key())
    try:
        credits = session.run(session.client.credits())
    except Exception:  # /credits needs a management key on some accounts: show the key facts alone
        credits = None
    return KeyReport(key, credits)


def _set_key(session: Any) -> None:
    """Read a key with getpass (in a kernel: the front end's password box) and keep it in the session only."""
    import getpass  # looked up when called: ipykernel swaps in its own getpass for each cell

    from IPython.core.error import StdinNotImplementedError

    from .._core import mask_key

    try:
        key = getpass.getpass("OpenRouter API key (kept in this kernel only, never saved): ").strip()
    except (StdinNotImplementedError, EOFError):
        raise UsageError("this front end cannot ask for input: export OPENROUTER_API_KEY=… before starting "
                         "Jupyter, or put OPENROUTER_API_KEY=… in a .env file") from None
    if not key:
        raise UsageError("no key entered: nothing changed")
    session.set_key(key)
    later = " (used once the sandbox is off)" if session.sandbox.active else ""
    print(f"key {mask_key(key)} set for this session only{later}: not saved, gone when the kernel restarts; "
          f"%openrouter key shows its limit and usage")


def _help(magics: Any, argv: list[str]) -> None:
    print(manual(magics, SUBCOMMANDS))


SUBCOMMANDS: dict[str, tuple[Callable[[Any, list[str]], Any], str]] = {
    "models": (cmd_models, "the model catalog as a DataFrame: [--search T] [--free] [--vision] [--tools] "
                           "[--structured] [--reasoning] [--min-context N] [--max-price USD_PER_M] [--author A] "
                           "[--sort price|context|newest|name|intelligence|coding|speed] [--limit N] [--refresh] "
                           "[--embeddings] [--zdr]"),
    "picker": (cmd_picker, "a widget to browse and choose the default model"),
    "use": (cmd_use, "MODEL — set the session default model"),
    "compare": (cmd_compare, "[M1 M2 …] — the side-by-side comparison playground"),
    "cost": (cmd_cost, "[--all] [--by model|day|run|tag] [--plot] — what this session (or all history) cost"),
    "budget": (cmd_budget, "[USD|off|USD/day|USD/month|off/day|off/month] — hard budgets: this session, "
                           "or per UTC day/month over every kernel; calls that could exceed one are refused"),
    "alias": (cmd_alias, "[NAME=MODEL] [--remove NAME] — model aliases, saved in OPENROUTER_MAGIC_HOME"),
    "fix": (cmd_fix, "[-m MODEL] [INSTRUCTIONS] — explain the last failing cell, fixed code in a new cell"),
    "key": (cmd_key, "[--set] — key label, limit, usage, remaining, free tier (never the key); --set asks for "
                     "a key and keeps it in this kernel only"),
    "history": (cmd_history, "[NAME] — show a --chat conversation"),
    "reset": (cmd_reset, "[NAME] — clear one conversation (all without NAME)"),
    "sandbox": (cmd_sandbox, "[on|off] — a local OpenRouter emulator: try everything without a key"),
    "config": (cmd_config, "every effective setting and where it comes from (key masked)"),
    "cache": (cmd_cache, CACHE_HELP),
    "help": (_help, "this manual"),
}


def dispatch(magics: Any, line: str) -> Any:
    """Run ``%openrouter SUBCOMMAND …``."""
    from .options import split_args

    try:
        argv = split_args(line)
    except ValueError as error:
        raise UsageError(f"cannot read the arguments ({error}): check the quotes") from None
    if not argv:
        return _help(magics, [])
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        raise UsageError(f"unknown subcommand {name!r}: use one of {', '.join(SUBCOMMANDS)} (%openrouter help)")
    return SUBCOMMANDS[name][0](magics, rest)
