"""Sixel previews drawn once per change, and again only when something drew over them.

textual-image 0.12.0 injects the Sixel data into `render_lines` on the widget's last line
whenever that line is repainted: every repaint of the pane re-sent the whole picture
(bench/README.md), a toast over the last line cut the data
out (nothing drawn until it went), and the empty strips it returns for the other lines make
a full-screen update write the cells to the right of the picture too early, over it.

Here the layer returns, for every line, cursor moves exactly as wide as each piece of the
line the compositor cuts it into (`CSI n C` with the number zero-padded to the piece's
width), so any update writes nothing over the picture and puts everything after it where it
belongs. The picture is sent only when what the terminal shows is out of date: a new image,
size, place, background or cell size; after another screen was shown, the widget was hidden,
the app resumed; or when something that covered part of it (a toast) has gone.

Import this module only after `mjtui.ui.preview` has imported textual-image (its probes).
"""

from __future__ import annotations

from functools import partial
from itertools import pairwise
from typing import Any

from rich.segment import ControlType, Segment
from rich.style import Style
from textual.dom import NoScreen
from textual.geometry import Region
from textual.strip import Strip

from mjtui.ui.preview import image_widget_class

# The base class first: `image_widget_class` imports textual-image without probing.
_SixelImage: Any = image_widget_class("sixel")
from textual_image._geometry import ImageSize  # isort: skip
from textual_image._pixeldata import PixelData, PixelMeta  # isort: skip
from textual_image._sixel import SixelOptions, image_to_sixels  # isort: skip
from textual_image._terminal import get_cell_size  # isort: skip
from textual_image.widget.sixel import _ImageSixelImpl  # isort: skip

_NULL = Style()
# textual-image's "maxcoverage" palette and 128 colours: fewer bytes per picture for more
# encoding time (bench/README.md); it allocates too many colours below 64x64 pixels.
COMPACT = SixelOptions(quantize="maxcoverage", colors=128)
COMPACT_FROM = 64
_NO_MOVE = ((ControlType.CURSOR_FORWARD, 0),)  # marks a segment as control: zero cells wide


def cursor_forward(width: int) -> Segment:
    """A segment `width` cells wide (as Rich counts) that only moves the cursor `width` right.

    `CSI n C` counts as 2 + digits cells: the number is zero-padded to make it exactly
    `width`. Pieces of one or two cells cannot be skipped that way: they get spaces.
    """
    if width < 3:
        return Segment(" " * width, _NULL)
    return Segment(f"\x1b[{str(width).zfill(width - 2)}C", _NULL)


def control(text: str) -> Segment:
    return Segment(text, _NULL, _NO_MOVE)


def move_to(x: int, y: int) -> str:
    return f"\x1b[{y + 1};{x + 1}H"


