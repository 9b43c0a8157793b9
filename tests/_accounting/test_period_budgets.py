"""Day/month budgets (issue 17) in a real shell against the emulator: set, shown with spent/reserved/left, off;
raised to the key's usage_daily from GET /key (spend the local ledger never saw); refused calls send nothing."""

from __future__ import annotations

import json

from _magic_shell import MODEL, run, shell  # noqa: F401  (the shell fixture)

PRICEY = "openai/gpt-4o"


def test_a_day_budget_is_saved_in_the_home_shown_and_removed(shell, fake, isolated_home):
    assert run(shell, "%openrouter budget 2/day").error is None
    assert run(shell, "%openrouter budget 20/month").error is None
    assert json.loads((isolated_home / "budgets.json").read_text()) == {"day": 2.0, "month": 20.0}
    run(shell, f"%%openrouter -m {MODEL} -q\nhi")
    shown = run(shell, "%openrouter budget").cap.stdout
    assert "per day: budget $2.00:" in shown and "per month: budget $20.00:" in shown and "left" in shown
    run(shell, "%openrouter budget off/day")
    assert json.loads((isolated_home / "budgets.json").read_text()) == {"month": 20.0}


def test_spend_seen_only_by_the_key_counts_against_the_day(shell, fake):
    from openrouter_magic._client import OpenRouter
    import asyncio

    async def elsewhere():  # another app on the same key: billed by OpenRouter, not in our ledger
        async with OpenRouter(api_key="sk-or-v1-other-app-key", base_url=fake.base_url) as client:
            await client.chat("hi", model=PRICEY, max_tokens=200)

    asyncio.run(elsewhere())
    billed = fake.total_billed
    assert billed > 0.001
    run(shell, "%openrouter budget 0.002/day")
    before = len(fake.chat_requests)
    ran = run(shell, f"%%openrouter -m {PRICEY} --max-tokens 100\nhi")
    assert type(ran.error).__name__ == "UsageError" and "per day" in str(ran.error)
    assert len(fake.chat_requests) == before  # refused before sending
    assert any(r.path.endswith("/key") for r in fake.requests)


def test_config_lists_the_new_settings_with_their_sources(shell, fake, isolated_home):
    run(shell, "%openrouter budget 2/day")
    run(shell, f"%openrouter alias fast={MODEL}")
    run(shell, "%config OpenRouterMagics.default_params = {'temperature': 0.2}")
    rows = {name: (value, source) for name, value, source in run(shell, "%openrouter config").result.result.rows}
    assert rows["period_budgets"] == ("{'day': '$2/day'}", f"file:{isolated_home / 'budgets.json'}")
    assert rows["aliases"][1] == f"file:{isolated_home / 'aliases.json'}"
    assert rows["default_params"] == ("{'temperature': 0.2}", "config")
    assert rows["extra_headers"][1] == "default" and rows["retry_delay"] == ("0.5", "default")
