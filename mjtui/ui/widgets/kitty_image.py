"""Kitty graphics (TGP) previews: one upload per picture, real deletes, all through the driver.

textual-image 0.12.0's TGP widget re-uploads on every render under a new id, deletes with
`a=d,I=<id>` (placements only: the data stays in the terminal) and writes to `sys.__stdout__`
behind Textual's writer thread. Here every picture is uploaded once (`a=T,U=1`: transmit and
make a virtual placement), reused by id while shown and when shown again, and deleted with
`a=d,d=I` (which frees the data) when it falls out of a small LRU, when a rescaled copy
replaces it, and at exit. The cells are Unicode placeholders whose 24-bit foreground colour
is the image id (ids stay below 2**24, so no third diacritic is needed).

Import this module only after `mjtui.ui.preview` has imported textual-image (its probes).
"""

from __future__ import annotations

import hashlib
import io
import random
import weakref
from base64 import standard_b64encode
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.app import App

from mjtui.ui.preview import image_widget_class
from mjtui.ui.widgets.one_frame import OneFramePerResize

# The base class first: `image_widget_class` imports textual-image without probing the
# terminal, after which its placeholder table can be imported.
_TGPImage: Any = image_widget_class("tgp")
from textual_image.renderable.tgp import _NUMBER_TO_DIACRITIC  # isort: skip

APC, ST = "\x1b_G", "\x1b\\"
PLACEHOLDER = "\U0010eeee"
CHUNK = 4096  # base64 bytes per escape code, the protocol's limit
MAX_IDLE_UPLOADS = 6  # pictures kept in the terminal while not shown, for quick re-visits
MAX_ID = 0xFFFFFF  # the id is the placeholder's 24-bit colour
MAX_CELLS = len(_NUMBER_TO_DIACRITIC)


def tgp_command(keys: str, payload: str = "") -> str:
    """One graphics escape code: `ESC _G keys[;payload] ESC \\`."""
    return f"{APC}{keys};{payload}{ST}" if payload else f"{APC}{keys}{ST}"


def delete_command(image_id: int) -> str:
    """Delete an image, its placements and its data (uppercase `I`: free the data too)."""
    return tgp_command(f"a=d,d=I,i={image_id},q=2")


def upload_commands(image_id: int, png: bytes, cells: tuple[int, int]) -> str:
    """Transmit a PNG and make its virtual placement of `cells` (columns, rows), quietly.

    Later chunks carry only `m` (and `q`), as the protocol asks.
    """
    data = standard_b64encode(png).decode("ascii")
    chunks = [data[n : n + CHUNK] for n in range(0, len(data), CHUNK)] or [""]
    first = f"a=T,U=1,f=100,t=d,i={image_id},c={cells[0]},r={cells[1]},q=2"
    out = []
    for n, chunk in enumerate(chunks):
        more = int(n < len(chunks) - 1)
        keys = f"{first},m={more}" if n == 0 else f"m={more},q=2"
        out.append(tgp_command(keys, chunk))
    return "".join(out)


def png_bytes(image: Image.Image, size: tuple[int, int]) -> bytes:
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=6)
    return buffer.getvalue()


_digests: dict[int, tuple[weakref.ref[Image.Image], str]] = {}  # by id(): images don't hash


def picture_digest(image: Image.Image) -> str:
    """What a picture looks like, as a short hash (remembered while the image object lives)."""
    known = _digests.get(id(image))
    if known is not None and known[0]() is image:
        return known[1]
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(f"{image.mode}{image.size}".encode())
    hasher.update(image.tobytes())
    digest = hasher.hexdigest()
    key = id(image)
    _digests[key] = (weakref.ref(image, lambda _, key=key: _digests.pop(key, None)), digest)
    return digest


@dataclass(slots=True)
class Upload:
    image_id: int
    cells: tuple[int, int]
    family: Hashable | None
    holders: int = 0


