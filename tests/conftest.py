"""Shared fixtures: the real recordings folder, an isolated OPENROUTER_MAGIC_HOME, the emulator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "openrouter"
SENTINEL_KEY = "sk-or-v1-SENTINEL0123456789abcdefSECRET"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/openrouter; skips outside CI when the folder is absent, fails in CI."""
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"../shared/openrouter is missing in CI (looked at {SHARED})")
        pytest.skip("../shared/openrouter is not beside this checkout")
    return SHARED.joinpath(*parts)


@pytest.fixture
def shared() -> Path:
    """The folder of real OpenRouter recordings."""
    return shared_path()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own OPENROUTER_MAGIC_HOME and no real key or base URL from the outside."""
    home = tmp_path / "magic-home"
    monkeypatch.setenv("OPENROUTER_MAGIC_HOME", str(home))
    for var in ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "OPENROUTER_HTTP_REFERER",
                "OPENROUTER_SITE_URL", "OPENROUTER_X_TITLE", "OPENROUTER_APP_NAME", "OPENROUTER_SITE_NAME"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def sentinel_key() -> str:
    """A recognisable fake key: tests assert it never appears in any output."""
    return SENTINEL_KEY


@pytest.fixture
def fake():
    """A running emulator on 127.0.0.1 with the demo catalog and zero delays."""
    from openrouter_magic.testing import FakeOpenRouter

    with FakeOpenRouter() as server:
        yield server


@pytest.fixture
def shell():
    """A real IPython InteractiveShell (cleared afterwards). Modules may override it (tests/_magic_shell.py)."""
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    yield sh
    InteractiveShell.clear_instance()
