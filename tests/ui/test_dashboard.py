"""Pilot tests of the live dashboard: startup, live updates, toasts, end states, outages,
hostile text, small terminals and persistence across runs (issue 3).

Every test runs the real app on an in-process fake apimart whose clock, and the tracker's,
is a FakeClock; polls are driven with `poll()` so nothing depends on wall time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.text import Text
from textual.widgets import Footer, Input
from ui_fixtures import (
    HOSTILE,
    HOSTILE_SHOWN,
    SIZE,
    Env,
    badge,
    cell,
    demo_session,
    detail_text,
    make_app,
    make_env,
    poll,
    row_ids,
    screen_text,
    select,
    selected_id,
    settle,
    status_text,
    toast_text,
    toasts,
    track,
)

from mjtui.api.models import Status, Task
from mjtui.fake import Fault
from mjtui.session import load_session
from mjtui.ui.app import MjtuiApp
from mjtui.ui.format import short_id


def assert_inert(app: MjtuiApp) -> None:
    """Hostile text is on screen literally, and none of it became a link, click or escape."""
    text = screen_text(app)
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if segment.style is not None:
                assert not segment.style.link
                assert "@click" not in (segment.style.meta or {})


class NetworkSwitch:
    """An ASGI wrapper around the fake: while `down`, every request fails to connect."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.down = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.down and scope["type"] == "http":
            raise httpx.ConnectError("[Errno 101] Network is unreachable")
        await self.app(scope, receive, send)


def with_network_switch(app: MjtuiApp, env: Env) -> NetworkSwitch:
    switch = NetworkSwitch(env.fake)
    app.backend.client.http._transport = httpx.ASGITransport(app=switch)
    return switch


# -- startup and live updates -------------------------------------------------------------


async def test_rows_update_after_a_poll_and_the_cursor_stays(tmp_path: Path) -> None:
    env = make_env(tmp_path, queue_seconds=2, run_seconds=10)
    ids = [env.create(f"prompt {n}", queue_s=2 + 2 * n, run_s=10) for n in range(4)]
    app = make_app(env, track(env, *ids))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [badge(app, i) for i in ids] == ["CHECKING"] * 4
        select(app, ids[2])
        await poll(app, pilot)
        assert [badge(app, i) for i in ids] == ["SUBMITTED"] * 4
        assert selected_id(app) == ids[2]

        await poll(app, pilot, advance=6)
        statuses = [badge(app, i) for i in ids]
        assert statuses == ["RUNNING", "RUNNING", "RUNNING", "SUBMITTED"]
        assert "40%" in cell(app, ids[0], "progress")
        assert selected_id(app) == ids[2]
        assert "RUNNING" in detail_text(app).splitlines()[1]

        # Re-sorting by progress moves rows; the cursor stays on the same task.
        await pilot.press("s", "s")
        assert app.dashboard.table.current_sort == "progress"
        assert row_ids(app) == [ids[0], ids[1], ids[3], ids[2]]  # ties: newest first
        assert selected_id(app) == ids[2]
        assert app.dashboard.table.cursor_row == 3
        await pilot.press("s", "s")  # name: "prompt 0" < ...; back to a stable order
        await pilot.press("s")  # added
        await poll(app, pilot, advance=20)
        assert [badge(app, i) for i in ids] == ["DONE"] * 4
        assert selected_id(app) == ids[2]


async def test_an_update_redraws_its_own_row_only(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    moving = env.create("moving along", queue_s=0, run_s=100)
    still = env.create("standing still", queue_s=0, run_s=1000)
    app = make_app(env, track(env, moving, still))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot, advance=10)
        grid = app.dashboard.table
        before = screen_text(app)
        assert "10%" in before and " 1%" in before
        still_row = next(key for key in grid._row_render_cache.keys()  # noqa: SIM118 (no __iter__)
                         if key[0].value == still)
        table_wide = grid._update_count
        await poll(app, pilot, advance=20)
        # The moving task's row shows its new progress; the other row was left alone.
        shown = screen_text(app)
        assert "30%" in shown and "10%" not in shown
        assert grid._update_count == table_wide  # no table-wide invalidation
        assert still_row in grid._row_render_cache
        # The same for a row away from the cursor (its lines are cached by row, not place).
        select(app, still)
        await settle(pilot)
        await poll(app, pilot, advance=20)
        assert "50%" in screen_text(app) and "30%" not in screen_text(app)
        assert grid._update_count == table_wide


