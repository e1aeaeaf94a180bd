"""The dashboard keeps the cycle collector's full passes off what start-up built, and gives
the process back its collector settings when it closes."""

from __future__ import annotations

import gc
from pathlib import Path

from ui_fixtures import SIZE, make_app, make_env, settle, track


async def test_startup_objects_are_frozen_while_the_dashboard_runs(tmp_path: Path) -> None:
    before = gc.get_threshold()
    env = make_env(tmp_path)
    app = make_app(env, track(env, env.create("a lighthouse")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert gc.get_freeze_count() > 10_000  # Textual, the app and the session at least
        assert gc.get_threshold()[2] == 100
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
