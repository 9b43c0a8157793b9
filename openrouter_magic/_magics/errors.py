"""Our errors → one plain ``UsageError`` line that says what to do next (never a subclass: no traceback)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError

from .._core import redact
from .._core import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    InsufficientCreditsError,
    ModerationError,
    NotFoundError,
    OpenRouterError,
    ProviderError,
    RateLimitError,
    StreamError,
    TransportError,
)

__all__ = ["KEY_HINT", "NO_KEY", "is_unknown_model", "usage_error"]

# Never suggest `%env OPENROUTER_API_KEY=…`: IPython echoes it into the output, so the notebook saves the key.
KEY_HINT = ("export OPENROUTER_API_KEY=… before starting Jupyter, put OPENROUTER_API_KEY=… in a .env file "
            "(in the working directory or OPENROUTER_MAGIC_HOME), or run %openrouter key --set "
            "(asks for it, keeps it in this kernel only)")
NO_KEY = f"no OpenRouter API key: {KEY_HINT}; or try the offline sandbox: %openrouter sandbox on"


def one_line(text: str) -> str:
    """Collapse whitespace and mask keys."""
    return redact(" ".join(str(text).split()))


def is_unknown_model(error: BaseException) -> bool:
    """OpenRouter's "no such model" answers: 404, or 400 "… is not a valid model ID"."""
    if isinstance(error, BadRequestError):
        return "valid model" in error.message.lower()
    if isinstance(error, NotFoundError):
        message = error.message.lower()
        return "model" in message or "endpoints found for" in message or message == "not found"
    return False


def _moderation(error: APIError) -> str:
    reasons = error.metadata.get("reasons") if isinstance(error.metadata, dict) else None
    why = f" for {', '.join(map(str, reasons))}" if reasons else ""
    return f"the prompt was flagged by moderation{why} (403: {error.message}): rephrase it or pick another model"


def usage_error(error: BaseException, *, model: str, suggest: Callable[[str], list[str]],
                retries: int | None = None, base_url: str | None = None) -> UsageError:
    """The one-line UsageError for an error of a call to ``model``."""
    return UsageError(one_line(_message(error, model, suggest, retries, base_url)))


def _message(error: BaseException, model: str, suggest: Callable[[str], list[str]], retries: int | None,
             base_url: str | None) -> str:
    from .availability import availability_line

    line = availability_line(error, model)  # error.availability: the fix and its fallback_models
    if line:
        return line
    if is_unknown_model(error):
        ids = suggest(model)
        hint = f"did you mean {', '.join(ids)}?" if ids else "see %openrouter models --search …"
        what = "OpenRouter does not know the model" if isinstance(error, BadRequestError) else "nothing serves"
        return f"{what} {model} ({_status(error)}): {hint}"
    for kind, build in _BUILDERS:
        if isinstance(error, kind):
            return build(error, retries, base_url)
    return f"{type(error).__name__}: {error}"


def _status(error: Any) -> str:
    return f"{error.status}: {error.message}" if isinstance(error, APIError) else str(error)


def _after(retries: int | None) -> str:
    return f" after {retries} retries" if retries else ""


_BUILDERS: list[tuple[type[BaseException], Callable[[Any, int | None, str | None], str]]] = [
    (ConfigError, lambda e, r, u: NO_KEY if "no openrouter api key" in e.message.lower() else e.message),
    (AuthenticationError, lambda e, r, u: f"OpenRouter rejected the API key ({_status(e)}): check it "
                                          f"(%openrouter config shows where it comes from) or set another: "
                                          f"{KEY_HINT}"),
    (InsufficientCreditsError, lambda e, r, u: f"not enough credits ({_status(e)}): add credits at "
                                               f"https://openrouter.ai/settings/credits or lower --max-tokens"),
    (ModerationError, lambda e, r, u: _moderation(e)),
    (RateLimitError, lambda e, r, u: f"rate limited{_after(r)} ({_status(e)}): wait a moment, or try "
                                     f"another model or --fallback M1,M2"),
    (ProviderError, lambda e, r, u: f"the provider failed{_after(r)} ({_status(e)}): run the cell again, "
                                    f"or add --fallback M1,M2 / pick another model"),
    (NotFoundError, lambda e, r, u: f"not found ({_status(e)}): check the model id (%openrouter models)"),
    (APIError, lambda e, r, u: f"OpenRouter refused the request ({_status(e)}): check the options"),
    (StreamError, lambda e, r, u: f"the answer broke off ({_stream_status(e)}): the partial answer is kept "
                                  f"above and in -o/_ — run the cell again, or add --fallback M1,M2"),
    (TransportError, lambda e, r, u: _transport(e, u)),
    (OpenRouterError, lambda e, r, u: e.message),
]


def _transport(error: TransportError, base_url: str | None) -> str:
    if "timed out" in error.message or "in time" in error.message or "timeout" in error.message:
        return (f"OpenRouter at {base_url} did not answer in time ({error.message}): run the cell again, or allow "
                f"longer with %config OpenRouterMagics.timeout = 300 (seconds)")
    return f"could not reach OpenRouter at {base_url} ({error.message}): check the network or OPENROUTER_BASE_URL"


def _stream_status(error: StreamError) -> str:
    return f"{error.code}: {error.message}" if error.code is not None else error.message
