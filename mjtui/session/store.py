"""Reading and writing a session file: load, merge and save.

`save_session` writes atomically (temp file, fsync, rename) under a lock file and first
merges what another mjtui process saved meanwhile, so two windows never drop each other's
tasks. It holds the session's own lock only to merge and to take a snapshot: the encoding
and the disk I/O run without it, so a slow disk never stalls the UI thread, which takes
that lock on every update. The file layout is documented in docs/session-format.md.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mjtui.errors import SessionError
from mjtui.paths import sessions_dir
from mjtui.session import atomic_files
from mjtui.session import cache as session_cache
from mjtui.session import file_format as sf
from mjtui.session.file_format import Decoded
from mjtui.session.model import Session, TrackedTask

_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")


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
    session = Session(Path(path))
    with session._lock:
        try:
            raw = atomic_files.read_file(session.path)
        except FileNotFoundError:
            return session
        except OSError as exc:
            raise SessionError(f"cannot read session file {session.path}: "
                               f"{exc.strerror or exc}", path=session.path) from exc
        digest = atomic_files.digest(raw)
        known = session_cache.read(session.path, digest)
        if known is None:
            doc = sf.decode(raw, session.path)
            known = doc.view, doc.tasks, doc.warnings, doc.lossy
            session._texts = session_cache.write(session.path, digest, *known)
        view, tasks, warnings, lossy = known
        session.view = view
        session.tasks.update((t.id, t) for t in tasks)
        session.warnings.extend(warnings)
        session._unkept = raw if lossy else None
        session._mark_synced(digest, set(session.tasks), session.revision)
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
        digest = atomic_files.digest(data)
        session._texts = session_cache.write(target, digest, view, tasks, [], False,
                                             session._texts)
        return digest, {tracked.id for tracked in tasks}, revision


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
        restored_at=max(mine.restored_at or 0.0, theirs.restored_at or 0.0) or None,
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
