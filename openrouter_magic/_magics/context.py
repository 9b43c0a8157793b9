"""The notebook as context (DESIGN §11): ``--context [N]`` (recent cells + the last traceback), the last
failing cell for ``%openrouter fix``, and the size check that runs before a large prompt is sent.

The last failure is remembered by a ``post_run_cell`` hook (its cell's source and formatted traceback);
failures of our own magics (one-line UsageErrors) are not failures of the user's code and are skipped.
"""

from __future__ import annotations

import math
import re
import traceback
import weakref
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

__all__ = ["Failure", "check_fits", "estimate_tokens", "fix_prompt", "last_cells", "last_failure", "remember_result",
           "trim_history", "with_context"]

MAX_TRACEBACK_LINES = 40
MAX_CELL_CHARS = 4000
CHARS_PER_TOKEN = 4  # the same rough rule as the budget's estimate
CHECK_ABOVE_TOKENS = 2000  # smaller prompts fit every model: no catalog lookup for them
_OUR_MAGIC = re.compile(r"^\s*%{1,2}openrouter\b", re.MULTILINE)


@dataclass(frozen=True)
class Failure:
    """A cell that raised: its source and its traceback as plain text."""

    source: str
    traceback: str
    error: str  # "ZeroDivisionError: division by zero"


_failures: weakref.WeakKeyDictionary[Any, Failure] = weakref.WeakKeyDictionary()


def remember_result(shell: Any, result: Any) -> None:
    """``post_run_cell``: keep the cell and traceback of the latest failure of the user's code."""
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    if error is None or isinstance(error, UsageError):
        return
    source = getattr(getattr(result, "info", None), "raw_cell", None) or ""
    if _OUR_MAGIC.match(source):
        return
    _failures[shell] = Failure(source, _format(error), _one_line(error))


def _format(error: BaseException) -> str:
    tb = error.__traceback__
    while tb is not None and _is_ipython(tb.tb_frame.f_code.co_filename):  # IPython's run_code: not the user's
        tb = tb.tb_next
    lines = "".join(traceback.format_exception(type(error), error, tb)).rstrip().splitlines()
    if len(lines) > MAX_TRACEBACK_LINES:  # the end says what happened; the start is the kernel's own frames
        lines = ["…"] + lines[-MAX_TRACEBACK_LINES:]
    return "\n".join(lines)


def _is_ipython(filename: str) -> bool:
    return "/IPython/" in filename.replace("\\", "/")


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def last_failure(shell: Any) -> Failure | None:
    """The latest failing cell of the user's code (None when nothing failed since the extension loaded)."""
    return _failures.get(shell)


def last_cells(shell: Any, count: int) -> list[str]:
    """The source of the last ``count`` executed cells before the running one (ours left out)."""
    history = list(shell.user_ns.get("In") or [])[1:-1]  # In[0] is empty; In[-1] is this cell
    found = [cell for cell in history if cell.strip() and not _OUR_MAGIC.match(cell)]
    return [_clip(cell) for cell in found[-count:]]


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "\n# … (cut)"


def with_context(shell: Any, prompt: str, count: int) -> str:
    """``prompt`` followed by the last ``count`` cells and the last traceback, in fenced blocks."""
    cells = last_cells(shell, count)
    parts = [prompt.rstrip(), "", f"Context: the last {len(cells)} executed notebook cells, oldest first."]
    parts += [f"```python\n{cell.rstrip()}\n```" for cell in cells]
    failure = last_failure(shell)
    if failure is not None:
        parts += ["The last error's traceback:", f"```\n{failure.traceback}\n```"]
    return "\n".join(parts)


def fix_prompt(failure: Failure, extra: str = "") -> str:
    """What ``%openrouter fix`` asks: explain briefly, then the whole corrected cell in one python block."""
    ask = ("This Jupyter notebook cell raised an error. Explain the cause in two or three sentences, then give "
           "the whole corrected cell as one ```python code block (no other code blocks).")
    return "\n".join([ask + (f" {extra.strip()}" if extra.strip() else ""), "", "The cell:",
                      f"```python\n{failure.source.rstrip()}\n```", "", "The traceback:",
                      f"```\n{failure.traceback}\n```"])


def estimate_tokens(messages: list[dict[str, Any]]) -> int:
    """A rough prompt size: characters / 4 (images counted as nothing)."""
    chars = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            chars += sum(len(p.get("text", "")) for p in content if isinstance(p, dict))
    return math.ceil(chars / CHARS_PER_TOKEN)


def check_fits(session: Any, model: str, messages: list[dict[str, Any]]) -> None:
    """A prompt over the model's context length → one UsageError with the estimate (nothing sent)."""
    tokens = estimate_tokens(messages)
    if tokens <= CHECK_ABOVE_TOKENS or not model or "@preset/" in model:
        return
    try:
        row = session.run(session.prices_for(model))
    except Exception:  # the catalog is a nicety here: OpenRouter says it too if it does not fit
        return
    limit = (row or {}).get("context_length")
    if isinstance(limit, (int, float)) and not isinstance(limit, bool) and limit == limit and tokens > limit:
        raise UsageError(f"the prompt is about {tokens:,} tokens but {model} takes at most {int(limit):,}: "
                         f"send less (fewer --context cells, a smaller {{df}}), or pick a longer-context model "
                         f"(%openrouter models --min-context {tokens})")


def trim_history(session: Any, model: str, messages: list[dict[str, Any]], reserve: int = 0,
                 ) -> tuple[list[dict[str, Any]], str | None]:
    """A ``--chat`` history over the model's context length loses its oldest turns (the system prompt and the
    new turn kept) → (messages, the one-line note saying so, or None when nothing was left out)."""
    tokens = estimate_tokens(messages)
    if tokens <= CHECK_ABOVE_TOKENS or not model or "@preset/" in model:
        return messages, None
    try:
        row = session.run(session.prices_for(model))
    except Exception:  # no catalog: send it all (OpenRouter says so if it does not fit)
        return messages, None
    limit = (row or {}).get("context_length")
    if not isinstance(limit, int) or tokens + reserve <= limit:
        return messages, None
    head = [m for m in messages[:1] if m.get("role") == "system"]
    body, dropped = messages[len(head):], 0
    while estimate_tokens(head + body) + reserve > limit and _turns(body) > 1:
        cut = next((i for i, m in enumerate(body) if i > 0 and m.get("role") == "user"), len(body) - 1)
        body, dropped = body[cut:], dropped + 1
    note = (f"note: the conversation is longer than {model}'s {limit:,} tokens: the {dropped} oldest "
            f"turn{'s' * (dropped != 1)} left out of this request (the system prompt kept)")
    return head + body, note


def _turns(messages: list[dict[str, Any]]) -> int:
    return sum(1 for m in messages if m.get("role") == "user")
