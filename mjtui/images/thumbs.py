"""Thumbnails for the gallery: a small copy of each picture, kept on disk beside the cache.

A gallery page shows twelve pictures; decoding twelve full originals (2048x2048 PNGs from
Midjourney) takes about a second. The first time a picture is shown its original is loaded
as usual (disk cache, else a download) and a copy at most `SIZE` pixels wide is written to
`<cache dir>/thumbs/<sha256 of the URL>.png`; later pages decode only that copy. A damaged
or missing copy is made again. Same interface as `ImageLoader` for `ImagePreview`
(`load`, `scaled`). No Textual here.
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


class ThumbnailLoader:
    """`load(url)` gives the picture's thumbnail, made once from the original."""

    def __init__(self, loader: ImageLoader, root: Path | None = None) -> None:
        self.loader = loader
        self.root = root if root is not None else paths.cache_dir() / "thumbs"
        self.scaled = ScaledCache()  # scaled for the cells, as ImagePreview keeps them

    def path_for(self, url: str) -> Path:
        return self.root / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".png")

    async def load(self, url: str) -> Image.Image:
        """The thumbnail (decoded); raises ImageError as `ImageLoader.load` does."""
        thumb = await asyncio.to_thread(self._read, url)
        if thumb is None:
            original = await self.loader.load(url)
            thumb = await asyncio.to_thread(self._make, url, original)
        return thumb

    def _read(self, url: str) -> Image.Image | None:
        try:
            return decode_image(self.path_for(url).read_bytes())
        except (OSError, ImageError):  # missing or damaged: made again from the original
            return None

    def _make(self, url: str, original: Image.Image) -> Image.Image:
        thumb = original.copy()
        thumb.thumbnail((SIZE, SIZE))
        out = io.BytesIO()
        thumb.save(out, "PNG")
        target = self.path_for(url)
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
