"""Helpers for the dashboard's Pilot, snapshot and end-to-end tests (plain imports, no conftest).

Everything runs on one `FakeClock`: the fake API's job state, the tracker's schedule and the
app's "age" columns all read it, so a test moves time with `env.clock.advance(...)` and drives
polls with `await poll(app)` (the app is started with `start_polling=False`).
"""

from __future__ import annotations

import asyncio
import io
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from textual.app import App
from textual.widgets import DataTable, Static

from mjtui.api.client import ApimartClient
from mjtui.api.models import Status, Task
from mjtui.config import Settings
from mjtui.fake import FakeApimart, FakeClock
from mjtui.fake.demo import DEMO_TOKEN, DemoJob, seed_demo_jobs
from mjtui.runtime import Backend
from mjtui.session import Session, TrackedTask, load_session
from mjtui.tracker import Tracker
from mjtui.ui.app import MjtuiApp

TOKEN = "sk-fake-token"
BASE_URL = "http://fake.test"
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z, the FakeClock's default
SIZE = (120, 40)
GEN = "/v1/midjourney/generations"
HOSTILE = (
    "[@click=app.quit]x[/] [link=file:///x]y[/link] \x1b[31mred \x1b]52;c;aGk=\x07 \u202eevil"
)
# How the hostile text must look on screen (escapes made visible, markup not parsed).
HOSTILE_SHOWN = ("[@click=app.quit]x[/]", "[link=file:///x]y[/link]", "\\x1b[31m", "\\u202e")


@dataclass
class Env:
    """A fake apimart on a fake clock, a client for it, settings and a session file."""

    fake: FakeApimart
    clock: FakeClock
    session_path: Path
    settings: Settings
    token: str = TOKEN
    demo: list[DemoJob] = field(default_factory=list)

    def backend(self) -> Backend:
        client = ApimartClient(self.token, BASE_URL, transport=httpx.ASGITransport(app=self.fake))
        return Backend(client, self.fake)

    def session(self) -> Session:
        return load_session(self.session_path)

    def job(self, label: str) -> str:
        """The ID of the demo job with this label ("finished grid", "running (~40%)", ...)."""
        return next(j.id for j in self.demo if j.label == label)

    def create(self, prompt: str = "a red fox in snow", **kw: Any) -> str:
        """A job owned by our token, submitted now."""
        return self.fake.create_job(self.token, "IMAGINE", prompt, **kw).id

    def polls(self, task_id: str | None = None) -> list[Any]:
        """GET requests for task state the fake received (one task, or all)."""
        prefix = f"/v1/midjourney/{task_id}" if task_id else "/v1/midjourney/task_"
        return self.fake.requests_for(prefix, "GET")

    def posts(self, endpoint: str = "") -> list[Any]:
        """POSTs the fake received under /v1/midjourney/generations[/endpoint]."""
        return self.fake.requests_for(f"{GEN}/{endpoint}" if endpoint else GEN, "POST")


def make_env(
    tmp_path: Path,
    *,
    demo: bool = False,
    seed: int | None = 1,
    queue_seconds: float = 2.0,
    run_seconds: float = 10.0,
    image_size: int = 256,
    **settings: Any,
) -> Env:
    """A fresh fake (seeded ids) and settings with a small poll interval.

    `demo=True` seeds the demo jobs (every state at once) and uses the demo token.
    """
    clock = FakeClock(START)
    fake = FakeApimart(clock=clock, seed=seed, queue_seconds=queue_seconds,
                       run_seconds=run_seconds, image_size=image_size)
    settings.setdefault("poll_interval", 1.0)
    path = tmp_path / "sessions" / "test.toml"
    settings.setdefault("session", str(path))
    settings.setdefault("base_url", BASE_URL)
    env = Env(fake, clock, path, Settings(**settings))
    if demo:
        env.token = DEMO_TOKEN
        env.demo = seed_demo_jobs(fake)
    return env


def track(env: Env, *task_ids: str, session: Session | None = None,
          parents: dict[str, str] | None = None, labels: dict[str, str] | None = None,
          added_step: float = 1.0) -> Session:
    """A session holding these IDs, with no known state yet (as `mjtui ID...` does)."""
    session = session or env.session()
    for n, task_id in enumerate(task_ids):
        session.add(TrackedTask(
            task=Task(id=task_id), label=(labels or {}).get(task_id, ""),
            parent_id=(parents or {}).get(task_id, ""), origin="added",
            added_at=env.clock() - 100 + n * added_step))
    return session


