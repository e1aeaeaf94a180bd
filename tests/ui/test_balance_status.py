"""The status line's balance and jobs started today (issue 13): one balance request a
minute at most, shared with the tracker's idle health check; read again after a submission;
-1 shown as unlimited."""

from __future__ import annotations

import math
from pathlib import Path

from ui_fixtures import SIZE, make_app, make_env, poll, settle, status_text, track

from mjtui.api.models import Balance
from mjtui.tracker.balance import BalanceWatch, balance_text
from mjtui.ui.dialogs.new_job import NewJobDialog

BALANCE = "/v1/balance"


def balance_requests(env: object) -> int:
    return len(env.fake.requests_for(BALANCE, "GET"))  # type: ignore[attr-defined]


async def test_the_idle_health_check_is_the_balance_reading(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)  # nothing to poll: the tracker's health check runs
        await settle(pilot)
        assert balance_requests(env) == 1
        assert app.balance_watch.last is not None
        assert "balance " in status_text(app)
        app.dashboard.new_jobs._balance_if_due()  # the dashboard's minute: just read, not again
        await settle(pilot)
        assert balance_requests(env) == 1


async def test_a_submission_reads_the_balance_again_and_counts_today(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        before = app.balance_watch.last
        assert before is not None and before.remaining is not None
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NewJobDialog)
        await pilot.press(*"a red fox", "ctrl+s")
        await settle(pilot)
        assert balance_requests(env) == 2
        after = app.balance_watch.last
        assert after is not None and after.remaining is not None
        assert after.remaining < before.remaining  # the fake charges a started job
        text = status_text(app)
        assert f"balance {after.remaining:.10g}" in text and "1 started today" in text


async def test_while_tasks_run_the_dashboard_reads_it_once_a_minute(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, track(env, env.create(queue_s=0, run_s=1000)))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        assert balance_requests(env) == 0  # a task to poll: no idle health check
        app.dashboard.new_jobs._balance_if_due()
        await settle(pilot)
        app.dashboard.new_jobs._balance_if_due()  # within the minute: nothing more
        await settle(pilot)
        assert balance_requests(env) == 1


def test_unlimited_and_minus_one_read_as_unlimited() -> None:
    assert balance_text(Balance(None, 2.0, unlimited=True)) == "balance unlimited"
    assert balance_text(Balance(-1.0, 2.0)) == "balance unlimited"
    assert balance_text(Balance(12.5, 2.0)) == "balance 12.5"
    assert balance_text(None) == ""
    watch = BalanceWatch(object(), clock=lambda: 100.0)  # type: ignore[arg-type]
    assert watch.due() and watch.read_at == -math.inf
