"""The OpenRouter endpoints served by the emulator, as handlers of parsed requests."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from urllib.parse import urlencode
from typing import Any

from ._catalog import OUTPUT_MODALITIES
from ._chat import ErrorReply, plan_chat, stream_events
from ._embeddings import embedding_reply
from ._hostile import hostile_response
from ._payloads import ZOD_OUTPUT_MODALITIES, Answer, chat_completion, simple_error
from ._response_cache import wanted_ttl
from ._records import endpoints_record, key_record, masked_label, providers_list
from ._routing import expand_preset, router_metadata, with_metadata, zdr_only
from ._server import Request, Response
from ._state import EmulatorState

PREFIX = "/api/v1"
NOT_FOUND = Response(404, simple_error(404, "Not Found"))


async def route(state: EmulatorState, req: Request) -> Response:
    """Dispatch one request to its endpoint."""
    path = req.path[len(PREFIX):] if req.path.startswith(PREFIX + "/") else None
    if path is None:
        return NOT_FOUND
    path = path.rstrip("/") or "/"
    if req.method == "POST" and path in ("/chat/completions", "/embeddings"):
        limited = check_auth(state, req) or _limited(state, req)
        if limited is not None:
            return limited
        return chat(state, req) if path == "/chat/completions" else embeddings(state, req)
    if req.method != "GET":
        return NOT_FOUND
    if path.startswith("/models/") and path.endswith("/endpoints"):
        return endpoints(state, path[len("/models/"):-len("/endpoints")])
    handler = _GETS.get(path)
    return handler(state, req) if handler else NOT_FOUND


def check_auth(state: EmulatorState, req: Request) -> Response | None:
    """None when authorised, else the real 401 (missing key vs. unknown key)."""
    auth = req.headers.get("authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not token:
        return Response(401, simple_error(401, "No cookie auth credentials found"))
    if state.api_key is not None and token != state.api_key:
        return Response(401, simple_error(401, "User not found."))
    return None


def _limited(state: EmulatorState, req: Request) -> Response | None:
    """The rpm limit's 429 or a scripted error for this POST (see ``_limits.py``), else None."""
    refused = state.limits.check(req.headers.get("authorization", ""), state.knobs_snapshot())
    return None if refused is None else Response(refused[0], refused[1], refused[2])


def embeddings(state: EmulatorState, req: Request) -> Response:
    """POST /embeddings — deterministic vectors (see ``_embeddings.py``)."""
    knobs = state.knobs_snapshot()
    status, body = embedding_reply(req.body, state.catalog, knobs)
    return Response(status, body, delay=float(knobs.get("first_byte_delay") or 0) if status == 200 else 0.0)


def chat(state: EmulatorState, req: Request) -> Response:
    """POST /chat/completions — JSON or SSE."""
    denied = check_auth(state, req)
    if denied:
        return denied
    try:
        body = json.loads(req.body or b"null")
    except ValueError:
        body = None
    body, no_preset = expand_preset(body)  # @preset/SLUG (_routing.py)
    if no_preset is not None:
        return Response(404, no_preset)
    plan = plan_chat(body, state.catalog, state.knobs_snapshot(), state.take_error)
    if isinstance(plan, ErrorReply):
        headers = {"X-Generation-Id": f"gen-{int(time.time())}-emulatorerror000000", **plan.headers}
        return Response(plan.status, plan.body, headers)
    started = time.monotonic()
    streamed = bool(body.get("stream"))
    plan, cache_headers, store = _server_cache(state, req, plan)
    state.bill(plan, streamed=streamed, user_agent=req.headers.get("user-agent"),
               referer=req.headers.get("http-referer"))
    knobs = plan.knobs
    on_done = _finisher(state, plan, started, store)
    headers = {"X-Generation-Id": plan.gen_id, **cache_headers}
    if knobs.get("hostile"):
        return hostile_response(plan, knobs["hostile"], streamed=streamed, headers=headers, on_done=on_done)
    meta = router_metadata(body, plan.model, plan.provider, knobs) \
        if req.headers.get("x-openrouter-metadata", "").lower() == "enabled" else None
    if streamed:
        events = stream_events(plan) if meta is None else with_metadata(stream_events(plan), meta)
        return Response(200, headers=headers, events=events, delay=knobs["first_byte_delay"],
                        chunk_delay=knobs["chunk_delay"], on_done=on_done)
    err = knobs.get("mid_stream_error")
    payload = chat_completion(_truncated(plan, err) if err else plan, error=_choice_error(err))
    if meta is not None:
        payload["openrouter_metadata"] = meta
    return Response(200, payload, headers, delay=knobs["first_byte_delay"],
                    hang=knobs.get("hang_after_chunks") is not None,
                    drop=knobs.get("drop_after_chunks") is not None, on_done=on_done)


def _choice_error(err: dict[str, Any] | None) -> dict[str, Any] | None:
    if not err:
        return None
    return {"code": int(err.get("code", 502)), "message": err.get("message", "Provider returned error")}


