"""Pilot tests for the follow-up keys (issue 5): the exact request the fake received, the new
tracked task with its parent, and every billing guard (greyed keys, read-only, submit once,
used-button confirmation, bulk confirmation, failures keep what was typed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from textual import events
from textual.widgets import Input, Select, Tree
from ui_fixtures import (
    GEN,
    SIZE,
    Env,
    _plain,
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
    toasts,
    track,
)

from mjtui.api.models import Button, Status, Task
from mjtui.fake import Fault
from mjtui.session import TrackedTask, load_session
from mjtui.ui.app import MjtuiApp
from mjtui.ui.dialogs.actions_menu import ActionsMenu
from mjtui.ui.dialogs.confirm import ConfirmDialog
from mjtui.ui.dialogs.imagine import ImagineDialog, PromptArea
from mjtui.ui.dialogs.modal_input import ModalInputDialog
from mjtui.ui.screens.lineage import LineageScreen

JOB_KEYS = ("u", "v", "r", "x", "m")


def buttons_of(env: Env, task_id: str) -> dict[str, str]:
    """label/emoji -> customId of a finished fake job's buttons."""
    from mjtui.fake.jobs import buttons_for

    return {b["label"] or b["emoji"]: b["customId"] for b in buttons_for(env.fake.job(task_id))}


async def finished_grids(env: Env, app: MjtuiApp, pilot: Any) -> None:
    await poll(app, pilot)
    await poll(app, pilot, advance=5)


def grids_env(tmp_path: Path, count: int = 1, **settings: Any) -> tuple[Env, list[str]]:
    env = make_env(tmp_path, **settings)
    return env, [env.create(f"grid {n}", queue_s=0, run_s=2) for n in range(count)]


def enabled(app: MjtuiApp, action: str, *params: object) -> bool | None:
    return app.dashboard.check_action(action, params)


def footer_key_disabled(app: MjtuiApp, key: str) -> bool:
    """True when the footer shows `key` greyed out."""
    from textual.widgets._footer import FooterKey

    for footer_key in app.screen.query(FooterKey):
        if footer_key.key == key:
            return footer_key.has_class("-disabled")
    raise AssertionError(f"{key} is not in the footer")


# -- U/V/reroll ----------------------------------------------------------------------------


async def test_the_prefix_shows_in_the_status_line_at_once(tmp_path: Path) -> None:
    """The status line redraws when what it shows changes, not at its next tick (0.5 s)."""
    env, (grid,) = grids_env(tmp_path)
    app = make_app(env, track(env, grid))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        await pilot.press("u")
        await pilot.pause()
        assert "U… press 1-4" in status_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "press 1-4" not in status_text(app)


async def test_u_then_3_upscales_that_tile_and_tracks_the_new_task(tmp_path: Path) -> None:
    env, (grid,) = grids_env(tmp_path)
    app = make_app(env, track(env, grid))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        assert enabled(app, "tile", 1) is False  # digits do nothing without a prefix
        await pilot.press("u", "escape", "1")  # escape cancels a pending prefix
        await settle(pilot)
        assert app.dashboard.follow_ups.pending_prefix == "" and env.posts() == []

        await pilot.press("u")
        await settle(pilot)
        assert "U… press 1-4" in screen_text(app)
        assert enabled(app, "tile", 3) is True
        await pilot.press("3")
        await settle(pilot)

        posts = env.posts()
        assert [r.path for r in posts] == [f"{GEN}/upscale"]
        assert posts[0].json_body == {"task_id": grid, "custom_id": buttons_of(env, grid)["U3"]}
        new = env.fake.job(list(env.fake.store.jobs)[-1])
        assert new.parent_id == grid
        assert row_ids(app) == [grid, new.id]
        tracked = app.session.tasks[new.id]
        assert tracked.parent_id == grid and tracked.origin == "U3"
        assert ("Submitted", f"Upscale 3 started {new.id}") in [t[:2] for t in toasts(app)]
        assert buttons_of(env, grid)["U3"] in app.session.tasks[grid].used_buttons

        # the parent's detail lists the child; the child's names its parent
        assert selected_id(app) == grid
        children = detail_text(app).split("Children", 1)[1]
        assert new.id[-13:] in children and "U3" in children
        await poll(app, pilot, advance=1)
        assert badge(app, new.id) == "DONE"
        select(app, new.id)
        await pilot.pause()
        assert f"Parent    …{grid[-13:]}  grid 0" in detail_text(app)
        assert "Made by   U3" in detail_text(app)
        app.save()
    saved = load_session(env.session_path)
    assert saved.tasks[new.id].parent_id == grid and saved.tasks[new.id].origin == "U3"
    assert buttons_of(env, grid)["U3"] in saved.tasks[grid].used_buttons


