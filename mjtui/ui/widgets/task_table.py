"""The live task table: one keyed row per tracked task, updated cell by cell.

Rows are keyed by task ID, so updates and re-sorts never move the cursor off the task the
user is on, and one task's change redraws only its own cells (no full rebuild per update).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist

from mjtui.api.models import Status
from mjtui.session import TrackedTask
from mjtui.ui.format import (
    STATUS_COMPONENTS,
    ago,
    display_name,
    progress_bar,
    safe_text,
    short_id,
    status_badge,
    status_component,
)

COLUMNS: list[tuple[str, str, int | None]] = [
    ("mark", "", 1),
    ("name", "Prompt / label", None),
    ("id", "ID", 9),
    ("action", "Action", 9),
    ("status", "Status", 13),
    ("progress", "Progress", 11),
    ("age", "Age", 4),
    ("updated", "Upd", 4),
]
NAME_WIDTH = 40

SORTS: dict[str, Callable[[TrackedTask], object]] = {
    "added": lambda t: t.added_at,
    "status": lambda t: (t.task.status.value, -t.added_at),
    "progress": lambda t: (-t.task.progress, -t.added_at),
    "updated": lambda t: -(t.updated_at or 0),
    "name": lambda t: display_name(t).lower(),
}
SORT_ORDER = list(SORTS)


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


class TaskTable(DataTable[Text]):
    """Tracked tasks, one row each, keyed by task ID."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | STATUS_COMPONENTS | {"row--error"}

    def __init__(self, *, clock: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.clock = clock
        self._cells: dict[tuple[str, str], str] = {}  # plain text per cell: skip no-op updates
        self._tracked: dict[str, TrackedTask] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width or NAME_WIDTH)

    def on_resize(self) -> None:
        """The name column takes whatever the fixed columns leave."""
        fixed = sum(width + 2 * self.cell_padding for _, _, width in COLUMNS if width)
        room = self.scrollable_content_region.width - fixed - 2 * self.cell_padding
        column = self.columns.get(ColumnKey("name"))
        if column is not None and room != column.width:
            column.width = max(12, room)
            column.auto_width = False
            self._require_update_dimensions = True
            self.refresh()

    # -- rows ----------------------------------------------------------------------------

    def render_row(self, tracked: TrackedTask, state: RowState) -> dict[str, Text]:
        task = tracked.task
        status_style = self.get_component_rich_style(status_component(task.status))
        stalled_style = self.get_component_rich_style("status--stalled")
        empty_style = self.get_component_rich_style("bar--empty")
        now = self.clock()
        name = safe_text(display_name(tracked), limit=200)
        name.no_wrap, name.overflow = True, "ellipsis"  # one line per row, cut with …
        status = status_badge(task.status, status_style, stalled_style, stalled=state.stalled,
                              short=True)
        if state.error:
            status.append(" ⚡", style=self.get_component_rich_style("row--error"))
        progress = 100 if task.status is Status.SUCCESS else task.progress
        return {
            "mark": Text("●" if state.marked else " ", style="bold"),
            "name": name,
            "id": IdCell(short_id(task.id, 9), task_id=task.id),
            "action": safe_text(task.action or tracked.origin, limit=9),
            "status": status,
            "progress": progress_bar(progress, status_style, empty_style, width=6),
            "age": Text(ago(tracked.added_at, now)),
            "updated": Text(ago(tracked.updated_at, now)),
        }

    def upsert(self, tracked: TrackedTask, state: RowState) -> bool:
        """Add the row, or update only the cells that changed. True if it was added."""
        self._tracked[tracked.id] = tracked
        cells = self.render_row(tracked, state)
        if tracked.id not in self.rows:
            self.add_row(*(cells[key] for key, _, _ in COLUMNS), key=tracked.id)
            for key, text in cells.items():
                self._cells[(tracked.id, key)] = text.plain + str(text.spans)
            return True
        for key, text in cells.items():
            signature = text.plain + str(text.spans)
            if self._cells.get((tracked.id, key)) != signature:
                self._cells[(tracked.id, key)] = signature
                try:
                    self.update_cell(tracked.id, key, text)
                except (CellDoesNotExist, RowDoesNotExist):
                    pass
        return False

    def remove(self, task_id: str) -> None:
        if task_id in self.rows:
            self.remove_row(task_id)
        self._tracked.pop(task_id, None)
        for key, _, _ in COLUMNS:
            self._cells.pop((task_id, key), None)

    def replace_all(self, rows: Iterable[tuple[TrackedTask, RowState]], keep: str | None) -> None:
        """Rebuild from scratch (filter changes only), keeping the cursor on `keep`."""
        self.clear()
        self._cells.clear()
        self._tracked.clear()
        for tracked, state in rows:
            self.upsert(tracked, state)
        self.select(keep)

    def refresh_ages(self, states: Callable[[str], RowState]) -> None:
        """Re-render relative times; only cells whose text changed are touched."""
        for task_id, tracked in list(self._tracked.items()):
            self.upsert(tracked, states(task_id))

    # -- cursor and order ----------------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except CellDoesNotExist:
            return None

    def select(self, task_id: str | None) -> None:
        if task_id and task_id in self.rows:
            self.move_cursor(row=self.get_row_index(task_id), animate=False, scroll=True)

    def sort_by(self, sort: str) -> None:
        """Re-order rows by a named sort; the cursor stays on the same task."""
        keep = self.selected_id
        ordered = sorted(self._tracked.values(), key=SORTS.get(sort, SORTS["added"]))
        position = {t.id: n for n, t in enumerate(ordered)}
        self.sort("id", key=lambda cell: position.get(cell.task_id, len(position)))
        self.select(keep)
