"""One ``%%openrouter`` cell: options → request → stream into a renderer → store, return, or explain.

Everything that can be checked before sending is checked first (one ``UsageError``, nothing sent). After
sending, errors keep whatever arrived on screen and in ``-o``/``_`` and then become one ``UsageError`` line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any

from IPython.core.error import UsageError

from .._session import Exchange, resolve_model
from .._core import OpenRouterError
from .errors import NO_KEY, one_line, usage_error
from .context import check_fits, trim_history, with_context
from .media_in import prepare_media
from .request import Schema, build_params, parse_json, resolve_schema, user_message
from .routing import apply_routing, check_effort, check_structured, preset_model
from .._session import Session
from .._session import Answer, Relay
from .._core import ChatResponse

__all__ = ["CellRequest", "run_cell"]

NO_ANSWER = "⚠ no answer"
INTERRUPTED_NOTE = ("interrupted: the partial answer is kept above, marked [interrupted] "
                    "(and in -o/_); run the cell again to retry")


class CellRequest:
    """A checked ``%%openrouter`` request (built before anything is sent)."""

    def __init__(self, shell: Any, args: argparse.Namespace, cell: str, key: str) -> None:
        self.shell, self.args, self.key = shell, args, key
        self.session = Session.get(shell)
        namespace = shell.user_ns
        prompt = cell.strip("\n")
        if not prompt.strip():
            raise UsageError("the cell is empty: write the prompt on the lines under %%openrouter")
        system = args.system
        if not args.no_interpolate:
            from .interpolate import interpolate

            prompt = interpolate(prompt, namespace)
            system = interpolate(system, namespace) if system else system
        if args.context:
            prompt = with_context(shell, prompt, args.context)
        self.schema: Schema | None = resolve_schema(args.schema, namespace) if args.schema else None
        self.user = user_message(prompt, args.image)
        self.params = apply_routing(args, build_params(args, self.schema))
        self.box, self.tool_turns = None, ()
        prepare_media(self, args, namespace)  # --tools/--web/--file/--image-out (media_in.py)
        model = resolve_model(self.session, args.model or self.session.default_model)
        self.model = preset_model(model, args.preset, explicit=bool(args.model))
        check_effort(self.session, model, args.reasoning)
        check_structured(self.session, model, args, self.params)
        self.chat = args.chat
        if self.chat:  # OpenRouter's sticky-routing key: one per conversation, so its prompt cache hits
            self.params.setdefault("session_id", f"openrouter-magic-{self.session.id}-{self.chat}")
        self.messages = self._messages(system)
        if self.chat:  # a long conversation loses its oldest turns, with a note
            self.messages, note = trim_history(self.session, self.model, self.messages, args.max_tokens or 0)
            if note:
                print(note)
        check_fits(self.session, self.model, self.messages)

    def _messages(self, system: str | None) -> list[dict[str, Any]]:
        messages = [{"role": "system", "content": system}] if system else []
        if self.chat:
            messages += self.session.conversations.context(self.chat, self.key)
        return messages + [self.user]


def cell_key(shell: Any, line: str, cell: str, cell_id: str | None) -> str:
    """The front end's cell id when known, else a digest of the cell's source."""
    if cell_id:
        return f"cell:{cell_id}"
    kernel_id = _kernel_cell_id(shell)
    if kernel_id:
        return f"cell:{kernel_id}"
    return "source:" + hashlib.sha256(f"{line}\n{cell}".encode()).hexdigest()[:20]


def _kernel_cell_id(shell: Any) -> str | None:
    try:
        header = shell.kernel.get_parent()  # ipykernel: the execute_request being handled
    except Exception:  # not a kernel (terminal IPython, tests with a plain shell)
        return None
    metadata = header.get("metadata") if isinstance(header, dict) else None
    return metadata.get("cellId") if isinstance(metadata, dict) else None


def run_cell(magics: Any, args: argparse.Namespace, line: str, cell: str) -> None:
    """Run one cell; the response (or parsed value) goes to ``-o`` and ``_``."""
    if getattr(args, "map", None) is not None:  # a prompt over the rows of a DataFrame (map_cell.py)
        from .map_cell import run_map_cell

        return run_map_cell(magics, args, cell)
    request = CellRequest(magics.shell, args, cell, cell_key(magics.shell, line, cell, magics.current_cell_id))
    if not request.session.settings()["api_key"].value:
        raise UsageError(NO_KEY)
    if args.compare:
        return _compare(request)
    renderer = magics.renderer(args.format)
    # The stream is consumed on the session's private loop; the renderer runs here, fed through the relay.
    answer = Answer(Relay(renderer), request.model, live=not args.no_stream)
    if request.box is not None:  # Python tools: the tool loop (tools_cell.py)
        from .tools_cell import run_tools_cell

        response = run_tools_cell(request, renderer, sys.modules[__name__])
    else:
        response = _stream(request, answer)
    _finish(magics, request, renderer, response)


def _stream(request: CellRequest, answer: Answer) -> ChatResponse:
    session = request.session
    try:
        return session.run(session.ask(request.messages, request.model, answer=answer, cache=request.args.cache,
                                       server_cache=request.args.server_cache, **request.params),
                           relay=answer.renderer)
    except KeyboardInterrupt:
        partial = answer.partial(interrupted=True)
        answer.renderer.fail(partial, "[interrupted]")
        _keep(request, partial)
        raise UsageError(INTERRUPTED_NOTE) from None
    except OpenRouterError as error:
        partial = getattr(error, "partial", None)
        error_text = one_line(getattr(error, "message", str(error)))
        if partial is not None and (partial.text or partial.reasoning):
            answer.renderer.fail(partial.with_(error=error_text), f"⚠ {error_text}")
            _keep(request, partial.with_(error=error_text))
        else:  # replace the waiting indicator; the UsageError line below says what happened
            answer.renderer.fail(None, NO_ANSWER)
        raise _explain(request, error) from None


def _explain(request: CellRequest, error: BaseException) -> UsageError:
    from .._session import did_you_mean

    session = request.session
    return usage_error(error, model=request.model, suggest=lambda model: did_you_mean(session, model),
                       retries=session.settings()["max_retries"].value,
                       base_url=session.settings()["base_url"].value)


def _keep(request: CellRequest, response: ChatResponse) -> None:
    """Store a partial or failed answer where the user looks for it (``-o`` and ``_``) and in the chat."""
    if request.args.output:
        request.shell.user_ns[request.args.output] = response
    _set_underscore(request.shell, response)
    if request.chat and response.text:
        request.session.conversations.record(request.chat, Exchange(request.key, request.user, response.text,
                                                                    request.model, interrupted=True))


def _finish(magics: Any, request: CellRequest, renderer: Any, response: ChatResponse) -> None:
    args, session = request.args, request.session
    show_footer = not args.quiet and bool(session.settings()["show_footer"].value)
    from .tools_cell import finish_answer

    finish_answer(renderer, response, _footer(session, response) if show_footer else None)
    parsed, problem = _parse(request, response)
    response = response.with_(parsed=parsed)
    if request.chat:
        session.conversations.record(request.chat, Exchange(request.key, request.user, response.text, response.model,
                                                                    tool_turns=request.tool_turns))
    if args.output:
        request.shell.user_ns[args.output] = response
    _set_underscore(request.shell, parsed if parsed is not None else response)
    if args.format == "code" and not problem:
        from .._render import extract_code

        request.shell.set_next_input(extract_code(response.text)[0], replace=False)
    if problem:
        raise UsageError(problem)


def _parse(request: CellRequest, response: ChatResponse) -> tuple[Any, str | None]:
    """(parsed value, problem) for ``-f json`` and ``--schema``."""
    if request.schema is None and request.args.format != "json":
        return None, None
    try:
        if request.schema is not None:
            return request.schema.parse(response.text), None
        return parse_json(response.text), None
    except (ValueError, json.JSONDecodeError) as error:  # pydantic's ValidationError is a ValueError
        what = f"does not match --schema {request.schema.name}" if request.schema else "is not valid JSON"
        return None, one_line(f"the answer {what} ({str(error).splitlines()[0]}): the text is kept in "
                              f"{request.args.output or '_'}.text")


def _footer(session: Session, response: ChatResponse) -> str:
    from .._session import footer_for
    from .availability import router_note

    note = router_note(response.router)  # "2 attempts → Together" (router metadata)
    return footer_for(session, response) + (f" · {note}" if note else "")


def _set_underscore(shell: Any, value: Any) -> None:
    """``_`` (and ``Out[n]``) hold the answer without printing it a second time (it is on screen already)."""
    hook = getattr(shell, "displayhook", None)
    if hook is not None and hasattr(hook, "update_user_ns"):
        hook.update_user_ns(value)


def _compare(request: CellRequest) -> None:
    from .._widgets import compare_from_magic
    from .options import split_list

    try:
        models = [resolve_model(request.session, m) for m in split_list(request.args.compare)]  # aliases
        params = {**request.params, "cache": request.args.cache, "server_cache": request.args.server_cache}
        compare_from_magic(request.session, request.messages, models, params,
                           output_name=request.args.output, shell=request.shell, box=request.box)
    except ValueError as error:
        raise UsageError(f"--compare: {one_line(str(error))}") from None
    except OpenRouterError as error:
        raise _explain(request, error) from None
