"""``~author/slug`` ids (OpenRouter's moving aliases, e.g. ``~anthropic/claude-sonnet-latest``) are model ids
like any other: ``%openrouter use`` and the picker accept them — checked against the real catalog snapshot."""

from __future__ import annotations

import json

import pytest
from _magic_shell import close_shell, make_shell, run

from openrouter_magic._session.session import Session
from openrouter_magic._widgets.picker.view import ModelPicker
from openrouter_magic.testing import FakeOpenRouter
from tests.conftest import shared_path

SNAPSHOT = "models-2026-08-19.json"
ALIAS = "~anthropic/claude-sonnet-latest"


def _alias_ids() -> list[str]:
    payload = json.loads(shared_path("models", SNAPSHOT).read_text(encoding="utf-8"))
    return [m["id"] for m in payload["data"] if m["id"].startswith("~")]


@pytest.fixture(scope="module")
def real_fake():
    """The emulator serving the real 2026-08 catalog (which lists eleven ``~`` ids)."""
    with FakeOpenRouter(catalog=shared_path("models", SNAPSHOT)) as server:
        yield server


@pytest.fixture
def real_shell(real_fake, sentinel_key, monkeypatch):
    monkeypatch.setenv("OPENROUTER_BASE_URL", real_fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    shell = make_shell()
    yield shell
    close_shell(shell)


def test_the_real_catalog_has_eleven_alias_ids():
    ids = _alias_ids()
    assert len(ids) == 11 and ALIAS in ids


def test_use_accepts_every_alias_id_of_the_real_catalog_without_a_warning(real_shell):
    for model in _alias_ids():
        ran = run(real_shell, f"%openrouter use {model}")
        assert ran.error is None, ran.error
        assert ran.cap.stdout.strip() == f"default model: {model}"  # known to the catalog: no warning
        assert Session.get(real_shell).default_model == model


def test_a_cell_after_use_of_an_alias_sends_the_alias(real_shell, real_fake):
    run(real_shell, f"%openrouter use {ALIAS}")
    ran = run(real_shell, "%%openrouter -q\nhi")
    assert ran.error is None, ran.error
    assert real_fake.chat_requests[-1].json["model"] == ALIAS


@pytest.mark.parametrize("typed", ["~", "~/slug", "~~anthropic/x", "anthropic~", "~anthropic"])
def test_a_tilde_alone_does_not_make_an_id(real_shell, typed):
    ran = run(real_shell, f"%openrouter use {typed}")
    assert "is not a model id" in str(ran.error)


def test_the_picker_finds_selects_and_uses_an_alias_id(real_fake, monkeypatch):
    monkeypatch.setenv("OPENROUTER_BASE_URL", real_fake.base_url)
    session = Session()
    try:
        picker = ModelPicker(session)
        session.run(picker.pending)
        picker.search.value = "claude sonnet latest"
        assert ALIAS in [value for _, value in picker.table.options]
        picker.table.value = ALIAS
        session.run(picker.pending)
        assert ALIAS in picker.details.value and "Providers" in picker.providers.value
        picker.use_button.click()
        assert session.default_model == ALIAS
        assert "default model" in picker.status.value and "not" not in picker.status.value
    finally:
        session.close()


def test_the_picker_author_choice_lists_alias_models_under_their_author(real_fake, monkeypatch):
    monkeypatch.setenv("OPENROUTER_BASE_URL", real_fake.base_url)
    session = Session()
    try:
        picker = ModelPicker(session)
        session.run(picker.pending)
        picker.author.value = "anthropic"
        listed = [value for _, value in picker.table.options]
        assert "~anthropic/claude-opus-latest" in listed and "~" not in "".join(dict(picker.author.options))
    finally:
        session.close()
