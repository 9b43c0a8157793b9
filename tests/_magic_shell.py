"""Helpers for the magic tests: a real InteractiveShell pointed at the emulator, and output readers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output

MODEL = "openai/gpt-4o-mini"


@dataclass
class Ran:
    """One executed cell: IPython's result and everything it printed or displayed."""

    result: Any
    cap: CapturedIO

    @property
    def error(self) -> BaseException | None:
        return self.result.error_before_exec or self.result.error_in_exec

    def finals(self) -> list[dict[str, Any]]:
        """The final data of every display, in the order they appeared (updates applied)."""
        order: list[str] = []
        last: dict[str, dict[str, Any]] = {}
        for index, out in enumerate(self.cap.outputs):
            display_id = (out.transient or {}).get("display_id") or f"plain-{index}"
            if display_id not in last:
                order.append(display_id)
            last[display_id] = out.data
        return [last[display_id] for display_id in order]

    def final_text(self) -> str:
        """All final text/plain, one display per line."""
        return "\n".join(data.get("text/plain", "") for data in self.finals())

    def updates(self) -> int:
        """How many display updates (in place) were sent."""
        return sum(1 for out in self.cap.outputs if out.update)

    def everything(self) -> str:
        """stdout, stderr and every display payload (for key scans)."""
        payloads = [str(out.data) + str(out.metadata) for out in self.cap.outputs]
        return "\n".join([self.cap.stdout, self.cap.stderr, *payloads, repr(self.error)])


def run(shell: InteractiveShell, source: str, **kwargs: Any) -> Ran:
    """Run a cell the way a front end does (stored in history) and capture its output."""
    with capture_output() as cap:
        result = shell.run_cell(source, store_history=True, **kwargs)
    return Ran(result, cap)


def make_shell() -> InteractiveShell:
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext openrouter_magic")
    return shell


def close_shell(shell: InteractiveShell) -> None:
    from openrouter_magic._session.session import Session

    Session.get(shell).close()
    InteractiveShell.clear_instance()


@pytest.fixture
def shell(fake, sentinel_key, monkeypatch):
    """A real InteractiveShell with the extension loaded, pointed at the emulator with the sentinel key."""
    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    sh = make_shell()
    yield sh
    close_shell(sh)


@pytest.fixture
def keyless_shell():
    """A shell with no key and no base URL in the environment."""
    sh = make_shell()
    yield sh
    close_shell(sh)


@pytest.fixture
def plain_session():
    """Outside IPython the API uses the process's plain session: a fresh one per test, closed after."""
    from openrouter_magic._session import Session

    Session._plain = None
    yield
    if Session._plain is not None:
        Session._plain.close()
    Session._plain = None