def _truncated(a: Answer, err: dict[str, Any]) -> Answer:
    """A non-streamed answer that failed after ``after_chunks`` pieces keeps only those."""
    keep = int(err.get("after_chunks", 0)) * int(a.knobs["chunk_chars"])
    return replace(a, content=a.content[:keep])


def _finisher(state: EmulatorState, a: Answer, started: float, store=None):
    def on_done(outcome: str, events_written: int) -> None:
        state.finished(a, outcome, int((time.monotonic() - started) * 1000), events_written)
        if store is not None:
            store(outcome)
    return on_done


def _server_cache(state: EmulatorState, req: Request, plan: Answer) -> tuple[Answer, dict[str, str], Any]:
    """OpenRouter's response cache (``_response_cache``): (the answer to send, its headers, the storer)."""
    ttl = wanted_ttl(req.headers)
    if ttl is None:
        return plan, {}, None
    key = state.server_cache.key(req.headers.get("authorization", ""), req.body or b"")
    hit = state.server_cache.lookup(key)
    headers = {"X-OpenRouter-Cache-Status": "HIT" if hit else "MISS", "X-OpenRouter-Cache-TTL": str(ttl)}
    return (hit, headers, None) if hit else (plan, headers, state.server_cache.storer(key, plan, ttl))


def models(state: EmulatorState, req: Request) -> Response:
    """GET /models — 2026 envelope, output_modalities and supported_parameters filters."""
    found = _filtered(state, req)
    if isinstance(found, Response):
        return found
    page, next_link = _page(found, req)
    return Response(200, {"data": page, "total_count": len(found), "links": {"next": next_link}},
                    {"Cache-Control": "public, max-age=120, stale-while-revalidate=3600, stale-if-error=3600"})


def _page(found: list[dict], req: Request) -> tuple[list[dict], str | None]:
    """``limit``/``offset`` pagination; with neither, the whole list (as the real API does)."""
    if "limit" not in req.query and "offset" not in req.query:
        return found, None
    try:
        limit = min(int(req.query.get("limit", 500)), 1000)
        offset = max(int(req.query.get("offset", 0)), 0)
    except ValueError:
        return found, None
    end = offset + limit
    if end >= len(found):
        return found[offset:end], None
    query = {**req.query, "offset": str(end), "limit": str(limit)}
    return found[offset:end], PREFIX + "/models?" + urlencode(query)


def models_count(state: EmulatorState, req: Request) -> Response:
    """GET /models/count."""
    found = _filtered(state, req)
    return found if isinstance(found, Response) else Response(200, {"data": {"count": len(found)}})


def _filtered(state: EmulatorState, req: Request) -> list[dict] | Response:
    raw = req.query.get("output_modalities", "text")
    wanted = [m.strip() for m in raw.split(",") if m.strip()]
    if "all" in wanted:
        modalities = None
    elif wanted and all(m in OUTPUT_MODALITIES for m in wanted):
        modalities = wanted
    else:
        return Response(400, ZOD_OUTPUT_MODALITIES)
    params = [p.strip() for p in req.query.get("supported_parameters", "").split(",") if p.strip()]
    found = state.catalog.filtered(modalities, params)
    return zdr_only(found) if req.query.get("zdr") == "true" else found  # models with a ZDR endpoint


def endpoints(state: EmulatorState, model_id: str) -> Response:
    """GET /models/{author}/{slug}/endpoints."""
    model = state.catalog.resolve(model_id)
    if model is None:
        return Response(404, simple_error(404, "Model not found"))
    return Response(200, {"data": endpoints_record(model)})


def generation(state: EmulatorState, req: Request) -> Response:
    """GET /generation?id= — 404 for ``generation_delay`` seconds, then the record."""
    denied = check_auth(state, req)
    if denied:
        return denied
    gen_id = req.query.get("id", "")
    record = state.generation_record(gen_id)
    if record is None:
        return Response(404, simple_error(404, f"Generation {gen_id} not found"))
    return Response(200, {"data": record})


def key(state: EmulatorState, req: Request) -> Response:
    """GET /key — usage reflects what this emulator billed."""
    denied = check_auth(state, req)
    if denied:
        return denied
    token = req.headers["authorization"][7:].strip()
    usage, free_requests = state.usage()
    limit = state.knobs_snapshot()["key_limit"]
    record = key_record(label=masked_label(token), usage=usage, limit=limit, free_requests=free_requests)
    return Response(200, {"data": record}, {"Cache-Control": "private, no-store"})


def credits(state: EmulatorState, req: Request) -> Response:
    """GET /credits."""
    denied = check_auth(state, req)
    if denied:
        return denied
    usage, _ = state.usage()
    return Response(200, {"data": {"total_credits": state.knobs_snapshot()["total_credits"], "total_usage": usage}})


def providers(state: EmulatorState, req: Request) -> Response:
    """GET /providers."""
    return Response(200, {"data": providers_list()})


_GETS = {"/models": models, "/models/count": models_count, "/generation": generation, "/key": key,
         "/credits": credits, "/providers": providers}
