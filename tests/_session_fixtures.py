"""Fixtures shared by test modules that import them: an emulator, and a plain session pointed at it."""

from __future__ import annotations

import pytest

from openrouter_magic._session.session import Session
from openrouter_magic.testing import FakeOpenRouter


@pytest.fixture
def server():
    with FakeOpenRouter() as fake:
        yield fake


@pytest.fixture
def session(server, monkeypatch, sentinel_key):
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
    s = Session()
    yield s
    s.close()
