"""Side-by-side comparison: one prompt, 2–8 models, all streaming at once.

    from openrouter_magic import compare
    compare("Explain SSE in one paragraph.", models=["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"])

In a Jupyter kernel this returns a ``CompareView`` at once (the streams run as tasks on the session's
private loop, so they go on while other cells run); elsewhere it runs to completion and returns the
result table (a DataFrame, one row per model).
``%%openrouter --compare`` calls :func:`compare_from_magic`; ``%openrouter compare`` calls
:func:`playground`. Every pane goes through ``Session.guarded_stream`` (budget + one ledger row) after
``Session.check_budget`` has accepted the sum of all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .pane import FRAME_COLUMNS
from .request import MAX_MODELS, MIN_MODELS, build_messages, session_factory, validate_models
from .run import CompareRun, StreamFactory

__all__ = ["FRAME_COLUMNS", "MAX_MODELS", "MIN_MODELS", "build_messages", "compare", "compare_from_magic",
           "in_kernel", "playground", "session_factory", "validate_models"]


def in_kernel(shell: Any) -> bool:
    """True inside a Jupyter kernel (widgets can be shown and the loop is running)."""
    return getattr(shell, "kernel", None) is not None


def _prepare(session: Any, messages: Any, models: Any, params: dict[str, Any],
             box: Any = None) -> tuple[list[str], StreamFactory]:
    models = validate_models(models)
    session.check_budget([(model, messages, params) for model in models])
    return models, session_factory(session, messages, params, box)


def compare(prompt: str | list[dict[str, Any]], models: Sequence[str], *, system: str | None = None,
            session: Any = None, **params: Any) -> Any:
    """Ask every model the same prompt at once.

    Returns the live ``CompareView`` in a Jupyter kernel (``await view.wait()`` gives the table), else
    runs to completion and returns a DataFrame with columns ``FRAME_COLUMNS``. ``params`` are request
    fields (``max_tokens=``, ``temperature=`` …). Raises ``ValueError`` unless 2–8 models are given and
    ``BudgetExceeded`` when the session budget cannot cover them all.
    """
    from ..._session import Session

    session = session or Session.get()
    messages = build_messages(prompt, system)
    models, factory = _prepare(session, messages, models, params)
    if in_kernel(session.shell):
        from .view import CompareView

        view = CompareView(models)
        view.start(factory, loop=session.loop())
        return view
    return _run_to_end(session, models, factory).frame()


def compare_from_magic(session: Any, messages: Any, models: Any, params: dict[str, Any], *,
                       output_name: str | None = None, shell: Any = None, box: Any = None) -> None:
    """What ``%%openrouter --compare M1,M2,…`` calls.

    In a notebook: displays the ``CompareView`` and returns at once; when the run ends the result
    table is stored as ``output_name``. In terminal IPython: runs to the end, prints each answer in
    turn, labelled, then the stats table, and stores the table. ValueError (2–8 models) is meant to
    become a UsageError; ``BudgetExceeded`` is raised before anything is sent.
    """
    shell = shell if shell is not None else session.shell
    models, factory = _prepare(session, messages, models, params, box)  # box: Python tools, a loop per pane
    if in_kernel(shell):
        view = _show_in_notebook(session, models, factory, output_name, shell)
        if headless():
            _wait_for(session, view)
        return
    run = _run_to_end(session, models, factory)
    frame = run.frame()
    if output_name and shell is not None:
        shell.user_ns[output_name] = frame
    from .format import terminal_report

    print(terminal_report(run.panes, frame, run.wall_s))


def headless() -> bool:
    """True when notebooks are executed without a front end (``OPENROUTER_MAGIC_HEADLESS=1``).

    nbclient ignores messages that arrive after a cell has finished, so a comparison that returns at
    once would be saved half-streamed; ``make demo`` and the example tests set this variable so the
    cell waits for the final panes (Ctrl-C/interrupt still stops them).
    """
    import os

    return os.environ.get("OPENROUTER_MAGIC_HEADLESS", "").lower() in {"1", "true", "yes"}


def _wait_for(session: Any, view: Any) -> None:
    try:
        session.run(view.wait())
    except KeyboardInterrupt:
        view.stop()
        session.run(view.wait())


def _show_in_notebook(session: Any, models: list[str], factory: StreamFactory, output_name: str | None,
                      shell: Any) -> Any:
    from IPython.display import display

    from .view import CompareView

    view = CompareView(models)
    if output_name:
        view.on_finish(lambda done: shell.user_ns.__setitem__(output_name, done.result))
    view.start(factory, loop=session.loop())
    display(view)
    return view


def _run_to_end(session: Any, models: list[str], factory: StreamFactory) -> CompareRun:
    """Run in the foreground; Ctrl-C stops the streams and keeps what arrived (panes marked)."""
    run = CompareRun(models, factory)
    run.start(session.loop())
    try:
        session.run(run.wait())  # an interrupt cancels this waiter, not the run
    except KeyboardInterrupt:
        run.stop()
        session.run(run.wait())
    return run


def playground(session: Any, models: Sequence[str] | None = None) -> Any:
    """The comparison playground widget (what ``%openrouter compare [M1 M2 …]`` returns)."""
    from .playground import Playground

    return Playground(session, list(models or []))
