"""The session file's TOML layout (docs/session-format.md): encoding and strict decoding.

Kept apart from the model so it stays readable; nothing here knows about the UI
or the disk (`atomic_files` writes and locks). Reading is strict about the whole file and
lenient about single task entries.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from mjtui.api.models import Button, Task, parse_status
from mjtui.errors import SessionError
from mjtui.session.model import SCHEMA_VERSION, TrackedTask, ViewState

_TOP_KEYS = frozenset({"version", "view", "tasks"})
_VIEW_KEYS = tuple(f.name for f in fields(ViewState))
_ENTRY_TIMES = ("added_at", "updated_at", "modal_since", "restored_at")
_ENTRY_KEYS = frozenset({"id", "label", "parent", "origin", "used_buttons", "state", *_ENTRY_TIMES})
_STATE_TEXT = ("action", "prompt", "fail_reason", "description", "grid_image_url")
_STATE_TIMES = ("submit_time", "start_time", "finish_time")
_STATE_KEYS = frozenset(
    {"status", "progress", "image_urls", "video_urls", "buttons", *_STATE_TEXT, *_STATE_TIMES}
)
_BUTTON_KEYS = frozenset({"custom_id", "label", "emoji"})
_SURROGATES = re.compile("[\ud800-\udfff]")
_AT = re.compile(r"line (\d+), column (\d+)")


class _Bad(ValueError):
    """One task entry has a wrong type; the entry is skipped, the file kept."""


@dataclass(slots=True)
class Decoded:
    """What one read of a session file found."""

    view: ViewState
    tasks: list[TrackedTask]
    warnings: list[str]
    lossy: bool  # entries or keys a save would drop: back the file up first


def _time(value: float | None) -> datetime | float | None:
    """Epoch seconds as a UTC date-time (TOML has no null: None is left out)."""
    if value is None or not math.isfinite(value):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return float(value)  # beyond datetime's range: keep the number


def _put(table: dict[str, Any], key: str, value: Any) -> None:
    """Empty strings, lists and None are left out: fewer keys read back faster."""
    if value not in (None, "", (), []):
        table[key] = value


def _entry_table(tracked: TrackedTask) -> dict[str, Any]:
    task = tracked.task
    entry: dict[str, Any] = {"id": task.id}
    _put(entry, "label", tracked.label)
    _put(entry, "parent", tracked.parent_id)
    _put(entry, "origin", tracked.origin)
    for key in _ENTRY_TIMES:
        _put(entry, key, _time(getattr(tracked, key)))
    _put(entry, "used_buttons", list(tracked.used_buttons))
    state: dict[str, Any] = {"status": task.status.value, "progress": int(task.progress)}
    for key in _STATE_TEXT:
        _put(state, key, getattr(task, key))
    _put(state, "image_urls", list(task.image_urls))
    _put(state, "video_urls", list(task.video_urls))
    for key in _STATE_TIMES:
        _put(state, key, _time(getattr(task, key)))
    buttons = []
    for b in task.buttons:
        button = {"custom_id": b.custom_id}
        _put(button, "label", b.label)
        _put(button, "emoji", b.emoji)
        buttons.append(button)
    _put(state, "buttons", buttons)
    entry["state"] = state
    return entry


def _entry_text(tracked: TrackedTask) -> str:
    """One `[[tasks]]` table, written by tomli-w. Concatenated `[[tasks]]` tables are valid
    TOML, so each task is encoded on its own and its text reused while it is unchanged."""
    return "\n" + tomli_w.dumps({"tasks": [_entry_table(tracked)]})


Fragments = dict[str, tuple[TrackedTask, str]]  # task ID -> (the task, its encoded text)


def encode(view: ViewState, tasks: Iterable[TrackedTask], cache: Fragments) -> tuple[bytes, Fragments]:
    """The whole file, and the cache of encoded tasks to pass to the next call. Only known
    keys are written: nothing else (no token) can leak in."""
    header = {"version": SCHEMA_VERSION, "view": {key: getattr(view, key) for key in _VIEW_KEYS}}
    out = ["# mjtui session (docs/session-format.md)\n", tomli_w.dumps(header)]
    # TrackedTask is immutable, so an unchanged object can reuse last save's text.
    fresh: Fragments = {}
    for tracked in tasks:
        hit = cache.get(tracked.id)
        text = hit[1] if hit is not None and hit[0] is tracked else _entry_text(tracked)
        fresh[tracked.id] = (tracked, text)
        out.append(text)
    text = "".join(out)
    try:
        return text.encode("utf-8"), fresh
    except UnicodeEncodeError:  # lone surrogates (from JSON "\ud800") cannot be stored
        return _SURROGATES.sub("\ufffd", text).encode("utf-8"), fresh


def _want(table: dict[str, Any], key: str, kind: type, default: Any, where: str = "") -> Any:
    value = table.get(key, default)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = {str: "a string", int: "an integer", list: "an array", dict: "a table"}
        raise _Bad(f"{where}{key} must be {names[kind]}, not {type(value).__name__}")
    return value


def _strings(table: dict[str, Any], key: str, where: str = "") -> tuple[str, ...]:
    items = _want(table, key, list, [], where)
    if not all(isinstance(item, str) for item in items):
        raise _Bad(f"{where}{key} must hold only strings")
    return tuple(items)


def _time_in(table: dict[str, Any], key: str, where: str = "") -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):  # a local date-time (no offset) is read as UTC
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise _Bad(f"{where}{key} must be a date-time, not {type(value).__name__}")


def _entry_in(raw: Any, unknown: set[str]) -> TrackedTask:
    if not isinstance(raw, dict):
        raise _Bad("not a table")
    task_id = _want(raw, "id", str, "")
    if not task_id:
        raise _Bad("id is missing or empty")
    state = _want(raw, "state", dict, {})
    buttons = []
    where = "state.buttons."
    for item in _want(state, "buttons", list, [], "state."):
        if not isinstance(item, dict) or not _want(item, "custom_id", str, "", where):
            raise _Bad("state.buttons entries need a custom_id string")
        label, emoji = _want(item, "label", str, "", where), _want(item, "emoji", str, "", where)
        buttons.append(Button(item["custom_id"], label, emoji))
        unknown.update(f"state.buttons.{key}" for key in item.keys() - _BUTTON_KEYS)
    unknown.update(raw.keys() - _ENTRY_KEYS)
    unknown.update(f"state.{key}" for key in state.keys() - _STATE_KEYS)
    task = Task(
        id=task_id,
        status=parse_status(_want(state, "status", str, "UNKNOWN", "state.")),
        progress=max(0, min(100, _want(state, "progress", int, 0, "state."))),
        image_urls=_strings(state, "image_urls", "state."),
        video_urls=_strings(state, "video_urls", "state."),
        buttons=tuple(buttons),
        **{key: _want(state, key, str, "", "state.") for key in _STATE_TEXT},
        **{key: _time_in(state, key, "state.") for key in _STATE_TIMES},
    )
    added_at = _time_in(raw, "added_at")
    return TrackedTask(
        task=task,
        label=_want(raw, "label", str, ""),
        parent_id=_want(raw, "parent", str, ""),
        origin=_want(raw, "origin", str, ""),
        added_at=added_at if added_at is not None else task.submit_time or 0.0,
        updated_at=_time_in(raw, "updated_at"),
        used_buttons=_strings(raw, "used_buttons"),
        modal_since=_time_in(raw, "modal_since"),
        restored_at=_time_in(raw, "restored_at"),
    )


def _parse_toml(raw: bytes, path: Path) -> dict[str, Any]:
    """bytes -> TOML document, or SessionError naming the file, line and column."""
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        message = f"not valid UTF-8 (at line {line}, column {column})"
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _AT.search(message)
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        column = getattr(exc, "colno", None) or (int(found.group(2)) if found else None)
        if line is None and "end of document" in message:  # a truncated file: its last line
            text = raw.decode("utf-8")  # it decoded: tomllib is what failed
            line = text.count("\n") + 1
            column = len(text) - text.rfind("\n")
            message = message.replace(
                "at end of document", f"at end of document, line {line}, column {column}"
            )
    raise SessionError(
        f"session file {path} does not parse: {message}; it was left as it is",
        path=path,
        line=line,
        column=column,
    )


def decode(raw: bytes, path: Path) -> Decoded:
    """Parse a session file. Whole-file problems raise SessionError; a bad task entry is
    skipped with a warning."""
    data = _parse_toml(raw, path)
    warnings: list[str] = []
    version = data.get("version", SCHEMA_VERSION)
    if "version" not in data and data:
        warnings.append(f"{path}: no version key; read as version {SCHEMA_VERSION}")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SessionError(f"{path}: version must be a positive integer", path=path)
    if version > SCHEMA_VERSION:
        raise SessionError(
            f"{path} was written by a newer mjtui (version {version}); "
            f"this one reads version {SCHEMA_VERSION}",
            path=path,
        )
    entries = data.get("tasks", [])
    if not isinstance(entries, list):
        raise SessionError(f"{path}: tasks must be an array of tables ([[tasks]])", path=path)
    unknown = {key for key in data if key not in _TOP_KEYS}
    view_raw = data.get("view", {})
    if not isinstance(view_raw, dict):
        warnings.append(f"{path}: view must be a table; using defaults")
        view_raw = {}
    view = ViewState()
    for key in view_raw:
        if key not in _VIEW_KEYS:
            unknown.add(f"view.{key}")
        elif isinstance(view_raw[key], str):
            view = replace(view, **{key: view_raw[key]})
        else:
            warnings.append(f"{path}: view.{key} must be a string; using the default")
    tasks: dict[str, TrackedTask] = {}
    skipped = 0
    for index, entry in enumerate(entries, 1):
        name = entry.get("id") if isinstance(entry, dict) else None
        where = f"task #{index}" + (f" ({name[:80]!r})" if isinstance(name, str) else "")
        try:
            tracked = _entry_in(entry, unknown)
        except _Bad as exc:
            warnings.append(f"{path}: {where} skipped: {exc}")
            skipped += 1
            continue
        if tracked.id in tasks:
            warnings.append(f"{path}: {where} skipped: the same id appears earlier")
            skipped += 1
            continue
        tasks[tracked.id] = tracked
    if unknown:
        shown = ", ".join(repr(key[:40]) for key in sorted(unknown)[:10])
        warnings.append(f"{path}: unknown keys ignored (not kept on save): {shown}")
    return Decoded(view, list(tasks.values()), warnings, lossy=bool(skipped or unknown))


# -- records for the archive (mjtui.archive): the same keys, as JSON-ready values ----------


def task_record(tracked: TrackedTask) -> dict[str, Any]:
    """One task as the TOML writer's table, with times as epoch seconds (exact in JSON)."""
    entry = _entry_table(tracked)
    for key in _ENTRY_TIMES:
        _put(entry, key, _finite(getattr(tracked, key)))
    for key in _STATE_TIMES:
        _put(entry["state"], key, _finite(getattr(tracked.task, key)))
    return entry


def read_back_record(tracked: TrackedTask) -> dict[str, Any]:
    """`task_record` of the task as reading its TOML back gives it: times at the
    microseconds TOML keeps, lone surrogates as U+FFFD (session.cache stores this)."""
    entry = task_record(tracked)
    for table, keys in ((entry, _ENTRY_TIMES), (entry["state"], _STATE_TIMES)):
        for key in keys:
            if key in table:
                when = _time(table[key])
                table[key] = when.timestamp() if isinstance(when, datetime) else when
    return _no_surrogates(entry)


def _no_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, list):
        return [_no_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {key: _no_surrogates(item) for key, item in value.items()}
    return value


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def task_from_record(raw: Any) -> TrackedTask:
    """The task `task_record` made; ValueError if the record is not one."""
    return _entry_in(raw, set())
