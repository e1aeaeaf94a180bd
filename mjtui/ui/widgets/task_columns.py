"""The task table's columns: what each shows, how wide it is, how rows sort, and the
per-row state the UI adds to a task (`RowState`). Plain data and small helpers; the widget
is `task_table.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.text import Text

from mjtui.session import TrackedTask
from mjtui.ui.format import safe_text
from mjtui.vocabulary import display_name

COLUMNS: list[tuple[str, str, int | None]] = [
    ("mark", "", 1),
    ("name", "Prompt / label", None),
    ("id", "ID", 9),
    ("action", "Action", 9),
    ("status", "Status", 11),  # NEEDS INPUT; RUNNING ⚠ ⚡ fits too
    ("progress", "Progress", 11),
    ("age", "Age", 4),
    ("updated", "Upd", 4),
]
NAME_WIDTH = 40
MIN_ID = 8  # characters of an ID's end shown, at least (more when needed to tell apart)
COMPACT_BELOW = 110  # columns: narrower tables show the percentage alone, no Upd column
# Room for more of the ID on wide terminals: (table width from, characters shown).
WIDE_IDS = ((180, 16), (150, 12))
VIEW_MARGIN = 2  # rows beyond the visible ones that are kept up to date too

SORTS: dict[str, Callable[[TrackedTask], object]] = {
    "added": lambda t: t.added_at,
    "status": lambda t: (t.task.status.value, -t.added_at),
    "progress": lambda t: (-t.task.progress, -t.added_at),
    "updated": lambda t: -(t.updated_at or 0),
    "name": lambda t: display_name(t).lower(),
}
SORT_ORDER = list(SORTS)
# The column each sort orders by, and which way (▲ smallest/oldest-name first).
SORT_MARKS: dict[str, tuple[str, str]] = {
    "added": ("age", "▼"),  # oldest first: the largest age at the top
    "status": ("status", "▲"),
    "progress": ("progress", "▼"),
    "updated": ("updated", "▲"),  # most recently updated first
    "name": ("name", "▲"),
}


def unique_suffix_length(ids: Iterable[str], at_least: int = MIN_ID) -> int:
    """The shortest end length, `at_least` or more, that tells all the IDs apart."""
    ids = list(ids)
    longest = max((len(i) for i in ids), default=at_least)
    length = at_least
    while length < longest and len({i[-length:] for i in ids}) < len(ids):
        length += 1
    return length


def id_suffix(task_id: str, length: int) -> str:
    """The last `length` characters of an ID (the whole ID when it is that short)."""
    clean = safe_text(task_id).plain
    return clean if len(clean) <= length else "…" + clean[-length:]


def cell_signature(text: Text) -> tuple[object, ...]:
    """What a cell shows: its text, its own style (a status colour) and its spans."""
    return (text.plain, text.style, *text.spans)


def submitted_at(tracked: TrackedTask) -> float:
    """When the job was submitted (the API's time), else when mjtui began tracking it: Age
    counts from there, so a job finished an hour ago does not show 0s."""
    return tracked.task.submit_time or tracked.added_at


def one_line(text: Text) -> Text:
    """One line per row, cut with … (a cell that wraps shows only its first words)."""
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


class IdCell(Text):
    """The ID column's cell; it carries the full ID so sorts can find the task."""

    def __init__(self, text: str, *, task_id: str) -> None:
        super().__init__(text)
        self.task_id = task_id


@dataclass(frozen=True, slots=True)
class RowState:
    """What the UI knows beyond the task itself: poller flags for one row."""

    stalled: bool = False
    error: str = ""
    marked: bool = False
