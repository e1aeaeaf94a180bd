"""Keys that arrive in one read land where the user meant (issue 11).

Textual's driver posts every key of one terminal read before the app handles the first: a
paste without bracketed paste, a fast typist over SSH, `tmux send-keys -l`. `burst()` does
the same here: all the keys are posted, then the app runs. Nothing typed behind a key that
opens an input may run as a hotkey, and no billed job may start from such text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual import events
from textual.command import CommandInput, CommandPalette
from textual.keys import _character_to_key
from textual.widgets import Input, TextArea
from ui_fixtures import (
    SIZE,
    demo_session,
    make_app,
    make_env,
    poll,
    screen_text,
    select,
    settle,
    toast_text,
)

from mjtui.api.addresses import find_task_ids
from mjtui.session import load_session
from mjtui.ui.dialogs.actions_menu import ActionsMenu
from mjtui.ui.dialogs.add_tasks import AddTasksDialog
from mjtui.ui.dialogs.imagine import TYPED_AHEAD, ImagineDialog
from mjtui.ui.dialogs.label import LabelDialog
from mjtui.ui.dialogs.modal_input import ModalInputDialog
from mjtui.ui.key_hold import KeyHold
from mjtui.ui.screens.dashboard import DashboardScreen
from mjtui.ui.screens.help import HelpScreen

_NAMED = {"\t": "tab", "\r": "enter", "\x1b": "escape", "\x1b[Z": "shift+tab"}
FOLLOW_UPS = "u1v2rxmdoc"  # every follow-up hotkey: billed jobs, downloads, opening a URL


def burst_events(*parts: str) -> list[events.Key]:
    """The key events one read of these characters makes (tab, enter, shift+tab named)."""
    keys: list[events.Key] = []
    for part in parts:
        if part in _NAMED:
            keys.append(events.Key(_NAMED[part], None if len(part) > 1 else part))
            continue
        keys.extend(events.Key(_NAMED.get(ch) or _character_to_key(ch), ch) for ch in part)
    return keys


async def burst(pilot: Any, *parts: str) -> None:
    """Post all the keys at once, as the driver does with one read, then let the app run."""
    for key in burst_events(*parts):
        pilot.app.post_message(key)
    await settle(pilot)
    await pilot.pause()


@asynccontextmanager
async def demo_dashboard(tmp_path: Path, selected: str | None = "finished grid",
                         ) -> AsyncIterator[tuple[Any, Any, Any]]:
    """(env, app, pilot): the demo jobs polled once, `selected` under the cursor."""
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        if selected:
            select(app, env.job(selected))
            await pilot.pause()
        yield env, app, pilot


def no_side_effects(app: Any, env: Any) -> None:
    """No job posted, nothing downloaded, opened or copied."""
    assert not env.posts(), env.posts()
    text = toast_text(app)
    for sign in ("saved", "opening", "copied", "Submitted", "started"):
        assert sign not in text, text


async def test_slash_and_the_filter_text_in_one_read_all_go_into_the_filter(
        tmp_path: Path) -> None:
    async with demo_dashboard(tmp_path) as (env, app, pilot):
        await burst(pilot, "/world")
        box = app.dashboard.query_one("#filter", Input)
        assert box.value == "world" and box.has_focus
        assert app.screen is app.dashboard
        no_side_effects(app, env)
        app.save()
    assert load_session(env.session_path).view.filter == "world"


async def test_follow_up_hotkeys_behind_slash_or_a_are_text_and_post_nothing(
        tmp_path: Path) -> None:
    async with demo_dashboard(tmp_path) as (env, app, pilot):
        await burst(pilot, "/", FOLLOW_UPS)
        box = app.dashboard.query_one("#filter", Input)
        assert box.value == FOLLOW_UPS
        await burst(pilot, "\x1b")  # escape clears the filter, the table has the keys again
        assert not box.value and app.dashboard.table.has_focus

        await burst(pilot, "/ab")  # `a` typed into the box, not the Add dialog
        assert box.value == "ab" and app.screen is app.dashboard
        await burst(pilot, "\x1b")

        await burst(pilot, "a", FOLLOW_UPS, "\t", "x")  # tab: to the Add button, x ignored
        dialog = app.screen
        assert isinstance(dialog, AddTasksDialog)
        assert dialog.query_one("#ids", TextArea).text == FOLLOW_UPS
        no_side_effects(app, env)


async def test_typing_behind_l_n_m_and_ctrl_p_goes_into_their_inputs(tmp_path: Path) -> None:
    async with demo_dashboard(tmp_path) as (env, app, pilot):
        await burst(pilot, "lfox r1")
        assert isinstance(app.screen, LabelDialog)
        assert app.screen.query_one("#label", Input).value == "fox r1"
        await burst(pilot, "\x1b")

        await burst(pilot, "na red fox", "\t", "16:9", "\t", "7", "\x1b[Z", "\x1b[Z", "X")
        dialog = app.screen
        assert isinstance(dialog, ImagineDialog)
        assert dialog.query_one("#prompt", TextArea).text == "a red foxX"
        assert dialog.query_one("#size", Input).value == "16:9"
        assert dialog.query_one("#version", Input).value == "7"
        await burst(pilot, "\x1b")

        select(app, env.job("Vary (Region): awaiting input"))
        await pilot.pause()
        await burst(pilot, "m", " more fog")
        dialog = app.screen
        assert isinstance(dialog, ModalInputDialog)
        assert dialog.query_one("#prompt", Input).value.endswith(" more fog")
        await burst(pilot, "\x1b")

        app.post_message(events.Key("ctrl+p", None))  # the command palette's search box
        await burst(pilot, "Lin")
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(CommandInput).value == "Lin"
        await burst(pilot, "\x1b")
        no_side_effects(app, env)


async def test_an_enter_typed_ahead_never_submits_a_billed_form(tmp_path: Path) -> None:
    async with demo_dashboard(tmp_path, None) as (env, app, pilot):
        await burst(pilot, "na red fox", "\r")
        dialog = app.screen
        assert isinstance(dialog, ImagineDialog)
        assert dialog.query_one("#prompt", TextArea).text == "a red fox"
        assert TYPED_AHEAD in str(dialog.query_one("#status").render())
        assert not env.posts()

        await burst(pilot, "\x1b")
        await burst(pilot, "na red fox", "\t", "16:9", "\r")  # enter in a field, same story
        assert isinstance(app.screen, ImagineDialog) and not env.posts()

        await pilot.press("enter")  # pressed on its own, once the form is seen: submits
        await settle(pilot)
        assert app.screen is app.dashboard
        assert len(env.posts("imagine")) == 1

        select(app, env.job("Vary (Region): awaiting input"))
        await pilot.pause()
        await burst(pilot, "m", " fog", "\r")  # the MODAL answer: the same guard
        assert isinstance(app.screen, ModalInputDialog)
        assert len(env.posts()) == 1


async def test_a_disabled_opener_holds_nothing(tmp_path: Path) -> None:
    """`l` with nothing selected and `m` on a finished task open nothing: the keys behind
    them are handled at once, here `/x` typing x into the filter."""
    env = make_env(tmp_path)
    app = make_app(env, env.session())
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, "lm/x")
        assert app.dashboard.query_one("#filter", Input).value == "x"
        assert not app.key_hold.holding


async def test_an_opener_that_opens_nothing_lets_the_keys_go_at_once(
        tmp_path: Path, monkeypatch: Any) -> None:
    """`f` with no picture to show, or `a` whose dialog never comes: the held keys go on as
    soon as the key's binding (or the worker it started) is done, not at the timeout."""
    env = make_env(tmp_path)
    app = make_app(env, env.session())

    async def no_dialog(screen: Any, *args: Any, **kwargs: Any) -> None:
        return None

    monkeypatch.setattr(app, "push_screen_wait", no_dialog)
    async with app.run_test(size=SIZE) as pilot:
        app.key_hold.timeout = 60.0  # so only the early release can pass this test
        box = app.dashboard.query_one("#filter", Input)
        for opener in ("f", "a"):
            box.value = ""
            await burst(pilot, opener, "/x")
            assert box.value == "x", opener
            assert not app.key_hold.holding
            await burst(pilot, "\x1b")


