"""Issue 19, the parts a demanding user sees first: rows named by what made them, one status
vocabulary, the layout at 80/120/200 columns, the sort marker, list keys, small truths."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ui_fixtures import (
    cell,
    demo_session,
    detail_text,
    make_app,
    make_env,
    poll,
    row_ids,
    screen_text,
    selected_id,
    settle,
    table,
    track,
)

from mjtui.api.models import Status, Task
from mjtui.session import TrackedTask
from mjtui.vocabulary import STATUS_LABELS, action_name, display_name, origin_tag, status_label

PROMPT = "a red fox in snow"


def follow_up(origin: str, label: str = "") -> TrackedTask:
    return TrackedTask(task=Task(id="task_01KFOLLOWUP0000000001", prompt=PROMPT,
                                 action="UPSCALE", status=Status.SUCCESS),
                       parent_id="task_01KPARENT000000000001", origin=origin, label=label)


@pytest.mark.parametrize(("origin", "tag"), [
    ("U2", "U2"), ("V3", "V3"), ("zoom-2x", "Zoom 2x"), ("reroll", "Reroll"),
    ("pan-left", "Pan Left"), ("vary-subtle", "Vary (Subtle)"),
    ("MJ::Outpaint::50::1::abc", "Zoom 2x"), ("upscale", "Upscale"),
    ("imagine", ""), ("added", ""), ("", ""), ("[b]not a button[/b]", ""),
])
def test_a_follow_up_is_named_by_what_made_it(origin: str, tag: str) -> None:
    tracked = follow_up(origin)
    assert origin_tag(tracked) == tag
    assert display_name(tracked) == (f"{tag} · {PROMPT}" if tag else PROMPT)
    assert action_name(tracked) == (tag or "UPSCALE")


def test_a_label_the_user_set_still_wins() -> None:
    assert display_name(follow_up("U2", label="the keeper")) == "the keeper"


def test_one_vocabulary_for_every_status() -> None:
    assert set(STATUS_LABELS) == set(Status)
    assert status_label(Status.SUCCESS) == "DONE"
    assert status_label(Status.MODAL) == "NEEDS INPUT"
    assert status_label(Status.UNKNOWN) == "CHECKING"  # never fetched: not "…"


def test_the_vocabulary_needs_no_textual() -> None:
    code = "import sys, mjtui.vocabulary; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_plain_status_lines_align_and_speak_the_tables_words() -> None:
    from mjtui.cli.context import task_line

    short = Task(id="task_01KSHORT0000000000", status=Status.SUCCESS, progress=100,
                 action="IMAGINE", prompt="one")
    long = Task(id="task_01KLONGERIDTHANTHEOTHER0000", status=Status.IN_PROGRESS,
                progress=5, action="IMAGINE", prompt="two")
    width = max(len(short.id), len(long.id))
    lines = [task_line(t, id_width=width) for t in (short, long)]
    assert "DONE" in lines[0] and "RUNNING" in lines[1]
    assert "SUCCESS" not in lines[0] and "IN_PROGRESS" not in lines[1]
    assert lines[0].index("DONE") == lines[1].index("RUNNING")
    assert lines[0].index("one") == lines[1].index("two")
    tracked = TrackedTask(task=short, parent_id="task_01KPARENT000000000001", origin="U2")
    assert "U2" in task_line(short, tracked=tracked)


async def test_follow_ups_are_told_apart_in_the_table_and_detail(tmp_path) -> None:
    env = make_env(tmp_path)
    grid = env.create(PROMPT)
    session = track(env, grid)
    for n, origin in enumerate(("U2", "V3", "zoom-2x")):
        session.add(TrackedTask(task=Task(id=f"task_01KCHILD{n}0000000000000", prompt=PROMPT,
                                          status=Status.SUCCESS, action="UPSCALE"),
                                parent_id=grid, origin=origin, added_at=env.clock() + n))
    app = make_app(env, session)
    async with app.run_test(size=(120, 40)) as pilot:
        await poll(app, pilot)
        text = screen_text(app)
        for tag in ("U2 · a red fox", "V3 · a red fox", "Zoom 2x · a red fox"):
            assert tag in text
        app.dashboard.table.select(grid)
        await settle(pilot)
        detail = detail_text(app)
        assert "U2" in detail and "V3" in detail and "Zoom 2x" in detail
        assert "SUCCESS" not in detail and "DONE" in detail
        await pilot.press("L")  # the lineage tree names the children the same way
        await settle(pilot)
        tree = screen_text(app)
        for tag in ("U2 · a red fox", "V3 · a red fox", "Zoom 2x · a red fox"):
            assert tag in tree
        assert "SUCCESS" not in tree


async def test_a_never_fetched_task_says_so(tmp_path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, track(env, "task_01KNEVERFETCHED00000001"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        task_id = row_ids(app)[0]
        assert cell(app, task_id, "status") == "CHECKING"
        assert cell(app, task_id, "action") == ""  # not "added"
        assert cell(app, task_id, "progress") == "–"
        assert "1 task " in screen_text(app).splitlines()[0] + " "


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)])
async def test_layout_gives_the_prompt_the_room(tmp_path, size) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env), image_protocol="halfcell")
    async with app.run_test(size=size) as pilot:
        await poll(app, pilot)
        await pilot.pause(0.3)
        grid = table(app)
        name = next(c for c in grid.columns.values() if c.key.value == "name")
        assert name.width >= {80: 24, 120: 50, 200: 110}[size[0]]
        # Every row fits the table: no sideways scrolling.
        assert grid.virtual_size.width <= grid.scrollable_content_region.width
        lines = screen_text(app).splitlines()
        assert "9 tasks" in lines[0] and "1 failed" in lines[0]  # the counts are not cut
        # A few tasks: the table is no taller than its rows, the detail pane gets the rest.
        assert grid.size.height == grid.row_count + 1  # the header and the rows, no blank
        assert not grid.show_horizontal_scrollbar
        if size[0] >= 180:  # wide: more of each ID
            assert len(cell(app, row_ids(app)[0], "id")) > 9


async def test_id_suffixes_are_unique_in_the_session(tmp_path) -> None:
    env = make_env(tmp_path)
    a, b = "task_01KAAAAAAAA11112345678", "task_01KBBBBBBBB11112345678"
    app = make_app(env, track(env, a, b))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause()
        shown = {cell(app, t, "id") for t in (a, b)}
        assert len(shown) == 2 and all(len(s) >= 9 for s in shown)
        app.dashboard.table.select(a)
        await settle(pilot)
        assert a in detail_text(app).replace("\n", "").replace(" ", "")  # never cut


async def test_the_sorted_column_shows_its_direction(tmp_path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    async with app.run_test(size=(120, 40)) as pilot:
        await poll(app, pilot)
        assert "Age▼" in screen_text(app)
        await pilot.press("s")  # by status
        await settle(pilot)
        assert "Status▲" in screen_text(app) and "Age▼" not in screen_text(app)


async def test_list_keys_move_the_cursor(tmp_path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    async with app.run_test(size=(120, 40)) as pilot:
        await poll(app, pilot)
        ids = row_ids(app)
        app.dashboard.table.focus()
        for key, expected in (("G", ids[-1]), ("g", ids[0]), ("end", ids[-1]),
                              ("home", ids[0]), ("pagedown", ids[-1]), ("pageup", ids[0])):
            await pilot.press(key)
            await settle(pilot)
            assert selected_id(app) == expected, key


async def test_status_line_says_read_only(tmp_path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env), read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await poll(app, pilot)
        assert "read-only" in screen_text(app).splitlines()[0]



async def test_status_line_counts_stalled_tasks(tmp_path) -> None:
    """The line counts stalled tasks from the screen's row states (or as told by its caller).
    The dashboard redraws the line only when its own arguments change: until it passes the
    stalled count, a stall shows here on the next change of anything else."""
    from collections import Counter

    from mjtui.ui.widgets.status_line import StatusLine

    env = make_env(tmp_path)
    stalled = env.create("a glass whale --stall", queue_s=0, run_s=10)
    app = make_app(env, track(env, stalled))
    async with app.run_test(size=(80, 24)) as pilot:
        await poll(app, pilot)
        assert "stalled" not in screen_text(app).splitlines()[0]
        await poll(app, pilot, advance=60, times=4)
        assert "⚠" in cell(app, stalled, "status")
        line = app.dashboard.query_one("#status-line", StatusLine)
        line.show("test", Counter({Status.IN_PROGRESS: 1}), 1.0, app.dashboard.status_line.health, False)
        await pilot.pause()
        assert "1 stalled" in screen_text(app).splitlines()[0]
        line.show("test", Counter({Status.IN_PROGRESS: 3}), 1.0, app.dashboard.status_line.health, False,
                  stalled=2)
        await pilot.pause()
        assert "3 run 2 stalled" in screen_text(app).splitlines()[0]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_columns_never_touch_on_the_cursor_row(tmp_path, size) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    async with app.run_test(size=size) as pilot:
        await poll(app, pilot)
        lines = screen_text(app).splitlines()
        for task_id in row_ids(app):
            app.dashboard.table.select(task_id)
            await settle(pilot)
            lines = screen_text(app).splitlines()
            shown = cell(app, task_id, "id")
            row = next(line for line in lines if shown in line)
            after = row[row.index(shown) + len(shown):]
            assert after.startswith("  "), row  # ID, then the padding of two cells
            assert "% " in row and "%" not in row.replace("% ", "").replace("%)", ""), row


async def test_status_line_keeps_the_counts_at_80_columns(tmp_path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env), read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await poll(app, pilot)
        head = screen_text(app).splitlines()[0]
        assert "read-only" in head and "9 tasks" in head and "1 failed" in head
        assert "every" not in head  # the cadence gives way to the counts


async def test_age_counts_from_submission(tmp_path) -> None:
    env = make_env(tmp_path)
    old = env.fake.create_job(env.token, "IMAGINE", "an old fox", submitted_at=env.clock() - 3600,
                              queue_s=0, run_s=10).id
    app = make_app(env, track(env, old))  # tracked 100 s ago, submitted an hour ago
    async with app.run_test(size=(120, 40)) as pilot:
        await poll(app, pilot)
        assert cell(app, old, "age") == "1h"
