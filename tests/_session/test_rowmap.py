"""%%openrouter --map DF and map_rows() against the emulator over loopback (DESIGN §7, issue 15).

Bursts and failures: scripted 500s, a 429 burst and an emulator rpm limit still end with every row ok and
its own answer; the emulator never sees more requests at once than the concurrency, nor more starts a
minute than --rpm. Bad input is one UsageError line with nothing sent.
"""

from __future__ import annotations

import pandas as pd
import pytest

from _magic_shell import MODEL, plain_session, run, shell  # noqa: F401 (fixtures)

ANSWER = "answer to "

pytestmark = pytest.mark.usefixtures("plain_session")


def echo(model: str, messages: list[dict]) -> str:
    """The emulator's answer: names the row it answers (so a swapped row shows)."""
    return ANSWER + messages[-1]["content"].split(": ", 1)[1]


def reviews(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"review": [f"review {i:05d}" for i in range(n)], "stars": [i % 5 for i in range(n)]},
                        index=pd.RangeIndex(start, start + 2 * n, 2))


def posts(fake) -> int:
    return sum(1 for r in fake.requests if r.method == "POST")


def test_500_rows_with_scripted_500s_and_a_429_burst_all_end_ok_in_their_own_row_within_the_concurrency(shell, fake):
    fake.configure(answer=echo, first_byte_delay=0.01, error_rate={"status": 500, "rate": 0.05, "seed": 7})
    fake.queue_error(429, times=6, headers={"Retry-After": "1"})
    shell.user_ns["df"] = df = reviews(500, start=100)
    ran = run(shell, f"%%openrouter --map df -m {MODEL} -o out --concurrency 12\nClassify: {{review}}")
    assert ran.error is None, ran.error
    out = shell.user_ns["out"]
    assert list(out.index) == list(df.index)
    assert (out["_status"] == "ok").all()
    assert (out["answer"] == ANSWER + df["review"]).all()
    assert list(out.columns) == ["answer", "_status", "_error", "_cost", "_model"]
    assert fake.max_in_flight <= 12
    assert 4 <= fake.max_connections <= 12 + 1  # + the session's idle connection that fetched the catalog
    statuses = [r.json and r.json.get("model") for r in fake.chat_requests]
    assert len(statuses) > 500 + 6  # the 5% of 500s and the 429s were retried
    assert (out["_cost"] > 0).all() and set(out["_model"]) == {MODEL}


def test_an_rpm_limit_spaces_the_starts_so_no_window_holds_more_than_allowed(shell, fake):
    fake.configure(answer=echo)
    shell.user_ns["df"] = reviews(25)
    ran = run(shell, f"%%openrouter --map df -m {MODEL} -o out --concurrency 8 --rpm 600\nClassify: {{review}}")
    assert ran.error is None, ran.error
    times = sorted(r.time for r in fake.chat_requests)
    assert len(times) == 25 and (shell.user_ns["out"]["_status"] == "ok").all()
    # 600 a minute = one start per 0.1 s: any 1-second window holds at most 10 (+1 for the edges)
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 11
    assert times[-1] - times[0] >= 2.3


def test_the_servers_own_rate_limit_answers_429_and_the_run_backs_off_and_finishes(fake, sentinel_key, monkeypatch):
    from openrouter_magic import map_rows

    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    fake.configure(answer=echo, rpm_limit=20, rpm_window=1.0)
    df = reviews(60)
    out = map_rows(df, "Classify: {review}", model=MODEL, concurrency=16, progress=False, cache=False)
    assert fake.rate_limited > 0  # the burst did hit the limit…
    assert (out["_status"] == "ok").all() and (out["answer"] == ANSWER + df["review"]).all()  # …and no row failed


def test_bad_input_is_one_usage_error_line_and_nothing_is_sent(shell, fake):
    shell.user_ns.update(df=reviews(3), empty=reviews(0), number=3)
    cases = {
        "--map df": "{revew}",
        "--map empty": "{review}",
        "--map number": "{review}",
        "--map nowhere": "{review}",
        "--map df --concurrency 0": "{review}",
        "--map df --rpm -1": "{review}",
        "--map df --limit 0": "{review}",
        "--concurrency 4": "{review}",
        "--map df --chat": "{review}",
        "--map df --image cat.png": "{review}",
    }
    for flags, prompt in cases.items():
        ran = run(shell, f"%%openrouter {flags}\nClassify: {prompt}")
        assert type(ran.error).__name__ == "UsageError", flags
        assert "\n" not in str(ran.error), flags
    assert posts(fake) == 0
    message = str(run(shell, "%%openrouter --map df\nClassify: {revew}").error)
    assert "{revew} is not a column" in message and "review, stars" in message


def test_dry_run_shows_the_first_prompt_the_rows_and_the_cost_range_and_sends_nothing(shell, fake):
    shell.user_ns["df"] = reviews(4)
    ran = run(shell, f"%%openrouter --map df -m {MODEL} --dry-run\nStars {{stars}}: {{review}}")
    assert ran.error is None and posts(fake) == 0
    shown = ran.final_text()
    assert "4 rows × openai/gpt-4o-mini · estimated $" in shown and "Stars 0: review 00000" in shown


def test_limit_out_and_a_namespace_variable_in_the_template(shell, fake):
    fake.configure(answer=echo)
    shell.user_ns.update(df=reviews(10), tone="formal")
    ran = run(shell, f"%%openrouter --map df -m {MODEL} --limit 3 --out label -o out\nIn a {{tone}} tone: "
                     "{review}")
    out = shell.user_ns["out"]
    assert ran.error is None and len(out) == 3 and "label" in out
    assert [r.json["messages"][-1]["content"] for r in fake.chat_requests] == [
        f"In a formal tone: review {i:05d}" for i in range(3)]


