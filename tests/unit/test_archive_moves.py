"""Moves between the session TOML and the archive: the rules, the round trip both ways, the
tidy-up after a killed move, old files, and a SIGKILL loop that never loses or doubles a task."""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

from kill_helpers import run_and_kill
from test_archive_store import full_task

from mjtui.api.models import Status, Task
from mjtui.archive import Archive
from mjtui.archive.moves import (
    DAY,
    auto_move,
    move,
    move_lock,
    older_than,
    reconcile,
    restore,
    session_key,
    to_archive,
)
from mjtui.session import Session, TrackedTask, load_session, save_session

ROOT = Path(__file__).resolve().parents[2]
KILL_ARCHIVER = Path(__file__).resolve().parents[1] / "helpers" / "kill_archiver.py"
NOW = 1_800_000_000.0


def tracked(n: int, status: Status = Status.SUCCESS, days_ago: float = 0.0,
            **changes: object) -> TrackedTask:
    task = Task(id=f"task_{n:020d}", status=status, prompt=f"job {n}")
    return TrackedTask(task=task, added_at=NOW - days_ago * DAY - n, **changes)


def test_the_rules_pick_old_and_excess_finished_unlabelled_tasks() -> None:
    tasks = [
        tracked(1, days_ago=8),  # old: moves
        tracked(2, Status.FAILURE, days_ago=8),  # finished either way: moves
        tracked(3, Status.IN_PROGRESS, days_ago=30),  # running: stays
        tracked(4, Status.MODAL, days_ago=30),  # waits for input: stays
        tracked(5, days_ago=30, label="keep me"),  # labelled: stays
        tracked(6, days_ago=8, restored_at=NOW - 60),  # restored a minute ago: recent
        *[tracked(10 + n, days_ago=1) for n in range(4)],  # recent, but only 3 may stay
    ]
    # The newest 3 finished unlabelled ones stay: the restored one and 10, 11.
    moved = to_archive(tasks, NOW, after_days=7, max_tasks=3)
    assert moved == [tasks[1].id, tasks[0].id, tracked(13).id, tracked(12).id]  # oldest first
    assert to_archive(tasks, NOW, after_days=7, max_tasks=500) == [tasks[1].id, tasks[0].id]
    # `mjtui archive --older-than 2d`: labelled ones too; running or restored ones not.
    assert set(older_than(tasks, NOW, 2 * DAY)) == {tasks[0].id, tasks[1].id, tasks[4].id}


def test_move_and_restore_keep_every_field(tmp_path: Path) -> None:
    session = Session(tmp_path / "s.toml")
    original = [full_task(n, restored_at=None) for n in range(3)]
    for each in original:
        session.add(each)
    save_session(session)
    with move_lock(session), Archive(tmp_path / "a.sqlite3") as archive:
        seen = []
        assert move(session, archive, [original[0].id, original[1].id],
                    progress=lambda done, total: seen.append((done, total)), chunk=1) == 2
        assert seen == [(0, 2), (1, 2), (2, 2)]
        assert list(load_session(session.path).tasks) == [original[2].id]
        stored = archive.get(original[0].id)
        assert stored.tracked == original[0]
        assert (stored.session, stored.session_path) == ("s", session_key(session))
        back = restore(session, archive, [original[0].id, "task_0000000000000000NOTHERE"],
                       now=NOW)
        assert [a.id for a in back] == [original[0].id]
        assert archive.get(original[0].id) is None
    reread = load_session(session.path).get(original[0].id)
    assert reread == replace(original[0], restored_at=NOW)


