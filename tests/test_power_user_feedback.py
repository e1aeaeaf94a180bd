"""Issue 19, feedback: keys that are off say why, one summary instead of a burst of toasts,
stalls from the config, full labels in help and palette, self-explaining download names."""

from __future__ import annotations

from pathlib import Path

from ui_fixtures import SIZE, demo_session, make_app, make_env, poll, select, settle, toasts

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
        assert not app.dashboard.pending_prefix
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


async def test_keys_are_quiet_when_not_read_only(tmp_path: Path) -> None:
    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        select(app, env.job("finished grid"))
        app.clear_notifications()
        await pilot.press("u")
        await settle(pilot)
        assert app.dashboard.pending_prefix
        assert not [t for t in toasts(app) if t[0] == "Read-only"]