def running_jobs(tmp_path: Path, count: int) -> tuple[Env, list[str], MjtuiApp]:
    """An app tracking `count` jobs that run for long after the test ends."""
    env = make_env(tmp_path)
    ids = [env.create(f"job {n}", queue_s=0, run_s=1000) for n in range(count)]
    return env, ids, make_app(env, track(env, *ids))


async def test_an_age_tick_on_every_row_rebuilds_only_the_age_cells(tmp_path: Path) -> None:
    env, ids, app = running_jobs(tmp_path, 8)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot, advance=5)
        grid = app.dashboard.table
        table_wide = grid._update_count
        names = [key for key in grid._cell_render_cache.keys()  # noqa: SIM118 (no __iter__)
                 if key[1].value == "name"]
        assert len(names) >= len(ids)
        shown = [cell(app, i, "updated") for i in ids]
        env.clock.advance(60)
        app.dashboard._refresh_ages()  # every row's "Upd" and "Age" change at once
        await settle(pilot)
        assert [cell(app, i, "updated") for i in ids] != shown
        assert all(cell(app, i, "updated") == "1m" for i in ids)
        assert grid._update_count == table_wide  # no table-wide invalidation
        assert all(key in grid._cell_render_cache for key in names)  # names not re-rendered
        assert screen_text(app).count(" 1m ") >= len(ids)


def row_backgrounds(app: MjtuiApp, task_id: str) -> set[str]:
    """The background colours under the text of a task's row, as drawn."""
    grid = app.dashboard.table
    strip = grid.render_line(grid.get_row_index(task_id) + 1 - int(grid.scroll_y))  # 1: header
    assert short_id(task_id, 9) in strip.text
    return {str(s.style.bgcolor) for s in strip if s.style is not None and s.text.strip()}


async def test_status_and_progress_cells_lie_on_the_row_background(tmp_path: Path) -> None:
    # The status colours used to carry the table's own background: on the cursor bar and
    # on zebra stripes the Status and Progress cells showed as grey patches.
    _env, ids, app = running_jobs(tmp_path, 4)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot, advance=5)
        select(app, ids[1])
        await settle(pilot)
        grid = app.dashboard.table
        cursor, plain, zebra = (grid.get_row_index(i) for i in ids[1:])
        assert [cursor, plain % 2, zebra % 2] == [1, 0, 1]
        for task_id in ids:
            assert len(row_backgrounds(app, task_id)) == 1, task_id
        assert row_backgrounds(app, ids[1]) != row_backgrounds(app, ids[2])  # the cursor bar
        assert row_backgrounds(app, ids[3]) != row_backgrounds(app, ids[2])  # a stripe


async def test_a_focus_change_keeps_the_rows_and_a_theme_change_recolours_them(
        tmp_path: Path) -> None:
    _env, ids, app = running_jobs(tmp_path, 8)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot, advance=5)
        grid = app.dashboard.table

        def statuses() -> list[Text]:
            return [grid.get_cell(i, "status") for i in ids]

        before = statuses()
        # Focus tints the table's background, not the cells: the next age tick (every
        # 10 s) must not re-render every row, which with 1,000 rows stalled the UI.
        await pilot.press("tab")
        await settle(pilot)
        assert not grid.has_focus
        app.dashboard._refresh_ages()
        assert all(a is b for a, b in zip(statuses(), before, strict=True))
        # A theme brings other status colours: the next tick repaints every row with them.
        colour = before[0].style.color
        app.theme = "nord"
        await settle(pilot)
        app.dashboard._refresh_ages()
        assert all(cell.style.color != colour for cell in statuses())


