"""A gallery page drawn by one widget: frames, half-cell pictures and captions, line by line.

With a widget per thumbnail (frame, picture slot, picture, message, caption) a page was
sixty widgets, and opening the gallery cost ~0.35 s on a 2-core machine, nearly all of it
Textual composing, styling and laying them out, and laying out again as pictures arrived
(bench/README.md, the archive section). A picture drawn with characters needs no widget of
its own: this one draws the whole page, so a picture that arrives or a selection that moves
repaints only its cell's lines, with no layout. Terminal graphics (Kitty, Sixel) are placed
per widget; the gallery uses `ThumbnailCells` for them.

Pictures load as soon as the page is asked for. A gallery just opened draws the copies it
has on disk at once (read, decoded at the size its cells need, scaled, turned into segments:
~20 ms a page, at most OPENING_BUDGET), for the size it expects (`expected`, worked out by
the gallery from the terminal's), so its first frame shows them; the first layout draws them
again only if it disagrees. Anything else loads in a worker: a page turned to, its copies on
disk in one thread and shown in one frame, then the pictures with no copy yet one by one.
Drawn pictures are kept in `drawings` (shared by the app's galleries), so a page seen before
is drawn at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image
from rich.cells import cell_len, set_cell_size
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from mjtui.images.cache import ImageError
from mjtui.images.scale import pane_pixels
from mjtui.text import printable
from mjtui.ui.preview import cell_geometry
from mjtui.ui.widgets.image_preview import RESIZE_DEBOUNCE, cell_colours, prepare
from mjtui.ui.widgets.preview_slot import LOADING, PREVIEWS_OFF

GUTTER = 1  # blank columns between two cells
HALF_BLOCK = "▀"  # the upper pixel is the glyph's colour, the lower one its background
DRAWINGS = 240  # drawn pictures kept: twenty pages
OPENING_BUDGET = 0.03  # seconds a gallery just opened may draw before its first frame

Drawing = list[list[Segment]]  # a picture's rows of segments


@dataclass
class _Cell:
    url: str = ""
    caption: str = ""
    drawing: Drawing | None = None
    message: str = ""


def halfcell_drawing(image: Image.Image) -> Drawing:
    """Rows of segments for `image` two pixels a cell (`▀`), a run of equal cells one segment
    (a coarsened picture has long runs). Runs in a thread."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    data = rgb.tobytes()
    styles: dict[tuple[bytes, bytes], Style] = {}
    rows: Drawing = []
    for top in range(0, height, 2):
        upper = data[top * width * 3: (top + 1) * width * 3]
        lower = data[(top + 1) * width * 3: (top + 2) * width * 3] if top + 1 < height else b""
        row: list[Segment] = []
        run_key: tuple[bytes, bytes] | None = None
        run = 0
        for x in range(0, width * 3, 3):
            key = (upper[x: x + 3], lower[x: x + 3])
            if key == run_key:
                run += 1
                continue
            if run_key is not None:
                row.append(Segment(HALF_BLOCK * run, styles[run_key]))
            run_key, run = key, 1
            if key not in styles:
                fg = Color.from_rgb(*key[0])
                styles[key] = Style(color=fg, bgcolor=Color.from_rgb(*key[1]) if key[1] else None)
        if run_key is not None:
            row.append(Segment(HALF_BLOCK * run, styles[run_key]))
        rows.append(row)
    return rows


