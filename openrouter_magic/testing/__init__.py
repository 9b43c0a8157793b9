"""A faithful local OpenRouter for tests, examples and demos: ``FakeOpenRouter``.

It serves the OpenRouter HTTP API on 127.0.0.1 over real HTTP (chat JSON and SSE, /models, /generation,
/key, …) from a thread of its own, with deterministic answers, costs computed from its catalog's prices and
scenario knobs for latency, chunking, errors, hangs and dropped connections — and hostile servers (the
``hostile`` knob: oversized lines and bodies, bad UTF-8, gzip, HTML, drips; see ``_hostile.py``). It imports
nothing from the rest of ``openrouter_magic`` and nothing outside the standard library.

    from openrouter_magic.testing import FakeOpenRouter
    with FakeOpenRouter(chunk_delay=0.01) as fake:
        print(fake.base_url)
"""

from ._fake import FakeOpenRouter, RecordedRequest
from ._scenario import DEFAULT_KNOBS

__all__ = ["DEFAULT_KNOBS", "FakeOpenRouter", "RecordedRequest"]
