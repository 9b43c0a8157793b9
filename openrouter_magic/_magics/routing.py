"""Passthrough and routing options of ``%%openrouter`` (DESIGN §12): ``--body``, ``--preset``, privacy and
provider routing, ``--transforms``, ``--require-parameters`` — and how they layer over the defaults.

Precedence, lowest first: the built-in defaults < ``OpenRouterMagics.default_params`` < flags < ``--body``
(a deep merge: nested objects such as ``provider`` are merged key by key, anything else is replaced).
Every problem is a ``UsageError`` raised before anything is sent.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from IPython.core.error import UsageError

from .._session import deep_merge

__all__ = ["QUANTIZATIONS", "ROUTING_OPTIONS", "TRANSFORMS", "apply_routing", "check_effort", "check_routing",
           "check_structured", "parse_body", "preset_model"]

QUANTIZATIONS = ("int4", "int8", "fp4", "mxfp4", "nvfp4", "fp6", "fp8", "mxfp8", "fp16", "bf16", "fp32",
                 "unknown")
TRANSFORMS = ("middle-out",)


def _opt(*flags: str, help: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return flags, {"help": help, **kwargs}


# Appended to the cell options (options.py); argparse %-formats help texts.
ROUTING_OPTIONS = [
    _opt("--body", metavar="JSON", help="a JSON object deep-merged into the request body (wins over flags)"),
    _opt("--preset", metavar="SLUG", help="an OpenRouter preset (sent as MODEL@preset/SLUG, or @preset/SLUG)"),
    _opt("--zdr", action="store_true", help="zero-data-retention endpoints only (provider.zdr)"),
    _opt("--no-train", dest="no_train", action="store_true",
         help="only providers that do not train on prompts (provider.data_collection: deny)"),
    _opt("--only", metavar="P1,P2,…", help="only these providers (provider.only)"),
    _opt("--ignore", metavar="P1,P2,…", help="never these providers (provider.ignore)"),
    _opt("--quant", metavar="Q1,Q2,…", help="allowed quantizations: " + ", ".join(QUANTIZATIONS)),
    _opt("--transforms", metavar="middle-out", help="prompt transforms: middle-out (compress a long prompt)"),
    _opt("--require-parameters", dest="require_parameters", action="store_true",
         help="only providers that support every parameter sent (on with --schema and --tools)"),
    _opt("--tag", metavar="LABEL", help="label this call's ledger row (%%openrouter cost --by tag)"),
    _opt("--context", metavar="N", nargs="?", const=5, type=int,
         help="add the source of the last N executed cells (default 5) and the last traceback"),
]


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def parse_body(text: str | None) -> dict[str, Any]:
    """``--body`` text → a dict; not JSON or not an object → one UsageError line."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except ValueError as error:
        raise UsageError(f"--body is not valid JSON ({error.msg} at character {error.pos}): give a JSON object "
                         "in single quotes, e.g. --body '{\"top_k\": 40}'") from None
    if not isinstance(value, dict):
        raise UsageError(f"--body must be a JSON object ({{\"field\": value}}), not {type(value).__name__} "
                         f"{text.strip()[:40]}")
    return value


def check_routing(args: argparse.Namespace) -> None:
    """Check the routing flags before anything is sent (one UsageError naming the allowed values)."""
    bad = [q for q in _split(args.quant) if q not in QUANTIZATIONS]
    if bad or (args.quant is not None and not _split(args.quant)):
        raise UsageError(f"--quant {args.quant!r}: use a comma list of {', '.join(QUANTIZATIONS)}")
    if args.transforms is not None and any(t not in TRANSFORMS for t in _split(args.transforms) or [""]):
        raise UsageError(f"--transforms {args.transforms!r}: the one transform is middle-out")
    if args.context is not None and args.context < 1:
        raise UsageError(f"--context takes a number of cells ≥ 1, not {args.context}")
    if args.preset is not None and (not args.preset.strip() or "/" in args.preset or "@" in args.preset):
        raise UsageError(f"--preset takes a preset slug such as my-preset, not {args.preset!r}")
    parse_body(args.body)


def _provider(args: argparse.Namespace, automatic: bool) -> dict[str, Any]:
    provider: dict[str, Any] = {}
    if args.zdr:
        provider["zdr"] = True
    if args.no_train:
        provider["data_collection"] = "deny"
    if args.only:
        provider["only"] = _split(args.only)
    if args.ignore:
        provider["ignore"] = _split(args.ignore)
    if args.quant:
        provider["quantizations"] = _split(args.quant)
    if args.require_parameters or automatic:
        provider["require_parameters"] = True
    return provider


def apply_routing(args: argparse.Namespace, params: dict[str, Any], defaults: dict[str, Any] | None = None,
                  ) -> dict[str, Any]:
    """The request fields: ``defaults`` < ``params`` (the other flags) < routing flags < ``--body``."""
    automatic = bool(getattr(args, "schema", None) or params.get("tools"))
    flags = dict(params)
    provider = _provider(args, automatic)
    if provider:
        flags["provider"] = deep_merge(flags.get("provider") or {}, provider)
    if args.transforms:
        flags["transforms"] = _split(args.transforms)
    return deep_merge(deep_merge(dict(defaults or {}), flags), parse_body(args.body))


def check_effort(session: Any, model: str, effort: str | None) -> None:
    """``--reasoning`` against the model's ``reasoning_efforts`` in the catalog (memory or disk, no network)."""
    if not effort or effort == "none":
        return
    row = session.known_prices(model) or {}
    efforts = row.get("reasoning_efforts")
    if isinstance(efforts, tuple) and efforts and effort not in efforts:
        raise UsageError(f"--reasoning {effort}: {model} takes {', '.join(efforts)} (or none)")


_WARNED: set[tuple[int, str]] = set()  # (session, model): the structured-output warning is said once


def check_structured(session: Any, model: str, args: argparse.Namespace, params: dict[str, Any]) -> None:
    """``--schema``/``-f json`` on a model whose catalog entry lists neither ``structured_outputs`` nor
    ``response_format``: warn once and send ``provider.require_parameters`` (so no endpoint ignores it)."""
    if not (getattr(args, "schema", None) or getattr(args, "format", None) == "json"):
        return
    supported = (session.known_prices(model) or {}).get("supported_parameters")
    if not isinstance(supported, tuple) or {"structured_outputs", "response_format"} & set(supported):
        return
    params["provider"] = deep_merge(params.get("provider") or {}, {"require_parameters": True})
    if (id(session), model) not in _WARNED:
        _WARNED.add((id(session), model))
        print(f"note: {model} does not list structured outputs in the catalog; sent with "
              f"provider.require_parameters so only endpoints that honour the format answer")


def preset_model(model: str | None, preset: str | None, explicit: bool) -> str | None:
    """``--preset SLUG``: ``MODEL@preset/SLUG`` when a model was named, else ``@preset/SLUG``."""
    if not preset:
        return model
    return f"{model}@preset/{preset}" if explicit and model else f"@preset/{preset}"