async def test_rows_re_sort_when_updates_change_the_sort_key(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    slow = env.create("slow one", queue_s=0, run_s=100)
    fast = env.create("fast one", queue_s=0, run_s=10)
    app = make_app(env, track(env, slow, fast))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot, advance=1)
        await pilot.press("s", "s")  # progress: most advanced first
        assert app.dashboard.table.current_sort == "progress"
        assert row_ids(app) == [fast, slow]
        select(app, slow)
        # The slow job overtakes nothing, but a new job finishing changes the order.
        env.clock.advance(5)
        await poll(app, pilot, advance=0)
        assert row_ids(app)[0] == fast
        late = env.create("late", queue_s=0, run_s=1)
        app.dashboard.tasks.track_new(Task(id=late), origin="added")
        await poll(app, pilot, advance=2)
        await pilot.pause(0.6)  # re-sorts are batched
        assert badge(app, late) == "DONE"
        assert row_ids(app)[0] in (late, fast)  # 100% rows first, not the new one last
        assert row_ids(app)[-1] == slow
        assert selected_id(app) == slow


async def test_finished_task_raises_a_toast_and_the_bell(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    env = make_env(tmp_path)
    first, second = env.create("a lighthouse", run_s=5), env.create("a harbour", run_s=5)
    app = make_app(env, track(env, first, second, labels={second: "harbour"}))
    bells: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await poll(app, pilot, advance=3)
        assert not bells and not [t for t in toasts(app) if t[0] == "Finished"]
        await poll(app, pilot, advance=6)
        finished = [t for t in toasts(app) if t[0] == "Finished"]
        assert [m for _, m, _ in finished] == ["a lighthouse", "harbour"]
        assert len(bells) == 2

        # b turns the bell off: the toast still comes, the bell does not.
        await pilot.press("b")
        assert "bell off" in toast_text(app)
        # a task added by ID that ends on its very first poll is named by its prompt
        third = env.create("a pier", queue_s=0, run_s=1)
        app.dashboard.tasks.track_new(Task(id=third), origin="added")
        await poll(app, pilot, advance=2)
        assert toasts(app)[-1][:2] == ("Finished", "a pier")
        assert cell(app, third, "name").strip() == "a pier"
        assert len(bells) == 2


async def test_failed_and_stalled_tasks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = make_env(tmp_path)
    failed = env.create("a boxer --fail bruised", queue_s=0, run_s=10)
    stalled = env.create("a glass whale --stall", queue_s=0, run_s=10)
    app = make_app(env, track(env, failed, stalled), bell=False)  # bell off in the config
    bells: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await poll(app, pilot, advance=9)
        title, message, severity = toasts(app)[-1]
        assert (title, severity) == ("Failed", "warning")
        assert message == "a boxer --fail bruised\nBanned prompt detected: bruised"
        assert bells == []
        assert badge(app, failed) == "FAILED"
        assert "Reason    Banned prompt detected: bruised" in detail_text(app)
        polls = len(env.polls(failed))
        await poll(app, pilot, advance=60, times=4)
        assert len(env.polls(failed)) == polls  # final: no longer polled
        assert "⚠" in cell(app, stalled, "status") and "85%" in cell(app, stalled, "progress")
        select(app, stalled)
        await pilot.pause()
        assert "stalled" in detail_text(app)


# -- end states, outages ------------------------------------------------------------------


async def test_expired_and_forbidden_tasks_are_marked_and_no_longer_polled(
        tmp_path: Path) -> None:
    env = make_env(tmp_path)
    gone = "task_01KDOESNOTEXIST0000000000"
    theirs = env.fake.create_job("sk-someone-else", "IMAGINE", "not yours").id
    old = env.create("an old grid", queue_s=0, run_s=5)
    app = make_app(env, track(env, gone, theirs, old))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot, advance=6)
        assert badge(app, gone) == "EXPIRED" and badge(app, theirs) == "FORBIDDEN"
        # Their first answers at start: said in one summary (issue 19), not a toast each.
        assert "1 finished · 1 expired · 1 not ours" in toast_text(app)
        select(app, theirs)
        await pilot.pause()
        assert "FORBIDDEN" in detail_text(app)
        assert "1 expired" in status_text(app) and "1 forbidden" in status_text(app)
        app.save()
        saved = load_session(env.session_path)
        assert saved.tasks[gone].task.status is Status.EXPIRED
        assert saved.tasks[theirs].task.status is Status.FORBIDDEN

        assert badge(app, old) == "DONE"
        urls = app.session.tasks[old].task.image_urls
        assert len(urls) == 4
        env.clock.advance(4 * 24 * 3600)  # the API forgets tasks after 3 days
        await pilot.press("R")
        await poll(app, pilot)
        assert badge(app, old) == "EXPIRED"
        kept = app.session.tasks[old].task
        assert kept.image_urls == urls and kept.prompt == "an old grid" and kept.buttons
        select(app, old)
        await pilot.pause()
        text = detail_text(app)
        assert "EXPIRED" in text and "an old grid" in text and "U1 · U2" in text

        before = len(env.polls())
        await poll(app, pilot, advance=30, times=3)
        assert len(env.polls()) == before
    saved = load_session(env.session_path)
    assert saved.tasks[old].task.status is Status.EXPIRED
    assert saved.tasks[old].task.image_urls == urls


