"""The footer greys and ungreys keys in place as the cursor moves (no rebuild per move)."""

from __future__ import annotations

from pathlib import Path

from snapshot_app import demo_app
from textual.widgets._footer import FooterKey
from ui_fixtures import poll, settle

from mjtui.ui.app import MjtuiApp
from mjtui.ui.widgets.quiet_footer import QuietFooter


def footer_keys(app: MjtuiApp) -> dict[str, FooterKey]:
    return {key.description: key for key in app.screen.query_one(QuietFooter).query(FooterKey)}


async def test_moving_the_cursor_greys_keys_without_rebuilding_the_footer(
        tmp_path: Path) -> None:
    app, env = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await poll(app, pilot)
        app.dashboard.table.select(env.job("finished grid"))
        await settle(pilot)
        keys = footer_keys(app)
        assert {"Help", "Reroll", "Answer"} <= set(keys)
        assert not keys["Reroll"].has_class("-disabled")
        assert keys["Answer"].has_class("-disabled")

        app.dashboard.table.select(env.job("running (~40%)"))
        await settle(pilot)
        again = footer_keys(app)
        assert again["Reroll"] is keys["Reroll"]  # the same widgets, only their dim state
        assert again["Reroll"].has_class("-disabled")

        app.dashboard.table.select(env.job("Vary (Region): awaiting input"))
        await settle(pilot)
        assert not footer_keys(app)["Answer"].has_class("-disabled")
