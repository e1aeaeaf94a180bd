"""The live task table: one keyed row per tracked task, updated cell by cell.

Rows are keyed by task ID, so updates and re-sorts never move the cursor off the task the
user is on, and one task's change redraws only its own cells (no full rebuild per update).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

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
VIEW_MARGIN = 2  # rows beyond the visible ones that are kept up to date too
_OFF_TABLE = Coordinate(-2, -2)  # a cursor/hover position no row or header is at
_ROW_LINE = object()  # marks TaskTable's own keys in DataTable's line cache
_NO_STYLE = Style.null()  # what Rich's Padding gives its padding ("none")
_JOIN = Text("\n")  # Rich joins a Text's wrapped lines with this before rendering them

SORTS: dict[str, Callable[[TrackedTask], object]] = {
    "added": lambda t: t.added_at,
    "status": lambda t: (t.task.status.value, -t.added_at),
    "progress": lambda t: (-t.task.progress, -t.added_at),
    "updated": lambda t: -(t.updated_at or 0),
    "name": lambda t: display_name(t).lower(),
}
SORT_ORDER = list(SORTS)


def _signature(text: Text) -> tuple[object, ...]:
    """What a cell shows: its text, its own style (a status colour) and its spans."""
    return (text.plain, text.style, *text.spans)


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
    _paint_style: Style | None = None  # rich_style, while render_lines runs

    def __init__(self, *, clock: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.clock = clock
        # (plain text, style, spans) per cell: skip no-op updates
        self._cells: dict[tuple[str, str], tuple[object, ...]] = {}
        self._tracked: dict[str, TrackedTask] = {}
        # Component styles, computed once: Textual's own cache is emptied by every refresh(),
        # i.e. by every cell update, and recomputing them was most of a row's render time.
        self._styles: dict[str, Style] = {}
        self._painted_theme: str | None = None  # the theme the cells' colours come from
        # New cells of rows out of view, applied when the row comes into view (or is read).
        # DataTable.update_cell invalidates every cached line and repaints the whole table,
        # so with 1,000 tasks polled, off-screen progress ticks kept the table redrawing.
        self._deferred: dict[str, dict[str, Text]] = {}

    def on_mount(self) -> None:
        self._painted_theme = self.app.theme
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width or NAME_WIDTH)

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
        status_style = self._style(status_component(task.status))
        stalled_style = self._style("status--stalled")
        empty_style = self._style("bar--empty")
        now = self.clock()
        name = safe_text(display_name(tracked), limit=200)
        name.no_wrap, name.overflow = True, "ellipsis"  # one line per row, cut with …
        status = status_badge(task.status, status_style, stalled_style, stalled=state.stalled,
                              short=True)
        if state.error:
            status.append(" ⚡", style=self._style("row--error"))
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
                self._cells[(tracked.id, key)] = _signature(text)
            return True
        view = self._view()
        changed = {key: text for key, text in cells.items() if self._changed(tracked.id, key, text)}
        self._apply({tracked.id: changed}, view)
        return False

    def _changed(self, task_id: str, key: str, text: Text) -> bool:
        """Whether a cell's new text differs from what it holds (and remember it)."""
        signature = _signature(text)
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
        """Write cells and redraw only their rows.

        DataTable.update_cell bumps a table-wide counter that every render cache and the
        row offsets of all rows are keyed on: one progress tick on a visible row re-rendered
        every visible row and rebuilt the offsets of every row. A cell's value changes only
        its own row, so only that row's cached renders are dropped, and of its cells only
        the ones that changed: a row whose age ticked is rebuilt from six cached cells and
        two new ones. That holds for many rows at once too (the age columns of every row
        in view, the rows a page either side when a scroll reaches deferred cells)."""
        changed: dict[RowKey, set[ColumnKey]] = {}
        for task_id, cells in rows.items():
            row_key = RowKey(task_id)
            data = self._data.get(row_key)
            if data is None or not cells:
                continue
            for key, text in cells.items():
                data[ColumnKey(key)] = text
            changed[row_key] = {ColumnKey(key) for key in cells}
        if not changed:
            return
        self._forget(changed)
        for row_key in changed:
            row = self._row_locations.get(row_key)
            if row is not None:
                self.refresh_row(row)

    def _forget(self, changed: dict[RowKey, set[ColumnKey]]) -> None:
        """Drop the cached renders of the given cells and of the rows that hold them: the
        cells as given and as rendered, the rows' lines, and the lines DataTable caches by
        position (the cursor's and hover's rows). One walk of each cache, however many
        rows. (LRUCache has no __iter__: its keys() is the way to walk it.)"""
        indexes = {self._row_locations.get(row_key) for row_key in changed}
        renderables = self._row_renderable_cache
        for key in [key for key in renderables.keys() if key[1] in indexes]:  # noqa: SIM118
            renderables.discard(key)
        cells = self._cell_render_cache
        for key in [key for key in cells.keys()  # noqa: SIM118
                    if key[0] in changed and key[1] in changed[key[0]]]:
            cells.discard(key)
        row_renders = self._row_render_cache
        for key in [key for key in row_renders.keys() if key[0] in changed]:  # noqa: SIM118
            row_renders.discard(key)
        lines = self._line_cache
        for key in [key for key in lines.keys()  # noqa: SIM118
                    if key[0] is not _ROW_LINE or key[1] in changed]:
            lines.discard(key)

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
        # DataTable.render_line asks for `rich_style` once per line, and each ask walks the
        # styles of every ancestor: work it out once per paint instead (see rich_style).
        self._paint_style = super().rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._paint_style = None

    @property
    def rich_style(self) -> Style:
        return super().rich_style if self._paint_style is None else self._paint_style

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        # DataTable caches each line under its y and the cursor position, so a cursor move,
        # and every scroll by a line, rebuilt every visible line. A line of a row the cursor
        # and hover are not on depends only on that row: cache it by row instead. The entry
        # lives in DataTable's own line cache, so whatever empties that empties it too.
        if self.cursor_type != "row":
            return super()._render_line(y, x1, x2, base_style)
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        row = self._row_locations.get(row_key)
        row = -1 if row is None else row  # the header row, as DataTable numbers it
        if row in (self.cursor_coordinate.row, self.hover_coordinate.row):
            return super()._render_line(y, x1, x2, base_style)
        key = (_ROW_LINE, row_key, line_no, x1, x2, self.size.width, base_style,
               self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        strip = self._line_cache.get(key)
        if strip is None:
            strip = self._line_cache[key] = super()._render_line(y, x1, x2, base_style)
        return strip

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[list[list[Segment]], list[list[Segment]]]:
        # DataTable caches rendered rows under a key that holds the cursor and hover
        # positions, so every cursor move re-rendered every visible row (~1 ms each) though
        # only two rows change. With a row cursor, a row the cursor (or hover) is not on
        # looks the same wherever they are: key such rows by a position off the table.
        if self.cursor_type == "row":
            row = self._row_locations.get(row_key)
            row = -1 if row is None else row  # the header row, as DataTable numbers it
            if cursor_location.row != row:
                cursor_location = _OFF_TABLE
            if hover_location.row != row:
                hover_location = _OFF_TABLE
        return super()._render_line_in_row(row_key, line_no, base_style, cursor_location,
                                           hover_location)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        # DataTable renders every cell through Rich's generic pipeline (Styled(Padding(cell))
        # and Console.render_lines: nested generators, a lock, two croppings), which was most
        # of a cursor move's cost. Nearly every cell here is a one-line Text in a one-line
        # row: those take the same steps Rich takes for them, done directly. The result is
        # the same segments (tests/test_cell_render.py checks); anything else goes to
        # DataTable. The cache key and styles are DataTable's own.
        if row_index < 0 or column_index < 0:  # the header, row labels
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
               self._update_count, self._pseudo_class_state)
        lines = self._cell_render_cache.get(key)
        if lines is not None:
            return lines
        cell = self._get_row_renderables(row_index).cells[column_index]
        pad = self.cell_padding
        room = width - 2 * pad
        if (
            not isinstance(cell, Text)
            or self.rows[row_key].height != 1
            or room < 1
            or "\n" in cell.plain
            or "\t" in cell.plain
            or cell.justify not in (None, "default")
            or cell.overflow == "ignore"
            or cell.end not in ("\n", "")
            # A Text that asks to wrap is wrapped even in a one-line row (its first line
            # is shown): only when it fits is that the same as cutting it.
            or (cell.no_wrap is False and cell_len(cell.plain) > room)
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, row_index < self.fixed_rows or column_index < self.fixed_columns,
            hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        pre_style += component_style
        # Text.__rich_console__ with no_wrap (a row of height 1): cut to the room left
        # inside the padding, join (which turns the text's own style into a span), render.
        if cell_len(cell.plain) > room:
            cell = cell.copy()
            cell.truncate(room, overflow=cell.overflow or "fold")
        text = list(_JOIN.join([cell]).render(self.app.console))
        # Padding: the line padded (or cropped) to the room, then the padding either side.
        text = Segment.adjust_line_length(text, room, style=_NO_STYLE)
        if pad:
            text = [Segment(" " * pad, _NO_STYLE), *text, Segment(" " * pad, _NO_STYLE)]
        # Styled: the cell's own styles sandwiched between the table's.
        lines = [list(Segment.apply_style(text, pre_style, post_style))]
        self._cell_render_cache[key] = lines
        return lines

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
        self._deferred.pop(task_id, None)
        for key, _, _ in COLUMNS:
            self._cells.pop((task_id, key), None)

    def replace_all(self, rows: Iterable[tuple[TrackedTask, RowState]], keep: str | None) -> None:
        """Rebuild from scratch (filter changes only), keeping the cursor on `keep`."""
        self.clear()
        self._cells.clear()
        self._tracked.clear()
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
            cells = {"age": Text(ago(tracked.added_at, now)),
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

    def sort_by(self, sort: str) -> None:
        """Re-order rows by a named sort; the cursor stays on the same task."""
        keep = self.selected_id
        ordered = sorted(self._tracked.values(), key=SORTS.get(sort, SORTS["added"]))
        position = {t.id: n for n, t in enumerate(ordered)}
        self.sort("id", key=lambda cell: position.get(cell.task_id, len(position)))
        self.select(keep)
