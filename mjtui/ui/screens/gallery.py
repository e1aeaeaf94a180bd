"""The gallery (`i`): finished images as a grid of thumbnails, a page at a time.

Arrow keys move, page up / page down turn the page, `enter` answers the task ID, `esc`
None. The page is a `ThumbnailGrid` (one widget drawing frames, half-cell pictures and
captions) or, for terminal graphics, `ThumbnailCells` (a widget per picture); both load
through the app's `ThumbnailLoader` (a small copy on disk, made once from the original:
disk cache first, a download only on a miss), in workers, so a key never waits for a
picture, and cancel the loads of a page left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Footer, Static

from mjtui.session import TrackedTask
from mjtui.ui.bindings import GALLERY_BINDINGS
from mjtui.vocabulary import display_name

if TYPE_CHECKING:
    from mjtui.ui.app import MjtuiApp

COLUMNS, ROWS = 4, 3
PAGE = COLUMNS * ROWS
DRAWN_PROTOCOLS = ("halfcell", "none")  # pictures of characters: one widget draws the page


def thumbnail_url(tracked: TrackedTask) -> str:
    """The picture a thumbnail shows: the grid, else the first image ("" for none)."""
    task = tracked.task
    return task.grid_image_url or next((u for u in task.image_urls if u), "")


class GalleryScreen(Screen[str | None]):
    """A page of thumbnails over `tasks` (those with a picture), the selected one marked."""

    BINDINGS = GALLERY_BINDINGS
    BINDING_GROUP_TITLE = "Gallery"

    def __init__(self, tasks: list[TrackedTask], selected: str | None = None) -> None:
        super().__init__()
        self.tasks = [t for t in tasks if thumbnail_url(t)]
        ids = [t.id for t in self.tasks]
        self.index = ids.index(selected) if selected in ids else 0
        self._page = -1  # the page the cells show

    @property
    def mjtui(self) -> MjtuiApp:
        return cast("MjtuiApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="gallery-title")
        yield self._page_view()
        yield Footer()

    def _page_view(self) -> Any:
        from mjtui.images.thumbs import ThumbnailLoader

        app = self.mjtui
        if app.thumbnail_loader is None:  # one for the app: what it made is reused
            app.thumbnail_loader = ThumbnailLoader(app.image_loader)
        if app.image_protocol in DRAWN_PROTOCOLS:
            from textual.cache import LRUCache

            from mjtui.ui.widgets.thumbnail_grid import DRAWINGS, ThumbnailGrid

            if app.thumbnail_drawings is None:
                app.thumbnail_drawings = LRUCache(DRAWINGS)
            # The title and the footer take a row each: the grid can start drawing for the
            # rest before the screen is laid out.
            expected = Size(app.size.width, max(0, app.size.height - 2))
            return ThumbnailGrid(app.thumbnail_loader, app.image_protocol,
                                 app.thumbnail_drawings, columns=COLUMNS, rows=ROWS,
                                 expected=expected, id="gallery-grid")
        from mjtui.ui.widgets.thumbnail_cells import ThumbnailCells

        return ThumbnailCells(app.thumbnail_loader, app.image_protocol, columns=COLUMNS,
                              rows=ROWS, id="gallery-cells")

    @property
    def view(self) -> Any:
        """The page: `ThumbnailGrid` or `ThumbnailCells`."""
        return self.query_one("#gallery-grid, #gallery-cells")

    def on_mount(self) -> None:
        self.show_page()

    @property
    def settled(self) -> bool:
        """The page is shown and no picture on it is still loading."""
        return self._page >= 0 and self.view.loading == 0

    # -- drawing -------------------------------------------------------------------------

    def show_page(self) -> None:
        """Fill the cells for the selected task's page (only when the page changed), and
        mark the selected one."""
        page = self.index // PAGE
        view = self.view
        if page != self._page:
            self._page = page
            view.show_page([(thumbnail_url(tracked), display_name(tracked))
                            for tracked in self.tasks[page * PAGE: (page + 1) * PAGE]])
            self._show_title(page)
        view.select(self.index % PAGE)

    def _show_title(self, page: int) -> None:
        """Written when the page changes only: a Static's update lays the screen out again."""
        pages = max(1, -(-len(self.tasks) // PAGE))
        title = (f"Gallery: {len(self.tasks):,} picture{'s' * (len(self.tasks) != 1)}, "
                 f"page {page + 1} of {pages}" if self.tasks else "Gallery: no finished pictures")
        self.query_one("#gallery-title", Static).update(Text(title))

    @property
    def selected(self) -> TrackedTask | None:
        return self.tasks[self.index] if self.tasks else None

    # -- keys ----------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if self.tasks:
            self.index = max(0, min(len(self.tasks) - 1, self.index + step))
            self.show_page()

    def action_page(self, pages: int) -> None:
        self.action_move(pages * PAGE)

    def action_open(self) -> None:
        tracked = self.selected
        self.dismiss(tracked.id if tracked else None)

    def action_close(self) -> None:
        self.dismiss(None)
