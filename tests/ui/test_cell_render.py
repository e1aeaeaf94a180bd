"""TaskTable's one-line cell fast path gives exactly the segments DataTable's Rich pipeline gives.

TaskTable._render_cell renders plain one-line Text cells without Rich's Styled/Padding/
render_lines machinery; any difference would show as a mis-drawn table, so every column of
`render_row` is rendered both ways, for many task states, at every width from too narrow to
roomy, with the cursor, hover and zebra styles, and compared segment by segment.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable
from ui_fixtures import HOSTILE, START

from mjtui.api.models import Button, Status, Task
from mjtui.session import TrackedTask
from mjtui.ui.widgets.task_columns import COLUMNS, RowState
from mjtui.ui.widgets.task_table import TaskTable

PAIRS = [(False, False), (True, False), (False, True), (True, True)]  # (cursor, hover)
WIDE = "漢字のプロンプト 🎨🖼️ 👩‍👩‍👧 e\u0301 ﷺ"  # CJK, emoji (ZWJ, VS16), combining mark


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TaskTable(clock=lambda: START + 4000, id="t")


def _rows() -> list[tuple[TrackedTask, RowState]]:
    names = ["", "a cat", HOSTILE, WIDE, "x" * 300, "[bold]not markup[/]", "tab\there\nnl",
             "漢" * 30, "🎨" * 25]
    states = [RowState(), RowState(stalled=True), RowState(error="boom \x1b[31m"),
              RowState(marked=True), RowState(stalled=True, error="e", marked=True)]
    rows = []
    for n, status in enumerate(Status):
        for m, name in enumerate(names):
            task = Task(id=f"task_{n}_{m}_" + "Z" * m, status=status, progress=(n * 37 + m) % 101,
                        action=["IMAGINE", "UPSCALE", WIDE, HOSTILE, ""][m % 5], prompt=name,
                        buttons=(Button("MJ::JOB::upsample::1"),))
            tracked = TrackedTask(task, label=name if m % 2 else "", origin=HOSTILE if m == 3 else "",
                                  added_at=START + m * 97, updated_at=START + n * 600 if n % 3 else None)
            rows.append((tracked, states[(n + m) % len(states)]))
    return rows


def _normal(lines: list[list[Segment]]) -> list[list[tuple[Any, ...]]]:
    """Segments as comparable values (a style's meta is compared as data)."""
    return [[(s.text, s.style, s.style.meta if s.style else None, s.control) for s in line]
            for line in lines]


async def test_fast_cells_match_datatable(monkeypatch: Any) -> None:
    app = _TableApp()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(TaskTable)
        for tracked, state in _rows():
            table.upsert(tracked, state)
        await pilot.pause()
        # A row of cells render_row never makes, for the fallbacks and the rarer Text options.
        table.add_row(Text("a\tb"), Text("x\ny"), Text("right", justify="right"),
                      Text("crop me please", overflow="crop", no_wrap=True),
                      Text("ellipsis " * 3, overflow="ellipsis", no_wrap=True),
                      Text("", style="bold"), Text(" spaced ", end=""),
                      Text("wrap me", no_wrap=False, style="italic"), key="raw")
        fallbacks = 0
        original = DataTable._render_cell

        def counted(*args: Any, **kwargs: Any) -> Any:
            nonlocal fallbacks
            fallbacks += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(DataTable, "_render_cell", counted)
        base = table.rich_style
        zebra = base + table.get_component_rich_style("datatable--odd-row")
        bases = [base, zebra, Style.null(), Style(color="red", bgcolor="blue", italic=True)]
        raw = table.get_row_index("raw")
        compared = 0
        for row in range(table.row_count):
            cells = table._get_row_renderables(row).cells
            base_style = bases[row % len(bases)]
            for column, (key, _, _) in enumerate(COLUMNS):
                text = cells[column]
                assert isinstance(text, Text), key
                longest = max(8, text.cell_len + 3)
                every = row % 20 == 0 or row == raw
                for n, width in enumerate(range(longest + 1) if every
                                          else (1, 3, 5, 9, 13, longest)):
                    # every cursor/hover pair on some rows, one of them in turn on the others
                    for cursor, hover in PAIRS if every else PAIRS[(n + column) % 4:][:1]:
                        args = (row, column, base_style, width, cursor, hover)
                        table._cell_render_cache.clear()
                        before = fallbacks
                        fast = TaskTable._render_cell(table, *args)
                        took_fast = fallbacks == before
                        table._cell_render_cache.clear()
                        slow = original(table, *args)
                        assert _normal(fast) == _normal(slow), (key, row, width, text)
                        compared += 1
                        if row != raw:
                            # Only cells the fast path cannot take go to DataTable: too
                            # narrow for the padding, or text that wraps and does not fit.
                            room = width - 2 * table.cell_padding
                            assert took_fast == (room > 0 and (text.no_wrap is not False
                                                               or text.cell_len <= room))
        assert compared > 3_000


async def test_whole_table_matches_datatable(monkeypatch: Any) -> None:
    """The same screen, line for line, with and without the fast path."""
    app = _TableApp()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(TaskTable)
        for tracked, state in _rows():
            table.upsert(tracked, state)
        table.move_cursor(row=5)
        await pilot.hover(TaskTable, offset=(10, 8))
        await pilot.pause()

        def lines() -> list[list[tuple[Any, ...]]]:
            table._clear_caches()
            table._line_cache.clear()
            strips = table.render_lines(table.size.region)
            return [_normal([list(strip)])[0] for strip in strips]

        fast = lines()
        monkeypatch.setattr(TaskTable, "_render_cell", DataTable._render_cell)
        assert fast == lines()
