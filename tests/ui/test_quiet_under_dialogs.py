"""A dialog left open over the dashboard sends the terminal nothing unless something changes.

Every frame the app would write is rendered to escape sequences (what a terminal driver sends)
and counted. Over several periods of the dashboard's timers (status line 0.5 s, ages patched
to 0.2 s) and a stream of messages that change nothing visible, help, the actions menu and
the Add dialog must draw nothing but their own cursor; a task that changes underneath is
drawn once, as a partial update; and closing the dialog shows the fresh data at once.
bench/bench_bytes.py measures the same over a real pty.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual._compositor import LayoutUpdate
from ui_fixtures import SIZE, demo_session, make_app, make_env, poll, select, settle

import mjtui.ui.screens.dashboard as dashboard_module
from mjtui.ui.app import MjtuiApp
from mjtui.ui.messages import HealthChanged

DIALOG_KEYS = {"help": "question_mark", "actions menu": "x", "add dialog": "a"}


@dataclass
class Frames:
    """Frames the app displayed, each as the bytes a terminal would receive."""

    app: MjtuiApp
    sizes: list[int] = field(default_factory=list)
    full: int = 0  # whole-screen redraws

    def __post_init__(self) -> None:
        original = self.app._display
        console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor",
                          width=SIZE[0], height=SIZE[1], legacy_windows=False)

        def display(screen: Any, update: Any) -> None:
            if update is not None and hasattr(update, "render_segments"):
                self.sizes.append(len(update.render_segments(console).encode()))
                self.full += isinstance(update, LayoutUpdate)
            original(screen, update)

        self.app._display = display  # type: ignore[method-assign]

    def reset(self) -> None:
        self.sizes.clear()
        self.full = 0


def screen_text(app: MjtuiApp) -> str:
    return "\n".join(strip.text for strip in app.dashboard._compositor.render_strips())


async def idle_messages(app: MjtuiApp, pilot: Any, seconds: float) -> None:
    """Real time for the dashboard's timers, with messages that change nothing on screen
    (each one gives the dashboard an idle turn, as every poll's update does)."""
    steps = int(seconds / 0.1)
    for _ in range(steps):
        app.dashboard.post_message(HealthChanged(app.tracker.health))
        await pilot.pause(0.1)


@pytest.mark.parametrize("dialog", list(DIALOG_KEYS))
async def test_a_dialog_left_open_stays_quiet(tmp_path: Path, monkeypatch: Any, dialog: str) -> None:
    monkeypatch.setattr(dashboard_module, "AGE_REFRESH", 0.2)
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    frames = Frames(app)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        app.clear_notifications()  # toasts expire on the real clock: not in the windows
        select(app, env.job("finished grid"))
        await settle(pilot)
        await pilot.press(DIALOG_KEYS[dialog])
        await settle(pilot)
        await pilot.pause(0.3)
        assert app.screen is not app.dashboard, "the dialog did not open"

        frames.reset()
        await idle_messages(app, pilot, 1.5)
        # The Add dialog's input cursor blinks (~0.2 KB per blink); nothing else may draw.
        assert frames.full == 0 and sum(frames.sizes) <= 4 * 250, frames.sizes

        # A task changes underneath: its rows are drawn (dimmed), once, not the screen.
        running = env.job("running (~40%)")
        before = app.session.tasks[running].task.progress
        frames.reset()
        await poll(app, pilot, advance=6.0)
        await pilot.pause(0.2)
        assert app.session.tasks[running].task.progress > before
        assert frames.full == 0 and sum(frames.sizes) < 12_000, frames.sizes
        frames.reset()
        await idle_messages(app, pilot, 1.0)
        assert frames.full == 0 and sum(frames.sizes) <= 3 * 250, frames.sizes

        # Closed: the dashboard shows the new figures at once.
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.dashboard
        progress = app.session.tasks[running].task.progress
        assert f"{progress}%" in screen_text(app)
