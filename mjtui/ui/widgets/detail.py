"""The detail pane: everything known about the selected task, shown literally."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.strip import Strip
from textual.style import Style
from textual.visual import RichVisual, visualize
from textual.widgets import Static

from mjtui import buttons
from mjtui.session import TrackedTask, modal_time_left
from mjtui.ui.format import (
    STATUS_COMPONENTS,
    ago,
    clock_time,
    display_name,
    origin_tag,
    progress_bar,
    safe_text,
    short_id,
    status_badge,
    status_component,
)
from mjtui.ui.widgets.kind_detail import button_title, prompt_section, video_rows
from mjtui.ui.widgets.task_columns import RowState
from mjtui.vocabulary import status_label

FIELD_LIMIT = 200  # label, action, origin: one-line fields, cut with … past this
REASON_LIMIT = 1000  # fail reason, problem


class KeyValues:
    """Key/value rows, drawn exactly as `Table.grid(padding=(0, 1))` with a no-wrap key
    column in `key_style` and a wrapping value column draws them, for a fraction of the work.

    The Rich grid measured every cell twice and rendered each through Padding and nested
    render_lines, too slow for every cursor move (bench/README.md, "Round 2"). Here the
    layout the grid would choose is worked out directly (keys are short ASCII labels): the key
    column is the longest key plus the one-cell gap, the values get the rest or as much as the
    longest needs. The segments are the grid's own (tests/unit/test_detail_grid.py checks); a
    pane too narrow for the keys, where the grid would squeeze the key column too, is left to
    the grid itself."""

    def __init__(self, key_style: RichStyle) -> None:
        self.key_style = key_style
        self.rows: list[tuple[str, Text]] = []

    def add_row(self, key: str, value: Text) -> None:
        self.rows.append((key, value))

    def table(self) -> Table:
        """The same rows as a Rich grid."""
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style=self.key_style, no_wrap=True)
        grid.add_column(ratio=1)
        for key, value in self.rows:
            grid.add_row(key, value)
        return grid

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key_width = max((len(key) for key, _ in self.rows), default=0)
        room = options.max_width - key_width - 1
        if not self.rows or key_width == 0 or room < 1:
            yield self.table()
            return
        # Table._calculate_column_widths for these columns: each as wide as its widest cell;
        # if that is too wide, only the value column (the one that may wrap) gives way.
        widest = max(Measurement.get(console, options, value).maximum for _, value in self.rows)
        value_width = min(widest or 1, room)
        table_options = options.update(width=key_width + 1 + value_width, highlight=False,
                                       height=None)
        # Column() defaults, as the grid renders a value cell (its Padding adds nothing).
        value_options = table_options.update(width=value_width, justify="left", no_wrap=False,
                                             overflow="ellipsis", height=None, highlight=False)
        null, key_style, new_line = RichStyle.null(), self.key_style, Segment.line()
        blank_key = Segment(" " * (key_width + 1), key_style)
        for key, value in self.rows:
            lines = console.render_lines(value, value_options, style=null, pad=True)
            # The key cell: the key left-justified in its column, then the gap, both in the
            # column's style; under it, blank lines as tall as the value.
            first = list(Segment.apply_style(
                [Segment(key.ljust(key_width)), Segment(" ", null)], key_style))
            for number, line in enumerate(lines):
                yield from first if number == 0 else (blank_key,)
                yield from line
                yield new_line


class _RenderOnce(RichVisual):
    """A Rich renderable rendered once per width: the height check in `_set_body` and the
    paint that follows share one render (the grid and prompt take milliseconds to render)."""

    _cached: tuple[tuple[int, Style], list[Strip]] | None = None

    def _strips(self, width: int, style: Style) -> list[Strip]:
        if self._cached is None or self._cached[0] != (width, style):
            self._cached = ((width, style), super().render_strips(width, None, style, None))  # type: ignore[arg-type]
        return self._cached[1]

    def get_height(self, rules: object, width: int) -> int:
        return len(self._strips(width, self._widget.visual_style))

    def render_strips(self, width: int, height: int | None, style: Style,
                      options: object) -> list[Strip]:
        return self._strips(width, style)[:height]


class _Body(Group):
    """The pane's body; shown through `_RenderOnce` (Textual asks `visualize` for that)."""

    def __init__(self, widget: Static, *renderables: RenderableType) -> None:
        super().__init__(*renderables)
        self._visual = _RenderOnce(widget, self)

    def visualize(self) -> _RenderOnce:
        return self._visual


