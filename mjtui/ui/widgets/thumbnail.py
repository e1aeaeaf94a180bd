"""One gallery picture: a single preview slot that loads and scales its own image.

The gallery used a whole `ImagePreview` per cell (a main slot, four tile slots, labels: 25
widgets), so a page was 300 widgets to compose, style and lay out again each time a
picture arrived (bench/README.md, the archive section). A thumbnail is the slot alone: the
protocol's image widget and a message. Reading, decoding and scaling run in a worker's
threads; the event loop only swaps the scaled image in, so a key never waits for one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.events import Resize
from textual.geometry import Size
from textual.timer import Timer

from mjtui.images.cache import ImageError
from mjtui.images.scale import pane_pixels
from mjtui.known_terminals import KITTY_PLACEHOLDER_MAX_CELLS
from mjtui.ui.preview import cell_geometry
from mjtui.ui.widgets.image_preview import LAYOUT_WAITS, RESIZE_DEBOUNCE, cell_colours, prepare
from mjtui.ui.widgets.preview_slot import LOADING, PreviewSlot, preview_image_class


class Thumbnail(PreviewSlot):
    """`show(url)`: the picture at `url`, scaled to fit; `clear()`: nothing.

    `loader` has `ImageLoader`'s interface (`load`, `scaled`): the gallery's is the
    `ThumbnailLoader`, whose scaled copies outlive the screen, so a page seen before is
    drawn at once. `on_loaded` is told when a picture is ready instead of it being shown at
    once: the gallery shows them when no key is being handled (`reveal`). For terminal
    graphics only (Kitty, Sixel): pictures of characters are drawn by `ThumbnailGrid`."""

    def __init__(self, loader: Any, protocol: str, on_loaded: Callable[[Thumbnail], None],
                 **kwargs: Any) -> None:
        self._on_loaded = on_loaded
        super().__init__(preview_image_class(protocol), **kwargs)
        self.protocol, self._loader = protocol, loader
        self._geometry = ((10, 20), (1, 2))
        self._loaded_size = Size(0, 0)
        self._resize_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        self._geometry = cell_geometry(self.protocol)  # after the terminal probe
        yield from super().compose()

    def show(self, url: str) -> None:
        """The same URL again is a no-op (a page turned back and forth keeps its pictures)."""
        if self.source == (url, 0):
            return
        self.source = (url, 0)
        self._reload()

    @property
    def waiting(self) -> bool:
        """Loading its picture (not shown, not failed)."""
        return self.source is not None and self._message == LOADING \
            and not self.has_class("-ready")

    def clear(self) -> None:
        self.source = None
        self.workers.cancel_group(self, "thumbnail")
        self.show_message("")

    def on_resize(self, event: Resize) -> None:
        if self._resize_timer is not None:
            self._resize_timer.stop()
        self._resize_timer = self.set_timer(RESIZE_DEBOUNCE, self._rescale)

    def _rescale(self) -> None:
        if self.source is not None and self.size != self._loaded_size:
            self._reload()

    def _reload(self) -> None:
        self.workers.cancel_group(self, "thumbnail")
        if self.source is None:
            return
        self._loaded_size = self.size
        if not self._show_cached(self.source):
            self.show_message(LOADING)
            self.run_worker(self._fill(self.source), group="thumbnail", exclusive=True)

    def _box(self) -> tuple[int, int]:
        size = self.content_size
        return (min(size.width, KITTY_PLACEHOLDER_MAX_CELLS),
                min(size.height, KITTY_PLACEHOLDER_MAX_CELLS))

    def _key(self, source: tuple[str, int]) -> tuple[str, int, int, int] | None:
        box = self._box()
        if box[0] <= 0 or box[1] <= 0:
            return None
        return (source[0], source[1], *pane_pixels(*box, self._geometry[1]))

    def _show_cached(self, source: tuple[str, int]) -> bool:
        key = self._key(source)
        scaled = self._loader.scaled.get(key) if key else None
        if scaled is not None:
            resolution = self._geometry[1]
            self.show_image(scaled, (scaled.width // resolution[0],
                                     scaled.height // resolution[1]))
        return scaled is not None

    async def _fill(self, source: tuple[str, int]) -> None:
        key = self._key(source)
        if key is not None and self._show_cached(source):  # scaled before, for this size
            return
        cell, resolution = self._geometry
        try:
            # Read and decoded while a new gallery is still being laid out: only the
            # scaling needs the cell's size.
            original = await self._loader.load(source[0])
            for _ in range(LAYOUT_WAITS):
                if key is not None:
                    break
                await asyncio.sleep(0.02)
                key = self._key(source)
            if key is None or self._show_cached(source):  # (scaled by an earlier gallery)
                return
            scaled = await asyncio.to_thread(prepare, original, 0, self._box(), cell, resolution,
                                             cell_colours(self.app, self.protocol))
        except ImageError as exc:
            if self.source == source:
                self.show_message(f"image unavailable: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - one bad image must not take the app down
            self.log.error(f"thumbnail of {source[0][:80]} failed: {exc!r}")
            if self.source == source:
                self.show_message("image unavailable: cannot render")
            return
        self._loader.scaled.put(key, scaled)
        if self.source == source:
            self._on_loaded(self)

    def reveal(self) -> None:
        """Show the loaded picture (after `on_loaded`); a no-op if the cell moved on."""
        if self.source is not None and not self.has_class("-ready"):
            self._show_cached(self.source)
