"""Gallery thumbnails (mjtui.images.thumbs): made once from the original, then read back
small; a damaged copy is made again."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from PIL import Image

from mjtui.images.thumbs import SIZE, ThumbnailLoader


class Originals:
    """Stands in for ImageLoader: counts the originals it is asked for."""

    def __init__(self) -> None:
        self.loads = 0

    async def load(self, url: str) -> Image.Image:
        self.loads += 1
        return Image.new("RGB", (2048, 1024), (200, 30, 30))


def test_a_thumbnail_is_made_once_and_read_back(tmp_path: Path) -> None:
    originals = Originals()
    thumbs = ThumbnailLoader(originals, tmp_path / "thumbs")  # type: ignore[arg-type]
    url = "https://cdn.example/grid.png"
    first = asyncio.run(thumbs.load(url))
    assert first.size == (SIZE, SIZE // 2) and originals.loads == 1
    again = asyncio.run(thumbs.load(url))
    assert again.size == first.size and originals.loads == 1  # from the small copy
    assert thumbs.path_for(url).stat().st_size < 50_000
    thumbs.path_for(url).write_bytes(b"damaged")
    assert asyncio.run(thumbs.load(url)).size == first.size and originals.loads == 2
    assert Image.open(io.BytesIO(thumbs.path_for(url).read_bytes())).size == first.size
