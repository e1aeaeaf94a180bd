"""A gallery page of `Thumbnail` widgets, for terminal graphics (Kitty, Sixel).

Graphics are placed per widget, so each cell is one: a frame holding the picture and its
caption. Same interface as `ThumbnailGrid` (`show_page`, `select`, `loading`), which draws
character pictures without a widget per cell. Showing a picture lays the whole screen out
again (~20-30 ms on a slow machine), so pictures that arrive are shown together once no
key came for `QUIET`: keys never wait for them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.timer import Timer
from textual.widgets import Static

from mjtui.text import printable
from mjtui.ui.widgets.thumbnail import Thumbnail

QUIET = 0.15  # seconds


class ThumbnailCells(Grid):
    """`columns` x `rows` cells, reused from page to page (a cell's picture stays when the
    same URL comes back to it)."""

    def __init__(self, loader: Any, protocol: str, *, columns: int = 4, rows: int = 3,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loader, self.protocol = loader, protocol
        self.count = columns * rows
        self._last_key = 0.0  # monotonic time of the last selection
        self._arrived: list[Thumbnail] = []  # loaded, waiting for a quiet moment
        self._reveal_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        for n in range(self.count):
            with Vertical(classes="thumb", id=f"thumb-{n}"):
                yield Thumbnail(self.loader, self.protocol, on_loaded=self._loaded,
                                classes="thumb-image")
                yield Static("", classes="thumb-caption", markup=False)

    def show_page(self, entries: Sequence[tuple[str, str]]) -> None:
        for n in range(self.count):
            cell = self.query_one(f"#thumb-{n}")
            thumbnail = cell.query_one(Thumbnail)
            if n < len(entries):
                url, caption = entries[n]
                cell.display = True
                cell.query_one(".thumb-caption", Static).update(
                    Text(printable(caption, limit=60), no_wrap=True))
                thumbnail.show(url)
            else:
                cell.display = False
                thumbnail.clear()

    def select(self, index: int) -> None:
        """The caption marks the selected cell: restyling a cell would restyle its picture's
        widgets too (~30 ms a cell on a slow machine), a caption is one line."""
        self._last_key = time.monotonic()
        for n, caption in enumerate(self.query(".thumb-caption")):
            caption.set_class(n == index, "-selected")

    @property
    def loading(self) -> int:
        """Cells still waiting for their picture."""
        return sum(1 for thumbnail in self.query(Thumbnail) if thumbnail.waiting)

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
