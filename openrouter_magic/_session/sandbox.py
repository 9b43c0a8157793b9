"""The embedded emulator behind ``%openrouter sandbox on``: try everything without a key or network."""

from __future__ import annotations

from typing import Any

from .._core import Setting

__all__ = ["SANDBOX_KEY", "Sandbox"]

SANDBOX_KEY = "sandbox-key-not-a-secret"
# A small delay per chunk so that streaming is visible in the sandbox, as it would be for real.
SANDBOX_CHUNK_DELAY_S = 0.015


class Sandbox:
    """Owns a lazily started ``FakeOpenRouter``; ``overrides()`` are the settings it imposes."""

    def __init__(self) -> None:
        self.server: Any = None

    @property
    def active(self) -> bool:
        """True while the emulator serves and the session points at it."""
        return self.server is not None

    def start(self, **knobs: Any) -> str:
        """Start (or reconfigure) the emulator; returns its base URL."""
        if self.server is None:
            from ..testing import FakeOpenRouter

            knobs.setdefault("chunk_delay", SANDBOX_CHUNK_DELAY_S)
            knobs.setdefault("tool_plan", "auto")  # a model that uses the tools it is given (then answers)
            server = FakeOpenRouter(**knobs)
            server.start()
            self.server = server
        elif knobs:
            self.server.configure(**knobs)
        return str(self.server.base_url)

    def stop(self) -> bool:
        """Stop the emulator; True when it was running."""
        server, self.server = self.server, None
        if server is None:
            return False
        server.stop()
        return True

    def overrides(self) -> dict[str, Setting]:
        """Key and base URL while active (source ``sandbox``), else nothing."""
        if self.server is None:
            return {}
        return {
            "api_key": Setting("api_key", SANDBOX_KEY, "sandbox"),
            "base_url": Setting("base_url", str(self.server.base_url).rstrip("/"), "sandbox"),
        }