class ThumbnailGrid(Widget):
    """`show_page([(url, caption), ...])` fills the cells in order (fewer entries leave the
    rest empty); `select(n)` marks one. `protocol` "none" draws frames and captions only."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "thumbnail-grid--frame",
        "thumbnail-grid--frame-selected",
        "thumbnail-grid--caption",
        "thumbnail-grid--caption-selected",
        "thumbnail-grid--message",
    }

    def __init__(self, loader: Any, protocol: str, drawings: LRUCache[Any, Drawing], *,
                 columns: int = 4, rows: int = 3, expected: Size | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loader, self.protocol, self.drawings = loader, protocol, drawings
        self.columns, self.rows = columns, rows
        self.expected = expected or Size(0, 0)  # the size it will have, until it has one
        self.off = protocol == "none"
        self._cells: list[_Cell] = []
        self._selected = -1
        self._serial = 0  # which page's loads may still fill a cell
        self._drawn_box: tuple[int, int] = (0, 0)  # the picture box the cells were drawn for
        self._resize_timer: Timer | None = None
        self._laid_out = False
        self._cell = (10, 20)  # the terminal's cell in pixels: a picture's aspect on screen

    def on_mount(self) -> None:
        self._cell = cell_geometry(self.protocol)[0]  # known after the terminal probe

    # -- what the gallery asks ------------------------------------------------------------

    def show_page(self, entries: Sequence[tuple[str, str]]) -> None:
        message = PREVIEWS_OFF if self.off else LOADING
        self._cells = [_Cell(url, printable(caption, limit=200), message=message if url else "")
                       for url, caption in entries[: self.columns * self.rows]]
        self._restart()

    def select(self, index: int) -> None:
        old, self._selected = self._selected, index
        if old != index:
            for n in (old, index):
                if 0 <= n < self.columns * self.rows:
                    self.refresh(self._cell_region(n))

    @property
    def loading(self) -> int:
        """Cells still waiting for their picture."""
        return sum(1 for cell in self._cells
                   if cell.url and cell.drawing is None and cell.message == LOADING)

    # -- geometry -------------------------------------------------------------------------

    def _cell_size(self) -> tuple[int, int]:
        width, height = self.size if self._laid_out else self.expected
        return (max(0, (width - GUTTER * (self.columns - 1)) // self.columns),
                max(0, height // self.rows))

    def _box(self) -> tuple[int, int]:
        """The cells a picture may fill: inside the frame, above the caption."""
        width, height = self._cell_size()
        return max(0, width - 2), max(0, height - 3)

    def _cell_region(self, n: int) -> Region:
        width, height = self._cell_size()
        row, column = divmod(n, self.columns)
        return Region(column * (width + GUTTER), row * height, width, height)

    # -- loading --------------------------------------------------------------------------

    @staticmethod
    def _pixels(box: tuple[int, int]) -> tuple[int, int]:
        """The pixels a half-cell picture fills in `box`: two a cell, one above the other."""
        return pane_pixels(*box, (1, 2))

    @classmethod
    def _drawing_key(cls, url: str, box: tuple[int, int], colours: str) -> tuple[Any, ...]:
        return (url, *cls._pixels(box), colours)

    def _restart(self) -> None:
        """Loads of the cells as they were are dropped; the cells load again and are drawn."""
        self._serial += 1
        self.workers.cancel_group(self, "thumbnails")
        self._load()
        self.refresh()

    def _load(self) -> None:
        """Cells whose picture is drawn already show it now; the others load in one worker
        (before the first layout, for the expected size; with none expected, at that layout)."""
        if self.off:
            return
        box = self._box()
        if min(box) <= 0:
            return
        self._drawn_box = box
        colours = cell_colours(self.app, self.protocol)
        pending: list[tuple[int, str, tuple[Any, ...]]] = []
        for n, cell in enumerate(self._cells):
            if not cell.url:
                continue
            key = self._drawing_key(cell.url, box, colours)
            drawing = self.drawings.get(key)
            if drawing is not None:
                cell.drawing, cell.message = drawing, ""
            else:
                cell.drawing, cell.message = None, LOADING
                pending.append((n, cell.url, key))
        if pending and not self._laid_out:
            pending = self._draw_now(pending, box, colours)
        if pending:
            self.run_worker(self._fill_page(self._serial, pending, box, colours),
                            group="thumbnails", exclusive=True, exit_on_error=False)

    def _draw_now(self, pending: list[tuple[int, str, tuple[Any, ...]]], box: tuple[int, int],
                  colours: str) -> list[tuple[int, str, tuple[Any, ...]]]:
        """A gallery just opened: the copies on disk drawn at once, for as long as
        OPENING_BUDGET allows (a page takes ~20 ms), so its first frame shows them. In a
        thread they took three to four times as long: it shares the interpreter with Textual
        composing and laying out the new screen. Returns what is left for the worker."""
        at_least = max(self._pixels(box))
        deadline = time.perf_counter() + OPENING_BUDGET
        left = []
        for n, url, key in pending:
            drawing = self._read_one(url, at_least, box, colours) \
                if time.perf_counter() < deadline else None
            if drawing is None:
                left.append((n, url, key))
                continue
            self.drawings.set(key, drawing)
            self._cells[n].drawing, self._cells[n].message = drawing, ""
        return left

    async def _fill_page(self, serial: int, pending: list[tuple[int, str, tuple[Any, ...]]],
                         box: tuple[int, int], colours: str) -> None:
        """The copies on disk first, all in one thread (read, decoded at the size the cells
        need, drawn: ~1.5 ms a picture), shown in one frame; then, one by one, the pictures
        that have no copy yet (made from the original: a download at worst)."""
        at_least = max(self._pixels(box))
        drawn = await asyncio.to_thread(
            lambda: [self._read_one(url, at_least, box, colours) for _, url, _ in pending])
        for (n, url, key), drawing in zip(pending, drawn, strict=True):
            if drawing is not None:
                self.drawings.set(key, drawing)
                self._finish(serial, n, url, drawing, "")
        await asyncio.gather(*(self._fill(serial, n, url, key, box, at_least, colours)
                               for (n, url, key), drawing in zip(pending, drawn, strict=True)
                               if drawing is None))

    async def _fill(self, serial: int, n: int, url: str, key: tuple[Any, ...],
                    box: tuple[int, int], at_least: int, colours: str) -> None:
        try:
            original = await self.loader.load(url, at_least=at_least)
            drawing = await asyncio.to_thread(self._draw, original, box, self._cell, colours)
        except ImageError as exc:
            self._finish(serial, n, url, None, f"image unavailable: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - one bad image must not take the app down
            self.log.error(f"thumbnail of {url[:80]} failed: {exc!r}")
            self._finish(serial, n, url, None, "image unavailable: cannot render")
            return
        self.drawings.set(key, drawing)
        self._finish(serial, n, url, drawing, "")

    def _read_one(self, url: str, at_least: int, box: tuple[int, int],
                  colours: str) -> Drawing | None:
        """The URL's copy on disk drawn, or None (no copy, or it failed: the one-by-one
        path makes it again or says why)."""
        try:
            thumb = self.loader.read(url, at_least)
            return None if thumb is None else self._draw(thumb, box, self._cell, colours)
        except Exception:  # noqa: BLE001 - the one-by-one path reports it
            return None

    @staticmethod
    def _draw(original: Image.Image, box: tuple[int, int], cell: tuple[int, int],
              colours: str) -> Drawing:
        return halfcell_drawing(prepare(original, 0, box, cell, (1, 2), colours))

    def _finish(self, serial: int, n: int, url: str, drawing: Drawing | None,
                message: str) -> None:
        if serial != self._serial or n >= len(self._cells) or self._cells[n].url != url:
            return  # the page has been turned meanwhile
        cell = self._cells[n]
        cell.drawing, cell.message = drawing, printable(message)
        self.refresh(self._cell_region(n))

    def on_resize(self, event: Resize) -> None:
        if not self._laid_out:  # the first size: nothing to debounce
            self._laid_out = True
            if self._box() != self._drawn_box:  # not the size expected
                self._restart()
            return
        if self._resize_timer is not None:
            self._resize_timer.stop()
        self._resize_timer = self.set_timer(RESIZE_DEBOUNCE, self._rescale)

    def _rescale(self) -> None:
        if self._box() != self._drawn_box:
            self._restart()

    # -- drawing --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        width = self.size.width
        cell_width, cell_height = self._cell_size()
        row, line = divmod(y, cell_height) if cell_height else (self.rows, 0)
        if row >= self.rows or cell_width < 3 or cell_height < 4:
            return Strip.blank(width, base)
        styles = {name: self.get_component_rich_style(f"thumbnail-grid--{name}")
                  for name in ("frame", "frame-selected", "caption", "caption-selected",
                               "message")}
        styles["blank"] = base
        segments: list[Segment] = []
        for column in range(self.columns):
            if column:
                segments.append(Segment(" " * GUTTER, base))
            segments.extend(self._cell_line(row * self.columns + column, line,
                                            cell_width, cell_height, styles))
        return Strip(segments).adjust_cell_length(width, base)

    def _cell_line(self, n: int, line: int, width: int, height: int,
                   styles: dict[str, Style]) -> list[Segment]:
        """Line `line` of cell `n`: its frame, then its picture's rows, then its caption."""
        if n >= len(self._cells):
            return [Segment(" " * width, styles["blank"])]
        cell = self._cells[n]
        selected = "-selected" if n == self._selected else ""
        frame = styles["frame" + selected]
        inner = width - 2
        if line == 0:
            return [Segment("╭" + "─" * inner + "╮", frame)]
        if line == height - 1:
            return [Segment("╰" + "─" * inner + "╯", frame)]
        side = Segment("│", frame)
        if line == height - 2:
            caption = cell.caption if cell_len(cell.caption) <= inner \
                else set_cell_size(cell.caption, inner - 1) + "…"
            caption = set_cell_size(caption, inner)
            return [side, Segment(caption, styles["caption" + selected]), side]
        return [side, *self._picture_line(cell, line - 1, inner, height - 3, styles), side]

    @staticmethod
    def _picture_line(cell: _Cell, row: int, width: int, rows: int,
                      styles: dict[str, Style]) -> list[Segment]:
        blank = styles["blank"]
        if cell.drawing is not None:
            if row >= len(cell.drawing):
                return [Segment(" " * width, blank)]
            used = sum(len(segment.text) for segment in cell.drawing[row])  # one cell each
            left = max(0, (width - used) // 2)
            segments = [Segment(" " * left, blank), *cell.drawing[row]]
            return list(Segment.adjust_line_length(segments, width, blank))
        if cell.message and row == rows // 2:
            text = set_cell_size(cell.message, width) if cell_len(cell.message) > width \
                else cell.message.center(width)
            return [Segment(text, styles["message"])]
        return [Segment(" " * width, blank)]
