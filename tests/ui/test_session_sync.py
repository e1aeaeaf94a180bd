"""Two mjtui on one session: what one adds or removes shows up in the other's dashboard."""

from __future__ import annotations

from pathlib import Path

from ui_fixtures import make_app, make_env, settle, track

from mjtui.api.models import Task
from mjtui.session import TrackedTask, load_session, save_session


async def test_tasks_added_and_removed_elsewhere_reach_the_dashboard(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    first, second = env.create("a red fox"), env.create("a blue whale")
    session = track(env, first, second)
    save_session(session)
    app = make_app(env, load_session(env.session_path))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.dashboard.table
        assert set(map(str, (k.value for k in table.rows))) == {first, second}

        other = load_session(env.session_path)  # another mjtui on the same file
        third = env.create("a green heron")
        other.add(TrackedTask(task=Task(id=third), origin="added", added_at=env.clock()))
        other.remove(second)
        save_session(other)

        app.session.set_label(first, "renamed here")  # a change of ours makes the next save merge
        app.save()
        await settle(pilot)

        assert set(app.session.tasks) == {first, third}
        assert set(map(str, (k.value for k in table.rows))) == {first, third}
        assert set(app.tracker.tracked_ids) == {first, third}
        assert app.dashboard.status_line.counts.total() == 2
