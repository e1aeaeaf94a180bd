"""Preview images without Textual: fetch with guards, a bounded disk cache, decode, crop, scale.

Originals are fetched once through the shared `ApimartClient` (no token, http(s) only, size
capped), validated by decoding, then kept on disk keyed by URL hash. The preview never pushes
a 2048x2048 original through an encoder on every redraw: each image is scaled once to the
pane's pixel size in a thread and the result is kept in a bounded in-memory LRU.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

import httpx
from PIL import Image, UnidentifiedImageError

from mjtui import paths
from mjtui.api.client import ApimartClient, is_fetchable_url
from mjtui.api.errors import ApimartError, BadResponse

DEFAULT_MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_DISK_LIMIT = 512 * 1024 * 1024
# Pillow only warns between MAX_IMAGE_PIXELS and twice that; a warning would also print over
# the TUI. Make it an error process-wide, once, instead of toggling global filters per decode.
warnings.simplefilter("error", Image.DecompressionBombWarning)


class ImageError(Exception):
    """Why an image cannot be shown, short enough for a preview pane ("not an image")."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
                _unlink(Path(tmp_name))

    def discard(self, url: str) -> None:
        """Forget one URL (a cached file that turned out corrupt)."""
        _unlink(self.path_for(url))

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
            _unlink(path)
            total -= size

    def _touch(self, path: Path) -> None:
        # Strictly increasing stamps keep the LRU order exact even on fast successive calls.
        stamp = max(time.time_ns(), self._last_touch + 1000)
        self._last_touch = stamp
        try:
            os.utime(path, ns=(stamp, stamp))
        except OSError:
            pass


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


# -- decode, crop, scale ---------------------------------------------------------------------


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode by content, never by extension; refuse decompression bombs; RGB or RGBA."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > max_pixels:
            raise ImageError("too many pixels")
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


def crop_tile(grid: Image.Image, index: int) -> Image.Image:
    """Tile 1-4 of a 2x2 grid, row-major: 1 top-left, 2 top-right, 3 bottom-left, 4 bottom-right."""
    if index not in (1, 2, 3, 4):
        raise ValueError(f"tile index must be 1-4, not {index}")
    half_w, half_h = grid.width // 2, grid.height // 2
    col, row = (index - 1) % 2, (index - 1) // 2
    return grid.crop((col * half_w, row * half_h, (col + 1) * half_w, (row + 1) * half_h))


def pane_pixels(cells_w: int, cells_h: int, cell_size: tuple[int, int]) -> tuple[int, int]:
    """Pixels of a pane of cells, given the pixels per cell (10x20 for Sixel, 1x2 half-cell)."""
    return max(0, cells_w) * cell_size[0], max(0, cells_h) * cell_size[1]


def fit_cells(
    src_w: int, src_h: int, box_w: int, box_h: int, cell_size: tuple[int, int]
) -> tuple[int, int]:
    """The largest cells (w, h) within the box that keep the source's aspect on screen."""
    if min(src_w, src_h, box_w, box_h) <= 0:
        return 0, 0
    cell_w, cell_h = cell_size
    scale = min(box_w * cell_w / src_w, box_h * cell_h / src_h)
    width = min(box_w, max(1, round(src_w * scale / cell_w)))
    height = min(box_h, max(1, round(src_h * scale / cell_h)))
    return width, height


