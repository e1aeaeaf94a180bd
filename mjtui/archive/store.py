"""The archive file: one SQLite database (WAL, FTS5) in the data folder for every session.

Each row is one finished task: the whole session entry as JSON (`record`, the same keys as
the session TOML, so nothing is lost either way), plus the columns that are searched or
sorted on, and the session it came from. `tasks_fts` indexes ID, prompt and label. The
schema is in docs/session-format.md ("The archive"); `PRAGMA user_version` is its version.
Lookups by ID and searches read only the rows they return. Writes take SQLite's write lock
(`BEGIN IMMEDIATE`) and wait up to `BUSY_TIMEOUT` for another process's write to finish.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from mjtui.archive.search import fts_query
from mjtui.errors import ArchiveError
from mjtui.paths import data_dir
from mjtui.session import TrackedTask

SCHEMA_VERSION = 1
BUSY_TIMEOUT = 30.0  # seconds a write waits for another process's transaction
_SURROGATES = re.compile("[\ud800-\udfff]")
_CHUNK = 500  # IDs per `IN (...)`: well under SQLite's variable limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    session TEXT NOT NULL,
    session_path TEXT NOT NULL,
    status TEXT NOT NULL,
    added_at REAL NOT NULL,
    archived_at REAL NOT NULL,
    parent TEXT NOT NULL,
    label TEXT NOT NULL,
    prompt TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_added ON tasks (added_at);
CREATE INDEX IF NOT EXISTS tasks_by_parent ON tasks (parent);
CREATE INDEX IF NOT EXISTS tasks_by_session ON tasks (session_path, added_at);
CREATE VIRTUAL TABLE IF NOT EXISTS tasks_fts USING fts5 (
    id, prompt, label, content='tasks', content_rowid='seq',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS tasks_ai AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_fts (rowid, id, prompt, label) VALUES (new.seq, new.id, new.prompt, new.label);
END;
CREATE TRIGGER IF NOT EXISTS tasks_ad AFTER DELETE ON tasks BEGIN
    INSERT INTO tasks_fts (tasks_fts, rowid, id, prompt, label)
    VALUES ('delete', old.seq, old.id, old.prompt, old.label);
END;
CREATE TRIGGER IF NOT EXISTS tasks_au AFTER UPDATE ON tasks BEGIN
    INSERT INTO tasks_fts (tasks_fts, rowid, id, prompt, label)
    VALUES ('delete', old.seq, old.id, old.prompt, old.label);
    INSERT INTO tasks_fts (rowid, id, prompt, label) VALUES (new.seq, new.id, new.prompt, new.label);
END;
"""

_COLUMNS = "record, session, session_path, archived_at"
_UPSERT = """
INSERT INTO tasks (id, session, session_path, status, added_at, archived_at, parent, label,
                   prompt, record)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    session = excluded.session, session_path = excluded.session_path,
    status = excluded.status, added_at = excluded.added_at,
    archived_at = excluded.archived_at, parent = excluded.parent, label = excluded.label,
    prompt = excluded.prompt, record = excluded.record
"""


@dataclass(frozen=True, slots=True)
class ArchivedTask:
    """One archived task and where it came from."""

    tracked: TrackedTask
    session: str  # the session's name when it was archived
    session_path: str  # the session file it came from
    archived_at: float

    @property
    def id(self) -> str:
        return self.tracked.id


def archive_path() -> Path:
    """`<data dir>/archive.sqlite3`."""
    return data_dir() / "archive.sqlite3"


def _clean(text: str) -> str:
    """Column text SQLite can store: a lone surrogate becomes U+FFFD (the JSON record keeps
    the original, escaped)."""
    return _SURROGATES.sub("\ufffd", text)


def _record_json(tracked: TrackedTask) -> str:
    from mjtui.session.file_format import task_record

    # ensure_ascii: a lone surrogate (possible in API JSON) stays storable and comes back.
    return json.dumps(task_record(tracked), ensure_ascii=True, separators=(",", ":"))


def _row_task(row: tuple[str, str, str, float], path: Path) -> ArchivedTask:
    from mjtui.session.file_format import task_from_record

    try:
        tracked = task_from_record(json.loads(row[0]))
    except ValueError as exc:
        raise ArchiveError(f"archive {path}: a damaged record ({exc}); it was left as it is") from None
    return ArchivedTask(tracked, row[1], row[2], row[3])


