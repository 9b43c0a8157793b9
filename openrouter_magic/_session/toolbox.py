"""What ``--tools`` / ``tools=[…]`` name, as request specs and the Python functions behind them (DESIGN §10).

    box = build_toolbox([get_weather, "openrouter:web_search"], web_max_results=3)
    box.specs        # [{"type": "function", "function": {...}}, {"type": "openrouter:web_search", ...}]
    box.functions    # {"get_weather": get_weather}

A callable becomes a function tool (:func:`~.tool_schema.tool_spec`); a dict is taken as a ready JSON
spec; a name starting with ``openrouter:`` is one of OpenRouter's server tools, run by OpenRouter itself.
Anything else is a :class:`ToolSpecError` (one line), raised before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .tool_schema import tool_spec
from .tool_types import ToolSpecError

__all__ = ["SERVER_TOOLS", "ToolBox", "build_toolbox", "server_tool"]

SERVER_TOOLS = ("openrouter:web_search", "openrouter:web_fetch", "openrouter:datetime")


@dataclass
class ToolBox:
    """The ``tools`` body field and the functions the loop may call by name."""

    specs: list[dict[str, Any]] = field(default_factory=list)
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)
    max_steps: int = 8  # for comparison panes, which run the loop without a cell around them
    approve: bool = False  # comparison panes: ask (Run/Skip buttons) before each call

    def __bool__(self) -> bool:
        return bool(self.specs)


def server_tool(name: str, *, max_results: int | None = None, domains: list[str] | None = None) -> dict[str, Any]:
    """The spec of one server tool; web search takes ``max_results`` and ``allowed_domains``."""
    if name not in SERVER_TOOLS:
        raise ToolSpecError(f"unknown server tool {name!r}: use one of {', '.join(SERVER_TOOLS)}")
    spec: dict[str, Any] = {"type": name}
    if name == "openrouter:web_search":
        parameters = {"max_results": max_results, "allowed_domains": domains or None}
        parameters = {key: value for key, value in parameters.items() if value is not None}
        if parameters:
            spec["parameters"] = parameters
    return spec


def build_toolbox(items: Iterable[Any], *, web_max_results: int | None = None,
            web_domains: list[str] | None = None) -> ToolBox:
    """Specs and functions for ``items`` (callables, JSON specs, ``openrouter:`` names); ToolSpecError if not."""
    box = ToolBox()
    for item in items:
        if isinstance(item, str):
            box.specs.append(server_tool(item, max_results=web_max_results, domains=web_domains))
        elif isinstance(item, dict):
            box.specs.append(item)
        elif callable(item):
            spec = tool_spec(item)
            name = spec["function"]["name"]
            if name in box.functions:
                raise ToolSpecError(f"two tools are named {name!r}: rename one of them")
            box.specs.append(spec)
            box.functions[name] = item
        else:
            raise ToolSpecError(f"a tool must be a function, a JSON tool spec or an 'openrouter:' name, "
                                f"not a {type(item).__name__}")
    return box
