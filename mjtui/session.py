"""The tasks a user tracks, and the session TOML file that remembers them between runs.

`Session` is plain in-memory state with a revision counter, so callers save only after a
change. `save_session` writes atomically (temp file, fsync, rename) under a lock file and
first merges what another mjtui process saved meanwhile, so two windows never drop each
other's tasks. It holds the session's own lock only to merge and to take a snapshot: the
encoding and the disk I/O run without it, so a slow disk never stalls the UI thread, which
takes that lock on every update. The file layout is documented in docs/session-format.md.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mjtui import atomic_files
from mjtui.api.models import Status, Task
from mjtui.errors import SessionError
from mjtui.paths import sessions_dir

if TYPE_CHECKING:
    from mjtui.session_file import Decoded

SCHEMA_VERSION = 1
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")


MODAL_WINDOW = 30 * 60  # apimart cancels a MODAL task after 30 minutes without input


def modal_time_left(tracked: TrackedTask, now: float) -> float | None:
    """Seconds left to answer a MODAL task, or None when it is not waiting."""
    if tracked.task.status is not Status.MODAL or tracked.modal_since is None:
        return None
    return max(0.0, tracked.modal_since + MODAL_WINDOW - now)


@dataclass(frozen=True, slots=True)
class TrackedTask:
    """One task in a session: its last known state plus what only we know about it."""

    task: Task
    label: str = ""
    parent_id: str = ""
    origin: str = ""  # the action or button that made it: "imagine", "U1", a customId
    added_at: float = field(default_factory=time.time)
    updated_at: float | None = None  # when the API last answered with a changed state
    used_buttons: tuple[str, ...] = ()  # customIds already pressed: a guard against re-billing
    modal_since: float | None = None  # when it entered MODAL (set only while MODAL)

    @property
    def id(self) -> str:
        return self.task.id


@dataclass(frozen=True, slots=True)
class ViewState:
    """UI state worth restoring next time: filter text, sort key, selected row, theme."""

    filter: str = ""
    sort: str = "added"
    selected: str = ""
    theme: str = ""


class Session:
    """Ordered tracked tasks plus view state. Mutate only through the methods (they count
    revisions); `tasks` is exposed for reading. Methods are safe to call from any thread."""

    def __init__(self, path: Path, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or session_name(self.path)
        self.tasks: dict[str, TrackedTask] = {}
        self.view = ViewState()
        self.warnings: list[str] = []
        self.revision = 0
        self._saved_revision = 0
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()  # one save at a time (the saver owns what follows)
        # What the file looked like when we last read or wrote it: the base of the merge.
        self._disk_digest: bytes | None = None
        self._synced_ids: set[str] = set()
        # Since the last sync, by the revision that made the change (a save that took its
        # snapshot before that revision must not forget it): tasks deliberately removed,
        # tasks whose label/parent/origin were set here, and the view.
        self._removed: dict[str, int] = {}
        self._edited: dict[str, int] = {}
        self._view_edited = 0
        self._unkept: bytes | None = None  # file bytes holding entries a save would drop
        self._fragments: dict[str, tuple[TrackedTask, str]] = {}  # encoded-task cache

    # -- reading -------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        """True when something changed since the session was loaded or last saved."""
        return self.revision != self._saved_revision

    def get(self, task_id: str) -> TrackedTask | None:
        return self.tasks.get(task_id)

    def children_of(self, task_id: str) -> list[TrackedTask]:
        """Tasks made from `task_id` (by a button or action), in session order."""
        return [t for t in self.tasks.values() if t.parent_id == task_id]

    def __contains__(self, task_id: object) -> bool:
        return task_id in self.tasks

    def __len__(self) -> int:
        return len(self.tasks)

    def __iter__(self) -> Iterator[TrackedTask]:
        return iter(list(self.tasks.values()))

    # -- changing ------------------------------------------------------------------------
    def _changed(self) -> None:
        self.revision += 1

    def add(self, tracked: TrackedTask) -> bool:
        """Start tracking a task; False (and nothing changes) if it is tracked already."""
        with self._lock:
            if tracked.id in self.tasks:
                return False
            self.tasks[tracked.id] = tracked
            self._changed()
            self._removed.pop(tracked.id, None)
            self._edited[tracked.id] = self.revision
            return True

    def remove(self, task_id: str) -> bool:
        """Stop tracking a task; a later save also removes it for other processes."""
        with self._lock:
            if self.tasks.pop(task_id, None) is None:
                return False
            self._changed()
            self._removed[task_id] = self.revision
            self._edited.pop(task_id, None)
            return True

    def update_task(self, task: Task, now: float) -> bool:
        """Store a fresh API answer. True only if the state changed (then it must be saved);
        label, parent and origin are kept. Unknown task IDs are ignored (False)."""
        with self._lock:
            old = self.tasks.get(task.id)
            if old is None or old.task == task:
                return False
            if task.status is not Status.MODAL:
                modal_since = None
            elif old.task.status is Status.MODAL and old.modal_since is not None:
                modal_since = old.modal_since
            else:
                # A task first seen in MODAL (inpaint answers in MODAL) has waited since it
                # was submitted: count its 30 minutes from then when the API says when.
                first_sight = old.task.status in (Status.UNKNOWN, Status.MODAL)
                modal_since = (task.submit_time or now) if first_sight else now
            self.tasks[task.id] = replace(old, task=task, updated_at=now, modal_since=modal_since)
            self._changed()
            return True

    def set_label(self, task_id: str, label: str) -> bool:
        """Name a task; True if that changed anything."""
        with self._lock:
            old = self.tasks.get(task_id)
            if old is None or old.label == label:
                return False
            self.tasks[task_id] = replace(old, label=label)
            self._changed()
            self._edited[task_id] = self.revision
            return True

    def mark_button_used(self, task_id: str, custom_id: str) -> bool:
        """Remember that a button was pressed on a task, so the UI can warn before a repeat."""
        with self._lock:
            old = self.tasks.get(task_id)
            if old is None or custom_id in old.used_buttons:
                return False
            self.tasks[task_id] = replace(old, used_buttons=(*old.used_buttons, custom_id))
            self._changed()
            return True

    def set_view(self, **changes: str) -> bool:
        """Update view state (filter, sort, selected, theme); True if anything changed."""
        with self._lock:
            new = replace(self.view, **changes)
            if new == self.view:
                return False
            self.view = new
            self._changed()
            self._view_edited = self.revision
            return True

    def _mark_synced(self, digest: bytes | None, ids: set[str], revision: int) -> None:
        """The file now holds the session as it was at `revision` (these task IDs): that is
        the new merge base. Changes made after that revision are still unsaved."""
        self._disk_digest = digest
        self._synced_ids = ids
        self._removed = {key: rev for key, rev in self._removed.items() if rev > revision}
        self._edited = {key: rev for key, rev in self._edited.items() if rev > revision}
        if self._view_edited <= revision:
            self._view_edited = 0
        self._saved_revision = revision


def session_name(path: Path) -> str:
    """The display name of a session file: its name without `.toml`."""
    return path.name.removesuffix(".toml")


def resolve_session_path(name_or_path: str | None) -> Path:
    """None -> the default session; a value with a path separator or ending in `.toml` ->
    that file; anything else is a session name, kept in sessions_dir()."""
    if name_or_path is None:
        return sessions_dir() / "default.toml"
    value = name_or_path
    separators = {"/", os.sep, os.altsep} - {None}
    if any(sep in value for sep in separators) or value.endswith(".toml"):
        return Path(value).expanduser().absolute()
    if not _NAME.fullmatch(value):
        raise SessionError(
            f"invalid session name {value[:80]!r}: use up to 64 letters, digits, '-', '_' "
            "or '.', not starting with '.' (or give a path ending in .toml)"
        )
    return sessions_dir() / f"{value}.toml"


# -- disk ------------------------------------------------------------------------------
def load_session(path: Path | str) -> Session:
    """Read a session file. A missing file gives an empty session (written only once
    something changes); a file we cannot read raises SessionError and is left alone."""
    from mjtui import session_file as sf

    session = Session(Path(path))
    with session._lock:
        try:
            raw = atomic_files.read_file(session.path)
        except FileNotFoundError:
            return session
        except OSError as exc:
            raise SessionError(f"cannot read session file {session.path}: "
                               f"{exc.strerror or exc}", path=session.path) from exc
        doc = sf.decode(raw, session.path)
        session.view = doc.view
        session.tasks.update((t.id, t) for t in doc.tasks)
        session.warnings.extend(doc.warnings)
        session._unkept = raw if doc.lossy else None
        session._mark_synced(atomic_files.digest(raw), set(session.tasks), session.revision)
    return session


def save_session(session: Session) -> bool:
    """Write the session if it changed (False if not). Merges other processes' saves first;
    raises SessionError, leaving the file untouched, if the file on disk is unreadable."""
    with session._save_lock:
        with session._lock:
            if not session.dirty:
                return False
        target = Path(os.path.realpath(session.path))  # keep a symlinked session a symlink
        try:
            written, ids, revision = _write(session, target)
        except atomic_files.LockTimeout as exc:
            raise SessionError(f"{target} is being saved by another process; gave up after "
                               f"{exc.timeout:g} s", path=target) from None
        except OSError as exc:
            raise SessionError(
                f"cannot save session file {target}: {exc.strerror or exc}", path=target
            ) from exc
        with session._lock:
            session._mark_synced(written, ids, revision)
    return True


def _write(session: Session, target: Path) -> tuple[bytes, set[str], int]:
    """Under the file lock: merge what is on disk now, keep a backup if entries would be
    lost, write. Returns the digest written, and the task IDs and revision it holds."""
    from mjtui import session_file as sf

    atomic_files.make_dirs(target.parent)
    with atomic_files.file_lock(target):
        atomic_files.remove_stale_temps(target)
        try:
            raw: bytes | None = atomic_files.read_file(target)
        except FileNotFoundError:
            raw = None  # deleted meanwhile, or never written: nothing to merge
        # Only a saver touches the digest and the fragments, and saves take turns.
        theirs = None
        if raw is not None and atomic_files.digest(raw) != session._disk_digest:
            theirs = sf.decode(raw, target)  # another process saved; unreadable: SessionError
        with session._lock:
            if theirs is not None:
                session._unkept = raw if theirs.lossy else None
                if _merge(session, theirs):
                    session._changed()
            # TrackedTask and ViewState are immutable: a shallow copy is a snapshot.
            tasks, view, revision = list(session.tasks.values()), session.view, session.revision
            unkept = session._unkept
            if unkept is not None:
                backup = target.with_name(target.name + ".bak")
                session.warnings.append(
                    f"{target}: entries mjtui could not read are dropped from it; "
                    f"the previous file is kept as {backup}"
                )
        if unkept is not None:
            atomic_files.atomic_write(backup, unkept)
        data, session._fragments = sf.encode(view, tasks, session._fragments)
        atomic_files.atomic_write(target, data)
        session._unkept = None
        return atomic_files.digest(data), {tracked.id for tracked in tasks}, revision


def _merge_one(mine: TrackedTask, theirs: TrackedTask, edited_here: bool) -> TrackedTask:
    """Both processes track a task: the newer API state wins; our label/parent/origin win
    only if we changed them since the last sync; pressed buttons are never forgotten."""
    newer = theirs.updated_at is not None and (
        mine.updated_at is None or theirs.updated_at > mine.updated_at
    )
    state, meta = (theirs if newer else mine), (mine if edited_here else theirs)
    used = mine.used_buttons + tuple(b for b in theirs.used_buttons if b not in mine.used_buttons)
    return TrackedTask(
        task=state.task,
        label=meta.label,
        parent_id=meta.parent_id,
        origin=meta.origin,
        added_at=min(mine.added_at, theirs.added_at),
        updated_at=state.updated_at,
        used_buttons=used,
        modal_since=state.modal_since,
    )


def _merge(session: Session, disk: Decoded) -> bool:
    """Fold the file another process wrote into `session`; True if our tasks changed.
    Order follows the file, then tasks added here; removals on either side are honoured."""
    ours = session.tasks
    merged: dict[str, TrackedTask] = {}
    for theirs in disk.tasks:
        if theirs.id in session._removed:
            continue
        mine = ours.get(theirs.id)
        merged[theirs.id] = (
            theirs if mine is None else _merge_one(mine, theirs, theirs.id in session._edited)
        )
    for task_id, mine in ours.items():
        # On disk at our last sync but gone now: another process removed it.
        if task_id not in merged and task_id not in session._synced_ids:
            merged[task_id] = mine
    view = session.view if session._view_edited else disk.view
    changed = list(merged.items()) != list(ours.items()) or view != session.view
    ours.clear()
    ours.update(merged)
    session.view = view
    return changed