async def test_a_bracketed_paste_on_the_dashboard_runs_no_binding(tmp_path: Path) -> None:
    async with demo_dashboard(tmp_path) as (env, app, pilot):
        ids = [env.create("pasted one"), env.create("pasted two")]
        app.post_message(events.Paste("r d x u1 /world"))
        await settle(pilot)
        assert app.screen is app.dashboard
        assert "paste ignored: it holds no task ID" in toast_text(app)
        assert not app.dashboard.query_one("#filter", Input).value
        no_side_effects(app, env)

        pasted = f"see https://x.test/v1/tasks/{ids[0]}, and\n{ids[1]} r"
        app.post_message(events.Paste(pasted))
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AddTasksDialog)
        assert dialog.query_one("#ids", TextArea).text == pasted  # the dialog lists the rest
        assert "ignored (no task ID): see and r" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert {*ids} <= set(app.session.tasks)
        assert not env.posts()


async def test_a_paste_behind_slash_goes_into_the_filter(tmp_path: Path) -> None:
    async with demo_dashboard(tmp_path, None) as (_env, app, pilot):
        for event in (*burst_events("/"), events.Paste("lighthouse"), *burst_events("!")):
            app.post_message(event)
        await settle(pilot)
        assert app.dashboard.query_one("#filter", Input).value == "lighthouse!"


