"""The archive store (mjtui.archive): round trip of every session field, FTS search with any
text a user can type, lookups by ID, a damaged or newer file, two writing processes."""

from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path

import pytest

from mjtui.api.models import Button, Status, Task
from mjtui.archive import Archive, ArchiveError
from mjtui.archive.search import fts_query
from mjtui.session import TrackedTask

ROOT = Path(__file__).resolve().parents[2]


def full_task(n: int = 0, **changes: object) -> TrackedTask:
    """A task with every field of the session format set to something unusual."""
    task = Task(
        id=f"task_{n:020d}ABCDEF", status=Status.SUCCESS, progress=100, action="UPSCALE",
        prompt=f"a lighthouse at dusk #{n}, oil \x1b[31m\u202e [@click=x] \x00 --ar 3:2",
        fail_reason="none\u200b", description="desc \"quoted\"\ttab",
        grid_image_url="https://cdn.example/grid.png",
        image_urls=("https://cdn.example/0.png", "https://cdn.example/1.png"),
        video_urls=("https://cdn.example/0.mp4",),
        submit_time=1764349803.123, start_time=1764349810.0, finish_time=1764349858.5,
        buttons=(Button("MJ::JOB::upsample::1::abc", "U1", ""),
                 Button("MJ::JOB::reroll::0::abc::SOLO", "", "🔄")),
    )
    tracked = TrackedTask(
        task=task, label="lighthouse ✨", parent_id="task_0000000000000000PARENT",
        origin="Vary (Strong)", added_at=1764349803.25, updated_at=1764349860.125,
        used_buttons=("MJ::JOB::upsample::1::abc",), modal_since=None, restored_at=1764349999.5,
    )
    return TrackedTask(**{**{f.name: getattr(tracked, f.name) for f in fields(tracked)}, **changes})


def test_every_field_survives_a_round_trip(tmp_path: Path) -> None:
    original = full_task()
    modal = full_task(1, task=Task(id="task_00000000000000000001MODAL", status=Status.MODAL),
                      modal_since=1764349900.0, label="", restored_at=None)
    with Archive(tmp_path / "a.sqlite3") as archive:
        assert archive.put([original, modal], "work", "/s/work.toml", now=5.0) == 2
        back = archive.get(original.id)
        assert back is not None and back.tracked == original
        assert (back.session, back.session_path, back.archived_at) == ("work", "/s/work.toml", 5.0)
        assert archive.get(modal.id).tracked == modal
        # Every TrackedTask and Task field was set to a non-default value above.
        for f in fields(Task):
            if f.name not in ("status",):
                assert getattr(original.task, f.name) not in ("", 0, (), None), f.name
        assert archive.get("task_0000000000000000MISSING") is None


def test_a_lone_surrogate_and_odd_numbers_are_stored(tmp_path: Path) -> None:
    tracked = full_task(task=Task(id="task_0000000000000000SURROG", prompt="a\ud800b",
                                  submit_time=math.inf))
    with Archive(tmp_path / "a.sqlite3") as archive:
        archive.put([tracked], "s", "/s.toml")
        back = archive.get(tracked.id).tracked
    assert back.task.prompt == "a\ud800b"
    assert back.task.submit_time is None  # as in the TOML: a non-finite time is left out


def test_get_many_present_delete_and_update(tmp_path: Path) -> None:
    tasks = [full_task(n) for n in range(1200)]  # more than one chunk of IDs
    with Archive(tmp_path / "a.sqlite3") as archive:
        archive.put(tasks[:600], "a", "/a.toml")
        archive.put(tasks[600:], "b", "/b.toml")
        ids = [t.id for t in tasks] + ["task_0000000000000000NOTHERE"]
        assert set(archive.get_many(ids)) == {t.id for t in tasks}
        assert archive.present(ids, "/b.toml") == {t.id for t in tasks[600:]}
        assert archive.delete([tasks[0].id, tasks[700].id], "/a.toml") == 1  # only a's
        assert archive.count() == 1199
        relabelled = TrackedTask(task=tasks[1].task, label="renamed")
        assert archive.update(relabelled)
        assert archive.get(tasks[1].id).tracked.label == "renamed"
        assert archive.search("renamed")[0].id == tasks[1].id
        assert not archive.update(TrackedTask(task=Task(id="task_0000000000000000NOTHERE")))


