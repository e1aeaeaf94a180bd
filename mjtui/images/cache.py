"""Preview images without Textual: fetch with guards, a bounded disk cache, decode, scaled LRU.

Originals are fetched once through the shared `ApimartClient` (no token, http(s) only, size
capped), validated by decoding, then kept on disk keyed by URL hash. The preview never pushes
a 2048x2048 original through an encoder on every redraw: each image is scaled once to the
pane's pixel size in a thread (`mjtui.images.scale`) and the result is kept in a bounded
in-memory LRU. Saving originals to a folder lives in `mjtui.images.save`.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import os
import tempfile
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from mjtui import paths
from mjtui.api.addresses import is_fetchable_url
from mjtui.api.client import ApimartClient
from mjtui.api.errors import ApimartError, BadResponse
from mjtui.errors import ImageError

DEFAULT_MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_DISK_LIMIT = 512 * 1024 * 1024
# Pillow only warns between MAX_IMAGE_PIXELS and twice that; a warning would also print over
# the TUI. Make it an error process-wide, once, instead of toggling global filters per decode.
warnings.simplefilter("error", Image.DecompressionBombWarning)


def _download_error(exc: ApimartError) -> ImageError:
    """Map a client error to an image error; the client reports its size cap as BadResponse."""
    if isinstance(exc, BadResponse) and "-byte limit" in exc.message:
        return ImageError("too large")
    if exc.http_status is not None:
        return ImageError(f"unreachable (HTTP {exc.http_status})")
    return ImageError(f"unreachable ({exc.message[:80]})")


# -- disk cache ------------------------------------------------------------------------------


class DiskCache:
    """Original image bytes on disk, `<sha256(url)>.img`, evicted least recently used first.

    Cache trouble (read-only or full disk, a vanished folder) never raises: it only means a miss.
    """

    def __init__(self, root: Path | None = None, limit_bytes: int = DEFAULT_DISK_LIMIT) -> None:
        self.root = root if root is not None else paths.cache_dir() / "images"
        self.limit_bytes = limit_bytes
        self._last_touch = 0

    def path_for(self, url: str) -> Path:
        return self.root / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".img")

    def get(self, url: str) -> bytes | None:
        """The cached bytes, or None; an empty or unreadable file is removed."""
        path = self.path_for(url)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            self.discard(url)
            return None
        if not data:
            self.discard(url)
            return None
        self._touch(path)
        return data

    def put(self, url: str, data: bytes) -> None:
        """Store bytes atomically (temp file + rename), then evict down to the limit."""
        if not data or len(data) > self.limit_bytes:
            return
        tmp_name = ""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".tmp-", delete=False) as tmp:
                tmp_name = tmp.name
                tmp.write(data)
            path = self.path_for(url)
            os.replace(tmp_name, path)
            tmp_name = ""
            self._touch(path)
            self.evict()
        except OSError:
            pass
        finally:
            if tmp_name:
                unlink_quietly(Path(tmp_name))

    def discard(self, url: str) -> None:
        """Forget one URL (a cached file that turned out corrupt)."""
        unlink_quietly(self.path_for(url))

    def evict(self) -> None:
        """Delete the least recently used files until the total is within the limit."""
        entries: list[tuple[int, int, Path]] = []
        try:
            with os.scandir(self.root) as found:
                for entry in found:
                    try:
                        if entry.name.endswith(".img"):
                            stat = entry.stat()
                            entries.append((stat.st_mtime_ns, stat.st_size, Path(entry.path)))
                    except OSError:  # removed meanwhile (another mjtui, another thread)
                        continue
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.limit_bytes:
                break
            unlink_quietly(path)
            total -= size

    def _touch(self, path: Path) -> None:
        # Strictly increasing stamps keep the LRU order exact even on fast successive calls.
        stamp = max(time.time_ns(), self._last_touch + 1000)
        self._last_touch = stamp
        try:
            os.utime(path, ns=(stamp, stamp))
        except OSError:
            pass


def unlink_quietly(path: Path) -> None:
    """Remove a file if it is there; a file system that refuses is not an error."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


