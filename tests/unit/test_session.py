"""Session model and session file: round trips, dirty tracking, atomic saves, merging."""

from __future__ import annotations

import os
import stat
import time
import tomllib
from pathlib import Path

import pytest

from mjtui.api.models import Button, Status, Task
from mjtui.session import (
    Session,
    SessionError,
    TrackedTask,
    ViewState,
    atomic_files,
    load_session,
    resolve_session_path,
    save_session,
)
from mjtui.session import file_format as session_file

HOSTILE = [
    "[@click=app.quit]x[/]",
    "\x1b]52;c;aGVsbG8=\x07",
    "\u202eevil\u202c",
    "nul\x00byte",
    "x" * 10_000,
    "emoji 🎨🖼️👩‍🎨",
    "中文字 日本語 한국어",
    "quotes ' \" ''' \"\"\" \\ \\n",
    "del\x7f tab\t cr\r lf\n ff\f bs\b",
    "\u2028\u2029\ufeff",
    "",
]


@pytest.fixture(autouse=True)
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CONFIG", "DATA", "CACHE"):
        monkeypatch.setenv(f"MJTUI_{name}_DIR", str(tmp_path / name.lower()))
    return tmp_path


def make_task(n: int, **changes: object) -> Task:
    fields: dict[str, object] = {
        "id": f"task_01K{n:08d}",
        "status": Status.SUCCESS,
        "progress": 100,
        "action": "IMAGINE",
        "prompt": f"a lighthouse at dusk, number {n} --ar 3:2",
        "grid_image_url": f"https://cdn.example/{n}/grid.png",
        "image_urls": tuple(f"https://cdn.example/{n}/{k}.png" for k in range(4)),
        "buttons": (
            Button(f"MJ::JOB::upsample::1::{n:08x}", "U1"),
            Button(f"MJ::JOB::variation::1::{n:08x}", "V1"),
            Button(f"MJ::JOB::reroll::0::{n:08x}::SOLO", "", "🔄"),
        ),
        "submit_time": 1764349803.123 + n,
        "start_time": 1764349804.5 + n,
        "finish_time": 1764349850.0 + n,
    }
    fields.update(changes)
    return Task(**fields)  # type: ignore[arg-type]


def tracked(n: int, **changes: object) -> TrackedTask:
    values: dict[str, object] = {
        "task": make_task(n),
        "origin": "imagine",
        "added_at": 1764349800.0 + n,
        "updated_at": 1764349900.25 + n,
    }
    values.update(changes)
    return TrackedTask(**values)  # type: ignore[arg-type]


def session_with(path: Path, *items: TrackedTask) -> Session:
    session = load_session(path)
    for item in items:
        assert session.add(item)
    return session