async def test_network_down_shows_offline_and_recovers(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    ids = [env.create(f"job {n}", queue_s=0, run_s=900) for n in range(3)]
    app = make_app(env, track(env, *ids))
    switch = with_network_switch(app, env)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        assert "API ok" in status_text(app)
        switch.down = True
        await poll(app, pilot, advance=2)
        assert "offline" in status_text(app)
        assert "⚡" in cell(app, ids[0], "status")
        assert "cannot reach" in detail_text(app)
        await pilot.press("p", "p")  # pausing and resuming does not crash an offline app
        switch.down = False
        await poll(app, pilot, advance=30, times=4)
        assert "API ok" in status_text(app)
        assert "offline" not in status_text(app)
        assert "⚡" not in cell(app, ids[0], "status")

        # a 429 pauses everyone, and the status line says for how long
        env.fake.faults.add(Fault("rate_limit", retry_after=30, times=3,
                                  path_prefix="/v1/midjourney/task_"))
        await poll(app, pilot, advance=30)
        assert "rate limited, retry in" in status_text(app)
        await poll(app, pilot, advance=40, times=2)
        assert "API ok" in status_text(app)

        # a server outage (502 pages) backs off the same way, and recovers
        env.fake.faults.add(Fault("status", status=502, path_prefix="/v1/midjourney/task_"))
        await poll(app, pilot, advance=30)
        assert "API ok" not in status_text(app) and "backing off" in status_text(app)
        assert "HTTP 502" in detail_text(app) or "502" in detail_text(app)
        env.fake.faults.clear()
        await poll(app, pilot, advance=30, times=4)
        assert "API ok" in status_text(app)
        assert badge(app, ids[0]) == "RUNNING"
        assert app.is_running


async def test_offline_since_is_measured_on_one_clock(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    ids = [env.create(f"job {n}", queue_s=0, run_s=60) for n in range(3)]
    # As the launcher builds it: wall-clock app, the app's own tracker (no test clock).
    app = MjtuiApp(env.settings, track(env, *ids), env.backend(), image_protocol="none",
                   start_polling=False)
    switch = with_network_switch(app, env)
    switch.down = True
    async with app.run_test(size=SIZE) as pilot:
        await app.tracker.poll_due()
        await settle(pilot)
        line = status_text(app)
        assert "offline" in line
        assert re.search(r"offline since \d+s", line), line


# -- hostile text -------------------------------------------------------------------------


async def test_hostile_prompt_and_label_show_literally_everywhere(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    task = env.create(HOSTILE, queue_s=0, run_s=2)
    labelled = env.create("plain prompt", queue_s=0, run_s=2)
    app = make_app(env, track(env, task, labelled, labels={labelled: HOSTILE}))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await poll(app, pilot, advance=3)
        assert app.is_running
        for task_id in (task, labelled):
            select(app, task_id)
            await pilot.pause()
            name = cell(app, task_id, "name")
            assert name.startswith("[@click=app.quit]x[/]")
            assert "\\x1b[31m" in name and "\x1b" not in name
            detail = detail_text(app)
            for fragment in HOSTILE_SHOWN:
                assert fragment in detail
            assert "\x1b" not in detail and "\u202e" not in detail
            assert_inert(app)
        finished = [m for t, m, _ in toasts(app) if t == "Finished"]
        assert len(finished) == 2
        for message in finished:
            assert message.startswith("[@click=app.quit]x[/]")
            assert "\x1b" not in message and "\u202e" not in message and "\x07" not in message
        # Clicking on the row does not run the markup's action.
        await pilot.click("#tasks", offset=(8, 2))
        await pilot.pause()
        assert app.is_running and app.return_code is None


# -- layout -------------------------------------------------------------------------------


async def test_80x24_terminal_and_resizing(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env), image_protocol="halfcell")
    async with app.run_test(size=(80, 24)) as pilot:
        await poll(app, pilot)
        dashboard = app.dashboard

        def visible(selector: str) -> bool:
            region = dashboard.query_one(selector).region
            return region.width > 0 and region.height > 0 and region.bottom <= app.size.height

        for selector in ("#status-line", "#tasks", "#detail", Footer):
            assert visible(selector), selector
        text = screen_text(app)
        assert "finished" in text and "DONE" in text
        footer = text.splitlines()[-1]
        assert "? Help" in footer and "q Quit" in footer and "a Add" in footer
        assert " test " in text.splitlines()[0] and "finished grid" in detail_text(app)
        header = text.splitlines()[1]
        for title in ("ID", "Status", "%", "Age"):  # every column fits (Upd from 110 columns)
            assert title in header
        assert "100%" in text
        for size in ((60, 18), (200, 60), (80, 24)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            assert app.size == size
            assert visible("#tasks") and visible(Footer)
        await pilot.press("down", "down")
        assert selected_id(app) == env.demo[2].id
        assert app.is_running


async def test_80_columns_status_line_still_shows_api_health(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    switch = with_network_switch(app, env)
    async with app.run_test(size=(80, 24)) as pilot:
        await poll(app, pilot)
        switch.down = True
        app.tracker.refresh()
        await poll(app, pilot)
        assert "offline" in status_text(app)
        await pilot.pause()
        assert "offline" in screen_text(app).splitlines()[0]


# -- persistence --------------------------------------------------------------------------


async def test_quit_saves_everything_and_reopening_shows_it_before_any_poll(
        tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    running = env.job("running (~40%)")
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        app.theme = "nord"
        await pilot.pause(1.2)  # the debounced save, without quitting
        await settle(pilot)
        saved = load_session(env.session_path)
        assert saved.tasks[env.job("finished grid")].task.status is Status.SUCCESS
        assert saved.view.theme == "nord"

        await pilot.press("s")  # sort: status
        await pilot.press("slash", "i")
        app.dashboard.query_one("#filter", Input).value = "imagine"
        await pilot.press("enter")
        select(app, running)
        await pilot.pause()
        shown = row_ids(app)
        assert running in shown and env.job("U2 of the lighthouse grid") not in shown
        await pilot.press("q")
    assert app.return_code == 0
    saved = load_session(env.session_path)
    assert list(saved.tasks) == [job.id for job in env.demo]
    assert saved.tasks[running].task.status is Status.IN_PROGRESS
    assert saved.tasks[running].label == "running (~40%)"
    assert saved.view.sort == "status" and saved.view.filter == "imagine"
    assert saved.view.selected == running
    requests_before = len(env.polls())

    again = make_app(env, saved)  # start_polling=False: nothing is asked of the API
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.dashboard.table.current_sort == "status"
        assert again.dashboard.query_one("#filter", Input).value == "imagine"
        assert row_ids(again) == shown
        assert selected_id(again) == running
        assert "RUNNING" in detail_text(again)
        assert badge(again, env.job("finished grid")) == "DONE"
        assert badge(again, env.job("failed: banned prompt")) == "FAILED"
        assert badge(again, running) == "RUNNING"
        assert "40%" in cell(again, running, "progress")
        text = screen_text(again)
        assert "finished grid" in text and "DONE" in text and "FAILED" in text
        assert "4 done" in status_text(again) and "1 failed" in status_text(again)
        assert "1 input" in status_text(again)
        assert again.theme == "nord"
        assert len(env.polls()) == requests_before  # all of it came from the file