async def test_held_keys_are_replayed_when_focus_never_moves(tmp_path: Path) -> None:
    """The hold is bounded: if the input never takes focus, the keys go on after the timeout
    to whatever has focus, in order, rather than being lost."""
    env = make_env(tmp_path)
    app = make_app(env, env.session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.key_hold = KeyHold(app, timeout=0.5)
        app.key_hold.start("input", events.Key("l", "l"))
        for key in burst_events("/ok"):
            app.post_message(key)
        await pilot.pause()
        assert app.key_hold.holding  # nothing took focus: still held (for up to 0.5 s)
        for _ in range(50):  # bounded: 5 s at most
            await pilot.pause(0.1)
            if not app.key_hold.holding:
                break
        await settle(pilot)
        assert not app.key_hold.holding
        assert app.dashboard.query_one("#filter", Input).value == "ok"


def test_find_task_ids_takes_whole_ids_only() -> None:
    good = "task_01K" + "A" * 23
    text = f"{good}, {good} url/v1/tasks/task_abcdefghijklmnop?x mytask_{'b' * 20} task_short " \
        f"task_{'c' * 41} task_{'d' * 40}"
    assert find_task_ids(text) == [good, "task_abcdefghijklmnop", f"task_{'d' * 40}"]
    assert find_task_ids("rdx u1 /world") == []


async def test_keys_before_the_table_is_composed_do_nothing(tmp_path: Path) -> None:
    """A key that comes before the dashboard has its table (typed during start-up) is not
    an error: every table action answers 'not now'."""
    async with demo_dashboard(tmp_path, None) as (_env, app, _pilot):
        early = DashboardScreen(app)
        for action in ("label", "reroll", "prefix", "actions_menu", "modal"):
            assert early.check_action(action, ("u",)) is None
        assert app.dashboard.check_action("label", ()) is True


async def test_keys_behind_a_key_that_opens_a_screen_are_dropped_once_it_is_up(
        tmp_path: Path) -> None:
    """`x1`, `xn`, `?q` in one read: the menu (or help) opens, and the keys typed before it
    was on screen neither choose in it nor run under it (a second dialog, a quit, a job)."""
    async with demo_dashboard(tmp_path) as (env, app, pilot):
        await burst(pilot, "x1n", "\r")
        assert isinstance(app.screen, ActionsMenu)
        assert "ignored 3 keys typed before this screen was up" in toast_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard

        await burst(pilot, "?q")
        assert isinstance(app.screen, HelpScreen) and app.is_running
        await pilot.press("escape")
        await pilot.pause()
        await burst(pilot, "/ok")  # and the hold is over: the next burst works as before
        assert app.dashboard.query_one("#filter", Input).value == "ok"
        no_side_effects(app, env)


async def test_a_dialog_closed_twice_by_one_burst_leaves_the_dashboard_up(
        tmp_path: Path) -> None:
    """enter enter: two Submitted (or NodeSelected) messages reach the dialog before it is
    gone. The second close popped the dashboard: a blank screen, then ScreenStackError."""
    async with demo_dashboard(tmp_path) as (env, app, pilot):
        for opener, keys in (("l", ["fox", "\r", "\r"]), ("L", ["\r", "\r"]),
                             ("a", ["\t", "\t", "\r", "\r"])):
            await pilot.press(opener)
            await settle(pilot)
            assert app.screen is not app.dashboard
            await burst(pilot, *keys)
            assert app.screen is app.dashboard, keys
            assert app.return_code is None
        assert app.session.tasks[env.job("finished grid")].label == "fox"
        no_side_effects(app, env)
