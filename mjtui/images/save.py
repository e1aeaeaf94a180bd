"""Save originals to a folder: stream or copy from the disk cache, check the format, name safely."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

import httpx
from PIL import Image, UnidentifiedImageError

from mjtui.api.addresses import is_fetchable_url
from mjtui.images.cache import ImageError, ImageLoader, unlink_quietly

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
    return place_file(tmp, folder, stem, suffix)


def place_file(tmp: Path, folder: Path, stem: str, suffix: str) -> Path:
    """Rename a finished temp file to `<stem><suffix>` (or `<stem>-N<suffix>`) in `folder`."""
    for n in range(1, 1000):
        path = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        if path.resolve().parent != folder.resolve():
            raise ImageError("bad file name")
        if not path.exists():
            os.replace(tmp, path)
            return path
    raise ImageError("too many files with that name")


async def stream_to(
    loader: ImageLoader, url: str, out: IO[bytes], step: Callable[[int, int], None],
    cap: int | None = None,
) -> None:
    """Stream one URL into `out` through the shared pool (no token), capped and deadlined.

    Streams rather than `client.download` so a big original never sits in memory whole and
    the progress bar moves per chunk.
    """
    client, cap = loader.client, cap or loader.max_download_bytes
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
                await stream_to(loader, url, out, step)
        return await asyncio.to_thread(_keep_if_image, tmp, folder, stem)
    finally:
        unlink_quietly(tmp)  # already renamed on success


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


def image_labels(grid_url: str | None, image_urls: list[str] | tuple[str, ...]
                 ) -> tuple[list[str], list[str]]:
    """(URLs, their labels) of a task's images, so a folder of downloads explains itself:
    `grid` for the 2x2 grid, `U1`...`U4` for its tiles (what U1...U4 make), `image` for the
    one picture of an upscale."""
    urls: list[str] = []
    labels: list[str] = []
    if grid_url:
        urls.append(grid_url)
        labels.append("grid")
    tiles = [u for u in image_urls if u]
    for n, url in enumerate(tiles, start=1):
        urls.append(url)
        labels.append(f"U{n}" if len(tiles) > 1 else "image")
    return urls, labels


async def download_originals(
    loader: ImageLoader,
    urls: list[str],
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    prefix: str = "",
    labels: list[str] | None = None,
) -> list[Path]:
    """Save each URL's original into `folder` as `<prefix or URL basename>_<label>.<format>`
    (`labels` from `image_labels`: grid, U1...; the URL's place, 1, 2..., without them).

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
        label = safe_stem(labels[n - 1], str(n)) if labels and n <= len(labels) else str(n)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = await _save_one(
                loader, url, folder, f"{safe_stem(prefix or base)}_{label}", meter.step
            )
        except OSError as exc:
            raise ImageError(f"cannot write to {folder}: {exc.strerror or exc}") from None
        saved.append(path)
        meter.next_file()
    return saved
