"""The ``--map`` options of ``%%openrouter`` (DESIGN §7) and their checks: one ``UsageError`` line each."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError

__all__ = ["MAP_OPTIONS", "check_map"]


def _opt(*flags: str, help: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return flags, {"help": help, **kwargs}


# argparse %-formats help texts: "%%" shows as "%".
MAP_OPTIONS = [
    _opt("--map", metavar="DF", help="run the prompt once per row of this DataFrame (or Series, or list); "
         "{column} is the row's value; the result is a new DataFrame (-o NAME stores it)"),
    _opt("--out", metavar="COLUMN", help="with --map: the answer column's name (default: answer)"),
    _opt("--concurrency", metavar="N", type=int, help="with --map: requests at once (default 8)"),
    _opt("--rpm", metavar="N", type=float, help="with --map: at most N requests per minute"),
    _opt("--limit", metavar="N", type=int, help="with --map: only the first N rows (to try a prompt)"),
    _opt("--dry-run", dest="dry_run", action="store_true",
         help="with --map: show the first prompt, the row count and the estimated cost; send nothing"),
    _opt("--fail-fast", dest="fail_fast", action="store_true", help="with --map: stop at the first failed row"),
]
_MAP_ONLY = {"out": "--out", "concurrency": "--concurrency", "rpm": "--rpm", "limit": "--limit",
             "dry_run": "--dry-run", "fail_fast": "--fail-fast"}


def check_map(args: argparse.Namespace) -> None:
    """The numbers of ``--map`` and the flags that need it; nothing is sent before these pass."""
    if getattr(args, "map", None) is None:
        given = [flag for name, flag in _MAP_ONLY.items() if getattr(args, name, None) not in (None, False)]
        if given:
            raise UsageError(f"{given[0]} works only with --map DF (a prompt over the rows of a DataFrame)")
        return
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1, not {args.concurrency}")
    if args.rpm is not None and not args.rpm > 0:
        raise UsageError(f"--rpm must be above 0 requests per minute, not {args.rpm:g}")
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit must be at least 1 row, not {args.limit}")
    if args.out is not None and not args.out.strip():
        raise UsageError("--out needs a column name")
    if args.chat:
        raise UsageError("--map cannot continue a --chat conversation: each row is asked on its own")
    for name, flag in (("tools", "--tools"), ("image", "--image")):
        if getattr(args, name, None):
            raise UsageError(f"{flag} does not work with --map yet: run the prompt per row without it")
