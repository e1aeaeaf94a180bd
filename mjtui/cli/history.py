"""The archive's headless commands: `history`, `archive`, `restore`. No API key, no network:
they read and move what the session and the archive hold. Nothing here imports Textual."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from mjtui.api.models import Status
from mjtui.archive import Archive, ArchiveError, archive_path
from mjtui.archive.moves import DAY, Progress, move, move_lock, older_than, restore, session_key
from mjtui.archive.search import matches
from mjtui.cli.arguments import refused_task_id
from mjtui.config import Settings
from mjtui.errors import EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE, MjtuiError, exit_code_of
from mjtui.session import Session, TrackedTask
from mjtui.text import printable
from mjtui.vocabulary import STATUS_LABELS

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": DAY, "w": 7 * DAY}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")


class UsageError(MjtuiError):
    """A bad option value: the message says which and why (exit 2)."""

    exit_code = EXIT_USAGE


def parse_duration(text: str) -> float:
    """`30d`, `12h`, `90m`, `2w`, `45s` -> seconds; a bare number is days."""
    found = _DURATION.fullmatch(text.strip().lower())
    if not found:
        raise UsageError(f"--older-than: {text[:40]!r} is not a duration (say 30d, 12h, 90m, 2w)")
    return float(found.group(1)) * _UNITS[found.group(2) or "d"]


def parse_since(text: str) -> float:
    """A date (`2025-11-28`) or date-time (`2025-11-28T17:10`, with an offset or UTC)."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--since: {text[:40]!r} is not a date (say 2025-11-28 or "
                         "2025-11-28T17:10)") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def parse_status(text: str) -> Status:
    """An API status (SUCCESS) or the word people see (DONE), any case."""
    word = text.strip().upper()
    for status, label in STATUS_LABELS.items():
        if word in (status.value, label):
            return status
    names = ", ".join(s.value for s in Status)
    raise UsageError(f"--status: {text[:40]!r} is not a status; use one of {names} "
                     "(or DONE, FAILED, RUNNING, ...)")


