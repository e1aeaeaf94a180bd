"""The tasks a user tracks: `TrackedTask`, `ViewState` and the `Session` that holds them.

`Session` is plain in-memory state with a revision counter, so callers save only after a
change; `mjtui.session.store` reads and writes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from mjtui.api.models import Status, Task

SCHEMA_VERSION = 1


# The API cancels a MODAL task left unanswered this long (docs/api-notes.md#modal).
MODAL_WINDOW = 30 * 60


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
    restored_at: float | None = None  # brought back from the archive: recent again from then

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
        self._texts: dict[str, tuple[TrackedTask, str]] = {}  # the same for session.cache

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