class DetailPane(VerticalScroll):
    """Details of one task: status, times, lineage, buttons, the full prompt."""

    COMPONENT_CLASSES = STATUS_COMPONENTS | {"detail--key", "detail--dim", "detail--warn"}

    def __init__(self, *, clock: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clock = clock
        self._body_size: tuple[int, int | None] = (0, None)  # the body's (width, height) shown

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")

    def _set_body(self, content: RenderableType) -> None:
        """Show `content`; lay the screen out again only if the body's height changes.

        `Static.update` re-lays out the whole screen, which cost more than the rest of a
        cursor move; moving between tasks mostly leaves the body as tall as it was, and then
        a repaint of the body is all it takes."""
        body = self.query_one("#detail-body", Static)
        visual = visualize(body, content)
        width = body.content_size.width
        height = visual.get_height(body.styles, width) if width else None
        body.update(content, layout=height is None or (width, height) != self._body_size)
        self._body_size = (width, height)

    def show_empty(self, message: str) -> None:
        self._set_body(Text(message, style="italic"))

    def show(
        self,
        tracked: TrackedTask,
        state: RowState,
        parent: TrackedTask | None,
        children: list[TrackedTask],
    ) -> None:
        task = tracked.task
        style = self.get_component_rich_style
        key_style = style("detail--key")
        dim = style("detail--dim")
        status_style = style(status_component(task.status))
        now = self.clock()

        title = safe_text(display_name(tracked), "bold", limit=200)
        headline = status_badge(task.status, status_style, style("status--stalled"),
                                stalled=state.stalled)
        headline.append("  ")
        headline.append_text(progress_bar(task.progress, status_style, style("bar--empty")))

        grid = KeyValues(key_style)

        def row(key: str, value: Text | str) -> None:
            grid.add_row(key, value if isinstance(value, Text) else Text(value))

        full_id = safe_text(task.id)
        full_id.overflow = "fold"  # never cut: a narrow pane wraps it
        row("ID", full_id)
        if tracked.label:
            row("Label", safe_text(tracked.label, limit=FIELD_LIMIT))
        row("Action", safe_text(task.action or "–", limit=FIELD_LIMIT))
        made_by = origin_tag(tracked)
        if made_by:
            parent_word = "its parent" if tracked.parent_id else "another task"
            row("Made by", safe_text(f"{made_by} of {parent_word}", limit=FIELD_LIMIT))
        elif tracked.origin not in ("", "added", "imagine"):  # not a button we can name
            row("Made by", safe_text(tracked.origin, limit=FIELD_LIMIT))
        if state.error:
            row("Problem", safe_text(state.error, style("detail--warn"), limit=REASON_LIMIT))
        left = modal_time_left(tracked, now)
        if left is not None:
            minutes, seconds = divmod(int(left), 60)
            row("Needs input", Text(f"{minutes}:{seconds:02d} left to answer (press m)",
                                    style=style("detail--warn")))
        if task.fail_reason:
            row("Reason", safe_text(task.fail_reason, style("detail--warn"), limit=REASON_LIMIT))
        row("Submitted", clock_time(task.submit_time))
        if task.start_time:
            row("Started", clock_time(task.start_time))
        if task.finish_time:
            row("Finished", clock_time(task.finish_time))
        updated = f"{ago(tracked.updated_at, now)} ago" if tracked.updated_at else "never"
        row("Updated", Text(updated, style=dim))
        if tracked.parent_id:
            parent_name = display_name(parent) if parent else "(not tracked)"
            value = Text(short_id(tracked.parent_id, 14) + "  ")
            value.append_text(safe_text(parent_name, dim, limit=60))
            row("Parent", value)
        if children:
            lines = Text()
            for child in children:
                if lines:
                    lines.append("\n")
                lines.append(short_id(child.id, 14) + "  ")
                made = origin_tag(child) or child.origin or child.task.action or "–"
                lines.append_text(safe_text(made, limit=30))
                lines.append(f"  {status_label(child.task.status)}",
                             style=style(status_component(child.task.status)))
            row("Children", lines)
        specs = buttons.describe_all(task.buttons)
        if specs:
            used = set(tracked.used_buttons)
            names = Text()
            for spec in specs:
                if names:
                    names.append(" · ")
                # An unknown button is named by its customId: API text, shown literally.
                name = spec.name if len(spec.name) < 20 else button_title(spec)
                names.append_text(safe_text(name,
                                            dim if spec.custom_id in used else "", limit=60))
                if spec.refusal:  # offered, but mjtui has no endpoint to send it to
                    names.append(" (not sent)", style=dim)
            row("Buttons", names)
        for key, value in video_rows(task, dim):
            row(key, value)
        body = _Body(self.query_one("#detail-body", Static), title, headline, Text(""), grid,
                     Text(""), *prompt_section(task, key_style, dim))
        self._set_body(body)
