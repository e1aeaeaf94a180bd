"""The image preview pane and the full-screen view (slots and image classes: preview_slot.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image
from textual import work
from textual.app import App, ComposeResult
from textual.containers import Grid, Vertical
from textual.events import Resize
from textual.geometry import Size
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Label, Static

from mjtui.images.cache import ImageError, ImageLoader
from mjtui.images.scale import (
    coarse_colours,
    crop_tile,
    dither_ansi16,
    pane_pixels,
    scale_for_cells,
)
from mjtui.known_terminals import IMAGE_PROTOCOLS, KITTY_PLACEHOLDER_MAX_CELLS
from mjtui.ui.preview import cell_geometry, current_facts
from mjtui.ui.widgets.preview_slot import LOADING, PREVIEWS_OFF, PreviewSlot, preview_image_class

__all__ = ["ImagePreview", "PreviewSlot", "preview_image_class"]

PreviewMode = Literal["grid", "tiles", "single"]
RESIZE_DEBOUNCE = 0.25
LAYOUT_WAITS = 25  # x 20 ms: how long a load waits for its slot to be laid out


@dataclass(frozen=True, slots=True)
class _Request:
    key: str
    urls: tuple[str, ...]
    mode: str
    tile: int


class ImagePreview(Widget):
    """The one preview pane: swaps images in place; loads and scales in workers.

    `show_images(key, urls, mode)`: "grid"/"single" show `urls[0]` (or tile `tile` of it);
    "tiles" shows four images 2x2 with labels 1-4: `urls[:4]` when there are four (a task's
    image_urls), else tiles cropped from `urls[0]` (its grid_image_url).
    """

    def __init__(
        self,
        loader: ImageLoader | None = None,
        *,
        protocol: str | None = None,
        max_width: int = 0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`max_width`: the widest picture in columns (0: as wide as the pane allows)."""
        super().__init__(name=name, id=id, classes=classes)
        facts = current_facts()
        self.protocol = protocol or (facts.protocol.name if facts else "halfcell")
        if self.protocol not in IMAGE_PROTOCOLS:
            raise ValueError(f"unknown image protocol {self.protocol!r}")
        self._loader = loader
        self._max_width = min(max_width or KITTY_PLACEHOLDER_MAX_CELLS, KITTY_PLACEHOLDER_MAX_CELLS)
        self._request: _Request | None = None
        self.caption = ""  # the line under the picture, if any
        self._cleared_with: str | None = None  # the message clear() left, until new images
        self._resize_timer: Timer | None = None
        self._loaded_size = Size(0, 0)
        self._geometry = ((10, 20), (10, 20))

    @property
    def loader(self) -> ImageLoader | None:
        return self._loader

    @loader.setter
    def loader(self, loader: ImageLoader | None) -> None:
        self._loader = loader
        self._reload()

    def compose(self) -> ComposeResult:
        if self.protocol == "none":
            yield Static(PREVIEWS_OFF, classes="preview-off")
            return
        image_class = preview_image_class(self.protocol)
        self._geometry = cell_geometry(self.protocol)
        yield PreviewSlot(image_class, id="preview-main")
        with Grid(id="preview-tiles"):
            for number in range(1, 5):
                with Vertical(classes="preview-tile"):
                    yield PreviewSlot(image_class, classes="tile-slot")
                    yield Label(str(number), classes="tile-label")

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_load)  # `is_mounted` turns True after this handler

    def _first_load(self) -> None:
        """Load what was asked for before we were mounted. Not again when a request came
        after mounting and has loaded already: that would decode and send the picture twice."""
        if self._loaded_size == Size(0, 0):
            self._reload()

    def show_images(
        self, key: str, urls: list[str], mode: PreviewMode = "grid", *, tile: int = 0,
        caption: str = "",
    ) -> None:
        """Show a task's images; the same request again is a no-op (no flicker, no reload).
        `caption`: a line under a single picture (a video's `▶ 2 clips`)."""
        self._set_caption(caption if mode != "tiles" else "")
        request = _Request(key, tuple(url for url in urls if url), mode, tile)
        if request != self._request:
            self._request, self._cleared_with = request, None
            self.set_class(mode == "tiles", "-tiles")
            self._reload()

    def _set_caption(self, caption: str) -> None:
        """Our own text (never API text); written only when it changes."""
        if caption == self.caption:
            return
        self.caption = caption
        self.set_class(bool(caption), "-captioned")
        labels = self.query("#preview-caption")
        if labels:
            labels.first(Static).update(caption)
        elif caption and self.protocol != "none":  # mounted the first time it is needed
            self.mount(Static(caption, id="preview-caption", markup=False))

    def clear(self, message: str = "") -> None:
        """Show no image, only `message` (a task without images, nothing selected)."""
        if self._request is None and self._cleared_with == message:
            return  # showing just that already: the cursor moves over tasks without images
        self._request, self._cleared_with = None, message
        self._set_caption("")
        self.remove_class("-tiles")
        self.workers.cancel_group(self, "preview")
        for slot in self.query(PreviewSlot):
            slot.source = None
            slot.show_message(message)

    def on_resize(self, event: Resize) -> None:
        if self._resize_timer is not None:
            self._resize_timer.stop()
        self._resize_timer = self.set_timer(RESIZE_DEBOUNCE, self._rescale)

    def _rescale(self) -> None:
        if self.size != self._loaded_size:  # the first layout is no reason to restart a load
            self._reload()

    def _plan(self, request: _Request) -> list[tuple[PreviewSlot, tuple[str, int] | None]]:
        """Which (url, tile) each visible slot shows; tile 0 means the whole image."""
        urls = request.urls
        if request.mode == "tiles":
            slots = list(self.query(".tile-slot").results(PreviewSlot))
            if len(urls) >= 4:
                return [(slot, (urls[n], 0)) for n, slot in enumerate(slots)]
            return [(slot, (urls[0], n + 1) if urls else None) for n, slot in enumerate(slots)]
        main = self.query_one("#preview-main", PreviewSlot)
        return [(main, (urls[0], request.tile) if urls else None)]

    def _reload(self) -> None:
        """Show what is cached at once, say "loading…" elsewhere, and load the rest in a worker."""
        if not self.is_mounted or self.protocol == "none" or self._request is None:
            return
        self.workers.cancel_group(self, "preview")
        self._loaded_size = self.size
        request = self._request
        pending: list[tuple[PreviewSlot, tuple[str, int]]] = []
        for slot, source in self._plan(request):
            slot.source = source
            if source is None:
                slot.show_message("no image yet")
            elif self._loader is None:
                slot.show_message("previews unavailable")
            elif not self._show_cached(slot, source):
                slot.show_message(LOADING)
                pending.append((slot, source))
        if pending:
            # After the next refresh the slots have their real size (a mode switch resizes them).
            self.call_after_refresh(self._load, request, pending)

    def _box(self, slot: PreviewSlot) -> tuple[int, int]:
        """The cells a picture in `slot` may fill."""
        size = slot.content_size
        return min(size.width, self._max_width), min(size.height, KITTY_PLACEHOLDER_MAX_CELLS)

    def _key(self, slot: PreviewSlot, source: tuple[str, int]) -> tuple[str, int, int, int] | None:
        box = self._box(slot)
        if box[0] <= 0 or box[1] <= 0:
            return None
        return (source[0], source[1], *pane_pixels(*box, self._geometry[1]))

    def _show_cached(self, slot: PreviewSlot, source: tuple[str, int]) -> bool:
        key = self._key(slot, source)
        scaled = self._loader.scaled.get(key) if key and self._loader else None
        if scaled is not None:
            resolution = self._geometry[1]
            slot.show_image(scaled, (scaled.width // resolution[0], scaled.height // resolution[1]))
        return scaled is not None

    @work(exclusive=True, group="preview")
    async def _load(
        self, request: _Request, pending: list[tuple[PreviewSlot, tuple[str, int]]]
    ) -> None:
        await asyncio.gather(*(self._fill(request, slot, source) for slot, source in pending))

    async def _fill(self, request: _Request, slot: PreviewSlot, source: tuple[str, int]) -> None:
        loader, key = self._loader, self._key(slot, source)
        # A slot that was hidden (the main one while tiles were on) has no size until the
        # next layout, which may come after this refresh: wait for it, briefly.
        for _ in range(LAYOUT_WAITS):
            if key is not None or loader is None:
                break
            await asyncio.sleep(0.02)
            key = self._key(slot, source)
        if loader is None or key is None:
            return
        cell, resolution = self._geometry
        box = self._box(slot)
        try:
            original = await loader.load(source[0])
            scaled = await asyncio.to_thread(prepare, original, source[1], box, cell, resolution,
                                             cell_colours(self.app, self.protocol))
        except ImageError as exc:
            if self._request is request:
                slot.show_message(f"image unavailable: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - one bad image must not take the app down
            self.log.error(f"preview of {source[0][:80]} failed: {exc!r}")
            if self._request is request:
                slot.show_message("image unavailable: cannot render")
            return
        loader.scaled.put(key, scaled)
        if self._request is request and slot.source == source:
            self._show_cached(slot, source)


def cell_colours(app: App[Any], protocol: str) -> str:
    """How to colour a picture drawn with cells: "ansi16" on a 16-colour terminal
    (TERM=xterm: dithered, or it posterises; never headless, as in tests and SVG
    snapshots, whatever TERM says), "coarse" for other half-cell and unicode pictures
    (fewer bytes), "" for the image protocols."""
    if protocol not in ("halfcell", "unicode"):
        return ""
    if (protocol == "halfcell" and not app.is_headless
            and app.console.color_system in ("standard", "windows")):
        return "ansi16"
    return "coarse"


def prepare(
    original: Image.Image,
    tile: int,
    box: tuple[int, int],
    cell: tuple[int, int],
    resolution: tuple[int, int],
    colours: str = "",
) -> Image.Image:
    """Crop (tile 1-4) and scale for a box of cells, then dithered for a 16-colour terminal
    ("ansi16") or coarsened for a picture of cells ("coarse"); runs in a thread."""
    source = crop_tile(original, tile) if tile else original
    scaled = scale_for_cells(source, box, cell, resolution)
    if colours == "ansi16":
        return dither_ansi16(scaled)
    return coarse_colours(scaled) if colours == "coarse" else scaled
