"""What a comparison sends: 2–8 model ids, the messages, and a stream factory guarded by the session.

Shared by the one-shot ``compare()`` (``api``) and the playground widget, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .run import StreamFactory

__all__ = ["MAX_MODELS", "MIN_MODELS", "build_messages", "session_factory", "validate_models"]

MIN_MODELS, MAX_MODELS = 2, 8


def validate_models(models: str | Sequence[str] | None) -> list[str]:
    """The model ids (a list, or one comma-separated string); ValueError unless there are 2–8 of them."""
    if isinstance(models, str):
        models = models.split(",")
    found = [str(model).strip() for model in (models or []) if str(model).strip()]
    if not MIN_MODELS <= len(found) <= MAX_MODELS:
        raise ValueError(
            f"a comparison needs {MIN_MODELS} to {MAX_MODELS} models, got {len(found)}: give them "
            "comma-separated, e.g. --compare openai/gpt-4o-mini,anthropic/claude-haiku-4.5"
        )
    return found


def build_messages(prompt: str | list[dict[str, Any]], system: str | None = None) -> list[dict[str, Any]]:
    """OpenAI-style messages from a prompt (or messages) and an optional system prompt."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else [dict(m) for m in prompt]
    if system:
        messages.insert(0, {"role": "system", "content": system})
    return messages


def session_factory(session: Any, messages: Any, params: dict[str, Any], box: Any = None) -> StreamFactory:
    """A stream factory whose every stream is guarded by the session (budget, one ledger row); with a
    ``box`` of Python tools each pane runs its own tool loop (``_session.tool_events``)."""
    params = {name: value for name, value in params.items() if value is not None}
    if box is not None and box.functions:
        from ..._session import tool_loop_events

        return lambda model: tool_loop_events(session, box, messages, model, max_steps=box.max_steps,
                                              approve=getattr(box, "approve", False), **params)
    from ..._session import cached_stream  # the session's one call path: cache, guarded stream, provenance

    return lambda model: cached_stream(session, messages, model, **params)