class Archive:
    """An open archive file. Not shared between threads: open one per thread."""

    def __init__(self, path: Path | None = None, *, timeout: float = BUSY_TIMEOUT) -> None:
        self.path = Path(path) if path is not None else archive_path()
        self._timeout = timeout
        from mjtui.session.atomic_files import make_dirs

        make_dirs(self.path.parent)
        if not self.path.exists():  # private from the start: sqlite would use the umask
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise ArchiveError(f"cannot open archive {self.path}: {exc}") from None
        try:
            self._prepare()
        except BaseException:
            self._db.close()
            raise

    def _prepare(self) -> None:
        try:
            self._wal()
            self._db.execute("PRAGMA synchronous = FULL")  # a commit survives a power cut
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ArchiveError(
                    f"archive {self.path} was written by a newer mjtui (version {version}); "
                    f"this one reads version {SCHEMA_VERSION}"
                )
            if version == 0:  # new: every statement is idempotent, so two processes may race
                self._db.executescript(
                    f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;")
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(
                f"archive {self.path} is not readable ({exc}); it was left as it is"
            ) from None

    def _wal(self) -> None:
        """Switch to WAL. On a new file another process may be creating the schema at the
        same moment, and SQLite answers the switch "database is locked" at once, without
        the busy timeout: ask again, for as long as that timeout."""
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction: all of it is committed, or none of it."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _run(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"archive {self.path}: {exc}") from None

    # -- writing -------------------------------------------------------------------------------

    def put(self, tasks: Iterable[TrackedTask], session: str, session_path: str,
            now: float | None = None) -> int:
        """Store tasks (replacing rows with the same ID) in one transaction; their count."""
        now = time.time() if now is None else now
        rows = [
            (_clean(t.id), _clean(session), _clean(session_path), t.task.status.value,
             t.added_at, now, _clean(t.parent_id), _clean(t.label), _clean(t.task.prompt),
             _record_json(t))
            for t in tasks
        ]
        try:
            with self._write():
                self._db.executemany(_UPSERT, rows)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"cannot write archive {self.path}: {exc}") from None
        return len(rows)

    def update(self, tracked: TrackedTask) -> bool:
        """A fresh state for an archived task, where it is; False if it is not archived."""
        try:
            with self._write():
                cursor = self._db.execute(
                    "UPDATE tasks SET status = ?, label = ?, prompt = ?, parent = ?, record = ? "
                    "WHERE id = ?",
                    (tracked.task.status.value, _clean(tracked.label),
                     _clean(tracked.task.prompt), _clean(tracked.parent_id),
                     _record_json(tracked), tracked.id))
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"cannot write archive {self.path}: {exc}") from None
        return cursor.rowcount > 0

    def delete(self, ids: Iterable[str], session_path: str | None = None) -> int:
        """Remove these tasks (only those from `session_path` when given); how many went."""
        ids = list(ids)
        gone = 0
        where = "" if session_path is None else " AND session_path = ?"
        tail = () if session_path is None else (session_path,)
        try:
            with self._write():
                for start in range(0, len(ids), _CHUNK):
                    chunk = ids[start:start + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    cursor = self._db.execute(
                        f"DELETE FROM tasks WHERE id IN ({marks}){where}", (*chunk, *tail))
                    gone += cursor.rowcount
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"cannot write archive {self.path}: {exc}") from None
        return gone

    # -- reading -------------------------------------------------------------------------------

    def get(self, task_id: str) -> ArchivedTask | None:
        rows = self._run(f"SELECT {_COLUMNS} FROM tasks WHERE id = ?", (task_id,))
        return _row_task(rows[0], self.path) if rows else None

    def get_many(self, ids: Iterable[str]) -> dict[str, ArchivedTask]:
        """The archived ones among `ids`, by ID (one indexed lookup per chunk of IDs)."""
        ids = list(dict.fromkeys(ids))
        found: dict[str, ArchivedTask] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in self._run(f"SELECT {_COLUMNS} FROM tasks WHERE id IN ({marks})", chunk):
                archived = _row_task(row, self.path)
                found[archived.id] = archived
        return found

    def present(self, ids: Iterable[str], session_path: str | None = None) -> set[str]:
        """Which of `ids` are archived (from `session_path` when given), reading IDs only."""
        ids = list(ids)
        where = "" if session_path is None else " AND session_path = ?"
        tail = () if session_path is None else (session_path,)
        found: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._run(f"SELECT id FROM tasks WHERE id IN ({marks}){where}", (*chunk, *tail))
            found.update(row[0] for row in rows)
        return found

    def children_of(self, task_id: str) -> list[ArchivedTask]:
        rows = self._run(f"SELECT {_COLUMNS} FROM tasks WHERE parent = ? ORDER BY added_at",
                         (task_id,))
        return [_row_task(row, self.path) for row in rows]

    def count(self) -> int:
        return int(self._run("SELECT count(*) FROM tasks")[0][0])

    def search(self, text: str = "", *, status: str | None = None, since: float | None = None,
               session_path: str | None = None, limit: int = 50,
               offset: int = 0) -> list[ArchivedTask]:
        """Matching tasks, newest (added) first. `text` is the user's words, each a prefix
        of a word in the ID, prompt or label; `limit` 0 means all."""
        where, params = self._filters(text, status, since, session_path)
        sql = (f"SELECT {_COLUMNS} FROM tasks{where} ORDER BY added_at DESC, seq DESC "
               "LIMIT ? OFFSET ?")
        rows = self._run(sql, (*params, limit if limit > 0 else -1, max(0, offset)))
        return [_row_task(row, self.path) for row in rows]

    def search_count(self, text: str = "", *, status: str | None = None,
                     since: float | None = None, session_path: str | None = None) -> int:
        where, params = self._filters(text, status, since, session_path)
        return int(self._run(f"SELECT count(*) FROM tasks{where}", params)[0][0])

    @staticmethod
    def _filters(text: str, status: str | None, since: float | None,
                 session_path: str | None) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        query = fts_query(text)
        if query:
            clauses.append("seq IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ?)")
            params.append(query)
        if status:
            clauses.append("status = ?")
            params.append(status)
        if since is not None:
            clauses.append("added_at >= ?")
            params.append(since)
        if session_path is not None:
            clauses.append("session_path = ?")
            params.append(session_path)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params
