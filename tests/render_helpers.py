"""Helpers shared by the render tests: a simulated clock, feeding text, reading captured displays."""

from __future__ import annotations

import json
import random
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


def answer_markdown(outputs: list[Any]) -> str:
    """The saved answer: every final text/markdown concatenated in display order."""
    return "".join(state.get("text/markdown", "") for state in final_states(outputs))


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
