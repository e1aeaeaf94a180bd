"""Save a video task's clips to a folder: streamed with a size cap, kept only if the content
is a video (MP4/MOV or WebM by its first bytes), named `<task>_clip<N>.<format>` safely."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from mjtui.api.addresses import is_fetchable_url
from mjtui.images.cache import ImageError, ImageLoader, unlink_quietly
from mjtui.images.save import place_file, safe_stem, stream_to

MAX_CLIP_BYTES = 200 * 1024 * 1024  # a few seconds of 720p are a few MB; this is a wide cap


def video_suffix(head: bytes) -> str | None:
    """The file suffix the first bytes announce, if they are a video we know."""
    if head[4:8] == b"ftyp":
        return ".mov" if head[8:10] == b"qt" else ".mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return ".webm"
    return None


def _keep_if_video(tmp: Path, folder: Path, stem: str) -> Path:
    with tmp.open("rb") as probe:
        suffix = video_suffix(probe.read(16))
    if suffix is None:
        raise ImageError("not a video")
    return place_file(tmp, folder, stem, suffix)


async def download_clips(loader: ImageLoader, urls: list[str] | tuple[str, ...], folder: Path,
                         progress: Callable[[int, int], None] | None = None, *,
                         prefix: str) -> list[Path]:
    """Save every clip; stops at the first failure (ImageError), keeping the ones saved."""
    if any(not is_fetchable_url(url) for url in urls):
        raise ImageError("not http(s)")
    done = 0
    saved: list[Path] = []

    def step(count: int, size: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, max(done, size))

    for number, url in enumerate(urls, start=1):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=folder, prefix=".part-")
        except OSError as exc:
            raise ImageError(f"cannot write to {folder}: {exc.strerror or exc}") from None
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                await stream_to(loader, url, out, step, cap=MAX_CLIP_BYTES)
            saved.append(await asyncio.to_thread(
                _keep_if_video, tmp, folder, f"{safe_stem(prefix, 'video')}_clip{number}"))
        finally:
            unlink_quietly(tmp)
    return saved
