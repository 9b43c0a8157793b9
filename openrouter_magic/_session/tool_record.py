"""What a tool-using answer keeps about where it came from (DESIGN §9, §10): every step's request and its
cost, and one provenance summed over the steps.

    body = step_body(session, history, model, {"tools": specs, **params})   # before each step is sent
    response = with_provenance(session, combined, steps, bodies)             # .request = the last body

The provenance has the keys every answer's has (``cost`` and ``usage`` summed over the steps) plus
``steps`` (one entry per HTTP call) and ``tool_calls``. ``cache`` is ``"off"``: tool answers are never
stored in the response cache, since what a tool returns may change between runs.
"""

from __future__ import annotations

from typing import Any

from .._client import chat_body
from .._core import ChatResponse

__all__ = ["step_body", "step_cost", "with_provenance"]


def step_body(session: Any, history: list[dict[str, Any]], model: str, params: dict[str, Any],
              *, stream: bool = True) -> dict[str, Any]:
    """The body one step sends (config defaults, ``--body`` and aliases merged, as the guarded stream does)."""
    from .extras import request_extras

    sent_model, sent_params = request_extras(session, model, params)
    return chat_body(history, sent_model, sent_params, stream=stream)


def step_cost(session: Any, response: ChatResponse) -> tuple[float | None, str]:
    """(cost, ``billed`` | ``estimated`` | ``unknown``) of one step, as its ledger row has it."""
    if response.cost is not None:
        return response.cost, "billed"
    from .._accounting import estimate_cost

    try:
        prices = session.known_prices(response.model or response.requested_model)
    except Exception:  # a missing catalog only means the cost is unknown
        prices = None
    cost = estimate_cost(response.usage, prices)
    return cost, "estimated" if cost is not None else "unknown"


def _total(costs: list[tuple[float | None, str]]) -> tuple[float | None, str]:
    """Summed cost and its source: unknown if any step's is, estimated if any step's was estimated."""
    if not costs or any(source == "unknown" for _, source in costs):
        return None, "unknown"
    source = "estimated" if any(source == "estimated" for _, source in costs) else "billed"
    return sum(cost or 0.0 for cost, _ in costs), source


def _step_entry(step: ChatResponse, cost: tuple[float | None, str]) -> dict[str, Any]:
    usage = step.usage
    return {"model": step.model, "provider": step.provider, "generation_id": step.generation_id,
            "usage": {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                      "reasoning_tokens": usage.reasoning_tokens, "cached_tokens": usage.cached_tokens},
            "cost": cost[0], "cost_source": cost[1], "finish_reason": step.finish_reason,
            "tool_calls": [call.name for call in step.tool_calls]}


def with_provenance(session: Any, combined: ChatResponse, steps: list[ChatResponse],
                    bodies: list[dict[str, Any]]) -> ChatResponse:
    """``combined`` with ``.request`` (the last body sent) and the provenance summed over ``steps``."""
    from .cached import provenance

    if not bodies:
        return combined
    costs = [step_cost(session, step) for step in steps]
    cost, source = _total(costs)
    found = provenance(combined, bodies[-1], cache="off", cost=cost, cost_source=source)
    found["steps"] = [_step_entry(step, step_cost_) for step, step_cost_ in zip(steps, costs)]
    found["tool_calls"] = len(combined.tool_trace)
    return combined.with_(request=bodies[-1], provenance=found)