class KittyUploads:
    """The pictures uploaded to one terminal: ids, holders, an LRU of the idle ones.

    `acquire` returns the id for a picture, uploading it only the first time; `release` says
    a widget stopped showing it. Idle pictures stay uploaded (a re-visit costs nothing) up to
    `limit`; older ones are deleted. A new upload in a `family` (say one URL and tile) deletes
    the family's idle pictures of other sizes: a rescaled copy replaces them.
    """

    def __init__(self, write: Callable[[str], None], *, limit: int = MAX_IDLE_UPLOADS,
                 first_id: int | None = None) -> None:
        self._write = write
        self.limit = limit
        self._uploads: OrderedDict[Hashable, Upload] = OrderedDict()
        self._next_id = first_id or random.randint(1, MAX_ID)
        self.uploaded = 0  # counters, for diagnostics and tests
        self.deleted = 0
        self.bytes_sent = 0

    def __len__(self) -> int:
        return len(self._uploads)

    def ids(self) -> list[int]:
        return [upload.image_id for upload in self._uploads.values()]

    def acquire(self, key: Hashable, image: Image.Image, cells: tuple[int, int],
                pixels: tuple[int, int], family: Hashable | None = None) -> int:
        upload = self._uploads.get(key)
        if upload is None:
            if family is not None:
                for old_key in [k for k, u in self._uploads.items()
                                if u.family == family and not u.holders]:
                    self._delete(old_key)
            upload = Upload(self._new_id(), cells, family)
            self._send(upload_commands(upload.image_id, png_bytes(image, pixels), cells))
            self.uploaded += 1
            self._uploads[key] = upload
        self._uploads.move_to_end(key)
        upload.holders += 1
        self._evict()
        return upload.image_id

    def release(self, key: Hashable) -> None:
        upload = self._uploads.get(key)
        if upload is not None and upload.holders:
            upload.holders -= 1
            self._uploads.move_to_end(key)
            self._evict()

    def free_all(self) -> int:
        """Delete every uploaded picture from the terminal; how many there were."""
        keys = list(self._uploads)
        for key in keys:
            self._delete(key)
        return len(keys)

    def _new_id(self) -> int:
        in_use = {upload.image_id for upload in self._uploads.values()}
        while True:
            image_id, self._next_id = self._next_id, self._next_id % MAX_ID + 1
            # Ids whose colour is black or white could be mistaken for plain text colours.
            if image_id not in in_use and image_id not in (0, MAX_ID):
                return image_id

    def _evict(self) -> None:
        idle = [key for key, upload in self._uploads.items() if not upload.holders]
        for key in idle[: max(0, len(idle) - self.limit)]:
            self._delete(key)

    def _delete(self, key: Hashable) -> None:
        upload = self._uploads.pop(key)
        self._send(delete_command(upload.image_id))
        self.deleted += 1

    def _send(self, data: str) -> None:
        self.bytes_sent += len(data)
        self._write(data)


_registries: weakref.WeakKeyDictionary[App[Any], KittyUploads] = weakref.WeakKeyDictionary()


def uploads_for(app: App[Any]) -> KittyUploads:
    """The app's upload registry; it writes through the app's driver, never to stdout."""
    registry = _registries.get(app)
    if registry is None:
        app_ref = weakref.ref(app)

        def write(data: str) -> None:
            live = app_ref()
            driver = live._driver if live is not None else None
            if driver is not None:
                driver.write(data)

        registry = _registries[app] = KittyUploads(write)
    return registry


def free_all_uploads(app: App[Any]) -> int:
    """Delete every picture this app uploaded (call at exit); how many were deleted."""
    registry = _registries.get(app)
    return registry.free_all() if registry is not None else 0


class Placeholders:
    """Rich renderable: `cells` of Unicode placeholders for one image id, in 24-bit colour."""

    def __init__(self, image_id: int, cells: tuple[int, int]) -> None:
        self.image_id = image_id
        self.cells = cells
        red, green, blue = (image_id >> 16) & 255, (image_id >> 8) & 255, image_id & 255
        self.style = Style.parse(f"rgb({red},{green},{blue})")

    def lines(self) -> Iterator[str]:
        columns, rows = self.cells
        for row in range(rows):
            row_mark = chr(_NUMBER_TO_DIACRITIC[row])
            yield "".join(f"{PLACEHOLDER}{row_mark}{chr(_NUMBER_TO_DIACRITIC[column])}"
                          for column in range(columns))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines():
            yield Segment(line, self.style)
            yield Segment.line()


class KittyImage(OneFramePerResize, _TGPImage, Renderable=_TGPImage._Renderable):  # type: ignore[misc,valid-type]
    """textual-image's TGP widget with uploads that are reused and freed.

    `upload_family` (set by the preview: its URL and tile) lets a rescaled copy of the same
    picture replace the old upload instead of waiting in the LRU.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._held: Hashable | None = None
        self.upload_family: Hashable | None = None
        super().__init__(*args, **kwargs)

    @_TGPImage.image.setter  # type: ignore[misc]
    def image(self, value: Any) -> None:
        _TGPImage.image.fset(self, value)
        self._release()  # the old picture stays uploaded, idle, for a re-visit

    def render(self) -> Any:
        image = self._image
        columns, rows = self.content_size
        if not isinstance(image, Image.Image) or columns <= 0 or rows <= 0:
            self._release()
            return ""
        cells = (min(columns, MAX_CELLS), min(rows, MAX_CELLS))
        cell_px = _cell_pixels()
        pixels = (cells[0] * cell_px[0], cells[1] * cell_px[1])
        key = (picture_digest(image), cells, pixels)
        registry = uploads_for(self.app)
        image_id = registry.acquire(key, image, cells, pixels, self.upload_family)
        self._release()  # after acquiring: the same key stays held throughout
        self._held = key
        return Placeholders(image_id, cells)

    def _release(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            uploads_for(self.app).release(held)

    def on_unmount(self) -> None:
        self._release()
        if not self.app._running:  # the app is shutting down: nothing stays in the terminal
            free_all_uploads(self.app)


def _cell_pixels() -> tuple[int, int]:
    from textual_image._terminal import get_cell_size

    size = get_cell_size()
    return size.width, size.height