class SixelLayer(_ImageSixelImpl):  # type: ignore[misc,valid-type]
    """The child that writes the Sixel data (one per picture: the parent recomposes)."""

    DEFAULT_CSS = """
    SixelLayer {
        width: 100%;
        height: 100%;
    }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._drawn: tuple[Any, ...] | None = None  # what the terminal shows, if up to date
        self._covered = False  # something was drawn over part of the picture
        self._encoded: tuple[tuple[Any, ...], str] | None = None
        self._encoding: tuple[Any, ...] | None = None  # the key a thread is encoding
        self.sent = 0  # pictures sent, for tests and diagnostics

    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._damaged)
        self.app.app_resume_signal.subscribe(self, self._damaged)

    def on_hide(self) -> None:
        self._damaged()

    def _damaged(self, *_: Any) -> None:
        self._drawn = None

    def render_lines(self, crop: Region) -> list[Strip]:
        try:
            if not self.image or not self.screen.is_active:
                self._drawn = None
                return []
            geometry = self.screen.find_widget(self)
            cuts = self.screen._compositor.cuts
        except (NoScreen, KeyError):
            return []
        visible = geometry.visible_region
        if not visible or crop.height <= 0:
            return []
        pieces = [self._pieces(cuts, y, visible) for y in range(visible.y, visible.bottom)]
        covered = any(len(row) > 1 for row in pieces)
        cell = get_cell_size()
        background = self._get_background_rgba()
        key = (id(self.image), crop, self.content_size, cell, background, visible,
               self.app.size)
        lines = [Strip([cursor_forward(width) for width in row], visible.width)
                 for row in pieces[: crop.height]]
        if self._covered and not covered and key == self._drawn:
            # What covered part of the picture has gone. This update may repaint only the
            # lines it covered, so ask for all of ours and send the picture with them.
            self._covered, self._drawn = False, None
            self.refresh()
            return lines
        self._covered = covered
        if key != self._drawn:
            data = self._sixel_data(crop, cell, background)
            if data is None:  # being encoded: the old picture stays until it is ready
                return lines
            last = lines[-1]
            emit = [control(move_to(visible.x, visible.y)), control(data),
                    control(move_to(visible.x, visible.bottom - 1))]
            lines[-1] = Strip([*emit, *last], last.cell_length)
            self._drawn = key
            self.sent += 1
        return lines

    @staticmethod
    def _pieces(cuts: list[list[int]], y: int, visible: Region) -> list[int]:
        """The widths the compositor will cut this screen line of ours into."""
        inner = [x for x in cuts[y] if visible.x < x < visible.right] if y < len(cuts) else []
        edges = [visible.x, *inner, visible.right]
        return [right - left for left, right in pairwise(edges) if right > left]

    def _sixel_data(self, crop: Region, cell: Any, background: Any) -> str | None:
        """The Sixel data for this crop, or None while a thread encodes it (70-500 ms: not
        on the UI's thread); the layer repaints itself when it is ready."""
        key = (id(self.image), crop, self.content_size, cell, background)
        if self._encoded is not None and self._encoded[0] == key:
            return self._encoded[1]
        if self._encoding != key:
            self._encoding = key
            width, height = self._pixel_size(cell)
            job = partial(self._encode, key, self.image, (width, height), crop, cell, background,
                          self._sixel_options)
            self.run_worker(job, thread=True, exclusive=True, group="sixel-encode",
                            exit_on_error=False)
        return None

    def _pixel_size(self, cell: Any) -> tuple[int, int]:
        styled_width, styled_height = self.parent._get_styled_size()  # type: ignore[union-attr]
        pixel_meta = PixelMeta(self.image)
        size = ImageSize(pixel_meta.width, pixel_meta.height, width=styled_width,
                         height=styled_height)
        width, height = size.get_pixel_size(self.content_size.width, self.content_size.height,
                                            cell)
        return width, height

    def _encode(self, key: tuple[Any, ...], image: Any, size: tuple[int, int], crop: Region,
                cell: Any, background: Any, options: Any) -> None:
        """In a thread: scale, crop and encode; hand the data back to the UI's thread."""
        pixels = self._crop_image(PixelData(image).scaled(*size), crop, cell)
        if options is None and min(pixels.width, pixels.height) >= COMPACT_FROM:
            options = COMPACT  # off the UI's thread, the slower, smaller encoding is affordable
        data = image_to_sixels(pixels.pil_image, options, background)
        try:
            self.app.call_from_thread(self._encoded_ready, key, data)
        except RuntimeError:  # the app has closed meanwhile
            pass

    def _encoded_ready(self, key: tuple[Any, ...], data: str) -> None:
        self._encoded = (key, data)
        if self._encoding == key:
            self._encoding = None
        self.refresh()


class SixelImage(_SixelImage, Renderable=_SixelImage._Renderable):  # type: ignore[misc,valid-type]
    """textual-image's Sixel widget with a layer that sends each picture once."""

    def compose(self) -> Any:
        yield SixelLayer(self.image, self._sixel_options)
