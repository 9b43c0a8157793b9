"""``ask()``: the one synchronous Python entry into the session's engine (DESIGN §3).

    from openrouter_magic import ask
    resp = ask("Summarize SSE in one line", model="openai/gpt-4o-mini", temperature=0, cache=True)
    resp.text, resp.cost, resp.request, resp.provenance

It goes where ``%%openrouter`` goes (``Session.ask`` → :mod:`.cached`): ledger, budget, response cache and
provenance apply. In a kernel it shows the answer like the magic (``display=None`` means "when in a
kernel"); in a script it just returns. Calls on a bare ``OpenRouter()`` client stay outside all of this.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._core import ChatResponse, OpenRouterError, usd

if TYPE_CHECKING:  # pragma: no cover
    from .session import Session

__all__ = ["ask", "cache_note", "footer_for", "schema_format"]

_URL = re.compile(r"^(https?://|data:)", re.IGNORECASE)
_FENCE = re.compile(r"^```[\w-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


def cache_note(provenance: dict[str, Any]) -> str | None:
    """``cached · $0 (first run $0.0123 on 2026-12-01)`` for an answer from the local cache, else None."""
    if provenance.get("cache") != "hit":
        return None
    first = provenance.get("first_run") or {}
    cost = "?" if first.get("cost_source") == "unknown" else usd(first.get("cost"))
    return f"cached · $0 (first run {cost} on {str(first.get('time', '?'))[:10]})"


def footer_for(session: Session, response: ChatResponse) -> str:
    """The answer's footer line (cost from its provenance; the cache notes; the ledger's state)."""
    from .._render import footer_text

    found = response.provenance
    cost, source = found.get("cost", response.cost), found.get("cost_source")
    ledger = session.ledger
    return footer_text(response, cost=cost, cost_source=source, session_total=ledger.session_total(),
                       unsaved=ledger.unsaved(), cache_note=cache_note(found), server_cache=found.get("server_cache"))


def schema_format(schema: Any) -> tuple[dict[str, Any] | None, Any]:
    """(``response_format``, pydantic class or None) for a JSON-schema dict or a pydantic model class."""
    if schema is None:
        return None, None
    if isinstance(schema, type) and callable(getattr(schema, "model_json_schema", None)):
        name, spec, model_class = schema.__name__, schema.model_json_schema(), schema
    elif isinstance(schema, dict):
        name, spec, model_class = str(schema.get("title") or "answer"), schema, None
    else:
        raise TypeError(f"schema must be a JSON-schema dict or a pydantic model class, not {type(schema).__name__}")
    body: dict[str, Any] = {"name": name, "schema": spec}
    if spec.get("additionalProperties") is False:  # strict mode needs closed objects
        body["strict"] = True
    return {"type": "json_schema", "json_schema": body}, model_class


def _parse(text: str, model_class: Any) -> Any:
    stripped = text.strip()
    fence = _FENCE.match(stripped)
    value = json.loads(fence.group(1) if fence else stripped)
    return value if model_class is None else model_class.model_validate(value)


def _data_url(item: Any, default_mime: str) -> str:
    """A URL as it is; a path or bytes as a base64 data URL."""
    if isinstance(item, str) and _URL.match(item):
        return item
    if isinstance(item, (bytes, bytearray)):
        data, mime = bytes(item), default_mime
    else:
        path = Path(item).expanduser()
        data, mime = path.read_bytes(), mimetypes.guess_type(path.name)[0] or default_mime
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _messages(prompt: Any, system: str | None, images: Sequence[Any], files: Sequence[Any]) -> list[dict[str, Any]]:
    """system + the user's prompt (a string; or a list of messages, used as they are) with its attachments."""
    if not isinstance(prompt, str):
        return ([{"role": "system", "content": system}] if system else []) + list(prompt)
    content: Any = prompt
    if images or files:
        content = [{"type": "text", "text": prompt}]
        content += [{"type": "image_url", "image_url": {"url": _data_url(i, "image/png")}} for i in images]
        # Hook for the media work (DESIGN §12 --file): PDFs go as file parts; the file-parser plugin is theirs.
        content += [{"type": "file", "file": {"filename": Path(str(f)).name,
                                              "file_data": _data_url(f, "application/pdf")}} for f in files]
    return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": content}]


def _tool_specs(tools: Sequence[Any]) -> list[dict[str, Any]]:
    """JSON tool specs as they are, callables through ``tool_spec``. Hook: the tool loop (DESIGN §10) runs
    them; until it lands, the model's tool calls come back in ``response.tool_calls`` unrun."""
    from .tool_schema import tool_spec

    return [tool if isinstance(tool, dict) else tool_spec(tool) for tool in tools]


def _in_kernel(shell: Any) -> bool:
    return shell is not None and getattr(shell, "kernel", None) is not None


def ask(prompt: Any, *, model: str | None = None, system: str | None = None, tools: Sequence[Any] | None = None,
        schema: Any = None, images: Sequence[Any] = (), files: Sequence[Any] = (), cache: bool | None = None,
        display: bool | None = None, session: Session | None = None, **params: Any) -> ChatResponse:
    """Ask a model through the session (ledger, budget, cache, provenance); shows the answer in a kernel."""
    from .session import Session, _current_shell

    shell = _current_shell()
    session = session or Session.get(shell)
    response_format, model_class = schema_format(schema)
    if response_format is not None:
        params["response_format"] = response_format
    if tools and all(isinstance(tool, dict) for tool in tools):
        params["tools"] = _tool_specs(tools)
    if not tools or all(isinstance(tool, dict) for tool in tools):  # no tool loop: its options are no body fields
        for name in ("max_steps", "approve"):
            params.pop(name, None)
    messages = _messages(prompt, system, images, files)
    model = model or session.default_model
    show = _in_kernel(shell) if display is None else bool(display)
    run = _run
    if tools and any(not isinstance(tool, dict) for tool in tools):  # functions / server tools: the tool loop
        from .tool_ask import run_tools

        run, params["tools"] = lambda *args, **kw: run_tools(*args, footer=footer_for, **kw), list(tools)
    response = run(session, shell if show else None, show, messages, model, cache=cache, **params)
    if model_class is not None or schema is not None:
        response = response.with_(parsed=_parse(response.text, model_class))
    return response


def _run(session: Session, shell: Any, show: bool, messages: Any, model: str, **params: Any) -> ChatResponse:
    """One call on the session's loop, shown through a renderer (the cell's path) or not at all."""
    from .answer import Answer
    from .relay import Relay
    from .._render import NullRenderer, make_renderer

    from .cached import lookup, replay

    renderer = make_renderer("markdown", shell=shell, auto_tick=False) if show else NullRenderer()
    switches = {name: params.pop(name, None) for name in ("cache", "server_cache")}  # not body fields
    body, _, hit = lookup(session, messages, model, switches["cache"], params)
    if hit is not None:  # a hit is answered here, in the caller's thread: no trip to the private loop
        response = replay(session, renderer, hit, body)
        renderer.finish(response, footer_for(session, response) if show else None)
        return response
    answer = Answer(Relay(renderer) if show else renderer, model)
    try:
        response: ChatResponse = session.run(session.ask(messages, model, answer=answer, **switches, **params),
                                             relay=answer.renderer if show else None)
    except KeyboardInterrupt:
        answer.renderer.fail(answer.partial(interrupted=True), "[interrupted]")
        raise
    except OpenRouterError as error:
        partial = getattr(error, "partial", None)
        answer.renderer.fail(partial if partial is not None and partial.text else None, f"⚠ {error}")
        raise
    answer.renderer.finish(response, footer_for(session, response) if show else None)
    return response
