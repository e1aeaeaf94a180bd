"""A deterministic dashboard for snapshot tests and `scripts/screenshots.py`.

The demo jobs (every state at once) on a seeded fake whose clock never moves by itself; the app
and its tracker read the same clock; one poll fills the session; previews use the half-cell
renderer (SVG shows it) and are waited for; cursors do not blink; times print in UTC.

pytest-textual-snapshot starts the app with `App.run()`, not `run_test()` as the pilot tests do,
and on Python 3.12+ `App.run()` makes the loop start tasks eagerly: the tracker is made for
that (tests/ui/test_guards.py), so these run as the app does.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ui_fixtures import Env, demo_session, make_app, make_env

from mjtui.ui.app import MjtuiApp
from mjtui.ui.dialogs.modal_input import ModalInputDialog

Step = Callable[[Any], Awaitable[None]]


def use_utc() -> None:
    """The detail pane prints local times: make them the same everywhere."""
    os.environ["TZ"] = "UTC"
    time.tzset()


def demo_app(folder: Path) -> tuple[MjtuiApp, Env]:
    """The demo on a frozen clock (not yet polled: `prepare` does that inside the app)."""
    env = make_env(folder, demo=True, seed=1)
    app = make_app(env, demo_session(env), image_protocol="halfcell")
    # The dashboard reads the balance a few (real) seconds in: never here, so the status line
    # does not depend on how fast the machine is.
    app.balance_watch.read_at = math.inf
    return app, env


def modal_clock_defaults() -> dict[str, Any]:
    """The MODAL dialog counts down on its own clock (`time.time` unless given one, and the
    dashboard gives none): callers point this default at the frozen clock, and restore it."""
    defaults = ModalInputDialog.__init__.__kwdefaults__
    assert defaults is not None and "clock" in defaults
    return defaults


# How long one step may wait for the app's background work: far above what it takes (well
# under a second), so a stuck load fails the test with a message instead of hanging it.
STEP_TIMEOUT = 20.0


async def bounded(awaitable: Awaitable[Any], what: str, timeout: float = STEP_TIMEOUT) -> Any:
    """`await awaitable`, failing with `what` when it takes longer than `timeout` seconds."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        raise AssertionError(f"snapshot app: {what} did not finish in {timeout:g} s") from None


async def idle(pilot: Any, rounds: int = 6) -> None:
    """Wait until no background work (image loads, saves) is left; dialogs' waits excepted."""
    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in pilot.app.workers
                if w.group not in ("dialogs", "poller") and not w.is_finished]
        if not busy:
            break
        names = ", ".join(sorted({w.name or w.group for w in busy}))
        await bounded(pilot.app.workers.wait_for_complete(busy), f"workers ({names})")
    pilot.app.dashboard.status_line.redraw()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


async def prepare(pilot: Any) -> None:
    """One poll of every demo job, then let the previews load. The toasts that poll raised
    are dismissed: they would cover the screens these pictures are about."""
    await bounded(pilot.app.tracker.poll_due(), "the first poll of the demo jobs")
    await idle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


def select_job(env: Env, label: str) -> Step:
    async def step(pilot: Any) -> None:
        pilot.app.dashboard.table.select(env.job(label))
        await idle(pilot)

    return step


def press(*keys: str) -> Step:
    async def step(pilot: Any) -> None:
        await pilot.press(*keys)
        await idle(pilot)

    return step


def action(name: str) -> Step:
    async def step(pilot: Any) -> None:
        await pilot.app.dashboard.run_action(name)
        await idle(pilot)

    return step


def paste(text: str) -> Step:
    async def step(pilot: Any) -> None:
        from textual import events

        pilot.app.post_message(events.Paste(text))
        await idle(pilot)

    return step


def mask_editor(env: Env) -> list[Step]:
    """The Vary (Region) task's MODAL dialog, its mask editor, two rectangles added with
    keys and the cursor moved on (the snapshot test and the README screenshot)."""
    return [select_job(env, "Vary (Region): awaiting input"), press("m"), press("ctrl+r"),
            press(*"lllljj", *["shift+right"] * 8, *["shift+down"] * 4, "space"),
            press(*["right"] * 26, *["down"] * 14, "H", "H", "enter"),
            press(*["left"] * 12, *["down"] * 6)]


def archive_finished() -> Step:
    """Move the demo's finished jobs to the archive, as the move rules would."""
    async def step(pilot: Any) -> None:
        from mjtui.archive import Archive
        from mjtui.archive.moves import move, move_lock

        app = pilot.app
        done = [t.id for t in app.session if t.task.status.is_final and not t.label.startswith("U")]
        with move_lock(app.session), Archive() as archive:
            move(app.session, archive, done)
        app.dashboard.sync_with_session()
        await pilot.pause()

    return step


def searched() -> Step:
    """Past the search box's typing debounce, then the search itself (a thread worker)."""
    async def step(pilot: Any) -> None:
        await pilot.pause(0.3)
        busy = [w for w in pilot.app.workers if w.group == "archive-search"]
        if busy:
            await pilot.app.workers.wait_for_complete(busy)
        await pilot.pause()

    return step


def steps(*parts: Step) -> Step:
    """`prepare`, then each part in order: one `run_before` for snap_compare."""

    async def run(pilot: Any) -> None:
        await prepare(pilot)
        for part in parts:
            await part(pilot)

    return run
