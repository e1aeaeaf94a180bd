"""Moving finished tasks between the session TOML and the archive, without ever losing one.

The rules (docs/session-format.md, "Move rules"): a finished task (SUCCESS, FAILURE,
EXPIRED, FORBIDDEN) without a label moves to the archive when it is older than
`archive_after_days` (from when it was added, or restored), or when it is beyond the newest
`session_max_tasks` such tasks. Running, MODAL and labelled tasks stay in the session.

Crash safety: the archive is written first (committed), the session file second; a restore
writes the session first and deletes from the archive second. A process killed between the
two leaves the task in both, never in neither, and `reconcile` (run before every move and
when a command opens the session) trusts the TOML copy and deletes the archive's. All of it
runs under `<session>.toml.archive.lock`, so one process's reconcile never deletes the
archive copy of a move another process has not finished.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from mjtui.archive.store import Archive, ArchivedTask
from mjtui.session import Session, TrackedTask, save_session

DAY = 86400.0
CHUNK = 1000  # tasks per archive transaction during a migration (progress between them)

Progress = Callable[[int, int], object]  # (moved so far, to move)


def age_clock(tracked: TrackedTask) -> float:
    """When a task last became 'recent': added, or restored from the archive."""
    return max(tracked.added_at, tracked.restored_at or 0.0)


def to_archive(tasks: Sequence[TrackedTask], now: float, after_days: float,
               max_tasks: int) -> list[str]:
    """IDs of the tasks the automatic rules move, oldest first."""
    movable = sorted((t for t in tasks if t.task.status.is_final and not t.label), key=age_clock)
    cutoff = now - after_days * DAY
    beyond = len(movable) - max(0, max_tasks)
    return [t.id for n, t in enumerate(movable) if n < beyond or age_clock(t) < cutoff]


def older_than(tasks: Sequence[TrackedTask], now: float, seconds: float) -> list[str]:
    """IDs of finished tasks (labelled or not) added or restored more than `seconds` ago:
    `mjtui archive --older-than`, the user's explicit request."""
    return [t.id for t in sorted(tasks, key=age_clock)
            if t.task.status.is_final and age_clock(t) <= now - seconds]


@contextlib.contextmanager
def move_lock(session: Session, timeout: float = 60.0) -> Iterator[None]:
    """The lock every move and reconcile of this session's tasks holds."""
    from mjtui.session.atomic_files import file_lock, make_dirs

    target = Path(os.path.realpath(session.path))
    make_dirs(target.parent)
    with file_lock(target.with_name(target.name + ".archive"), timeout):
        yield


def session_key(session: Session) -> str:
    """How the archive names a session file: its real path."""
    return os.path.realpath(session.path)


def reconcile(session: Session, archive: Archive) -> int:
    """Tasks in both places (a move or restore was killed halfway): the TOML copy wins and
    the archive's is deleted. Call under `move_lock`. Returns how many were deleted."""
    both = archive.present(list(session.tasks), session_key(session))
    return archive.delete(both, session_key(session)) if both else 0


def move(session: Session, archive: Archive, ids: Sequence[str],
         progress: Progress | None = None, chunk: int = CHUNK) -> int:
    """Move these tasks from the session to the archive: archive first, then the TOML.
    Call under `move_lock`. Raises ArchiveError or SessionError (then nothing is lost: a
    task already archived is still in the TOML, and the next reconcile tidies it)."""
    reconcile(session, archive)
    picked = [t for t in (session.get(task_id) for task_id in ids) if t is not None]
    total = len(picked)
    done = 0
    if progress is not None:
        progress(done, total)
    for start in range(0, total, chunk):
        part = picked[start:start + chunk]
        archive.put(part, session.name, session_key(session))
        done += len(part)
        if progress is not None:
            progress(done, total)
    for tracked in picked:
        # Changed meanwhile (a label, a poll): it stays; the next reconcile drops the copy.
        if session.get(tracked.id) is tracked:
            session.remove(tracked.id)
    if picked:
        save_session(session)
    return total


def restore(session: Session, archive: Archive, ids: Sequence[str],
            now: float | None = None) -> list[ArchivedTask]:
    """Bring archived tasks back into the session: TOML first, then the archive. Call under
    `move_lock`. Returns the tasks restored (IDs the archive does not hold are skipped)."""
    now = time.time() if now is None else now
    found = archive.get_many(ids)
    restored = []
    for task_id in ids:
        archived = found.get(task_id)
        if archived is None or task_id in session:
            continue
        session.add(replace(archived.tracked, restored_at=now))
        restored.append(archived)
    if restored:
        save_session(session)
        archive.delete([a.id for a in restored])
    return restored


def bring_back(session: Session, ids: Sequence[str], archive_path: Path | None = None) -> list[str]:
    """Restore these archived tasks into the session (those that are archived), under the
    move lock; the IDs restored. Blocking: disk and SQLite (call it from a thread in a UI)."""
    from mjtui.archive.store import archive_path as default_path

    path = archive_path or default_path()
    wanted = [task_id for task_id in ids if task_id not in session]
    if not wanted or not path.exists():
        return []
    with move_lock(session), Archive(path) as archive:
        return [a.id for a in restore(session, archive, wanted)]


def auto_move(session: Session, archive_path: Path | None, *, after_days: float,
              max_tasks: int, progress: Progress | None = None,
              now: float | None = None) -> int:
    """Apply the automatic rules now: reconcile, then move what they pick. Opens the archive
    only when there is something to do or an archive to tidy. Returns how many moved."""
    from mjtui.archive.store import archive_path as default_path

    path = archive_path or default_path()
    now = time.time() if now is None else now
    ids = to_archive(list(session.tasks.values()), now, after_days, max_tasks)
    if not ids and not path.exists():
        return 0
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(move_lock(session, timeout=60.0 if ids else 0.0))
        except OSError:  # busy (LockTimeout): another process is moving this session's
            return 0  # tasks, and tidies up
        archive = stack.enter_context(Archive(path))
        if not ids:
            reconcile(session, archive)
            return 0
        return move(session, archive, ids, progress)
