"""``%%openrouter`` and ``%openrouter``: thin shells that parse, call the session, render, explain.

    %load_ext openrouter_magic
    %%openrouter -m anthropic/claude-sonnet-4.5
    Explain SSE in one paragraph.

Settings are traitlets (``%config OpenRouterMagics.default_model = "openai/gpt-4o-mini"``).
"""

from __future__ import annotations

from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from traitlets import Bool, Dict, Float, Int, Unicode

from .options import cell_options, parse_cell_line
from .._session import Session

__all__ = ["OpenRouterMagics", "load_ipython_extension", "unload_ipython_extension"]

_SETTINGS = ("default_model", "refresh_interval", "show_footer", "max_retries", "retry_delay", "timeout",
             "default_params", "extra_headers", "aliases", "cache")


@magics_class
class OpenRouterMagics(Magics):
    """OpenRouter in the notebook: streamed answers, catalog, costs, comparisons."""

    default_model = Unicode(None, allow_none=True, help="model used when -m is not given "
                            "(after %openrouter use); default openrouter/auto").tag(config=True)
    refresh_interval = Float(0.25, help="seconds between display updates while streaming").tag(config=True)
    show_footer = Bool(True, help="show the footer (model, tokens, timings, cost) under answers").tag(config=True)
    max_retries = Int(3, help="retries on 429/5xx/connection errors before failing").tag(config=True)
    cache = Bool(False, help="answer repeated requests from the local response cache (%openrouter cache "
                 "on|off for the session, --cache/--no-cache per cell)").tag(config=True)
    timeout = Float(None, allow_none=True, help="overall request timeout in seconds (default: "
                    "10 s to connect, 120 s between bytes)").tag(config=True)
    retry_delay = Float(0.5, help="seconds before the first retry (doubling, with jitter; Retry-After wins)"
                        ).tag(config=True)
    default_params = Dict(help="request fields for every call, under the cell's flags and --body, e.g. "
                          "{'temperature': 0.2, 'max_tokens': 800}").tag(config=True)
    extra_headers = Dict(help="HTTP headers sent with every chat request").tag(config=True)
    aliases = Dict(help="model aliases, e.g. {'fast': 'google/gemini-2.5-flash'} (%openrouter alias wins)"
                   ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.current_cell_id: str | None = None
        self.session.config_values = self.configured

    @property
    def session(self) -> Session:
        """This kernel's session."""
        return Session.get(self.shell)

    def configured(self) -> dict[str, Any]:
        """Settings given through IPython config (or set on this object): the "config" source."""
        section = self.config.get(type(self).__name__, {})
        found = {}
        for name in _SETTINGS:
            value = getattr(self, name)
            if name in section or value != self.trait_defaults(name):
                found[name] = value
        return found

    def remember_cell(self, info: Any) -> None:
        """``pre_run_cell`` hook: the front end's cell id (so re-runs replace their chat exchange)."""
        self.current_cell_id = getattr(info, "cell_id", None)

    def remember_result(self, result: Any) -> None:
        """``post_run_cell`` hook: keep the last failing cell and traceback (``%openrouter fix``, ``--context``)."""
        from .context import remember_result

        remember_result(self.shell, result)

    def renderer(self, fmt: str) -> Any:
        """The renderer for one answer in this shell (ticked by the cell's wait, on this thread)."""
        from .._render import make_renderer

        return make_renderer(fmt, refresh_interval=self.refresh_interval, shell=self.shell, auto_tick=False)

    @cell_options
    @cell_magic("openrouter")
    def openrouter_cell(self, line: str, cell: str) -> Any:
        """Send the cell to a model on OpenRouter and stream the answer into the output.

        Examples::

            %%openrouter -m anthropic/claude-sonnet-4.5 -o answer
            Summarize {doc} in three bullet points.

            %%openrouter --chat -f code
            Now write it in Python.

        ``{name}`` is replaced by the variable ``name`` (attributes and indexes too) when it exists;
        other braces are left alone. ``_`` holds the response (the parsed value with -f json/--schema).
        """
        from .cell import run_cell

        from .._accounting import tagged

        args = parse_cell_line(self.openrouter_cell, line)
        with tagged(args.tag):  # --tag LABEL: the ledger rows of this cell carry it
            return run_cell(self, args, line, cell)  # --map: the frame

    @line_magic("openrouter")
    def openrouter_line(self, line: str) -> Any:
        """%openrouter SUBCOMMAND …: models, picker, use, compare, cost, budget, key, history, reset,
        sandbox, config, help. ``%openrouter help`` prints the manual."""
        from .subcommands import dispatch

        return dispatch(self, line)


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics (loading twice is harmless)."""
    if "OpenRouterMagics" in ipython.magics_manager.registry:
        return
    magics = OpenRouterMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.events.register("pre_run_cell", magics.remember_cell)
    ipython.events.register("post_run_cell", magics.remember_result)  # the last failure, for fix/--context


def unload_ipython_extension(ipython: Any) -> None:
    """Stop the sandbox and background tasks; unregister the cell-id hook."""
    magics = ipython.magics_manager.registry.pop("OpenRouterMagics", None)
    if magics is not None:
        try:
            ipython.events.unregister("pre_run_cell", magics.remember_cell)
            ipython.events.unregister("post_run_cell", magics.remember_result)
        except ValueError:
            pass
    Session.get(ipython).close()