def test_a_task_in_both_places_keeps_the_session_copy(tmp_path: Path) -> None:
    session = Session(tmp_path / "s.toml")
    mine = tracked(1, label="session copy")
    session.add(mine)
    save_session(session)
    with Archive(tmp_path / "a.sqlite3") as archive:
        archive.put([replace(mine, label="archive copy")], "s", session_key(session))
        archive.put([tracked(1, label="from elsewhere")], "other", "/other.toml")  # replaces
        archive.put([replace(mine, label="archive copy")], "s", session_key(session))
        archive.put([tracked(2)], "other", "/other.toml")
        assert reconcile(session, archive) == 1
        assert archive.get(mine.id) is None
        assert archive.get(tracked(2).id) is not None  # another session's task: untouched
    assert load_session(session.path).get(mine.id).label == "session copy"


def test_auto_move_creates_no_archive_when_nothing_moves(tmp_path: Path) -> None:
    session = Session(tmp_path / "s.toml")
    session.add(tracked(1))
    path = tmp_path / "a.sqlite3"
    assert auto_move(session, path, after_days=7, max_tasks=500, now=NOW) == 0
    assert not path.exists()
    session.add(tracked(2, days_ago=10))
    assert auto_move(session, path, after_days=7, max_tasks=500, now=NOW) == 1
    assert list(load_session(session.path).tasks) == [tracked(1).id]


OLD_FILE = """\
# written by mjtui before the archive existed
version = 1

[view]
selected = 'task_01KB2Q3Z7W8X9Y0A1B2C3D4E5F'

[[tasks]]
id = 'task_01KB2Q3Z7W8X9Y0A1B2C3D4E5F'
origin = 'imagine'
added_at = 2025-11-28T17:10:03Z
used_buttons = ['MJ::JOB::upsample::1::x']

[tasks.state]
status = 'SUCCESS'
prompt = 'a lighthouse'

[[tasks]]
id = 'task_01KB2Q4A0C1D2E3F4G5H6J7K8M'
parent = 'task_01KB2Q3Z7W8X9Y0A1B2C3D4E5F'
added_at = 2025-11-28T17:11:40Z

[tasks.state]
status = 'IN_PROGRESS'
"""


def test_an_old_session_file_loads_and_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(OLD_FILE)
    session = load_session(path)
    assert not session.warnings and len(session) == 2
    assert auto_move(session, tmp_path / "a.sqlite3", after_days=7, max_tasks=500) == 1
    assert list(load_session(path).tasks) == ["task_01KB2Q4A0C1D2E3F4G5H6J7K8M"]
    with Archive(tmp_path / "a.sqlite3") as archive:
        old = archive.get("task_01KB2Q3Z7W8X9Y0A1B2C3D4E5F").tracked
    assert old.used_buttons == ("MJ::JOB::upsample::1::x",) and old.task.prompt == "a lighthouse"


def test_sigkill_during_moves_never_loses_or_doubles_a_task(tmp_path: Path) -> None:
    path = tmp_path / "sessions" / "moves.toml"
    archive_path = tmp_path / "archive.sqlite3"
    rng = random.Random(int(os.environ.get("MJTUI_KILL_SEED", "14")))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    made: set[str] = set()
    doubled = rounds = 0
    started = time.monotonic()
    while rounds < 30 and (rounds < 15 or time.monotonic() - started < 15):
        rounds += 1
        made.update(run_and_kill(
            [sys.executable, str(KILL_ARCHIVER), str(path), str(archive_path), f"R{rounds:03d}"],
            rng.uniform(0.01, 0.4), env))
        session = load_session(path)
        with Archive(archive_path) as archive:
            archived = {a.id for a in archive.search("", limit=0)}
            in_toml = set(session.tasks)
            missing = made - in_toml - archived
            assert not missing, f"round {rounds}: lost {sorted(missing)[:5]}"
            doubled += bool(in_toml & archived)
            with move_lock(session):  # what the next command does when it opens the session
                reconcile(session, archive)
            archived = {a.id for a in archive.search("", limit=0)}
        assert not set(load_session(path).tasks) & archived
        assert made <= set(load_session(path).tasks) | archived
    assert len(made) > rounds * 30  # the kills landed among many moves
    print(f"{rounds} kills, {len(made)} tasks, {doubled} kills left a task in both places")