async def test_v_then_2_and_r_send_their_buttons_and_a_repeat_asks_first(tmp_path: Path) -> None:
    env, (grid,) = grids_env(tmp_path)
    app = make_app(env, track(env, grid))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        await pilot.press("v", "2")
        await settle(pilot)
        select(app, grid)
        await pilot.press("r")
        await settle(pilot)
        ids = buttons_of(env, grid)
        assert [(r.path, r.json_body) for r in env.posts()] == [
            (f"{GEN}/variation", {"task_id": grid, "custom_id": ids["V2"]}),
            (f"{GEN}/reroll", {"task_id": grid, "custom_id": ids["🔄"]}),
        ]
        children = app.session.children_of(grid)
        assert [c.origin for c in children] == ["V2", "reroll"]
        assert len(row_ids(app)) == 3
        await poll(app, pilot)
        assert all(badge(app, c.id) == "SUBMITTED" for c in children)

        # V2 again: it was used, so it asks first; yes starts another billed job
        select(app, grid)
        await pilot.press("v", "2")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        body = _plain(app.screen.query_one("#body").content)
        assert "Variation 2 was already used" in body
        await pilot.press("y")
        await settle(pilot)
        assert [r.json_body["custom_id"] for r in env.posts("variation")] == [ids["V2"]] * 2
        assert len(app.session.children_of(grid)) == 3


# -- greyed keys, read-only ---------------------------------------------------------------


