"""Shared by every ``%openrouter`` subcommand: its argument parser, parsing into one ``UsageError`` line,
and running a session call whose errors become that line too."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

from .errors import one_line, usage_error

__all__ = ["call", "parse", "parser"]


def parser(name: str) -> MagicArgumentParser:
    """An argument parser whose errors name ``%openrouter NAME``."""
    return MagicArgumentParser(prog=f"%openrouter {name}")


def parse(found: MagicArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse ``argv``; misuse is one ``UsageError`` line pointing at the manual."""
    try:
        return found.parse_args(argv)
    except UsageError as error:
        raise UsageError(f"{found.prog}: {one_line(str(error))} (see %openrouter help)") from None


def call(session: Any, coro: Any) -> Any:
    """Run ``coro`` on the session; an ``OpenRouterError`` becomes the one ``UsageError`` line."""
    from .._core import OpenRouterError

    try:
        return session.run(coro)
    except OpenRouterError as error:
        settings = session.settings()
        raise usage_error(error, model="", suggest=lambda _: [], retries=settings["max_retries"].value,
                          base_url=settings["base_url"].value) from None
