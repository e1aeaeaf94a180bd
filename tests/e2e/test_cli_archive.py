"""`mjtui history`, `archive`, `restore`, and `status`/`watch`/`action` on archived tasks,
end to end against the fake apimart on a loopback port (issue 14's CLI contract)."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime

import pytest
from cli_fixtures import cli, fake_fixture, server_fixture  # noqa: F401 - fixtures

from mjtui.api.models import Status, Task
from mjtui.archive import Archive, archive_path
from mjtui.fake import FakeApimart
from mjtui.session import TrackedTask, load_session, resolve_session_path, save_session

STATUS_KEYS = {"id", "status", "progress", "action", "prompt", "fail_reason", "grid_image_url",
               "image_urls", "buttons", "label", "parent", "prompts", "video_urls"}
DAY = 86400.0


def finished_grid(capsys: pytest.CaptureFixture[str], fake: FakeApimart, prompt: str,
                  *extra: str) -> str:
    code, out, _ = cli(capsys, "imagine", prompt, *extra)
    assert code == 0
    task_id = out.strip()
    fake.job(task_id).submitted_at -= 120  # done now
    assert cli(capsys, "status", task_id)[0] == 0  # the session learns it is done
    return task_id


def session_with(tasks: list[TrackedTask], name: str | None = None) -> None:
    session = load_session(resolve_session_path(name))
    for tracked in tasks:
        session.add(tracked)
    save_session(session)


def made(n: int, prompt: str, added_at: float, status: Status = Status.SUCCESS,
         label: str = "") -> TrackedTask:
    task = Task(id=f"task_HIST{n:016d}", status=status, progress=100, prompt=prompt)
    return TrackedTask(task=task, label=label, added_at=added_at)


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_history_lists_session_and_archive_newest_first(capsys, fake) -> None:
    base = float(int(time.time()) - 3600)  # recent: the rules leave them in the session
    session_with([made(n, f"job {n} {'cat' if n % 2 else 'dog'}", base + n) for n in range(6)])
    code, out, err = cli(capsys, "archive", "--older-than", "0")
    assert code == 0 and err == ""
    assert out == "moved 6 finished tasks to the archive; 0 left in the session\n"
    session_with([made(10, "a cat in the session", base + 60, Status.IN_PROGRESS, label="kitty")])
    code, out, _ = cli(capsys, "history", "--json")
    assert code == 0
    records = lines(out)
    assert [r["id"][-2:] for r in records] == ["10", "05", "04", "03", "02", "01", "00"]
    assert all(set(r) == STATUS_KEYS for r in records)
    assert records[0]["label"] == "kitty" and records[0]["status"] == "IN_PROGRESS"
    assert [r["id"][-2:] for r in lines(cli(capsys, "history", "CAT", "--json")[1])] == [
        "10", "05", "03", "01"]
    assert [r["id"][-2:] for r in lines(cli(capsys, "history", "kit", "--json")[1])] == ["10"]
    assert len(lines(cli(capsys, "history", "--json", "--limit", "2")[1])) == 2
    assert len(lines(cli(capsys, "history", "--json", "--limit", "0")[1])) == 7
    done = lines(cli(capsys, "history", "--json", "--status", "done")[1])
    assert len(done) == 6 and {r["status"] for r in done} == {"SUCCESS"}
    when = datetime.fromtimestamp(base + 3, UTC).isoformat()
    since = lines(cli(capsys, "history", "--json", "--since", when)[1])
    assert [r["id"][-2:] for r in since] == ["10", "05", "04", "03"]
    code, out, _ = cli(capsys, "history", "dog")
    assert code == 0 and len(out.splitlines()) == 3
    assert out.splitlines()[0].startswith("task_HIST0000000000000004  DONE")
    assert cli(capsys, "history", '"AND OR (*', "--json") == (0, "", "")  # odd text: no match


def test_history_of_one_session_and_of_all(capsys, fake) -> None:
    session_with([made(1, "in work", 1000.0)], "work")
    session_with([made(2, "in default", 1000.0)])
    assert cli(capsys, "archive", "--older-than", "0", "--session", "work")[0] == 0
    assert cli(capsys, "archive", "--older-than", "0")[0] == 0
    every = lines(cli(capsys, "history", "--json", "in")[1])
    assert {r["prompt"] for r in every} == {"in work", "in default"}
    only = lines(cli(capsys, "history", "--json", "in", "--session", "work")[1])
    assert [r["prompt"] for r in only] == ["in work"]


@pytest.mark.parametrize("argv, message", [
    (("history", "--since", "yesterday"), "--since"),
    (("history", "--status", "GREEN"), "--status"),
    (("history", "--limit", "-1"), "--limit"),
    (("archive", "--older-than", "soon"), "--older-than"),
    (("restore", "not-a-task-id"), "task"),
])
def test_bad_values_exit_2(capsys, fake, argv, message) -> None:
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == "" and message in err


def test_archive_by_the_rules_keeps_labelled_and_recent(capsys, fake, monkeypatch) -> None:
    now = time.time()
    session_with([made(1, "old", now - 30 * DAY), made(2, "old, labelled", now - 30 * DAY,
                                                       label="keep"),
                  made(3, "new", now - 60), made(4, "old, running", now - 30 * DAY,
                                                 Status.IN_PROGRESS)])
    code, out, _ = cli(capsys, "history", "--json")  # any command applies the rules first
    assert code == 0 and len(lines(out)) == 4
    assert set(load_session(resolve_session_path(None)).tasks) == {
        made(n, "", 0).id for n in (2, 3, 4)}
    with Archive(archive_path()) as archive:
        assert archive.get(made(1, "", 0).id).tracked.task.prompt == "old"


def test_the_session_size_rule_from_the_config(capsys, fake, isolated_dirs) -> None:
    config = isolated_dirs / "config"
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text("session_max_tasks = 3\narchive_after_days = 365\n")
    session_with([made(n, f"job {n}", time.time() - 100 + n) for n in range(5)])
    assert cli(capsys, "archive")[1] == "moved 2 finished tasks to the archive; 3 left in the session\n"
    assert len(load_session(resolve_session_path(None))) == 3


def test_status_and_watch_find_archived_tasks(capsys, fake) -> None:
    task_id = finished_grid(capsys, fake, "an archived lighthouse", "--label", "beacon")
    assert cli(capsys, "archive", "--older-than", "0")[0] == 0
    assert task_id not in load_session(resolve_session_path(None))
    code, out, _ = cli(capsys, "status", "--json", task_id)
    record = json.loads(out)
    assert code == 0 and record["label"] == "beacon" and record["status"] == "SUCCESS"
    code, out, _ = cli(capsys, "watch", task_id)
    assert code == 0 and out.startswith(task_id) and "DONE" in out
    assert task_id not in load_session(resolve_session_path(None))  # still archived, once
    fake.store.jobs.pop(task_id)  # the API forgets it: the archive keeps its results
    code, out, _ = cli(capsys, "status", "--json", task_id)
    record = json.loads(out)
    assert code == 1 and record["status"] == "EXPIRED" and record["label"] == "beacon"
    assert record["image_urls"]
    with Archive(archive_path()) as archive:
        assert archive.get(task_id).tracked.task.status is Status.EXPIRED
    assert task_id not in load_session(resolve_session_path(None))


def test_restore_brings_tasks_back(capsys, fake) -> None:
    session_with([made(1, "one", 1000.0, label="first"), made(2, "two", 1000.0)])
    assert cli(capsys, "archive", "--older-than", "0")[0] == 0
    one, two = made(1, "", 0).id, made(2, "", 0).id
    code, out, err = cli(capsys, "restore", one, "task_NOSUCHTASK000000000")
    assert code == 1 and out == f"{one}\n" and "task_NOSUCHTASK000000000 is not in the archive" in err
    back = load_session(resolve_session_path(None)).get(one)
    assert back.label == "first" and back.restored_at is not None
    code, out, err = cli(capsys, "restore", one)
    assert code == 0 and "in the session already" in err
    code, out, _ = cli(capsys, "history", "--json")  # not archived again by the rules
    assert {r["id"] for r in lines(out)} == {one, two}
    assert one in load_session(resolve_session_path(None))


def test_a_follow_up_on_an_archived_task_restores_it_and_keeps_the_guard(capsys, fake) -> None:
    task_id = finished_grid(capsys, fake, "a lighthouse to upscale")
    code, out, _ = cli(capsys, "action", task_id, "U1")
    assert code == 0
    assert cli(capsys, "archive", "--older-than", "0")[0] == 0
    assert task_id not in load_session(resolve_session_path(None))
    posted = len([r for r in fake.requests if r.method == "POST"])
    code, out, err = cli(capsys, "action", task_id, "U1")  # pressed before: refused
    assert code == 2 and "already pressed" in err
    assert len([r for r in fake.requests if r.method == "POST"]) == posted
    assert task_id in load_session(resolve_session_path(None))  # restored for the follow-up
    code, out, _ = cli(capsys, "action", task_id, "U2")
    assert code == 0 and out.startswith("task_")
    with Archive(archive_path()) as archive:
        assert archive.get(task_id) is None


def test_a_broken_archive_is_reported_and_kept(capsys, fake) -> None:
    task_id = finished_grid(capsys, fake, "still works")
    path = archive_path()
    path.write_bytes(b"garbage, not sqlite" * 64)
    code, out, err = cli(capsys, "history")
    assert code == 3 and "not readable" in err and str(path) in err
    code, out, err = cli(capsys, "status", task_id)  # the session alone still works
    assert code == 0 and out.startswith(task_id)
    assert path.read_bytes() == b"garbage, not sqlite" * 64
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT 1 FROM tasks")
