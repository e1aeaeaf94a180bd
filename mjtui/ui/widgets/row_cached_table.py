"""A DataTable that redraws only what changed, for tables of one-line text rows.

DataTable keys its row and line caches on the cursor position and on a table-wide update
counter, and renders every cell through Rich's generic pipeline: with a thousand live rows,
each cursor move, scroll step or cell update re-rendered every visible row. `RowCachedTable`
caches the rows the cursor and hover are not on by row, writes cells without the table-wide
invalidation, and draws one-line `Text` cells directly. The segments are the same as
DataTable's (tests/ui/test_cell_render.py checks).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

_OFF_TABLE = Coordinate(-2, -2)  # a cursor/hover position no row or header is at
_ROW_LINE = object()  # marks this class's own keys in DataTable's line cache
_NO_STYLE = Style.null()  # what Rich's Padding gives its padding ("none")
_JOIN = Text("\n")  # Rich joins a Text's wrapped lines with this before rendering them


class RowCachedTable(DataTable[Text]):
    """DataTable with per-row render caches and row-local cell writes."""

    _paint_style: Style | None = None  # rich_style, while render_lines runs

    def write_cells(self, rows: dict[RowKey, dict[ColumnKey, Text]]) -> None:
        """Write cells and redraw only their rows.

        DataTable.update_cell bumps a table-wide counter that every render cache and the
        row offsets of all rows are keyed on: one progress tick on a visible row re-rendered
        every visible row and rebuilt the offsets of every row. A cell's value changes only
        its own row, so only that row's cached renders are dropped, and of its cells only
        the ones that changed: a row whose age ticked is rebuilt from its cached cells and
        the new ones. That holds for many rows at once too (a column of every row in view)."""
        changed: dict[RowKey, set[ColumnKey]] = {}
        for row_key, cells in rows.items():
            data = self._data.get(row_key)
            if data is None or not cells:
                continue
            data.update(cells)
            changed[row_key] = set(cells)
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

    def render_lines(self, crop: Region) -> list[Strip]:
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
        # positions, so every cursor move re-rendered every visible row though only two rows
        # change (bench/README.md, "Round 2"). With a row cursor, a row the cursor (or
        # hover) is not on looks the same wherever they are: key such rows by a position off
        # the table.
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
        # of a cursor move's cost. In a table of one-line rows nearly every cell is a
        # one-line Text: those take the same steps Rich takes for them, done directly. The
        # result is the same segments (tests/ui/test_cell_render.py checks); anything else goes
        # to DataTable. The cache key and styles are DataTable's own.
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