# -- round trip ---------------------------------------------------------------------------
def test_round_trip_every_field_and_order(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    full = TrackedTask(
        task=make_task(
            7,
            status=Status.MODAL,
            progress=42,
            fail_reason="banned prompt",
            description="a description",
            action="INPAINT",
        ),
        label="my label",
        parent_id="task_01K00000003",
        origin="Vary (Region)",
        added_at=1764349800.0,
        updated_at=1764349901.5,
        used_buttons=("MJ::a", "MJ::b"),
        modal_since=1764349902.0,
    )
    bare = TrackedTask(task=Task(id="task_bare"), added_at=1764349000.0)
    items = [tracked(3), full, bare, tracked(1), tracked(2)]
    session = session_with(path, *items)
    session.set_view(filter="cat", sort="status", selected="task_01K00000007", theme="nord")
    assert save_session(session)

    loaded = load_session(path)
    assert list(loaded.tasks) == [t.id for t in items]
    assert list(loaded.tasks.values()) == items
    assert loaded.view == ViewState("cat", "status", "task_01K00000007", "nord")
    assert loaded.warnings == []
    assert not loaded.dirty


def test_round_trip_hostile_strings(tmp_path: Path) -> None:
    path = tmp_path / "hostile.toml"
    session = load_session(path)
    for i, text in enumerate(HOSTILE):
        task = make_task(
            i,
            id=f"id-{i}-{text[:30]}",
            prompt=text,
            fail_reason=text,
            buttons=(Button(f"MJ::{text}", text, text),),
            image_urls=(text, "u"),
        )
        session.add(
            TrackedTask(
                task=task,
                label=text,
                parent_id=text,
                origin=text,
                added_at=1.0,
                used_buttons=(text,),
            )
        )
    session.set_view(filter=HOSTILE[0], selected=HOSTILE[1])
    save_session(session)
    raw = path.read_bytes()
    assert b"\x00" not in raw and b"\x1b" not in raw and b"\x7f" not in raw  # all escaped
    loaded = load_session(path)
    assert list(loaded.tasks.values()) == list(session.tasks.values())
    assert loaded.view == session.view


def test_lone_surrogate_is_replaced_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    session = session_with(path, tracked(1, task=make_task(1, prompt="bad \ud800 half")))
    assert save_session(session)
    assert load_session(path).get("task_01K00000001").task.prompt == "bad \ufffd half"


def test_times_are_utc_toml_datetimes_and_none_is_omitted(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    save_session(session_with(path, tracked(0, updated_at=None)))
    text = path.read_text()
    assert "added_at = 2025-11-28 17:10:00+00:00" in text
    assert "submit_time = 2025-11-28 17:10:03.123000+00:00" in text
    assert "updated_at" not in text and "modal_since" not in text
    data = tomllib.loads(text)
    assert data["version"] == 1
    assert data["tasks"][0]["state"]["buttons"][0] == {
        "custom_id": "MJ::JOB::upsample::1::00000000",
        "label": "U1",
    }


def test_writer_emits_only_known_keys_and_no_token(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    session = session_with(path, tracked(1, used_buttons=("x",), modal_since=5.0), tracked(2))
    save_session(session)
    assert not any("token" in name or "key" in name for name in dir(session))
    data = tomllib.loads(path.read_text())
    assert set(data) == {"version", "view", "tasks"}
    assert set(data["view"]) == {"filter", "sort", "selected", "theme"}
    for entry in data["tasks"]:
        assert set(entry) <= session_file._ENTRY_KEYS
        assert set(entry["state"]) <= session_file._STATE_KEYS
        for button in entry["state"]["buttons"]:
            assert set(button) <= session_file._BUTTON_KEYS


# -- the model ----------------------------------------------------------------------------
def test_add_remove_get_children(tmp_path: Path) -> None:
    session = load_session(tmp_path / "s.toml")
    parent, child = tracked(1), tracked(2, parent_id="task_01K00000001", origin="U1")
    assert session.add(parent) and session.add(child)
    assert not session.add(tracked(1, label="again"))
    assert "task_01K00000001" in session and len(session) == 2
    assert session.children_of("task_01K00000001") == [child]
    assert session.get("nope") is None
    assert session.remove("task_01K00000002") and not session.remove("task_01K00000002")
    assert session.children_of("task_01K00000001") == []


def test_update_task_reports_real_changes_and_keeps_metadata(tmp_path: Path) -> None:
    session = session_with(tmp_path / "s.toml", tracked(1, label="keep", parent_id="p"))
    rev = session.revision
    assert not session.update_task(make_task(1), now=10.0)  # same state: nothing to save
    assert not session.update_task(make_task(99), now=10.0)  # not tracked
    assert session.revision == rev
    assert session.update_task(make_task(1, progress=50, status=Status.IN_PROGRESS), now=11.0)
    got = session.get("task_01K00000001")
    assert (got.label, got.parent_id, got.updated_at, got.task.progress) == ("keep", "p", 11.0, 50)
    assert session.update_task(make_task(1, status=Status.MODAL), now=12.0)
    assert session.get("task_01K00000001").modal_since == 12.0
    assert session.update_task(make_task(1, status=Status.MODAL, progress=3), now=13.0)
    assert session.get("task_01K00000001").modal_since == 12.0  # still the entry time
    assert session.update_task(make_task(1, status=Status.SUBMITTED), now=14.0)
    assert session.get("task_01K00000001").modal_since is None


def test_labels_buttons_and_view_count_as_changes(tmp_path: Path) -> None:
    session = session_with(tmp_path / "s.toml", tracked(1))
    save_session(session)
    assert not session.dirty
    assert not session.set_label("task_01K00000001", "")
    assert not session.set_view(sort="added")
    assert not session.dirty
    assert session.mark_button_used("task_01K00000001", "MJ::x")
    assert not session.mark_button_used("task_01K00000001", "MJ::x")
    assert session.dirty and save_session(session)
    assert session.set_label("task_01K00000001", "hi") and session.dirty


# -- saving only when needed -------------------------------------------------------------
def test_missing_file_gives_empty_session_and_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.toml"
    session = load_session(path)
    assert len(session) == 0 and session.name == "new" and not session.dirty
    assert save_session(session) is False
    assert not path.exists() and not path.parent.exists()


def test_save_only_when_dirty(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    session = session_with(path, tracked(1))
    assert save_session(session) is True
    before = path.stat()
    time.sleep(0.01)
    assert save_session(session) is False
    assert session.update_task(make_task(1), now=5.0) is False
    assert save_session(session) is False
    after = path.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)


def test_file_and_folder_modes(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "s.toml"
    save_session(session_with(path, tracked(1)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700


def test_symlinked_session_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    link = tmp_path / "link.toml"
    save_session(session_with(real, tracked(1)))
    link.symlink_to(real)
    session = load_session(link)
    session.add(tracked(2))
    save_session(session)
    assert link.is_symlink() and len(load_session(real)) == 2


# -- crashes and corrupt files -----------------------------------------------------------
def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def saved_then_changed(path: Path) -> tuple[Session, bytes]:
    """A session saved with one task, then given a second it has not saved; the file's bytes."""
    session = session_with(path, tracked(1))
    save_session(session)
    original = path.read_bytes()
    session.add(tracked(2))
    return session, original


@pytest.mark.parametrize("victim", ["replace", "fsync", "keyboard"])
def test_interrupted_save_leaves_original_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, victim: str
) -> None:
    path = tmp_path / "s.toml"
    session, original = saved_then_changed(path)

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt if victim == "keyboard" else OSError(28, "No space left")

    monkeypatch.setattr(atomic_files.os, "fsync" if victim == "fsync" else "replace", boom)
    with pytest.raises(KeyboardInterrupt if victim == "keyboard" else SessionError):
        save_session(session)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert leftovers(tmp_path) == []
    assert session.dirty  # still unsaved: the next save retries
    assert save_session(session) and len(load_session(path)) == 2


def test_stale_temp_from_a_killed_save_is_ignored_then_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    session = session_with(path, tracked(1))
    save_session(session)
    original = path.read_bytes()
    stale = tmp_path / ".s.toml.k1ll3d99.tmp"
    stale.write_bytes(original[: len(original) // 2])  # half-written, process died
    assert load_session(path).tasks == session.tasks
    assert path.read_bytes() == original
    session.add(tracked(2))
    save_session(session)
    assert not stale.exists() and leftovers(tmp_path) == []


def test_corrupt_file_raises_with_path_and_line_and_is_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    content = b'version = 1\n[view]\nfilter = "ok"\nsort = = "oops"\n'
    path.write_bytes(content)
    with pytest.raises(SessionError) as info:
        load_session(path)
    assert info.value.path == path and info.value.line == 4
    assert str(path) in str(info.value) and "line 4" in str(info.value)
    assert path.read_bytes() == content


def test_invalid_utf8_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "bin.toml"
    path.write_bytes(b'version = 1\n\n[view]\nfilter = "\xff"\n')
    with pytest.raises(SessionError) as info:
        load_session(path)
    assert info.value.line == 4


def test_save_refuses_to_overwrite_a_file_corrupted_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    session = session_with(path, tracked(1))
    save_session(session)
    path.write_bytes(b"[[tasks]\n")  # someone broke it by hand
    session.add(tracked(2))
    with pytest.raises(SessionError) as info:
        save_session(session)
    assert info.value.line == 1
    assert path.read_bytes() == b"[[tasks]\n"
    assert leftovers(tmp_path) == []


def test_newer_version_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.toml"
    content = b"version = 2\n[[tasks]]\nid = 'task_x'\nhologram = true\n"
    path.write_bytes(content)
    with pytest.raises(SessionError, match=r"newer mjtui \(version 2\); this one reads version 1"):
        load_session(path)
    # Also when a newer mjtui rewrote the file while we were running.
    other = tmp_path / "s.toml"
    session = session_with(other, tracked(1))
    save_session(session)
    other.write_bytes(content)
    session.add(tracked(2))
    with pytest.raises(SessionError, match="newer mjtui"):
        save_session(session)
    assert path.read_bytes() == content and other.read_bytes() == content


@pytest.mark.parametrize("content", [b"version = 'one'\n", b"version = 1\ntasks = 5\n"])
def test_broken_structure_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(content)
    with pytest.raises(SessionError):
        load_session(path)


def test_bad_entries_are_skipped_with_warnings_and_backed_up(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    content = (
        b"version = 1\n"
        b"[[tasks]]\nid = 'task_good'\nlabel = 'fine'\n[tasks.state]\nstatus = 'SUCCESS'\n"
        b"[[tasks]]\nid = 'task_bad'\n[tasks.state]\nprogress = 'lots'\n"
        b"[[tasks]]\nlabel = 'no id'\n"
        b"[[tasks]]\nid = 'task_btn'\n[[tasks.state.buttons]]\nlabel = 'no custom id'\n"
        b"[[tasks]]\nid = 'task_good'\n"
        b"[[tasks]]\nid = 'task_extra'\nfuture_key = 1\nadded_at = 2026-01-02T03:04:05Z\n"
        b"[tasks.state]\nstatus = 'weird'\n"
    )
    path.write_bytes(content)
    session = load_session(path)
    assert list(session.tasks) == ["task_good", "task_extra"]
    assert session.get("task_extra").task.status is Status.UNKNOWN
    assert session.get("task_extra").added_at == 1767323045.0
    text = "\n".join(session.warnings)
    assert "task #2 ('task_bad') skipped: state.progress must be an integer" in text
    assert "task #3 skipped: id is missing" in text
    assert "task #4 ('task_btn') skipped" in text
    assert "task #5 ('task_good') skipped: the same id appears earlier" in text
    assert "unknown keys ignored" in text and "future_key" in text
    assert path.read_bytes() == content  # loading never writes
    session.set_label("task_good", "renamed")
    save_session(session)
    assert (tmp_path / "s.toml.bak").read_bytes() == content
    assert list(load_session(path).tasks) == ["task_good", "task_extra"]


def test_hand_written_minimal_entry_and_missing_version(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[[tasks]]\nid = 'task_hand'\n")
    session = load_session(path)
    assert session.get("task_hand").task == Task(id="task_hand")
    assert any("no version key" in w for w in session.warnings)
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    assert load_session(empty).warnings == []


# -- names and paths ---------------------------------------------------------------------
def test_resolve_session_path(dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = dirs / "data" / "sessions"
    assert resolve_session_path(None) == sessions / "default.toml"
    assert resolve_session_path("work-2.v1_a") == sessions / "work-2.v1_a.toml"
    assert resolve_session_path("a" * 64) == sessions / f"{'a' * 64}.toml"
    monkeypatch.chdir(dirs)
    assert resolve_session_path("mine.toml") == dirs / "mine.toml"
    assert resolve_session_path("sub/x") == dirs / "sub" / "x"
    monkeypatch.setenv("HOME", str(dirs / "home"))
    assert resolve_session_path("~/s.toml") == dirs / "home" / "s.toml"
    assert not sessions.exists()  # resolving creates nothing


@pytest.mark.parametrize("name", ["", ".hidden", "a b", "a" * 65, "ünï", "x:y", "~x", "a\x00"])
def test_bad_session_names_are_refused(name: str) -> None:
    with pytest.raises(SessionError, match="invalid session name"):
        resolve_session_path(name)


# -- two processes, one file -------------------------------------------------------------
def test_two_sessions_both_adds_survive(tmp_path: Path) -> None:
    path = tmp_path / "shared.toml"
    save_session(session_with(path, tracked(1)))
    first, second = load_session(path), load_session(path)
    first.add(tracked(2))
    second.add(tracked(3))
    assert save_session(first) and save_session(second)
    assert list(load_session(path).tasks) == [
        "task_01K00000001",
        "task_01K00000002",
        "task_01K00000003",
    ]
    assert "task_01K00000002" in second  # the merge brought it into memory too
    first.add(tracked(4))
    save_session(first)
    assert len(load_session(path)) == 4


def test_removal_by_one_is_honoured_by_the_other(tmp_path: Path) -> None:
    path = tmp_path / "shared.toml"
    save_session(session_with(path, tracked(1), tracked(2)))
    first, second = load_session(path), load_session(path)
    assert first.remove("task_01K00000001")
    save_session(first)
    second.add(tracked(3))
    second.update_task(make_task(2, progress=7), now=1e10)
    save_session(second)
    on_disk = load_session(path)
    assert list(on_disk.tasks) == ["task_01K00000002", "task_01K00000003"]
    assert "task_01K00000001" not in second
    # And the other way round: second removes a task first saved by first.
    assert second.remove("task_01K00000003")
    save_session(second)
    first.add(tracked(5))
    save_session(first)
    assert list(load_session(path).tasks) == ["task_01K00000002", "task_01K00000005"]


def test_merge_keeps_newer_state_and_our_label(tmp_path: Path) -> None:
    path = tmp_path / "shared.toml"
    save_session(session_with(path, tracked(1), tracked(2)))
    first, second = load_session(path), load_session(path)
    first.set_label("task_01K00000001", "named by first")
    first.mark_button_used("task_01K00000001", "MJ::a")
    second.update_task(make_task(1, progress=99, status=Status.IN_PROGRESS), now=2e9)
    second.set_label("task_01K00000002", "named by second")
    second.mark_button_used("task_01K00000001", "MJ::b")
    second.set_view(filter="from second")
    save_session(second)
    first.update_task(make_task(1, progress=10, status=Status.IN_PROGRESS), now=1.9e9)
    save_session(first)
    result = load_session(path)
    one, two = result.get("task_01K00000001"), result.get("task_01K00000002")
    assert one.label == "named by first" and one.task.progress == 99 and one.updated_at == 2e9
    assert one.used_buttons == ("MJ::a", "MJ::b")
    assert two.label == "named by second"
    assert result.view.filter == "from second"


def _save_paused_at_write(session: Session, monkeypatch: pytest.MonkeyPatch):
    """Start `save_session(session)` in a thread that stops just before writing the file;
    returns (writing, resume, thread): set `resume` to let it finish."""
    import threading

    writing, resume = threading.Event(), threading.Event()
    real_write = atomic_files.atomic_write

    def slow_write(target: Path, data: bytes) -> None:
        writing.set()
        assert resume.wait(5)
        real_write(target, data)

    monkeypatch.setattr(atomic_files, "atomic_write", slow_write)
    saver = threading.Thread(target=save_session, args=(session,))
    saver.start()
    assert writing.wait(5)
    return writing, resume, saver


def test_a_save_in_progress_does_not_block_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The saver holds the session lock only for its snapshot: while the file is being
    written (a slow disk), the UI thread can still update, label and select tasks."""
    path = tmp_path / "s.toml"
    session = session_with(path, tracked(1), tracked(2))
    _, resume, saver = _save_paused_at_write(session, monkeypatch)
    start = time.monotonic()
    session.update_task(make_task(1, progress=55, status=Status.IN_PROGRESS), now=2e9)
    session.set_view(selected="task_01K00000002")
    session.set_label("task_01K00000002", "named during the save")
    assert time.monotonic() - start < 1  # not waiting for the write
    resume.set()
    saver.join(5)
    # The file holds the snapshot; what changed meanwhile is still unsaved, then saved.
    on_disk = load_session(path)
    assert on_disk.get("task_01K00000001").task.progress != 55
    assert session.dirty
    monkeypatch.undo()
    assert save_session(session) and not session.dirty
    again = load_session(path)
    assert again.get("task_01K00000001").task.progress == 55
    assert again.get("task_01K00000002").label == "named during the save"
    assert again.view.selected == "task_01K00000002"


def test_edits_made_during_a_save_still_win_the_next_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A label set, a view changed and a task removed while a save was writing are still
    ours when another process has saved in between: the merge must not undo them."""
    path = tmp_path / "s.toml"
    save_session(session_with(path, tracked(1), tracked(2), tracked(3)))
    mine = load_session(path)
    mine.add(tracked(4))
    _, resume, saver = _save_paused_at_write(mine, monkeypatch)
    mine.set_label("task_01K00000001", "mine")
    mine.set_view(filter="mine")
    mine.remove("task_01K00000002")
    resume.set()
    saver.join(5)
    monkeypatch.undo()
    other = load_session(path)  # another mjtui saves after our first save
    other.set_label("task_01K00000003", "theirs")
    save_session(other)
    assert save_session(mine)
    result = load_session(path)
    assert result.get("task_01K00000001").label == "mine"
    assert result.get("task_01K00000003").label == "theirs"
    assert "task_01K00000002" not in result and "task_01K00000004" in result
    assert result.view.filter == "mine"


# -- scale ---------------------------------------------------------------------------------
def test_thousand_tasks_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    session = session_with(path, *(tracked(n) for n in range(1000)))
    start = time.perf_counter()
    save_session(session)
    cold = time.perf_counter() - start
    session.set_label("task_01K00000500", "touched")
    start = time.perf_counter()
    save_session(session)
    warm = time.perf_counter() - start
    start = time.perf_counter()
    loaded = load_session(path)
    load = time.perf_counter() - start
    assert list(loaded.tasks.values()) == list(session.tasks.values())
    print(
        f"\n1,000 tasks: save {cold * 1000:.0f} ms (cold), {warm * 1000:.0f} ms (one change), "
        f"load {load * 1000:.0f} ms, {path.stat().st_size} bytes"
    )
    assert os.path.getsize(path) > 0


def test_save_gives_up_when_another_process_holds_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    path = tmp_path / "s.toml"
    session, original = saved_then_changed(path)
    monkeypatch.setattr(atomic_files, "LOCK_TIMEOUT", 0.05)
    with open(tmp_path / "s.toml.lock", "w") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(SessionError, match="being saved by another process"):
            save_session(session)
    assert path.read_bytes() == original and session.dirty
    assert save_session(session)


WRITER = """
import sys
from mjtui.api.models import Task
from mjtui.session import TrackedTask, load_session, save_session
session = load_session(sys.argv[1])
for n in range(int(sys.argv[3])):
    session.add(TrackedTask(Task(id=f"{sys.argv[2]}-{n}"), added_at=1.0))
    save_session(session)
"""


def test_concurrent_processes_lose_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "shared.toml"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "25"], env=env)
        for name in ("alpha", "beta", "gamma")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    ids = set(load_session(path).tasks)
    assert ids == {f"{name}-{n}" for name in ("alpha", "beta", "gamma") for n in range(25)}
    assert leftovers(tmp_path) == []
