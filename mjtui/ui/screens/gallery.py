"""The gallery (`i`): finished images as a grid of thumbnails, a page at a time.

Arrow keys move, page up / page down turn the page, `enter` answers the task ID, `esc`
None. Each cell is a `Thumbnail` (one image slot) loading through `ThumbnailLoader` (a
small copy on disk, made once from the original: disk cache first, a download only on a
miss), in its own worker, so a key never waits for a picture; turning the page reuses the
twelve cells and cancels the loads of the page left.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from mjtui.session import TrackedTask
from mjtui.text import printable
from mjtui.ui.bindings import GALLERY_BINDINGS
from mjtui.vocabulary import display_name

if TYPE_CHECKING:
    from mjtui.ui.app import MjtuiApp
    from mjtui.ui.widgets.thumbnail import Thumbnail

COLUMNS, ROWS = 4, 3
PAGE = COLUMNS * ROWS
# Showing a picture lays the whole screen out again (~20-30 ms on a slow machine): pictures
# that arrive are shown together, once no key came for this long, so keys never wait.
QUIET = 0.15  # seconds


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
        self._last_key = 0.0  # monotonic time of the last move
        self._arrived: list[Thumbnail] = []  # loaded, waiting for a quiet moment
        self._reveal_timer: Timer | None = None

    @property
    def mjtui(self) -> MjtuiApp:
        return cast("MjtuiApp", self.app)

    def compose(self) -> ComposeResult:
        from mjtui.images.thumbs import ThumbnailLoader
        from mjtui.ui.widgets.thumbnail import Thumbnail

        app = self.mjtui
        if app.thumbnail_loader is None:  # one for the app: its scaled images are reused
            app.thumbnail_loader = ThumbnailLoader(app.image_loader)
        yield Static("", id="gallery-title")
        with Grid(id="gallery-grid"):
            for n in range(PAGE):
                with Vertical(classes="thumb", id=f"thumb-{n}"):
                    yield Thumbnail(app.thumbnail_loader, app.image_protocol,
                                    on_loaded=self._loaded, classes="thumb-image")
                    yield Static("", classes="thumb-caption", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_page()

    # -- drawing -------------------------------------------------------------------------

    def show_page(self) -> None:
        """Fill the cells for the selected task's page (only when the page changed), and
        mark the selected one."""
        from mjtui.ui.widgets.thumbnail import Thumbnail

        page = self.index // PAGE
        if page != self._page:
            self._page = page
            for n in range(PAGE):
                cell = self.query_one(f"#thumb-{n}")
                thumbnail = cell.query_one(Thumbnail)
                caption = cell.query_one(".thumb-caption", Static)
                position = page * PAGE + n
                if position < len(self.tasks):
                    tracked = self.tasks[position]
                    cell.display = True
                    caption.update(Text(printable(display_name(tracked), limit=60), no_wrap=True))
                    thumbnail.show(thumbnail_url(tracked))
                else:
                    cell.display = False
                    thumbnail.clear()
            self._show_title(page)
        # The caption marks the selected thumbnail: restyling a cell would restyle its
        # picture's widgets too (~30 ms a cell on a slow machine), a caption is one line.
        for n, caption in enumerate(self.query(".thumb-caption")):
            caption.set_class(n == self.index % PAGE, "-selected")

    def _show_title(self, page: int) -> None:
        """Written when the page changes only: a Static's update lays the screen out again."""
        pages = max(1, -(-len(self.tasks) // PAGE))
        title = (f"Gallery: {len(self.tasks):,} picture{'s' * (len(self.tasks) != 1)}, "
                 f"page {page + 1} of {pages}" if self.tasks else "Gallery: no finished pictures")
        self.query_one("#gallery-title", Static).update(Text(title))

    def _loaded(self, thumbnail: Thumbnail) -> None:
        self._arrived.append(thumbnail)
        if self._reveal_timer is None:
            wait = max(0.01, self._last_key + QUIET - time.monotonic())  # 0: Textual divides
            self._reveal_timer = self.set_timer(wait, self._reveal)

    def _reveal(self) -> None:
        """Every picture that arrived, in one frame (one layout); later if a key just came."""
        wait = self._last_key + QUIET - time.monotonic()
        if wait > 0:
            self._reveal_timer = self.set_timer(wait, self._reveal)
            return
        self._reveal_timer = None
        arrived, self._arrived = self._arrived, []
        for thumbnail in arrived:
            thumbnail.reveal()

    @property
    def selected(self) -> TrackedTask | None:
        return self.tasks[self.index] if self.tasks else None

    # -- keys ----------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if self.tasks:
            self._last_key = time.monotonic()
            self.index = max(0, min(len(self.tasks) - 1, self.index + step))
            self.show_page()

    def action_page(self, pages: int) -> None:
        self.action_move(pages * PAGE)

    def action_open(self) -> None:
        tracked = self.selected
        self.dismiss(tracked.id if tracked else None)

    def action_close(self) -> None:
        self.dismiss(None)