def demo_session(env: Env) -> Session:
    """The demo jobs tracked in a session, labels and parents as `mjtui --demo` sets them."""
    session = env.session()
    for n, job in enumerate(env.demo):
        session.add(TrackedTask(
            task=Task(id=job.id, status=Status.UNKNOWN, prompt=job.prompt), label=job.label,
            parent_id=job.parent_id or "", origin=job.action.lower(),
            added_at=env.clock() - 600 + n))
    return session


def make_app(env: Env, session: Session | None = None, *, image_protocol: str = "none",
             start_polling: bool = False, **settings: Any) -> MjtuiApp:
    """The dashboard on `env`, its tracker and its clock on the fake clock.

    The tracker is rebuilt with the same callbacks but `clock=env.clock` and a seeded rng, so
    `await poll(app)` polls exactly what is due at the fake's "now".
    """
    config = replace(env.settings, **settings) if settings else env.settings
    app = MjtuiApp(config, session if session is not None else env.session(), env.backend(),
                   clock=env.clock, image_protocol=image_protocol, start_polling=start_polling)
    old = app.tracker
    app.tracker = Tracker(
        app.balance_watch, poll_interval=old.poll_interval,
        max_concurrency=config.max_concurrency, stall_after=config.stall_after,
        clock=env.clock, rng=random.Random(7),
        on_update=old.on_update, on_health=old.on_health)
    return app


async def poll(app: MjtuiApp, pilot: Any | None = None, *, advance: float = 0.0,
               times: int = 1) -> None:
    """`times` rounds of: advance the fake clock, poll whatever is due. Then let the UI
    catch up (when given the pilot)."""
    clock = app.clock
    for _ in range(times):
        if advance and isinstance(clock, FakeClock):
            clock.advance(advance)
        await app.tracker.poll_due()
    if pilot is not None:
        await settle(pilot)


async def settle(pilot: Any, *, timeout: float = 5.0) -> None:
    """Let messages and background work finish, and redraw the status line now (it has a
    0.5 s timer). Workers that wait on a dialog (group "dialogs") are not waited for."""
    await pilot.pause()
    busy = [w for w in pilot.app.workers if w.group not in ("dialogs", "poller")
            and not w.is_finished]
    if busy:
        await asyncio.wait_for(pilot.app.workers.wait_for_complete(busy), timeout)
        await pilot.pause()
    dashboard = pilot.app.dashboard
    if dashboard.is_mounted:
        dashboard.status_line.redraw()


def table(app: MjtuiApp) -> DataTable[Any]:
    return app.dashboard.query_one("#tasks", DataTable)


def row_ids(app: MjtuiApp) -> list[str]:
    """Task IDs in the order the table shows them."""
    grid = table(app)
    return [str(grid.coordinate_to_cell_key((n, 0)).row_key.value) for n in range(grid.row_count)]


def cell(app: MjtuiApp, task_id: str, column: str) -> str:
    """The plain text of one table cell."""
    value = table(app).get_cell(task_id, column)
    return getattr(value, "plain", str(value))


def badge(app: MjtuiApp, task_id: str) -> str:
    """The status label in a row, without its stalled/error markers ("DONE", "RUNNING")."""
    text = cell(app, task_id, "status")
    for marker in ("⚠", "⚡", "stalled"):
        text = text.replace(marker, "")
    text = text.strip()
    return "MODAL" if text == "NEEDS INPUT" else text


def selected_id(app: MjtuiApp) -> str | None:
    return app.dashboard.table.selected_id


def screen_text(app: App[Any]) -> str:
    """Everything on the terminal now, as plain text (what the user sees)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _plain(renderable: Any, width: int = 160) -> str:
    """A Rich renderable as plain text, lines right-stripped."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None, file=io.StringIO(),
                      legacy_windows=False)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def detail_text(app: MjtuiApp) -> str:
    """The detail pane's text, all of it (not only the part scrolled into view)."""
    return _plain(app.dashboard.query_one("#detail-body", Static).content)


def status_text(app: MjtuiApp) -> str:
    """The status line at the top."""
    return _plain(app.dashboard.query_one("#status-line", Static).content, width=400)


def toasts(app: App[Any]) -> list[tuple[str, str, str]]:
    """(title, message, severity) of every notification raised so far."""
    return [(n.title, n.message, n.severity) for n in app._notifications]


def toast_text(app: App[Any]) -> str:
    return "\n".join(f"{t}: {m}" for t, m, _ in toasts(app))


def select(app: MjtuiApp, task_id: str) -> None:
    app.dashboard.table.select(task_id)
