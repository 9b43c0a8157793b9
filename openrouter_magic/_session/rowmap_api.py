"""``map_rows()``: a prompt over the rows of a DataFrame, from Python (the magic's ``--map`` drives the same).

    from openrouter_magic import map_rows
    out = map_rows(df, "Classify the sentiment of: {review}", model="openai/gpt-4o-mini", schema=Label,
                   concurrency=16, rpm=None, cache=True, max_tokens=20)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .rowmap import MapOptions, RowMap
from .rowmap_frame import RowSchema

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["drive", "map_rows"]


def drive(run: RowMap, progress: Any) -> bool:
    """Run on the session's loop while ``progress`` ticks in this thread; True when it was interrupted.

    Ctrl-C cancels the rows in flight (they are recorded) and keeps every finished row.
    """
    from .relay import Relay

    progress.start()
    interrupted = False
    try:
        run.session.run(run.run(), relay=Relay(progress, tick_every=progress.refresh_interval))
    except KeyboardInterrupt:
        interrupted = True
    progress.finish(run.stats.summary() + (" · interrupted" if interrupted else "")
                    + (f" · stopped: {run.stopped}" if run.stopped else ""))
    return interrupted


def map_rows(data: Any, prompt: str, *, model: str | None = None, models: Sequence[str] | None = None,
             schema: Any = None, system: str | None = None, concurrency: int = 8, rpm: float | None = None,
             limit: int | None = None, cache: bool = True, fail_fast: bool = False, out: str = "answer",
             dry_run: bool = False, progress: bool = True, **params: Any) -> pandas.DataFrame | None:
    """Ask ``prompt`` (``{column}`` → the row's value) for every row; a DataFrame with the input's index.

    Columns: ``out`` (or one typed column per ``schema`` field), ``_status``, ``_error``, ``_cost``,
    ``_model``; ``models=[…]`` gives one answer column per model. ``dry_run=True`` only shows the first
    prompt, the row count and the estimated cost range (and returns None). Ctrl-C returns the partial frame.
    """
    from .session import Session

    session = Session.get()
    chosen = list(models) if models else [model or session.default_model]
    options = MapOptions(models=chosen, params=params, concurrency=concurrency, rpm=rpm, limit=limit,
                         fail_fast=fail_fast, cache=cache, out=out, system=system,
                         schema=RowSchema.of(schema) if schema is not None else None)
    run = RowMap(session, data, prompt, options)
    display = _progress(run, progress)
    session.run(run.prepare())
    display.show(_preview(run))
    if dry_run:
        return None
    if not session.settings()["api_key"].value:  # checked once, not failed on every row
        from .._core import ConfigError

        raise ConfigError("no OpenRouter API key: set OPENROUTER_API_KEY (or %openrouter key --set), or try the "
                          "sandbox: %openrouter sandbox on")
    if drive(run, display):
        warnings.warn("interrupted: the rows that finished are in the frame, the others are 'cancelled'",
                      stacklevel=2)
    return run.frame()


def _progress(run: RowMap, enabled: bool) -> Any:
    from .._render import MapProgress

    return MapProgress(run.stats, kind=None if enabled else "null")


def _preview(run: RowMap) -> dict[str, str]:
    from .._render import preview_bundle

    return preview_bundle(run.preview(), run.first_prompt())

