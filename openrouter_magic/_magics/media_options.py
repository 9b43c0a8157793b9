"""The ``%%openrouter`` options for tools and media (DESIGN §10, §12): their help and their checks."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError

__all__ = ["MEDIA_OPTIONS", "check_media"]

_ENGINES = ("pdf-text", "mistral-ocr", "native")


def _opt(*flags: str, help: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return flags, {"help": help, **kwargs}


MEDIA_OPTIONS = [
    _opt("--tools", metavar="F,G,…", help="Python functions from the notebook (and openrouter:web_search, "
         "openrouter:web_fetch, openrouter:datetime) the model may call; the calls run in a loop"),
    _opt("--max-steps", dest="max_steps", metavar="N", type=int, default=8,
         help="with --tools: at most N requests in one answer (default 8)"),
    _opt("--approve", action="store_true", help="with --tools: ask yes/no before each call"),
    _opt("--web-max-results", dest="web_max_results", metavar="N", type=int,
         help="with --web: at most N search results"),
    _opt("--web-domains", dest="web_domains", metavar="D1,D2,…", help="with --web: search only these domains"),
    _opt("--image-out", dest="image_out", action="store_true",
         help="ask for image output (modalities image+text); images show under the answer"),
    _opt("--file", metavar="PATH", action="append", help="attach a PDF or text file, up to 20 MB (repeat for several)"),
    _opt("--pdf-engine", dest="pdf_engine", choices=_ENGINES, metavar="|".join(_ENGINES),
         help="how OpenRouter reads PDFs: pdf-text, mistral-ocr or native"),
]


def check_media(args: argparse.Namespace) -> None:
    """Numbers in range; every problem is one UsageError line."""
    if args.max_steps is not None and args.max_steps < 1:
        raise UsageError(f"--max-steps must be at least 1, not {args.max_steps}")
    if args.approve and getattr(args, "compare", None) and not _panes_can_ask():
        raise UsageError("--approve does not work with --compare here (panes ask with buttons, only in a "
                         "notebook): run one model at a time to approve its calls")
    if args.web_max_results is not None and not 1 <= args.web_max_results <= 25:
        raise UsageError(f"--web-max-results must be between 1 and 25, not {args.web_max_results}")


def _panes_can_ask() -> bool:
    """Panes ask with Run/Skip buttons: only in a kernel with a front end (not terminal, not headless runs)."""
    from IPython import get_ipython

    from .._widgets import headless

    return getattr(get_ipython(), "kernel", None) is not None and not headless()