async def test_job_keys_are_greyed_on_a_running_task_and_send_nothing(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    running = env.create("still running", queue_s=0, run_s=100)
    session = track(env, running)
    # A task at 100 % that is not SUCCESS yet may list buttons already: not pressable.
    raw = {"U1": "MJ::JOB::upsample::1::abc", "🔄": "MJ::JOB::reroll::0::abc::SOLO"}
    almost = Task(id="task_01KALMOST00000000000000", status=Status.IN_PROGRESS, progress=100,
                  prompt="nearly", buttons=tuple(Button(cid, label) for label, cid in raw.items()))
    session.add(TrackedTask(task=almost, origin="added", added_at=env.clock() - 200))
    app = make_app(env, session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select(app, almost.id)
        assert enabled(app, "prefix", "u") is None and enabled(app, "reroll") is None
        await pilot.press("u", "1", "r")
        await settle(pilot)
        assert env.posts() == []
        select(app, running)
        await poll(app, pilot, advance=5)
        assert badge(app, running) == "RUNNING"
        for action, params in (("prefix", ("u",)), ("prefix", ("v",)), ("reroll", ()),
                               ("actions_menu", ()), ("modal", ())):
            assert enabled(app, action, *params) is None, action
        for key in JOB_KEYS:
            assert footer_key_disabled(app, key), key
        assert not footer_key_disabled(app, "a") and not footer_key_disabled(app, "n")
        for key in JOB_KEYS:
            await pilot.press(key, "1")
        await settle(pilot)
        assert app.screen is app.dashboard and env.posts() == []


async def test_read_only_mode_disables_every_action(tmp_path: Path) -> None:
    env, (grid,) = grids_env(tmp_path, read_only=True)
    app = make_app(env, track(env, grid))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        assert badge(app, grid) == "DONE"
        for action, params in (("prefix", ("u",)), ("reroll", ()), ("actions_menu", ()),
                               ("modal", ()), ("new_imagine", ())):
            assert enabled(app, action, *params) is None, action
        for key in (*JOB_KEYS, "n"):
            assert footer_key_disabled(app, key), key
        for key in (*JOB_KEYS, "n"):
            await pilot.press(key, "1")
        await settle(pilot)
        assert app.screen is app.dashboard and env.posts() == []
        # the rest of the dashboard still works
        await pilot.press("s")
        assert toasts(app)[-1][1] == "sorted by status"


async def test_footer_follows_the_selected_task(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    running = env.create("still running", queue_s=0, run_s=100)
    grid = env.create("a grid", queue_s=0, run_s=2)
    app = make_app(env, track(env, running, grid))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await pilot.press("down")  # onto the grid, still running
        await settle(pilot)
        assert selected_id(app) == grid and footer_key_disabled(app, "u")
        await poll(app, pilot, advance=5)  # the selected grid finishes
        assert badge(app, grid) == "DONE" and enabled(app, "prefix", "u") is True
        assert not footer_key_disabled(app, "u") and not footer_key_disabled(app, "x")
        assert footer_key_disabled(app, "m")
        await pilot.press("up")  # onto the running task
        await settle(pilot)
        assert enabled(app, "prefix", "u") is None
        assert footer_key_disabled(app, "u") and footer_key_disabled(app, "x")


# -- billing guards -----------------------------------------------------------------------


async def test_double_press_submits_once_and_the_repeat_asks_first(tmp_path: Path) -> None:
    env, (grid,) = grids_env(tmp_path)
    app = make_app(env, track(env, grid))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        await pilot.press("u", "1", "u", "1")
        await pilot.pause()
        if not isinstance(app.screen, ConfirmDialog):
            await settle(pilot)
        assert len(env.posts()) == 1
        assert isinstance(app.screen, ConfirmDialog)
        assert "already used" in _plain(app.screen.query_one("#body").content)
        await pilot.press("n")
        await settle(pilot)
        assert len(env.posts()) == 1 and len(row_ids(app)) == 2
        assert app.screen is app.dashboard


async def test_a_failed_post_shows_the_error_and_tracks_nothing(tmp_path: Path) -> None:
    env, (grid,) = grids_env(tmp_path)
    app = make_app(env, track(env, grid))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        env.fake.faults.add(Fault("status", status=400, path_prefix=f"{GEN}/upscale", times=1,
                                  body={"code": 4, "description": "button expired, try again"}))
        await pilot.press("u", "2")
        await settle(pilot)
        assert len(env.posts("upscale")) == 1
        title, message, severity = toasts(app)[-1]
        assert (title, severity) == ("Not submitted", "error")
        assert "Upscale 2 failed: button expired, try again" in message
        assert "Problem   Upscale 2 failed: button expired, try again" in detail_text(app)
        assert "⚡" in cell(app, grid, "status")
        assert row_ids(app) == [grid] and app.session.children_of(grid) == []
        assert app.session.tasks[grid].used_buttons == ()
        # not retried by itself; pressing again works and asks nothing (it was never used)
        await poll(app, pilot, advance=10)
        assert len(env.posts("upscale")) == 1
        await pilot.press("u", "2")
        await settle(pilot)
        assert len(env.posts("upscale")) == 2 and len(row_ids(app)) == 2


class BrokenAfterSending:
    """The request reaches the fake (the job IS created), then the connection breaks."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            async def drop(message: dict[str, Any]) -> None:
                pass

            await self.app(scope, receive, drop)
            raise httpx.ReadTimeout("timed out waiting for the answer")
        await self.app(scope, receive, send)


async def test_a_post_without_answer_says_outcome_unknown_and_is_not_retried(
        tmp_path: Path) -> None:
    env, (grid,) = grids_env(tmp_path)
    app = make_app(env, track(env, grid))
    app.backend.client.http._transport = httpx.ASGITransport(app=BrokenAfterSending(env.fake))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        await pilot.press("u", "1")
        await settle(pilot)
        assert "outcome unknown, check before retrying" in toasts(app)[-1][1]
        assert "outcome unknown" in detail_text(app)
        await poll(app, pilot, advance=10, times=3)
        assert len(env.posts()) == 1  # never resent by itself
        assert row_ids(app) == [grid]


async def test_pressing_again_after_an_unknown_outcome_asks_first(tmp_path: Path) -> None:
    env, (grid,) = grids_env(tmp_path)
    app = make_app(env, track(env, grid))
    app.backend.client.http._transport = httpx.ASGITransport(app=BrokenAfterSending(env.fake))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        await pilot.press("u", "1")
        await settle(pilot)
        await pilot.press("u", "1")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert len(env.posts()) == 1


# -- actions menu -------------------------------------------------------------------------


async def test_actions_menu_lists_buttons_and_its_hotkey_submits(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    single = env.job("U2 of the lighthouse grid")
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        select(app, env.job("finished grid"))
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ActionsMenu)
        text = screen_text(app)
        for row in ("1  Upscale 1", "4  Upscale 4", "r  Reroll", "5  Variation 1",
                    "8  Variation 4"):
            assert row in text, row
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard and env.posts() == []

        select(app, single)
        await pilot.press("x")
        await pilot.pause()
        text = screen_text(app)
        for name in ("Upscale (Subtle)", "Upscale (Creative)", "Vary (Subtle)",
                     "Vary (Strong)", "Vary (Region)", "Zoom Out 2x", "Zoom Out 1.5x",
                     "Custom Zoom", "Pan Left", "Pan Right", "Pan Up", "Pan Down",
                     "Animate (Low motion)", "Animate (High motion)"):
            assert name in text, name
        await pilot.press("Z")  # Zoom Out 2x
        await settle(pilot)
        zoom_2x = next(cid for label, cid in buttons_of(env, single).items()
                       if "Outpaint::50" in cid)
        assert [(r.path, r.json_body) for r in env.posts()] == [
            (f"{GEN}/zoom", {"task_id": single, "custom_id": zoom_2x})]
        child = app.session.children_of(single)[-1]
        assert child.origin == "zoom-2x" and child.parent_id == single

        await pilot.press("x")
        await pilot.pause()
        assert "✓ used" in screen_text(app)
        await pilot.press("h")  # Pan Left
        await settle(pilot)
        assert env.posts()[-1].path == f"{GEN}/pan"
        assert "pan_left" in env.posts()[-1].json_body["custom_id"]


# -- MODAL --------------------------------------------------------------------------------


async def test_modal_dialog_answers_and_the_same_task_keeps_being_tracked(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    modal = env.job("Vary (Region): awaiting input")
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        select(app, modal)
        await pilot.pause()
        assert badge(app, modal) == "MODAL"
        assert "left to answer (press m)" in detail_text(app)
        assert enabled(app, "modal") is True
        select(app, env.job("finished grid"))
        assert enabled(app, "modal") is None
        select(app, modal)

        env.fake.faults.add(Fault("status", status=400, path_prefix=f"{GEN}/modal", times=1,
                                  body={"code": 4, "description": "mask is not a PNG"}))
        await pilot.press("m")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ModalInputDialog) and dialog.kind == "vary_region"
        assert "Vary (Region)" in screen_text(app)
        prompt = dialog.query_one("#prompt", Input)
        assert prompt.value.startswith("a lighthouse on a cliff")
        prompt.value = "a red lighthouse"
        dialog.query_one("#mask", Input).value = "https://masks.example/m.png"
        await pilot.press("ctrl+s")  # the API refuses: the dialog stays, text kept
        await settle(pilot)
        assert app.screen is dialog and "mask is not a PNG" in screen_text(app)
        assert dialog.query_one("#prompt", Input).value == "a red lighthouse"
        assert dialog.query_one("#mask", Input).value == "https://masks.example/m.png"

        await pilot.press("ctrl+s")  # second try goes through
        await settle(pilot)
        assert app.screen is app.dashboard
        body = {"task_id": modal, "prompt": "a red lighthouse",
                "mask_url": "https://masks.example/m.png"}
        assert [(r.path, r.json_body) for r in env.posts()] == [(f"{GEN}/modal", body)] * 2
        assert row_ids(app).count(modal) == 1 and len(row_ids(app)) == len(env.demo)
        await poll(app, pilot)  # the refresh it asked for
        assert badge(app, modal) in ("SUBMITTED", "RUNNING")
        assert app.tracker.is_polling(modal)
        await poll(app, pilot, advance=10, times=3)
        assert badge(app, modal) == "DONE"
        assert app.session.tasks[modal].task.prompt == "a red lighthouse"


async def test_modal_countdown_counts_from_when_the_task_entered_modal(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)  # the demo's MODAL job was submitted 5 minutes ago
    app = make_app(env, demo_session(env))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        select(app, env.job("Vary (Region): awaiting input"))
        await pilot.pause()
        assert "25:00 left to answer" in detail_text(app)


# -- imagine ------------------------------------------------------------------------------


async def fill_imagine(pilot: Any, dialog: ImagineDialog) -> None:
    dialog.query_one("#prompt", PromptArea).focus()
    pilot.app.post_message(events.Paste("a koi pond\nin autumn"))
    await pilot.pause()
    for name, value in (("size", "16:9"), ("version", "7"), ("stylize", "250"),
                        ("chaos", "10"), ("seed", "42"), ("negative", "text, watermark")):
        dialog.query_one(f"#{name}", Input).value = value
    dialog.query_one("#quality", Select).value = "2"
    dialog.query_one("#speed", Select).value = "fast"
    await pilot.pause()


async def test_imagine_dialog_sends_the_exact_body_and_keeps_text_on_failure(
        tmp_path: Path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, track(env, env.create("something else")))
    env.fake.faults.add(Fault("status", status=400, path_prefix=f"{GEN}/imagine", times=1,
                              body={"code": 4, "description": "prompt contains a banned word"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ImagineDialog)
        await fill_imagine(pilot, dialog)
        await pilot.press("ctrl+s")  # refused: the dialog stays with everything typed
        await settle(pilot)
        assert app.screen is dialog
        assert "prompt contains a banned word" in screen_text(app)
        assert dialog.query_one("#prompt", PromptArea).text == "a koi pond\nin autumn"
        assert dialog.query_one("#seed", Input).value == "42"
        assert dialog.query_one("#speed", Select).value == "fast"
        assert len(row_ids(app)) == 1

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.dashboard
        posts = env.posts()
        assert [r.path for r in posts] == [f"{GEN}/imagine"] * 2
        assert posts[1].json_body == {
            "prompt": "a koi pond in autumn", "size": "16:9", "version": "7", "stylize": 250,
            "chaos": 10, "quality": "2", "seed": 42, "negative_prompt": "text, watermark",
            "speed": "fast"}
        new = list(env.fake.store.jobs)[-1]
        assert row_ids(app)[-1] == new and selected_id(app) == new
        tracked = app.session.tasks[new]
        assert tracked.origin == "imagine" and tracked.parent_id == ""
        assert toasts(app)[-1][:2] == ("Submitted", f"started {new}")
        await poll(app, pilot)
        assert "a koi pond in autumn --ar 16:9" in cell(app, new, "name")


# -- marks and bulk -----------------------------------------------------------------------


async def test_marks_then_u1_asks_once_and_starts_one_job_per_grid(tmp_path: Path) -> None:
    env, grids = grids_env(tmp_path, count=3)
    app = make_app(env, track(env, *grids))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        select(app, grids[0])
        await pilot.press("space")  # marks and moves down
        await pilot.press("down", "space")
        await pilot.pause()
        assert app.dashboard.tasks.rows.marked == {grids[0], grids[2]}
        assert cell(app, grids[0], "mark") == "●" and cell(app, grids[1], "mark") == " "
        await pilot.press("u", "1")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        body = _plain(app.screen.query_one("#body").content)
        assert "2 marked tasks" in body and "starts 2 billed jobs" in body
        await pilot.press("n")
        await settle(pilot)
        assert env.posts() == []

        await pilot.press("u", "1")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert sorted((r.json_body["task_id"], r.json_body["custom_id"]) for r in env.posts()) == \
            sorted((g, buttons_of(env, g)["U1"]) for g in (grids[0], grids[2]))
        assert len(app.session.children_of(grids[0])) == 1
        assert len(app.session.children_of(grids[2])) == 1
        assert app.session.children_of(grids[1]) == []


# -- lineage ------------------------------------------------------------------------------


async def test_lineage_shows_new_jobs_under_their_parent(tmp_path: Path) -> None:
    env, (grid,) = grids_env(tmp_path)
    app = make_app(env, track(env, grid))
    async with app.run_test(size=SIZE) as pilot:
        await finished_grids(env, app, pilot)
        await pilot.press("u", "2")
        await settle(pilot)
        child = app.session.children_of(grid)[0].id
        await poll(app, pilot, advance=1)
        select(app, child)
        await pilot.press("x", "s")  # Vary (Subtle) on the upscale
        await settle(pilot)
        grandchild = app.session.children_of(child)[0].id
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, LineageScreen)
        tree = app.screen.query_one(Tree)
        (root,) = tree.root.children
        assert root.data == grid
        assert [n.data for n in root.children] == [child]
        assert [n.data for n in root.children[0].children] == [grandchild]
