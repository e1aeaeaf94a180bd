"""End to end: the dashboard, its real poller and real time, against the fake apimart served
over loopback HTTP (uvicorn in a thread). Add a task with the `a` dialog and watch it finish."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual import events
from ui_fixtures import SIZE, TOKEN, badge, detail_text, row_ids, selected_id

from mjtui.api.client import ApimartClient
from mjtui.config import Settings
from mjtui.fake import FakeApimart, LoopbackFakeServer
from mjtui.runtime import Backend
from mjtui.session import load_session
from mjtui.ui.app import MjtuiApp

DEADLINE = 10.0


async def test_add_a_task_and_watch_it_finish_over_loopback(tmp_path: Path) -> None:
    fake = FakeApimart(queue_seconds=0.3, run_seconds=1.5, seed=3)
    with LoopbackFakeServer(fake) as server:
        task_id = fake.create_job(TOKEN, "IMAGINE", "a lighthouse over loopback").id
        path = tmp_path / "e2e.toml"
        settings = Settings(base_url=server.base_url, poll_interval=1.0, session=str(path))
        client = ApimartClient(TOKEN, server.base_url)
        app = MjtuiApp(settings, load_session(path), Backend(client), image_protocol="none")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("a")
            await pilot.pause()
            app.post_message(events.Paste(task_id))
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert row_ids(app) == [task_id] and selected_id(app) == task_id

            seen: list[str] = []
            started = time.monotonic()
            while time.monotonic() - started < DEADLINE:
                await asyncio.sleep(0.1)
                status = badge(app, task_id)
                if not seen or seen[-1] != status:
                    seen.append(status)
                if status == "DONE":
                    break
            assert seen[-1] == "DONE", f"statuses seen in {DEADLINE}s: {seen}"
            await pilot.pause()
            assert "a lighthouse over loopback" in detail_text(app)
            assert "Buttons   U1 · U2 · U3 · U4" in detail_text(app)
            await pilot.press("q")
        polls = fake.requests_for(f"/v1/midjourney/{task_id}", "GET")
        assert polls and all(r.authorization_present and r.status == 200 for r in polls)
        assert len(polls) <= 2 + DEADLINE * 2  # paced, not hammered
    saved = load_session(path)
    assert saved.tasks[task_id].task.status.value == "SUCCESS"
