"""The live task table: one keyed row per tracked task, updated cell by cell.

Rows are keyed by task ID, so updates and re-sorts never move the cursor off the task the
user is on, and one task's change redraws only its own cells (no full rebuild per update).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.reactive import var
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from mjtui.api.models import Status
from mjtui.session import TrackedTask
from mjtui.ui.format import (
    STATUS_COMPONENTS,
    ago,
    progress_bar,
    row_matches,
    safe_text,
    status_badge,
    status_component,
)
from mjtui.ui.widgets.row_cached_table import RowCachedTable
from mjtui.ui.widgets.task_columns import (
    COLUMNS,
    COMPACT_BELOW,
    MIN_ID,
    NAME_WIDTH,
    SORT_MARKS,
    SORTS,
    VIEW_MARGIN,
    WIDE_IDS,
    IdCell,
    RowState,
    cell_signature,
    id_suffix,
    one_line,
    submitted_at,
    unique_suffix_length,
)
from mjtui.vocabulary import action_name, display_name


class TaskTable(RowCachedTable):
    """Tracked tasks, one row each, keyed by task ID; the filter and the sort are its own."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | STATUS_COMPONENTS | {"row--error"}
    # As in every list: Home/g to the first row, End/G to the last (DataTable's Home/End
    # scroll sideways); PageUp/PageDown are DataTable's own and move the cursor already.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,g", "scroll_top", "First task", show=False),
        Binding("end,G", "scroll_bottom", "Last task", show=False),
    ]

    filter_text = var("")  # which tasks have a row: `shows`; the dashboard's filter box sets it

    def shows(self, tracked: TrackedTask) -> bool:
        """Whether the filter lets the task have a row."""
        return row_matches(tracked, self.filter_text)

    def __init__(self, *, clock: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.clock = clock
        # (plain text, style, spans) per cell: skip no-op updates
        self._cells: dict[tuple[str, str], tuple[object, ...]] = {}
        self._tracked: dict[str, TrackedTask] = {}
        self._states: dict[str, RowState] = {}
        # Component styles, computed once: Textual's own cache is emptied by every refresh(),
        # i.e. by every cell update, and recomputing them was most of a row's render time.
        self._styles: dict[str, Style] = {}
        self._painted_theme: str | None = None  # the theme the cells' colours come from
        # New cells of rows out of view, applied when the row comes into view (or is read).
        # DataTable.update_cell invalidates every cached line and repaints the whole table,
        # so with 1,000 tasks polled, off-screen progress ticks kept the table redrawing.
        self._deferred: dict[str, dict[str, Text]] = {}
        self._id_length = MIN_ID  # the ID column's suffix length (unique, widened when wide)
        self._unique_length = MIN_ID
        self._suffixes: set[str] = set()
        self._compact = True
        self._sort = "added"

    def on_mount(self) -> None:
        self._painted_theme = self.app.theme
        # The layout the first resize will most likely choose (the table spans the screen):
        # rows added before it are then not all rendered twice.
        screen_width = self.app.size.width
        self._compact = screen_width < COMPACT_BELOW
        self._id_length = next((n for at, n in WIDE_IDS if screen_width >= at), MIN_ID)
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width or NAME_WIDTH)
        self._label_columns()

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    def _style(self, component: str) -> Style:
        """A component's colour and text style, without its background: a cell lies on
        the row's background (the cursor bar, a zebra stripe), not on the table's."""
        style = self._styles.get(component)
        if style is None:
            full = self.get_component_rich_style(component)
            style = self._styles[component] = Style.from_color(full.color) + full.without_color
        return style

    def _widths(self, total: int) -> dict[str, int]:
        """Each fixed column's width at a table this wide: narrow tables show the percentage
        without a bar and no Upd column, wide ones more of the ID."""
        widths = {key: width for key, _, width in COLUMNS if width}
        widths["id"] = self._id_length + 1
        if total < COMPACT_BELOW:
            widths["progress"] = 5
            widths["updated"] = 0
        else:
            widths["action"] = 13  # "Vary (Region)", "Make Variations" whole
        return widths

    def on_resize(self) -> None:
        """The name column takes whatever the fixed columns leave."""
        total = self.scrollable_content_region.width
        compact = total < COMPACT_BELOW
        wide = next((n for at, n in WIDE_IDS if total >= at), MIN_ID)
        id_length = max(self._unique_length, wide)
        if compact != self._compact or id_length != self._id_length:
            self._compact, self._id_length = compact, id_length
            self._label_columns()
            self._rerender_all()
        widths = self._widths(total)
        fixed = sum(width + 2 * self.cell_padding for width in widths.values())
        room = total - fixed - 2 * self.cell_padding
        changed = False
        for key, width in (*widths.items(), ("name", max(12, room))):
            column = self.columns.get(ColumnKey(key))
            if column is not None and (column.width != width or column.auto_width):
                column.width, column.auto_width = width, False
                changed = True
        if changed:
            self._require_update_dimensions = True
            self.refresh()

    def _rerender_all(self) -> None:
        """Re-render every row (the ID length or the compact layout changed)."""
        for task_id, tracked in list(self._tracked.items()):
            self.upsert(tracked, self._states.get(task_id, RowState()))

    def _note_id(self, task_id: str) -> None:
        """Keep the ID suffix unique: a new ID that shares its end lengthens every row's."""
        suffix = task_id[-self._unique_length:]
        if suffix not in self._suffixes:
            self._suffixes.add(suffix)
            return
        self._unique_length = unique_suffix_length(self._tracked, MIN_ID)
        self._suffixes = {i[-self._unique_length:] for i in self._tracked}
        if self.is_mounted:
            self.call_later(self.on_resize)

    # -- rows ----------------------------------------------------------------------------

    def render_row(self, tracked: TrackedTask, state: RowState) -> dict[str, Text]:
        task = tracked.task
        status_style = self._style(status_component(task.status))
        stalled_style = self._style("status--stalled")
        empty_style = self._style("bar--empty")
        now = self.clock()
        name = one_line(safe_text(display_name(tracked), limit=200))
        status = status_badge(task.status, status_style, stalled_style, stalled=state.stalled,
                              short=True)
        if state.error:
            status.append(" ⚡", style=self._style("row--error"))
        progress = 100 if task.status is Status.SUCCESS else task.progress
        if task.status is Status.UNKNOWN:  # never fetched: no progress to speak of
            bar = Text("–")
        elif self._compact:
            bar = Text(f"{progress:>3}%", style=status_style)
        else:
            bar = progress_bar(progress, status_style, empty_style, width=6)
        return {
            "mark": Text("●" if state.marked else " ", style="bold"),
            "name": name,
            "id": IdCell(id_suffix(task.id, self._id_length), task_id=task.id),
            "action": one_line(safe_text(action_name(tracked), limit=20)),
            "status": status,
            "progress": bar,
            "age": Text(ago(submitted_at(tracked), now)),
            "updated": Text(ago(tracked.updated_at, now)),
        }

    def upsert(self, tracked: TrackedTask, state: RowState) -> bool:
        """Add the row, or update only the cells that changed. True if it was added."""
        if tracked.id not in self._tracked:
            self._tracked[tracked.id] = tracked
            self._note_id(tracked.id)
        self._tracked[tracked.id] = tracked
        self._states[tracked.id] = state
        cells = self.render_row(tracked, state)
        if tracked.id not in self.rows:
            self.add_row(*(cells[key] for key, _, _ in COLUMNS), key=tracked.id)
            for key, text in cells.items():
                self._cells[(tracked.id, key)] = cell_signature(text)
            return True
        view = self._view()
        changed = {key: text for key, text in cells.items() if self._changed(tracked.id, key, text)}
        self._apply({tracked.id: changed}, view)
        return False

    def _changed(self, task_id: str, key: str, text: Text) -> bool:
        """Whether a cell's new text differs from what it holds (and remember it)."""
        signature = cell_signature(text)
        if self._cells.get((task_id, key)) == signature:
            return False
        self._cells[(task_id, key)] = signature
        return True

    def _apply(self, changes: dict[str, dict[str, Text]], view: range) -> None:
        """Put new cells in place: rows in view now, the others when they come into view."""
        shown: dict[str, dict[str, Text]] = {}
        for task_id, cells in changes.items():
            if not cells:
                continue
            row = self._row_locations.get(RowKey(task_id))
            if row is None:
                continue
            if row in view:
                shown[task_id] = self._deferred.pop(task_id, {}) | cells
            else:
                self._deferred.setdefault(task_id, {}).update(cells)
        self._patch(shown)

    def _patch(self, rows: dict[str, dict[str, Text]]) -> None:
        """Write cells (by task ID and column name) and redraw only their rows."""
        self.write_cells({RowKey(task_id): {ColumnKey(key): text for key, text in cells.items()}
                          for task_id, cells in rows.items()})

    def _view(self) -> range:
        """Indexes of the rows on screen, and a few either side (rows are one line high)."""
        top = int(self.scroll_y)
        return range(max(0, top - VIEW_MARGIN), top + self.size.height + VIEW_MARGIN + 1)

    def _flush(self, task_id: str) -> None:
        """Apply the deferred cells of one row."""
        cells = self._deferred.pop(task_id, None)
        if cells:
            self._patch({task_id: cells})

    def _row_ids(self, indexes: range) -> list[str]:
        return [str(self.coordinate_to_cell_key(Coordinate(index, 0)).row_key.value)
                for index in range(indexes.start, min(indexes.stop, self.row_count))]

    def render_lines(self, crop: Region) -> list[Strip]:
        # Rows scrolled or sorted into view get their latest cells first. Any update makes
        # DataTable redraw every visible line, so when one is due, the rows a page above and
        # below are brought up to date too: scrolling on then needs no update per step.
        if self._deferred:
            view = self._view()
            if any(task_id in self._deferred for task_id in self._row_ids(view)):
                page = len(view)
                nearby = range(max(0, view.start - page), view.stop + page)
                self._patch({task_id: self._deferred.pop(task_id)
                             for task_id in self._row_ids(nearby) if task_id in self._deferred})
        return super().render_lines(crop)

    def get_cell(self, row_key: RowKey | str, column_key: ColumnKey | str) -> Text:
        self._flush(row_key.value if isinstance(row_key, RowKey) else row_key)
        return super().get_cell(row_key, column_key)

    def get_row(self, row_key: RowKey | str) -> list[Text]:
        self._flush(row_key.value if isinstance(row_key, RowKey) else row_key)
        return super().get_row(row_key)

    def remove(self, task_id: str) -> None:
        if task_id in self.rows:
            self.remove_row(task_id)
        self._tracked.pop(task_id, None)
        self._states.pop(task_id, None)
        self._deferred.pop(task_id, None)
        for key, _, _ in COLUMNS:
            self._cells.pop((task_id, key), None)

    def replace_all(self, rows: Iterable[tuple[TrackedTask, RowState]], keep: str | None) -> None:
        """Rebuild from scratch (filter changes only), keeping the cursor on `keep`."""
        self.clear()
        self._cells.clear()
        self._tracked.clear()
        self._states.clear()
        self._suffixes.clear()
        self._deferred.clear()
        self._painted_theme = self.app.theme
        for tracked, state in rows:
            self.upsert(tracked, state)
        self.select(keep)

    def refresh_ages(self, states: Callable[[str], RowState]) -> None:
        """Re-render relative times; only cells whose text changed are touched.

        Only the two time columns are rebuilt (every other cell changes only with an
        update, which re-renders its row), unless the theme changed the status colours
        since the cells were made: then every row is re-rendered. (Focus changes the
        table's background, not the cells' colours: that needs no re-render.)"""
        if self.app.theme != self._painted_theme:
            self._painted_theme = self.app.theme
            for task_id, tracked in list(self._tracked.items()):
                self.upsert(tracked, states(task_id))
            return
        now, changes = self.clock(), {}
        for task_id, tracked in self._tracked.items():
            cells = {"age": Text(ago(submitted_at(tracked), now)),
                     "updated": Text(ago(tracked.updated_at, now))}
            changes[task_id] = {k: t for k, t in cells.items() if self._changed(task_id, k, t)}
        self._apply(changes, self._view())

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

    _sort_marked = False

    @property
    def current_sort(self) -> str:
        """The sort the rows are in (`added`, `status`, ...)."""
        return self._sort

    def _mark_sort(self, sort: str) -> None:
        """The sorted column's header says so, with its direction: `Age ▼`."""
        self._sort, self._sort_marked = sort, True
        self._label_columns()
        self._require_update_dimensions = True
        self.refresh()

    def _label_columns(self) -> None:
        marked, arrow = SORT_MARKS.get(self._sort, SORT_MARKS["added"])
        for key, label, _ in COLUMNS:
            column = self.columns.get(ColumnKey(key))
            if column is None:
                continue
            if key == "progress" and self._compact:
                label = "%"
            column.label = Text(f"{label}{arrow}" if key == marked else label)

    def sort_by(self, sort: str) -> None:
        """Re-order rows by a named sort; the cursor stays on the same task."""
        keep = self.selected_id
        if sort != self._sort or not self._sort_marked:
            self._mark_sort(sort)
        ordered = sorted(self._tracked.values(), key=SORTS.get(sort, SORTS["added"]))
        position = {t.id: n for n, t in enumerate(ordered)}
        self.sort("id", key=lambda cell: position.get(cell.task_id, len(position)))
        self.select(keep)
