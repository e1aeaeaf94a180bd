"""Issue 19, feedback: keys that are off say why, one summary instead of a burst of toasts,
stalls from the config, full labels in help and palette, self-explaining download names."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_fixtures import (
    SIZE,
    cell,
    demo_session,
    detail_text,
    make_app,
    make_env,
    poll,
    select,
    settle,
    toasts,
    track,
)

from mjtui.api.models import Status
from mjtui.config import ConfigError
from mjtui.ui.catch_up import CatchUp

# -- read-only: a key that is off says why -----------------------------------------------


async def test_read_only_keys_that_start_jobs_say_why(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        select(app, env.job("finished grid"))
        await settle(pilot)
        app.clear_notifications()
        for key, label in (("u", "U1-4"), ("v", "V1-4"), ("r", "Reroll"), ("x", "Actions"),
                           ("n", "New"), ("m", "Answer")):
            await pilot.press(key)
            await settle(pilot)
            title, message, severity = toasts(app)[-1]
            assert title == "Read-only" and severity == "warning", key
            assert message.startswith(f"{label} is off: this session is read-only"), key
            assert app.screen is app.dashboard, key  # no dialog, no prefix pending
        assert not app.dashboard.follow_ups.pending_prefix
        assert not [r for r in env.fake.requests if r.method == "POST"]


async def test_read_only_follows_the_keymap(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env), read_only=True, keymap={"reroll": "e"})
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        select(app, env.job("finished grid"))
        app.clear_notifications()
        await pilot.press("r")  # no longer reroll's key: nothing to say
        await settle(pilot)
        assert not [t for t in toasts(app) if t[0] == "Read-only"]
        await pilot.press("e")
        await settle(pilot)
        assert toasts(app)[-1][1].startswith("Reroll is off")


async def test_keys_work_when_not_read_only_and_a_greyed_one_says_why(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        select(app, env.job("finished grid"))
        app.clear_notifications()
        await pilot.press("u")
        await settle(pilot)
        assert app.dashboard.follow_ups.pending_prefix
        assert not [t for t in toasts(app) if t[0] == "Read-only"]
        await pilot.press("escape")
        # A key greyed for the selected task, pressed anyway, says why.
        select(app, env.job("running (~40%)"))
        await settle(pilot)
        app.clear_notifications()
        await pilot.press("u")
        await settle(pilot)
        running = "the selected task is RUNNING"
        said = f"U1-4 is off: {running}, its buttons come when it is done"
        assert toasts(app)[-1] == ("Not now", said, "warning")
        await pilot.press("m")
        await settle(pilot)
        assert toasts(app)[-1][1] == ("Answer is off: the selected task is RUNNING, it does "
                                      "not need input")
        assert not app.dashboard.follow_ups.pending_prefix and app.screen is app.dashboard
        select(app, env.job("failed: banned prompt"))
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert toasts(app)[-1][1] == ("Reroll is off: the selected task is FAILED, it has no "
                                      "buttons to press")


# -- opening a session: one summary, not a toast per task --------------------------------


async def test_opening_a_session_sums_up_in_one_notification(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    bells: list[int] = []
    app.ring_bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        said = toasts(app)
        assert len(said) == 1, said
        title, message, severity = said[0]
        assert title == "Since the session was last open" and severity == "warning"
        first, *lines = message.splitlines()
        assert first == "4 finished · 1 failed · 1 needs input (m to answer)"
        assert "failed: failed: banned prompt · Banned prompt detected: bruised" in lines
        assert len(bells) == 1
        # Later news is said task by task again.
        await poll(app, pilot, advance=400, times=3)
        assert any(t[0] == "Finished" for t in toasts(app)[1:])


async def test_one_piece_of_news_at_start_is_said_as_usual(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    done = env.create("a pier", queue_s=0, run_s=1)
    env.clock.advance(5)
    app = make_app(env, track(env, done))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        assert [t[:2] for t in toasts(app)] == [("Finished", "a pier")]


def test_catch_up_summary_counts_and_cuts() -> None:
    catch_up = CatchUp(f"t{n}" for n in range(7))
    for n in range(7):
        assert catch_up.takes(f"t{n}")
        catch_up.add(Status.SUCCESS if n else Status.MODAL, f"t{n}", f"job {n}")
    assert catch_up.complete and not catch_up.takes("t1")
    _, message, failed = catch_up.summary() or ("", "", True)
    assert not failed
    assert message.splitlines() == ["6 finished · 1 needs input (m to answer)", "needs input: job 0",
                                    "finished: job 1", "finished: job 2", "and 4 more"]
    assert catch_up.summary() is None  # said once


async def test_toasts_over_a_dialog_stay_off_its_buttons(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await poll(app, pilot)
        for key in ("a", "n"):  # the Add dialog, the imagine form
            await pilot.press(key)
            await settle(pilot)
            for n in range(3):
                app.notify(f"news {n}\nsecond line", title="Finished", timeout=30)
            await pilot.pause(0.3)
            screen = app.screen
            rack = screen.query_one("ToastRack").region  # scrolls: a toast is seen within it
            toasts_at = [t.region.intersection(rack) for t in screen.query("Toast")]
            assert toasts_at
            for button in screen.query("Button"):
                for region in toasts_at:
                    assert not region.overlaps(button.region), (key, region, button.region)
            help_line = screen.query_one(".dialog-help").region
            assert not any(region.overlaps(help_line) for region in toasts_at), (
                key, toasts_at, help_line)
            await pilot.press("escape")
            await settle(pilot)
            app.clear_notifications()


# -- downloads name themselves ------------------------------------------------------------


def test_image_labels() -> None:
    from mjtui.images.save import image_labels

    assert image_labels("g", ["a", "b", "c", "d"]) == (
        ["g", "a", "b", "c", "d"], ["grid", "U1", "U2", "U3", "U4"])
    assert image_labels(None, ["one"]) == (["one"], ["image"])
    assert image_labels("", []) == ([], [])


async def test_download_names_say_what_each_file_is(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    env = make_env(tmp_path, demo=True, download_dir=str(folder))
    app = make_app(env, demo_session(env))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        for label in ("finished grid", "U2 of the lighthouse grid"):
            select(app, env.job(label))
            await settle(pilot)
            await pilot.press("d")
            await settle(pilot)
    grid, single = env.job("finished grid"), env.job("U2 of the lighthouse grid")
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        f"{grid}_grid.png", *(f"{grid}_U{n}.png" for n in range(1, 5)), f"{single}_image.png"])


# -- stalls: the threshold comes from the config -------------------------------------------


def test_stall_after_from_file_env_and_its_bounds(tmp_path: Path) -> None:
    from mjtui.config import load_settings

    path = tmp_path / "config.toml"
    assert load_settings(env={}, config_path=path).stall_after == 180
    path.write_text("stall_after = 90\n", encoding="utf-8")
    assert load_settings(env={}, config_path=path).stall_after == 90
    assert load_settings(env={"MJTUI_STALL_AFTER": "300"}, config_path=path).stall_after == 300
    path.write_text("stall_after = 5\n", encoding="utf-8")
    settings = load_settings(env={}, config_path=path)
    assert settings.stall_after == 30 and "stall_after 5 s is outside 30-86400 s" in \
        settings.warnings[0]
    path.write_text('stall_after = "soon"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="stall_after must be a number of seconds"):
        load_settings(env={}, config_path=path)
    with pytest.raises(ConfigError, match="MJTUI_STALL_AFTER must be a number"):
        load_settings(env={"MJTUI_STALL_AFTER": "x"}, config_path=tmp_path / "none.toml")


async def test_a_stall_is_marked_after_stall_after_seconds(tmp_path: Path) -> None:
    env = make_env(tmp_path, stall_after=60.0)
    frozen = env.create("a glass whale --stall", queue_s=0, run_s=10)
    app = make_app(env, track(env, frozen))
    assert app.tracker.stall_after == 60
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await poll(app, pilot, advance=9)  # stuck at 85% from here on
        assert "85%" in cell(app, frozen, "progress")
        await poll(app, pilot, advance=40)
        assert "stalled" not in cell(app, frozen, "status") and "⚠" not in cell(
            app, frozen, "status")
        await poll(app, pilot, advance=25)  # 65 s without progress: past 60
        assert "⚠" in cell(app, frozen, "status") or "stalled" in cell(app, frozen, "status")
        select(app, frozen)
        await settle(pilot)
        assert "stalled" in detail_text(app)


# -- help and palette: full labels, the keys the user has ---------------------------------


async def test_palette_says_the_keys_the_user_has(tmp_path: Path) -> None:
    from mjtui.ui.palette import palette_commands

    env = make_env(tmp_path)
    app = make_app(env, env.session(), keymap={"reroll": "e", "filter": "slash,ctrl+f"})
    async with app.run_test(size=SIZE):
        commands = {title: help_text for title, _action, help_text in palette_commands(app)}
    assert commands["Show every key"] == "key: ?, F1"
    assert commands["Filter the tasks by text"] == "key: /, ^f"
    assert commands["Reroll the grid (a new job)"] == "key: e"
    assert commands["Stop tracking the task (or the marked ones)"] == "key: del"
    assert commands["Poll less often"] == "key: +, ="
    assert commands["Poll more often"] == "key: -"
    assert not [h for h in commands.values() if "question_mark" in h or "slash" in h]


async def test_many_tasks_added_at_once_answer_in_one_notification(tmp_path: Path) -> None:
    from ui_fixtures import row_ids

    env = make_env(tmp_path)
    ids = [f"task_01K{c * 17}" for c in "ABC"]  # unknown to the API: each expires
    app = make_app(env, env.session())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one("#ids").text = " ".join(ids)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert row_ids(app) == ids
        await poll(app, pilot)
        titles = [t[0] for t in toasts(app)]
        assert titles == ["", "The tasks just added"], toasts(app)  # "tracking 3 new", then one
        assert toasts(app)[-1][1].startswith("3 expired\n")