@pytest.mark.parametrize("text", [
    '"', '""', "'", "*", "-", "AND", "OR", "NOT", "NEAR(a b)", "a AND", "(", ")", "a OR OR b",
    "prompt:", "id:task", "^", "+", ":", "{}", "a*b", 'x"y', "\x00", "\u202e", "🔄", "%",
    "--ar 3:2", "col:", "NEAR", "a - b", "\\", "'; DROP TABLE tasks; --", " ", "",
])
def test_odd_search_text_never_raises(tmp_path: Path, text: str) -> None:
    with Archive(tmp_path / "a.sqlite3") as archive:
        archive.put([full_task(1)], "s", "/s.toml")
        archive.search(text)  # no sqlite3.OperationalError: fts5 syntax error
        archive.search_count(text)
        assert archive.count() == 1


def test_search_words_ids_labels_filters_and_order(tmp_path: Path) -> None:
    a = full_task(1, label="harbour", added_at=100.0)
    b = full_task(2, label="", added_at=300.0,
                  task=Task(id="task_0000000000000000BBBBBBBB", status=Status.FAILURE,
                            prompt="Lighthouse in fog"))
    c = full_task(3, label="", added_at=200.0,
                  task=Task(id="task_0000000000000000CCCCCCCC", status=Status.SUCCESS,
                            prompt="a cat"))
    with Archive(tmp_path / "a.sqlite3") as archive:
        archive.put([a, b, c], "s", "/s.toml")
        assert [t.id for t in archive.search("")] == [b.id, c.id, a.id]  # newest first
        assert [t.id for t in archive.search("LIGHT")] == [b.id, a.id]  # word prefix, any case
        assert [t.id for t in archive.search("lighthouse oil")] == [a.id]  # every word
        assert [t.id for t in archive.search("harb")] == [a.id]  # the label
        assert [t.id for t in archive.search("0000000000000000CC")] == [c.id]  # an ID prefix
        assert [t.id for t in archive.search(c.id)] == [c.id]  # the whole ID
        assert [t.id for t in archive.search("", status="FAILURE")] == [b.id]
        assert [t.id for t in archive.search("", since=150.0)] == [b.id, c.id]
        assert [t.id for t in archive.search("", limit=1, offset=1)] == [c.id]
        assert archive.search("", session_path="/other.toml") == []
        assert archive.search_count("light") == 2


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('say "hi" AND bye*') == '"say"* """hi"""* "and"* "bye*"*'
    assert fts_query("!!! ... -") == ""


def test_a_file_that_is_not_a_database_is_reported_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    path.write_bytes(b"this is not sqlite " * 100)
    with pytest.raises(ArchiveError, match="not readable"):
        Archive(path)
    assert path.read_bytes() == b"this is not sqlite " * 100


def test_a_newer_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(ArchiveError, match="newer mjtui"):
        Archive(path)


def test_the_archive_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "a.sqlite3"
    with Archive(path) as archive:
        archive.put([full_task()], "s", "/s.toml")
    assert path.stat().st_mode & 0o077 == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


WRITER = textwrap.dedent("""
    import sys
    from mjtui.api.models import Status, Task
    from mjtui.archive import Archive
    from mjtui.session import TrackedTask
    path, tag = sys.argv[1], sys.argv[2]
    with Archive(path) as archive:
        print("READY", flush=True)
        sys.stdin.readline()
        for n in range(200):
            task = Task(id=f"task_{tag}{n:016d}", status=Status.SUCCESS, prompt=f"{tag} {n}")
            archive.put([TrackedTask(task=task, added_at=float(n))], tag, "/" + tag)
            if n % 50 == 0:
                archive.delete([f"task_{tag}{n:016d}"])
    print("DONE", flush=True)
""")


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=env)
        for tag in ("AAAA", "BBBB")
    ]
    for child in children:  # both open (and create) the file, then write together
        assert child.stdout.readline().strip() == "READY"
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0 and out.strip() == "DONE"
    with Archive(path) as archive:
        assert archive.count() == 2 * (200 - 4)
        assert archive.search_count("AAAA") == 196
