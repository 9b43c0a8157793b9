"""The options of ``%%openrouter`` (so ``%%openrouter?`` prints a generated manual) and their checks.

Every misuse becomes exactly one ``UsageError`` line that says what to do (never SystemExit, never a
traceback): argparse's own errors included.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from .map_options import MAP_OPTIONS, check_map
from .media_options import MEDIA_OPTIONS, check_media
from .routing import ROUTING_OPTIONS, check_routing

__all__ = ["FORMATS", "REASONING", "cell_options", "parse_cell_line", "split_args", "split_list"]

FORMATS = ("markdown", "text", "code", "json", "html")
REASONING = ("none", "minimal", "low", "medium", "high", "xhigh")
SORTS = ("price", "throughput", "latency")


def _ttl(text: str) -> int:
    """``--server-cache=TTL``: whole seconds, 1 to 86400 (OpenRouter's bounds)."""
    if not text.isdigit() or not 1 <= int(text) <= 86_400:
        raise ValueError(text)
    return int(text)


_ttl.__name__ = "TTL (whole seconds from 1 to 86400)"  # argparse names the type in its error line


def _opt(*flags: str, help: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return flags, {"help": help, **kwargs}


# argparse %-formats help texts: "%%" shows as "%".
_OPTIONS = [
    _opt("-m", "--model", metavar="MODEL", help="model id, e.g. anthropic/claude-sonnet-4.5 (default: "
         "%%openrouter use / OpenRouterMagics.default_model / openrouter/auto)"),
    _opt("-s", "--system", metavar="SYSTEM", help="system prompt (quote it when it has spaces)"),
    _opt("-t", "--temperature", metavar="TEMPERATURE", type=float, help="sampling temperature, 0 to 2"),
    _opt("--max-tokens", dest="max_tokens", metavar="N", type=int, help="at most this many completion tokens (≥ 1)"),
    _opt("--top-p", dest="top_p", metavar="P", type=float, help="nucleus sampling, 0 < P ≤ 1"),
    _opt("--seed", metavar="N", type=int, help="seed for deterministic sampling (where the provider supports it)"),
    _opt("--stop", metavar="S", action="append", help="stop sequence (repeat for several)"),
    _opt("-f", "--format", default="markdown", choices=FORMATS, metavar="|".join(FORMATS),
         help="how to show the answer: markdown (default), text, code (new cell below), json (parsed), html"),
    _opt("-o", "--output", metavar="NAME", help="store the ChatResponse in this variable"),
    _opt("--chat", metavar="NAME", nargs="?", const="default",
         help="continue the named conversation (default: 'default'); re-running a cell replaces its exchange"),
    _opt("--image", metavar="PATH_OR_URL", action="append",
         help="image file or URL to send with the prompt (repeat for several)"),
    _opt("--schema", metavar="NAME",
         help="name of a JSON-schema dict or pydantic model class: structured output, parsed"),
    _opt("--reasoning", choices=REASONING, metavar="|".join(REASONING),
         help="reasoning effort: none, minimal, low, medium, high, xhigh (checked against the model's efforts)"),
    _opt("--web", action="store_true", help="let the model search the web (the openrouter:web_search server tool)"),
    _opt("--fallback", metavar="M1,M2,…", help="fallback models tried in order when the first fails"),
    _opt("--provider-order", dest="provider_order", metavar="P1,P2,…", help="providers to try, in order"),
    _opt("--provider-sort", dest="provider_sort", choices=SORTS, metavar="|".join(SORTS),
         help="prefer providers by price, throughput or latency"),
    _opt("--max-price", dest="max_price", metavar="USD_PER_M",
         help="highest price in USD per million tokens (X, or PROMPT,COMPLETION)"),
    _opt("--no-fallbacks", dest="no_fallbacks", action="store_true", help="never fall back to other providers"),
    _opt("--compare", metavar="M1,M2,…", help="send the prompt to these models side by side"),
    _opt("--no-stream", dest="no_stream", action="store_true", help="show the answer only when complete"),
    _opt("--no-interpolate", dest="no_interpolate", action="store_true", help="leave {name} in the prompt as it is"),
    _opt("-q", "--quiet", action="store_true", help="no footer"),
    _opt("--cache", dest="cache", action="store_true", default=None,
         help="answer from the local response cache when this exact request was answered before (else store it)"),
    _opt("--no-cache", dest="cache", action="store_false", default=None,
         help="always send, never read or write the local response cache"),
    _opt("--server-cache", dest="server_cache", metavar="TTL", nargs="?", const=True, type=_ttl,
         help="use OpenRouter's own response cache (X-OpenRouter-Cache), TTL in seconds 1-86400 (default 300)"),
]
_OPTIONS += MEDIA_OPTIONS  # --tools, --max-steps, --approve, --web-*, --image-out, --file (media_options.py)
_OPTIONS += ROUTING_OPTIONS  # --body, --preset, privacy and provider routing, --context (routing.py)
_OPTIONS += MAP_OPTIONS  # --map DF and its --out, --concurrency, --rpm, --limit, --dry-run, --fail-fast


def cell_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate the cell magic with every option (the decorators build ``%%openrouter?``)."""
    for flags, kwargs in reversed(_OPTIONS):
        func = argument(*flags, **kwargs)(func)
    return magic_arguments(name="%openrouter")(func)


def parse_cell_line(magic: Callable[..., Any], line: str) -> argparse.Namespace:
    """Parse and check the options; every problem is one UsageError line."""
    try:
        args = magic.parser.parse_args(split_args(line))
    except UsageError as error:
        raise UsageError(f"{_one_line(error)} — see %%openrouter? for the options") from None
    except ValueError as error:  # unbalanced quotes
        raise UsageError(f"cannot read the options ({error}): check the quotes") from None
    _check_numbers(args)
    check_routing(args)
    check_media(args)
    check_map(args)
    return args


def split_args(line: str) -> list[str]:
    """Split like a shell, but keep backslashes (Windows paths): quotes only group words."""
    from IPython.utils.process import arg_split

    return [_unquote(token) for token in arg_split(line, posix=False, strict=True)]


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return token[1:-1]
    return token


def _check_numbers(args: argparse.Namespace) -> None:
    if args.temperature is not None and not 0 <= args.temperature <= 2:
        raise UsageError(f"-t/--temperature must be between 0 and 2, not {args.temperature:g}")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise UsageError(f"--max-tokens must be at least 1, not {args.max_tokens}")
    if args.top_p is not None and not 0 < args.top_p <= 1:
        raise UsageError(f"--top-p must be above 0 and at most 1, not {args.top_p:g}")
    if args.output is not None and not args.output.isidentifier():
        raise UsageError(f"-o needs a variable name, not {args.output!r}")
    if args.max_price is not None:
        max_price(args.max_price)


def max_price(text: str) -> dict[str, float]:
    """``1.5`` → both prices; ``1,5`` → prompt 1, completion 5 (USD per million tokens)."""
    parts = split_list(text)
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or any(v < 0 for v in values):
        raise UsageError(f"--max-price takes USD per million tokens, e.g. 1.5 or 1,5 — not {text!r}")
    prompt, completion = (values[0], values[0]) if len(values) == 1 else values
    return {"prompt": prompt, "completion": completion}


def split_list(text: str | None) -> list[str]:
    """``"a, b,,c"`` → ``["a", "b", "c"]``."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
