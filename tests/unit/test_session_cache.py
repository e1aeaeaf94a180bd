"""The decoded-session copy (mjtui.session_cache): used only for the exact bytes it was made
from, and then it gives what parsing the TOML gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_archive_store import full_task

from mjtui.api.models import Task
from mjtui.paths import cache_dir
from mjtui.session import Session, TrackedTask, load_session, save_session
from mjtui.session import file_format as session_file


def saved_session(path: Path) -> Session:
    session = Session(path)
    session.add(full_task(1))
    odd = Task(id="task_0000000000000000SURROGATE", prompt="a\ud800b", submit_time=1.0000001)
    session.add(TrackedTask(task=odd, added_at=1764349803.1234567, updated_at=2.5e-7))
    session.set_view(filter="light", sort="status")
    save_session(session)
    return session


def parsed(path: Path) -> Session:
    shutil.rmtree(cache_dir(), ignore_errors=True)
    return load_session(path)


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(raw: bytes, path: Path) -> None:
        raise AssertionError("parsed the TOML")

    monkeypatch.setattr(session_file, "decode", refuse)


def test_a_saved_session_loads_from_the_copy_as_parsing_would(tmp_path, monkeypatch) -> None:
    path = tmp_path / "s.toml"
    saved_session(path)
    with monkeypatch.context() as patch:
        no_parsing(patch)
        fast = load_session(path)
    slow = parsed(path)
    assert list(fast.tasks.items()) == list(slow.tasks.items())
    assert fast.view == slow.view and fast.warnings == slow.warnings
    assert fast.get("task_0000000000000000SURROGATE").task.prompt == "a\ufffdb"
    with monkeypatch.context() as patch:  # the parse above wrote the copy again
        no_parsing(patch)
        assert list(load_session(path).tasks.items()) == list(slow.tasks.items())


def test_a_changed_file_is_parsed(tmp_path, monkeypatch) -> None:
    path = tmp_path / "s.toml"
    saved_session(path)
    path.write_text(path.read_text().replace("light", "dark"))
    assert load_session(path).view.filter == "dark"


@pytest.mark.parametrize("garbage", [b"", b"{", b'{"format": 1}', b"[]", b"\xff\xfe"])
def test_a_broken_copy_is_ignored(tmp_path, garbage) -> None:
    path = tmp_path / "s.toml"
    saved_session(path)
    for copy in (cache_dir() / "sessions").iterdir():
        copy.write_bytes(garbage)
    assert len(load_session(path)) == 2


def test_lossy_files_keep_their_warnings_and_backup(tmp_path, monkeypatch) -> None:
    path = tmp_path / "s.toml"
    path.write_text("version = 1\nodd = 1\n[[tasks]]\nid = 'task_0000000000000000AAAA'\n"
                    "[[tasks]]\nprogress = 'x'\n")
    first = load_session(path)
    with monkeypatch.context() as patch:
        no_parsing(patch)
        second = load_session(path)
    assert second.warnings == first.warnings and len(second.warnings) == 2
    second.set_label("task_0000000000000000AAAA", "x")
    save_session(second)  # drops what it could not read: the original is backed up first
    assert path.with_name("s.toml.bak").read_text().endswith("progress = 'x'\n")
