"""The archive screen (`H`): search every archived task as you type, with the dashboard's
detail pane and preview. It answers the dashboard with (task ID, follow-up action) or None;
the dashboard brings the task back into the session (through `Jobs`) and runs the action.

SQLite runs in a thread worker (one connection per search); a newer search cancels the
older, so typing never waits for a query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from mjtui.archive import ArchivedTask
from mjtui.text import printable
from mjtui.ui.bindings import ARCHIVE_BINDINGS
from mjtui.ui.format import ago, short_id
from mjtui.ui.widgets.detail import DetailPane
from mjtui.ui.widgets.task_table import RowState
from mjtui.vocabulary import display_name, status_label

if TYPE_CHECKING:
    from mjtui.ui.app import MjtuiApp

RESULTS = 500  # rows shown at most; the count says how many matched
DEBOUNCE = 0.12  # seconds of quiet typing before a search runs

Choice = tuple[str, str] | None  # (task ID, dashboard action to run then: "" for none)


class ArchiveScreen(Screen[Choice]):
    """Search box, results table, detail pane and preview over the archive."""

    BINDINGS = ARCHIVE_BINDINGS
    BINDING_GROUP_TITLE = "Archive"

    def __init__(self) -> None:
        super().__init__()
        self.results: dict[str, ArchivedTask] = {}
        self._debounce: Timer | None = None

    @property
    def mjtui(self) -> MjtuiApp:
        return cast("MjtuiApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("Archive", id="archive-title")
        yield Input(placeholder="search the archive: words of the prompt, label or ID",
                    id="archive-query")
        yield DataTable(id="archive-results", cursor_type="row", zebra_stripes=False)
        with Horizontal(id="archive-bottom"):
            yield DetailPane(id="archive-detail", clock=self.mjtui.clock)
            from mjtui.ui.widgets.image_preview import ImagePreview

            yield ImagePreview(protocol=self.mjtui.image_protocol,
                               loader=self.mjtui.image_loader, id="archive-preview")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#archive-results", DataTable)
        table.add_column("ID", key="id", width=11)
        table.add_column("Status", key="status", width=9)
        table.add_column("Added", key="added", width=6)
        table.add_column("Name", key="name")
        self.query_one("#archive-query", Input).focus()
        self.run_search("")

    # -- searching -----------------------------------------------------------------------

    @on(Input.Changed, "#archive-query")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, lambda: self.run_search(event.value))

    @on(Input.Submitted, "#archive-query")
    def _to_results(self) -> None:
        self.query_one("#archive-results", DataTable).focus()

    @work(thread=True, exclusive=True, group="archive-search", exit_on_error=False)
    def run_search(self, text: str) -> None:
        from mjtui.archive import Archive, ArchiveError, archive_path

        path = archive_path()
        if not path.exists():
            self.app.call_from_thread(self.show_results, text, [], 0, "")
            return
        try:
            with Archive(path) as archive:
                rows = archive.search(text, limit=RESULTS)
                total = len(rows) if len(rows) < RESULTS else archive.search_count(text)
        except ArchiveError as exc:
            self.app.call_from_thread(self.show_results, text, [], 0, str(exc))
            return
        self.app.call_from_thread(self.show_results, text, rows, total, "")

    def show_results(self, text: str, rows: list[ArchivedTask], total: int, error: str) -> None:
        if text != self.query_one("#archive-query", Input).value:
            return  # typed on meanwhile: the newer search shows its own
        table = self.query_one("#archive-results", DataTable)
        table.clear()
        self.results = {row.id: row for row in rows}
        now = self.mjtui.clock()
        for row in rows:
            tracked = row.tracked
            table.add_row(
                Text(short_id(row.id)), Text(status_label(tracked.task.status)),
                Text(ago(tracked.added_at, now)),
                Text(printable(display_name(tracked), limit=200), no_wrap=True), key=row.id)
        title = self.query_one("#archive-title", Static)
        if error:
            title.update(Text(f"Archive: {printable(error, limit=300)}"))
        elif not text.strip():
            title.update(Text(f"Archive: {total:,} task{'s' * (total != 1)}, newest first"))
        else:
            shown = f" (the newest {len(rows):,} shown)" if total > len(rows) else ""
            title.update(Text(f"Archive: {total:,} match{'es' * (total != 1)}{shown}"))
        self.show_selected()

    # -- the selected task ---------------------------------------------------------------

    @property
    def selected(self) -> ArchivedTask | None:
        table = self.query_one("#archive-results", DataTable)
        if not self.results or table.cursor_row < 0 or table.cursor_row >= table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return self.results.get(str(key))

    @on(DataTable.RowSelected, "#archive-results")
    def _row_chosen(self) -> None:
        self.action_choose("")

    @on(DataTable.RowHighlighted, "#archive-results")
    def _highlighted(self) -> None:
        self.show_selected()

    def show_selected(self) -> None:
        from mjtui.ui.widgets.image_preview import ImagePreview
        from mjtui.ui.widgets.preview_keys import preview_urls

        detail = self.query_one("#archive-detail", DetailPane)
        preview = self.query_one("#archive-preview", ImagePreview)
        row = self.selected
        if row is None:
            detail.show_empty("Nothing archived matches." if self.query_one(
                "#archive-query", Input).value.strip() else "The archive is empty.")
            preview.clear("")
            return
        tracked = row.tracked
        parent = self.mjtui.session.get(tracked.parent_id) if tracked.parent_id else None
        detail.show(tracked, RowState(), parent, [])
        urls, mode = preview_urls(tracked.task, False)
        if urls:
            preview.show_images(tracked.id, urls, mode)
        else:
            preview.clear("no image")

    # -- actions -------------------------------------------------------------------------

    @work(group="dialogs")
    async def action_gallery(self) -> None:
        """The results' pictures as thumbnails; `enter` on one brings it back."""
        from mjtui.ui.screens.gallery import GalleryScreen

        rows = [row.tracked for row in self.results.values()]
        current = self.selected
        chosen = await self.app.push_screen_wait(
            GalleryScreen(rows, current.id if current else None))
        if chosen:
            self.dismiss((chosen, ""))

    def action_search(self) -> None:
        self.query_one("#archive-query", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_choose(self, then: str) -> None:
        row = self.selected
        if row is None:
            self.notify("no archived task is selected", markup=False)
            return
        if then and self.mjtui.settings.read_only:
            self.notify("read-only: nothing here starts a job", markup=False)
            return
        self.dismiss((row.id, then))