def test_a_column_wins_over_a_variable_of_the_same_name(shell, fake):
    fake.configure(answer=echo)
    shell.user_ns.update(df=reviews(2), review="NOT THIS")
    run(shell, f"%%openrouter --map df -m {MODEL} -o out\nSay: {{review}}")
    assert list(shell.user_ns["out"]["answer"]) == [ANSWER + "review 00000", ANSWER + "review 00001"]


def test_running_the_same_cell_again_sends_only_the_rows_not_answered(shell, fake):
    fake.configure(answer=echo)
    shell.user_ns["df"] = reviews(6)
    cell = f"%%openrouter --map df -m {MODEL} -o out\nClassify: {{review}}"
    fake.queue_error(400, times=1)  # one row fails for good (400s are not retried)
    run(shell, cell)
    first = shell.user_ns["out"]
    assert sorted(first["_status"].astype(str)) == ["error"] + ["ok"] * 5
    sent = len(fake.chat_requests)
    run(shell, cell)
    again = shell.user_ns["out"]
    assert len(fake.chat_requests) - sent == 1
    assert sorted(again["_status"].astype(str)) == ["cached"] * 5 + ["ok"]
    assert again["_cost"][again["_status"] == "cached"].eq(0).all()


def test_every_row_is_one_ledger_row_with_the_runs_id_and_cost_groups_by_run(shell, fake):
    from openrouter_magic._session import Session

    fake.configure(answer=echo)
    shell.user_ns["df"] = reviews(5)
    run(shell, f"%%openrouter --map df -m {MODEL} -o out\nClassify: {{review}}")
    frame = Session.get(shell).ledger.frame()
    assert len(frame) == 5 and frame["run_id"].nunique() == 1 and frame["run_id"].iloc[0].startswith("run-")
    assert frame["cost"].sum() == pytest.approx(shell.user_ns["out"]["_cost"].sum())
    report = run(shell, "%openrouter cost --by run").everything()
    assert frame["run_id"].iloc[0] in report


def test_compare_fills_one_answer_column_per_model_and_shows_a_per_model_summary(shell, fake):
    fake.configure(answer=echo)
    other = "anthropic/claude-haiku-4.5"
    shell.user_ns["df"] = reviews(3)
    ran = run(shell, f"%%openrouter --map df --compare {MODEL},{other} -o out\nClassify: {{review}}")
    out = shell.user_ns["out"]
    assert ran.error is None
    assert list(out.columns) == [MODEL, other, "_status", "_error", "_cost", "_model"]
    assert (out[other] == ANSWER + shell.user_ns["df"]["review"]).all()
    assert "mean_latency_s" in ran.final_text() and len(fake.chat_requests) == 6


def test_fail_fast_stops_at_the_first_failed_row_and_keeps_the_frame_so_far(shell, fake):
    fake.configure(answer=echo)
    fake.queue_error(400, times=1)
    shell.user_ns["df"] = reviews(10)
    ran = run(shell, f"%%openrouter --map df -m {MODEL} -o out --concurrency 1 --fail-fast\nClassify: {{review}}")
    out = shell.user_ns["out"]
    assert type(ran.error).__name__ == "UsageError" and "--fail-fast" in str(ran.error)
    assert list(out["_status"].astype(str)) == ["error"] + ["cancelled"] * 9
    assert len(fake.chat_requests) == 1


def test_cache_off_for_the_session_makes_a_map_send_every_row_again(shell, fake):
    fake.configure(answer=echo)
    shell.user_ns["df"] = reviews(3)
    cell = f"%%openrouter --map df -m {MODEL} -o out\nClassify: {{review}}"
    run(shell, cell)
    run(shell, "%openrouter cache off")
    run(shell, cell)
    assert len(fake.chat_requests) == 6 and (shell.user_ns["out"]["_status"] == "ok").all()


def test_the_progress_display_redraws_at_most_five_times_a_second_whatever_the_ticks():
    from openrouter_magic._render.progress import MapProgress
    from openrouter_magic._session.rowmap_stats import MapStats

    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    published: list[dict] = []

    class Publisher:
        def publish(self, data, metadata=None, transient=None, update=False):
            published.append({"data": data, "update": update, "id": (transient or {}).get("display_id")})

    shell = type("Shell", (), {"display_pub": Publisher()})()
    stats, clock = MapStats(1000, [MODEL]), Clock()
    progress = MapProgress(stats, kind="notebook", shell=shell, clock=clock)
    progress.start()
    for row in range(1000):  # 1,000 rows in 2 simulated seconds, a tick after each
        stats.row_done("ok", 0.001)
        clock.now += 0.002
        progress.tick()
    progress.finish(stats.summary())
    assert len(published) <= 2 * 5 + 2 and len({item["id"] for item in published}) == 1
    assert all(item["update"] for item in published[1:]) and not published[0]["update"]
    final = published[-1]["data"]
    assert "1000/1000 rows" in final["text/plain"] and "$1.00 spent" in final["text/plain"]
    assert "1000 rows in" in final["text/html"] and "mathjax_ignore" in final["text/html"]


def test_in_a_terminal_the_progress_is_one_line_rewritten_in_place_then_the_summary():
    import io

    from openrouter_magic._render.progress import MapProgress
    from openrouter_magic._session.rowmap_stats import MapStats

    stream, stats = io.StringIO(), MapStats(3, [MODEL])
    progress = MapProgress(stats, kind="terminal", stream=stream, clock=iter(range(100)).__next__)
    progress.start()
    for _ in range(3):
        stats.row_done("ok", 0.5)
        progress.tick()
    progress.finish(stats.summary())
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n") and text.count("\r") == 5
    assert "3/3 rows" in text.rsplit("\r", 1)[1] and "3 ok" in text and "$1.50" in text
