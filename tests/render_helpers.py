"""Helpers shared by the render tests: a simulated clock, feeding text, reading captured displays."""

from __future__ import annotations

import json
import random
import re
from html.parser import HTMLParser
from typing import Any


class Clock:
    """A clock the test moves by hand (renderers take ``clock=``)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def stream(renderer: Any, text: str, clock: Clock, *, chunk: int = 4, dt: float = 0.003) -> None:
    """Feed ``text`` in ``chunk``-character deltas, ``dt`` simulated seconds apart."""
    for i in range(0, len(text), chunk):
        clock.now += dt
        renderer.text(text[i : i + chunk])


def final_states(outputs: list[Any]) -> list[dict[str, Any]]:
    """What a saved notebook keeps: one output per display id, its last state, in display order."""
    states: dict[str, dict[str, Any]] = {}
    for output in outputs:
        display_id = output.transient.get("display_id") or f"anonymous-{len(states)}"
        if output.update:
            assert display_id in states, "an update for a display that was never shown"
        states[display_id] = output.data
    return list(states.values())


def is_answer(state: dict[str, Any]) -> bool:
    """Whether a display state shows (a piece of) the answer: the safe renderer's HTML, or emptied."""
    markup = state.get("text/html")
    return markup == "" or (markup is not None and markup.startswith('<div class="orm-answer'))


def answer_states(outputs: list[Any]) -> list[dict[str, Any]]:
    """The final states of the answer's displays, in display order (emptied ones included)."""
    return [state for state in final_states(outputs) if is_answer(state)]


def answer_pieces(outputs: list[Any]) -> list[str]:
    """The answer's markdown as the saved notebook holds it: one text per non-empty display."""
    return [state["text/plain"] for state in answer_states(outputs) if state["text/plain"]]


def answer_markdown(outputs: list[Any]) -> str:
    """The saved answer: the markdown of every answer display (its text/plain) in display order."""
    return "".join(answer_pieces(outputs))


def sent_bytes(outputs: list[Any]) -> int:
    """Bytes of display payload sent to the front end (data + metadata + transient, as JSON)."""
    return sum(
        len(json.dumps({"data": o.data, "metadata": o.metadata, "transient": o.transient}).encode())
        for o in outputs
    )


def long_markdown(tokens: int, seed: int = 7) -> str:
    """A realistic long answer of about ``tokens`` 4-character tokens: paragraphs, lists, code fences."""
    rng = random.Random(seed)
    words = "the model streams tokens into cells while users read rendered markdown answers".split()
    parts: list[str] = []
    while sum(map(len, parts)) < tokens * 4:
        kind = rng.random()
        if kind < 0.6:
            parts.append(" ".join(rng.choice(words) for _ in range(rng.randint(40, 120))) + ".\n\n")
        elif kind < 0.8:
            parts.append("".join(f"- item {i}: {rng.choice(words)} {rng.choice(words)}\n" for i in range(6)) + "\n")
        else:
            body = "".join(f"    value_{i} = compute({i})\n" + ("\n" if i % 5 == 4 else "") for i in range(30))
            parts.append(f"```python\ndef run():\n{body}```\n\n")
    return "".join(parts)


# ── untrusted answers (DESIGN §13) ──────────────────────────────────────────────────────────────
# Each payload sets window.__ormPwned if it ever runs; the browser suite checks the flag stays unset.
PAYLOADS = {
    "img": "<img src=x onerror=\"window.__ormPwned='img'\">",
    "script": "<script>window.__ormPwned='script'</script>",
    "iframe": "<iframe srcdoc=\"<script>parent.__ormPwned='iframe'</script>\"></iframe>",
    "svg": "<svg onload=\"window.__ormPwned='svg'\"><circle r=\"5\"/></svg>",
    "javascript link": "[click me](javascript:window.__ormPwned='link')",
    "target blank": "<a href=\"https://example.org\" target=\"_blank\" onclick=\"window.__ormPwned='a'\">blank</a>",
}
HOSTILE_MARKDOWN = "\n\n".join([
    "# An untrusted answer",
    *PAYLOADS.values(),
    "| payload | runs |\n|---|---|\n| `<script>` | never |",
    "```python\nprint(\"<script>window.__ormPwned='code'</script>\")\n```",
    "Math still renders: $x^2$ and $$e^{i\\pi} + 1 = 0$$",
]) + "\n"
HOSTILE_HTML = "".join(PAYLOADS.values()) + "<table><tr><td>kept cell</td></tr></table><b>kept bold</b>"
HOSTILE_JSON = json.dumps(PAYLOADS)
_DANGEROUS_TAGS = {"script", "iframe", "frame", "object", "embed", "svg", "math", "style", "img", "form", "base",
                   "meta", "link"}


class _Inspector(HTMLParser):
    """Collects what a browser would build from an HTML string: tags, attributes, text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("srcdoc", "target", "formaction"):
                self.problems.append(f"<{tag} {name}>")
            if name in ("href", "src", "action") and not re.match(r"^(https?:|mailto:)", value or ""):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def inert_problems(markup: str) -> list[str]:
    """Every element or attribute in ``markup`` that could run script, load content or leave the page."""
    inspector = _Inspector()
    inspector.feed(markup)
    inspector.close()
    return inspector.problems


def visible_text(markup: str) -> str:
    """The text a browser shows for ``markup`` (entities decoded)."""
    inspector = _Inspector()
    inspector.feed(markup)
    inspector.close()
    return "".join(inspector.text)
