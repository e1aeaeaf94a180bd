"""Thumbnails for the gallery: a small copy of each picture, kept on disk beside the cache.

A gallery page shows twelve pictures; decoding twelve full originals (2048x2048 PNGs from
Midjourney) takes about a second. The first time a picture is shown its original is loaded
as usual (disk cache, else a download) and a copy at most `SIZE` pixels wide is written to
`<cache dir>/thumbs/<sha256 of the URL>.jpg`; later pages decode only that copy. A damaged
or missing copy is made again.

The copy is a JPEG (quality 85), not a PNG: a photo-like 512-pixel PNG is ~300 KB and ~15
ms to decode, the JPEG ~30 KB and ~3 ms, and a JPEG can be decoded at a half, a quarter or
an eighth of its size while it is read (`load(url, at_least=...)`): a half-cell thumbnail
needs ~30x50 pixels. Transparent pixels are flattened onto black (Midjourney's pictures
have none). Copies made as PNG by earlier versions are removed when replaced.

Same interface as `ImageLoader` for `ImagePreview` (`load`, `scaled`). No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import tempfile
from pathlib import Path

from PIL import Image

from mjtui import paths
from mjtui.errors import ImageError
from mjtui.images.cache import ImageLoader, ScaledCache, decode_image

SIZE = 512  # pixels, the longer side: a 4x3 page of an 80x40-cell screen needs ~200
QUALITY = 85


class ThumbnailLoader:
    """`load(url)` gives the picture's thumbnail, made once from the original."""

    def __init__(self, loader: ImageLoader, root: Path | None = None) -> None:
        self.loader = loader
        self.root = root if root is not None else paths.cache_dir() / "thumbs"
        self.scaled = ScaledCache()  # scaled for the cells, as ImagePreview keeps them

    def path_for(self, url: str) -> Path:
        return self.root / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".jpg")

    async def load(self, url: str, at_least: int = 0) -> Image.Image:
        """The thumbnail (decoded); raises ImageError as `ImageLoader.load` does.
        `at_least`: pixels both sides need, no more (see `decode_image`)."""
        thumb = await asyncio.to_thread(self.read, url, at_least)
        if thumb is None:
            original = await self.loader.load(url)
            thumb = await asyncio.to_thread(self._make, url, original)
        return thumb

    def read(self, url: str, at_least: int = 0) -> Image.Image | None:
        """The copy on disk, decoded (blocking: call it in a thread); None if there is none
        or it is damaged (`load` makes it again)."""
        try:
            return decode_image(self.path_for(url).read_bytes(), at_least=at_least)
        except (OSError, ImageError):  # missing or damaged: made again from the original
            return None

    def _make(self, url: str, original: Image.Image) -> Image.Image:
        thumb = original.copy()
        thumb.thumbnail((SIZE, SIZE))
        if thumb.mode != "RGB":
            flat = Image.new("RGB", thumb.size)
            flat.paste(thumb, mask=thumb.getchannel("A") if "A" in thumb.getbands() else None)
            thumb = flat
        out = io.BytesIO()
        thumb.save(out, "JPEG", quality=QUALITY)
        target = self.path_for(url)
        with contextlib.suppress(OSError):  # an earlier version's PNG copy
            target.with_suffix(".png").unlink(missing_ok=True)
        temp = ""
        try:  # a cache: written without fsync, any failure only means a later remake
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.NamedTemporaryFile(dir=self.root, suffix=".tmp", delete=False) as file:
                temp = file.name
                file.write(out.getvalue())
            os.replace(temp, target)
        except OSError:
            if temp:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
        return thumb