def resize_to(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resample to an exact size: integer box reduce first, then Lanczos (see bench/README.md)."""
    if image.size == size:
        return image.copy()
    factor = min(image.width // max(1, size[0]), image.height // max(1, size[1]))
    source = image.reduce(factor) if factor >= 2 else image
    return source.resize(size, Image.Resampling.LANCZOS)


def scale_to_fit(image: Image.Image, max_w: int, max_h: int) -> Image.Image:
    """Scale to fit within max_w x max_h pixels keeping aspect (never upscales)."""
    scale = min(max_w / image.width, max_h / image.height, 1.0)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return resize_to(image, size)


def scale_for_cells(
    image: Image.Image,
    box_cells: tuple[int, int],
    cell_size: tuple[int, int],
    cell_resolution: tuple[int, int],
) -> Image.Image:
    """Scale for a box of cells: aspect from the real cell size, pixels at the protocol's.

    The result is exactly `cells x cell_resolution`, so the renderer's own resize is a copy.
    """
    cells_w, cells_h = fit_cells(image.width, image.height, *box_cells, cell_size)
    return resize_to(image, pane_pixels(max(1, cells_w), max(1, cells_h), cell_resolution))


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


# -- saving originals ------------------------------------------------------------------------

_FORMAT_SUFFIX = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp", "GIF": ".gif"}


def safe_stem(text: str, fallback: str = "image") -> str:
    """A file-name stem of [A-Za-z0-9._-] only, no leading dots, no image suffix, <= 80 chars."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in text)
    for suffix in (".png", ".jpg", ".jpeg", ".webp", ".gif"):
        cleaned = cleaned.removesuffix(suffix).removesuffix(suffix.upper())
    return cleaned.strip("._")[:80] or fallback


def _keep_if_image(tmp: Path, folder: Path, stem: str) -> Path:
    """Name a finished temp file by its content's format; never outside `folder` or over a file."""
    try:
        with Image.open(tmp) as probe:
            suffix = _FORMAT_SUFFIX.get(probe.format or "", ".img")
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ImageError("not an image") from None
    for n in range(1, 1000):
        path = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        if path.resolve().parent != folder.resolve():
            raise ImageError("bad file name")
        if not path.exists():
            os.replace(tmp, path)
            return path
    raise ImageError("too many files with that name")


async def _stream_to(
    loader: ImageLoader, url: str, out: IO[bytes], step: Callable[[int, int], None]
) -> None:
    """Stream one URL into `out` through the shared pool (no token), capped and deadlined.

    Streams rather than `client.download` so a big original never sits in memory whole and
    the progress bar moves per chunk.
    """
    client, cap = loader.client, loader.max_download_bytes
    try:
        async with asyncio.timeout(client.deadline), client.http.stream("GET", url) as response:
            if not 200 <= response.status_code < 300:
                raise ImageError(f"unreachable (HTTP {response.status_code})")
            declared = response.headers.get("content-length", "")
            size = int(declared) if declared.isdigit() else 0
            if size > cap:
                raise ImageError("too large")
            got = 0
            async for chunk in response.aiter_bytes():
                got += len(chunk)
                if got > cap:
                    raise ImageError("too large")
                await asyncio.to_thread(out.write, chunk)
                step(len(chunk), max(size, got))
    except (TimeoutError, httpx.HTTPError) as exc:
        raise ImageError(f"unreachable ({str(exc)[:80] or type(exc).__name__})") from None


async def _save_one(
    loader: ImageLoader, url: str, folder: Path, stem: str, step: Callable[[int, int], None]
) -> Path:
    cached = await asyncio.to_thread(loader.cache.get, url)
    fd, name = tempfile.mkstemp(dir=folder, prefix=".part-")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            if cached is not None:
                await asyncio.to_thread(out.write, cached)
                step(len(cached), len(cached))
            else:
                await _stream_to(loader, url, out, step)
        return await asyncio.to_thread(_keep_if_image, tmp, folder, stem)
    finally:
        _unlink(tmp)  # already renamed on success


class _Progress:
    """Bytes done over bytes known, across files; a file's size is known once it starts."""

    def __init__(self, report: Callable[[int, int], None] | None) -> None:
        self.report, self.done, self.finished, self.current = report, 0, 0, 0

    def step(self, count: int, file_size: int) -> None:
        self.done, self.current = self.done + count, file_size
        if self.report is not None:
            self.report(self.done, self.finished + self.current)

    def next_file(self) -> None:
        self.finished, self.current = self.finished + self.current, 0


async def download_originals(
    loader: ImageLoader,
    urls: list[str],
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    prefix: str = "",
) -> list[Path]:
    """Save each URL's original into `folder` as `<prefix or URL basename>_<n>.<format>`.

    Cached originals are copied, others streamed with the size cap. `progress(done, total)`
    counts bytes; `total` grows as each file's size becomes known. Stops at the first failure
    with an ImageError; files already saved stay, partial files are removed.
    """
    if any(not is_fetchable_url(url) for url in urls):
        raise ImageError("not http(s)")
    meter = _Progress(progress)
    saved: list[Path] = []
    for n, url in enumerate(urls, start=1):
        base = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = await _save_one(
                loader, url, folder, f"{safe_stem(prefix or base)}_{n}", meter.step
            )
        except OSError as exc:
            raise ImageError(f"cannot write to {folder}: {exc.strerror or exc}") from None
        saved.append(path)
        meter.next_file()
    return saved