def run_archive_cli(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run `history`, `archive` or `restore`; the exit code. Neither the API client nor
    httpx is imported: these commands never touch the network."""
    from mjtui.runtime import open_session, settings_from_args

    out = out or sys.stdout
    if refused_task_id(list(getattr(args, "ids", None) or [])):
        return EXIT_USAGE
    try:
        settings = settings_from_args(args)
        for warning in settings.warnings:
            _error(f"warning: {warning}")
        session = open_session(settings)
        if args.command != "archive":  # which applies the rules itself, and says so
            auto_move_for_cli(settings, session)
        handler = {"history": _history, "archive": _archive, "restore": _restore}[args.command]
        return handler(args, settings, session, out)
    except MjtuiError as exc:  # a bad value (2), a broken config, session or archive (3)
        _error(str(exc))
        return exit_code_of(exc)
    except OSError as exc:  # the archive lock held for a minute by another mjtui
        _error(str(exc))
        return exit_code_of(ArchiveError(str(exc)))


def _error(message: str) -> None:
    print(f"mjtui: {printable(message)}", file=sys.stderr, flush=True)


def _history(args: argparse.Namespace, settings: Settings, session: Session,
             out: TextIO) -> int:
    from mjtui.cli.task_lines import task_json, task_line

    if args.limit < 0:
        raise UsageError("--limit must be 0 (all) or more")
    status = parse_status(args.status) if args.status else None
    since = parse_since(args.since) if args.since else None
    text = args.text or ""
    mine = [
        t for t in session.tasks.values()
        if (status is None or t.task.status is status)
        and (since is None or t.added_at >= since)
        and matches(text, t.task.prompt, t.label, t.id)
    ]
    found: list[TrackedTask] = list(mine)
    path = archive_path()
    if path.exists():
        only = session_key(session) if getattr(args, "session", None) is not None else None
        with Archive(path) as archive:
            doubled = archive.present([t.id for t in mine])  # a killed move: the TOML wins
            limit = args.limit + len(doubled) if args.limit else 0
            rows = archive.search(text, status=status.value if status else None, since=since,
                                  session_path=only, limit=limit)
        found.extend(row.tracked for row in rows if row.id not in session)
    found.sort(key=lambda t: t.added_at, reverse=True)
    if args.limit:
        found = found[:args.limit]
    width = max((len(printable(t.id)) for t in found), default=0)
    for tracked in found:
        if args.json:
            line = json.dumps(task_json(tracked.task, tracked, None), ensure_ascii=True)
        else:
            line = task_line(tracked.task, tracked=tracked, id_width=width)
        print(line, file=out)
    out.flush()
    return EXIT_OK


def _archive(args: argparse.Namespace, settings: Settings, session: Session,
             out: TextIO) -> int:
    from mjtui.archive.moves import to_archive

    now = time.time()
    tasks = list(session.tasks.values())
    if args.older_than is not None:
        ids = older_than(tasks, now, parse_duration(args.older_than))
    else:
        ids = to_archive(tasks, now, settings.archive_after_days, settings.session_max_tasks)
    with move_lock(session), Archive(archive_path()) as archive:
        moved = move(session, archive, ids, progress=_progress_on_stderr(len(ids)))
    print(f"moved {moved} finished task{'s' * (moved != 1)} to the archive; "
          f"{len(session)} left in the session", file=out, flush=True)
    return EXIT_OK


def _restore(args: argparse.Namespace, settings: Settings, session: Session,
             out: TextIO) -> int:
    ids = list(dict.fromkeys(args.ids))
    path = archive_path()
    code = EXIT_OK
    restored: set[str] = set()
    if path.exists():
        with move_lock(session), Archive(path) as archive:
            restored = {a.id for a in restore(session, archive, ids)}
    for task_id in ids:
        if task_id in restored:
            print(printable(task_id), file=out, flush=True)
        elif task_id in session:
            _error(f"{task_id} is in the session already")
        else:
            _error(f"{task_id} is not in the archive")
            code = EXIT_TASK_FAILED
    return code


def _progress_on_stderr(total: int, at_least: int = 2000) -> Progress | None:
    """A progress line on stderr for big moves (a first migration); None for small ones."""
    if total < at_least or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else "\r"
        print(f"mjtui: moving finished tasks to the archive: {done:,}/{total:,}", end=end,
              file=sys.stderr, flush=True)

    return show


def auto_move_for_cli(settings: Settings, session: Session) -> None:
    """Apply the move rules before a command runs, in the foreground: a command is one short
    process (a background move would be cut off at its exit), the first migration of a big
    session happens once, and every later save of that command writes the smaller file.
    A broken archive is reported and skipped: the session alone still works."""
    from mjtui.archive.moves import auto_move, to_archive

    total = len(to_archive(list(session.tasks.values()), time.time(),
                           settings.archive_after_days, settings.session_max_tasks))
    try:
        auto_move(session, None, after_days=settings.archive_after_days,
                  max_tasks=settings.session_max_tasks, progress=_progress_on_stderr(total))
    except ArchiveError as exc:
        _error(f"warning: tasks not archived: {exc}")


def archived_lookup(ids: list[str], session: Session) -> dict[str, TrackedTask]:
    """The archived tasks among `ids` not in the session: one indexed lookup, no scan."""
    wanted = [task_id for task_id in ids if task_id not in session]
    path = archive_path()
    if not wanted or not path.exists():
        return {}
    try:
        with Archive(path) as archive:
            return {k: v.tracked for k, v in archive.get_many(wanted).items()}
    except ArchiveError as exc:
        _error(f"warning: the archive is not readable: {exc}")
        return {}


def update_archived(tracked: TrackedTask, path: Path | None = None) -> None:
    """A fresh API state for a task that lives in the archive, stored where it is."""
    try:
        with Archive(path or archive_path()) as archive:
            archive.update(tracked)
    except ArchiveError as exc:
        _error(f"warning: archived task not updated: {exc}")
