"""The dashboard and the archive: the move rules in the background, the archive screen (`H`):
search as you type, detail and preview, back into the session, a follow-up from it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import DataTable
from ui_fixtures import BASE_URL, START, make_app, make_env, row_ids, selected_id, settle

from mjtui.api.models import Button, Status, Task
from mjtui.archive import Archive, archive_path
from mjtui.session import TrackedTask, save_session
from mjtui.ui.screens.archive import ArchiveScreen
from mjtui.ui.screens.gallery import GalleryScreen

SIZE = (120, 40)


def finished(n: int, prompt: str, **changes: object) -> TrackedTask:
    task = Task(id=f"task_ARCH{n:016d}", status=Status.SUCCESS, progress=100, action="IMAGINE",
                prompt=prompt, buttons=(Button(f"MJ::JOB::upsample::1::h{n}", "U1"),))
    return TrackedTask(task=task, origin="imagine", added_at=START - 3600 + n, **changes)


def archived(*tasks: TrackedTask) -> None:
    with Archive(archive_path()) as archive:
        archive.put(tasks, "test", "/elsewhere/test.toml")


async def searched(pilot) -> None:
    """Wait for the archive screen's searches (not for the dialog worker waiting on it)."""
    await pilot.pause(0.2)  # past the typing debounce
    app = pilot.app
    searches = [w for w in app.workers if w.group == "archive-search"]
    if searches:  # an empty list would mean every worker
        await app.workers.wait_for_complete(searches)
    await pilot.pause()


async def open_archive(pilot) -> ArchiveScreen:
    """`H` on the dashboard, its first search done."""
    await pilot.press("H")
    await settle(pilot)
    await searched(pilot)
    assert isinstance(pilot.app.screen, ArchiveScreen)
    return pilot.app.screen


def results(screen: ArchiveScreen) -> list[str]:
    table = screen.query_one("#archive-results", DataTable)
    return [str(table.coordinate_to_cell_key((row, 0)).row_key.value)
            for row in range(table.row_count)]


async def test_the_dashboard_moves_the_excess_in_the_background(tmp_path: Path) -> None:
    env = make_env(tmp_path, session_max_tasks=10)
    session = env.session()
    for n in range(30):
        session.add(finished(n, f"job {n}"))
    running = TrackedTask(task=Task(id="task_RUNNING0000000000000", status=Status.IN_PROGRESS),
                          added_at=START - 7200)
    session.add(running)
    save_session(session)
    app = make_app(env, session)
    app.archive_moves = True
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.session) == 11 and running.id in app.session
        assert len(row_ids(app)) == 11
        assert "moved 20 finished tasks to the archive" in "".join(
            str(n.message) for n in app._notifications)
    assert len(env.session()) == 11
    with Archive(archive_path()) as archive:
        assert archive.count() == 20


async def test_search_as_you_type_and_bring_a_task_back(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    archived(finished(1, "a red fox in snow"), finished(2, "a lighthouse at dusk"),
             finished(3, "an old fox", label="foxy"))
    app = make_app(env, env.session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_archive(pilot)
        assert results(screen) == [finished(n, "").id for n in (3, 2, 1)]  # newest first
        await pilot.press("f", "o", "x")
        await searched(pilot)
        assert results(screen) == [finished(3, "").id, finished(1, "").id]
        await pilot.press("enter", "down")  # into the results, then the older fox
        assert screen.selected.id == finished(1, "").id
        await pilot.press("enter")  # back into the session, selected on the dashboard
        await settle(pilot)
        await pilot.pause()
        assert app.screen is app.dashboard
        assert selected_id(app) == finished(1, "").id
        assert app.session.get(finished(1, "").id).restored_at is not None
    with Archive(archive_path()) as archive:
        assert archive.get(finished(1, "").id) is None and archive.count() == 2


async def test_a_follow_up_on_an_archived_task_opens_its_buttons(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    archived(finished(1, "a red fox in snow", used_buttons=("MJ::JOB::upsample::1::h1",)))
    app = make_app(env, env.session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_archive(pilot)
        await pilot.press("tab", "x")  # from the search box to the results; x: the buttons
        await settle(pilot)
        await pilot.pause()
        assert type(app.screen).__name__ == "ActionsMenu"
        tracked = app.session.get(finished(1, "").id)
        assert tracked.used_buttons == ("MJ::JOB::upsample::1::h1",)  # the guard came back


async def test_the_archive_screen_is_safe_with_an_empty_or_broken_archive(tmp_path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, env.session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_archive(pilot)
        assert results(app.screen) == []
        await pilot.press("escape")
        archive_path().parent.mkdir(parents=True, exist_ok=True)
        archive_path().write_bytes(b"not a database" * 50)
        await open_archive(pilot)
        assert "not readable" in str(app.screen.query_one("#archive-title").render())
        await pilot.press("enter")  # nothing selected: a notice, no crash
        assert isinstance(app.screen, ArchiveScreen)


def with_picture(n: int, prompt: str) -> TrackedTask:
    tracked = finished(n, prompt)
    task = replace(tracked.task, grid_image_url=f"{BASE_URL}/fake-cdn/task_ARCH{n:016d}/grid.png")
    return replace(tracked, task=task)


async def test_the_gallery_pages_with_arrow_keys_and_opens_a_task(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    session = env.session()
    for n in range(14):  # more than one page of 12
        session.add(with_picture(n, f"picture {n}"))
    session.add(finished(99, "no picture"))
    app = make_app(env, session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = row_ids(app)[0]
        app.dashboard.table.select(first)
        await pilot.press("i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GalleryScreen)
        assert len(screen.tasks) == 14  # the task without a picture is left out
        assert screen.selected.id == first and screen.index == 0  # the table's order
        await pilot.press("right", "down")  # one along, one row down
        assert screen.index == 5
        await pilot.press("pagedown")  # the last page: the last picture
        assert screen.index == 13 and "page 2 of 2" in str(
            screen.query_one("#gallery-title").render())
        chosen = screen.selected.id
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.dashboard and selected_id(app) == chosen


async def test_the_archive_gallery_brings_a_task_back(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    archived(with_picture(1, "a red fox"), with_picture(2, "a lighthouse"))
    app = make_app(env, env.session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_archive(pilot)
        await pilot.press("tab", "i")
        await pilot.pause()
        assert isinstance(app.screen, GalleryScreen)
        await pilot.press("right", "enter")  # the older one, back into the session
        await settle(pilot)
        await pilot.pause()
        assert app.screen is app.dashboard
        assert selected_id(app) == with_picture(1, "").id
        assert with_picture(1, "").id in app.session