# -- decode, scaled-image cache --------------------------------------------------------------


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, *,
                 at_least: int = 0) -> Image.Image:
    """Decode by content, never by extension; refuse decompression bombs; RGB or RGBA.

    `at_least`: a JPEG may be decoded smaller, by a power of two, while both sides stay at
    least that many pixels (done while decoding: several times faster than a full decode)."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > max_pixels:
            raise ImageError("too many pixels")
        if at_least and image.format == "JPEG":
            image.draft("RGB", (at_least, at_least))
        image.load()
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        mode = "RGBA" if has_alpha else "RGB"
        return image if image.mode == mode else image.convert(mode)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("too many pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ImageError("not an image") from None


ScaledKey = tuple[str, int, int, int]


class ScaledCache:
    """In-memory LRU of scaled images, keyed (url, tile or 0, box_w, box_h), bounded twice."""

    def __init__(self, max_entries: int = 64, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[ScaledKey, Image.Image] = OrderedDict()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: ScaledKey) -> Image.Image | None:
        image = self._items.get(key)
        if image is not None:
            self._items.move_to_end(key)
        return image

    def put(self, key: ScaledKey, image: Image.Image) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.nbytes -= _image_bytes(old)
        self._items[key] = image
        self.nbytes += _image_bytes(image)
        while self._items and (len(self._items) > self.max_entries or self.nbytes > self.max_bytes):
            _, dropped = self._items.popitem(last=False)
            self.nbytes -= _image_bytes(dropped)


def _image_bytes(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())


# -- loader ----------------------------------------------------------------------------------


@dataclass(eq=False)
class _Flight:
    task: asyncio.Task[Image.Image]
    waiters: int = 0
    abandoned: bool = False


@dataclass(eq=False)
class ImageLoader:
    """Load a URL as a decoded image: disk cache, else one shared download per URL.

    Decoding and disk I/O run in threads. When every caller of an in-flight load has been
    cancelled (the user moved on) and none returns within `abandon_after`, the download
    itself is cancelled.
    """

    client: ApimartClient
    cache: DiskCache
    max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    scaled: ScaledCache = field(default_factory=ScaledCache)
    abandon_after: float = 1.0  # seconds a load nobody waits for keeps going
    _inflight: dict[str, _Flight] = field(default_factory=dict, init=False, repr=False)

    async def load(self, url: str) -> Image.Image:
        """The decoded image (RGB or RGBA) at an http(s) URL; raises ImageError."""
        if not is_fetchable_url(url):
            raise ImageError("not http(s)")
        flight = self._inflight.get(url)
        if flight is None or flight.abandoned:
            flight = _Flight(asyncio.create_task(self._fetch(url)))
            self._inflight[url] = flight
            flight.task.add_done_callback(functools.partial(self._landed, url, flight))
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                # A grace period: a quick switch back (or a rescale) rejoins the download.
                asyncio.get_running_loop().call_later(self.abandon_after, self._abandon, flight)

    @staticmethod
    def _abandon(flight: _Flight) -> None:
        if flight.waiters == 0 and not flight.task.done():
            flight.abandoned = True
            flight.task.cancel()

    def _landed(self, url: str, flight: _Flight, task: asyncio.Task[Image.Image]) -> None:
        if self._inflight.get(url) is flight:
            del self._inflight[url]
        if not task.cancelled():
            task.exception()  # retrieved: no "never retrieved" noise when nobody waits

    async def _fetch(self, url: str) -> Image.Image:
        data = await asyncio.to_thread(self.cache.get, url)
        if data is not None:
            try:
                return await asyncio.to_thread(decode_image, data, self.max_pixels)
            except ImageError:
                await asyncio.to_thread(self.cache.discard, url)
        data = await self.fetch_bytes(url)
        image = await asyncio.to_thread(decode_image, data, self.max_pixels)
        await asyncio.to_thread(self.cache.put, url, data)  # only bytes that decoded
        return image

    async def fetch_bytes(self, url: str) -> bytes:
        """Download raw bytes with the size cap, errors as ImageError."""
        if not is_fetchable_url(url):
            raise ImageError("not http(s)")
        try:
            return await self.client.download(url, self.max_download_bytes)
        except ApimartError as exc:
            raise _download_error(exc) from None
