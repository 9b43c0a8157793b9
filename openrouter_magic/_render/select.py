"""Stream renderers (notebook / terminal / null), the answer footer, and the choice between them.

    renderer = make_renderer("markdown", refresh_interval=0.25)
    renderer.start("openai/gpt-4o-mini")          # "⏳ waiting for first token… 0.4s"
    renderer.reasoning("…"); renderer.text("Hello")   # as events arrive
    renderer.finish(response, footer_text(response))  # or renderer.fail(partial, "[interrupted]")
"""

from __future__ import annotations

from typing import Any

from .base import FORMATS, NullRenderer, Renderer, footer_text, mark_for
from .notebook import NotebookRenderer
from .terminal import TerminalRenderer

__all__ = [
    "FORMATS",
    "NotebookRenderer",
    "NullRenderer",
    "Renderer",
    "TerminalRenderer",
    "footer_text",
    "make_renderer",
    "mark_for",
    "renderer_kind",
]


def renderer_kind(shell: Any = None) -> str:
    """"notebook" when the shell can show rich displays (a kernel, or captured output), else "terminal".

    Terminal IPython and a bare ``InteractiveShell`` print text/plain once per display update, so
    they get the terminal renderer; so does plain Python with no shell at all.
    """
    if shell is None:
        try:
            from IPython.core.getipython import get_ipython
        except ImportError:  # pragma: no cover - IPython is a dependency
            return "terminal"
        shell = get_ipython()
    if shell is None:
        return "terminal"
    if any(cls.__name__ == "TerminalInteractiveShell" for cls in type(shell).__mro__):
        return "terminal"
    from IPython.core.displaypub import DisplayPublisher

    # The base publisher prints text/plain; kernels and capture_output() replace it with richer ones.
    return "terminal" if type(getattr(shell, "display_pub", None)) is DisplayPublisher else "notebook"


def make_renderer(
    fmt: str = "markdown",
    *,
    refresh_interval: float = 0.25,
    shell: Any = None,
    kind: str | None = None,
    language: str | None = None,
    **options: Any,
) -> Renderer:
    """A renderer for one answer: ``kind`` "notebook" | "terminal" | "null", or None to pick by the shell.

    ``language`` is the code fence language for ``fmt="code"``. Extra ``options`` go to the renderer's
    constructor (``clock``, ``auto_tick``, ``max_block_chars``, ``window_chars`` for the notebook;
    ``stream``, ``color`` for the terminal).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    kind = kind or renderer_kind(shell)
    if kind == "null":
        return NullRenderer()
    if kind == "terminal":
        return TerminalRenderer(fmt, refresh_interval=refresh_interval, **options)
    if kind == "notebook":
        return NotebookRenderer(fmt, refresh_interval=refresh_interval, shell=shell, language=language, **options)
    raise ValueError(f"unknown renderer kind {kind!r}: use notebook, terminal or null")
