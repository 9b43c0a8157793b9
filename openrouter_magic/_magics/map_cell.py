"""``%%openrouter --map DF``: the cell's prompt over every row of a DataFrame (DESIGN §7).

Checked before anything is sent (one ``UsageError`` line each): the target (a DataFrame, Series or list in
the namespace, with rows), the template's columns, the schema, the key. Then the first rendered prompt, the
row count and the estimated cost range are shown (``--dry-run`` stops there), the rows run with one progress
display, and the result frame is stored in ``-o`` and ``_`` and is the cell's value. Ctrl-C keeps the
finished rows (the others ``cancelled``) and stores the partial frame before saying so.
"""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError

from .._session import MapOptions, RowMap, RowSchema, Session, drive_map
from .errors import NO_KEY, one_line
from .options import split_list
from .request import build_params, resolve_schema

__all__ = ["run_map_cell"]

_KINDS = "a DataFrame, a Series, or a list of str or dicts"


def _target(name: str, namespace: dict[str, Any]) -> Any:
    if not name.isidentifier() or name not in namespace:
        raise UsageError(f"--map {name}: no such variable — give the name of {_KINDS}")
    return namespace[name]


def _options(args: argparse.Namespace, session: Session, namespace: dict[str, Any]) -> MapOptions:
    found = resolve_schema(args.schema, namespace) if args.schema else None
    schema = RowSchema(found.name, found.schema, found.model_class) if found is not None else None
    system = args.system
    if system and not args.no_interpolate:
        from .interpolate import interpolate

        system = interpolate(system, namespace)
    models = split_list(args.compare) or [args.model or session.default_model]
    cache = args.cache if args.cache is not None else getattr(session.cache, "session_on", None) is not False
    return MapOptions(models=models, params=build_params(args, None), concurrency=args.concurrency or 8,
                      rpm=args.rpm, limit=args.limit, fail_fast=args.fail_fast, cache=cache,
                      out=(args.out or "answer").strip(), schema=schema, system=system)


def _build(args: argparse.Namespace, session: Session, cell: str, namespace: dict[str, Any]) -> RowMap:
    prompt = cell.strip("\n")
    if not prompt.strip():
        raise UsageError("the cell is empty: write the prompt for each row under %%openrouter --map DF, "
                         "with {column} for the row's values")
    resolve = None
    if not args.no_interpolate:
        from .interpolate import interpolate

        resolve = lambda text: interpolate(text, namespace)  # noqa: E731 - names other than columns
    target = _target(args.map, namespace)
    try:
        return RowMap(session, target, prompt, _options(args, session, namespace), resolve=resolve)
    except ValueError as error:
        raise UsageError(f"--map {args.map}: {one_line(str(error))}") from None


def run_map_cell(magics: Any, args: argparse.Namespace, cell: str) -> Any:
    """Run the cell over the rows; the result frame (also in ``-o`` and ``_``)."""
    from .._render import MapProgress, preview_bundle

    shell = magics.shell
    session = Session.get(shell)
    run = _build(args, session, cell, shell.user_ns)
    if not args.dry_run and not session.settings()["api_key"].value:
        raise UsageError(NO_KEY)
    progress = MapProgress(run.stats, shell=shell)
    session.run(run.prepare())
    progress.show(preview_bundle(run.preview(), run.first_prompt()))
    if args.dry_run:
        return None
    interrupted = drive_map(run, progress)
    frame = run.frame()
    if args.output:
        shell.user_ns[args.output] = frame
    if len(run.options.models) > 1:
        _show_summary(shell, run)
    if interrupted:
        _underscore(shell, frame)
        raise UsageError(f"interrupted: the finished rows are kept, the others are 'cancelled' (the frame is in "
                         f"{args.output or '_'}); run the cell again to send only the missing rows")
    if run.stopped and args.fail_fast:
        _underscore(shell, frame)
        raise UsageError(f"--fail-fast: {one_line(run.stopped)} (the frame so far is in {args.output or '_'})")
    return frame


def _show_summary(shell: Any, run: RowMap) -> None:
    """The per-model cost/latency table of a ``--compare`` map (a DataFrame: pandas escapes its cells)."""
    from IPython.display import display

    display(run.summary())


def _underscore(shell: Any, value: Any) -> None:
    hook = getattr(shell, "displayhook", None)
    if hook is not None and hasattr(hook, "update_user_ns"):
        hook.update_user_ns(value)
