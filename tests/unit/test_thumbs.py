"""Gallery thumbnails (mjtui.images.thumbs): made once from the original, then read back
small (a JPEG, decoded at the size asked for); a damaged copy is made again."""

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


def test_the_copy_is_a_jpeg_decoded_as_small_as_asked(tmp_path: Path) -> None:
    thumbs = ThumbnailLoader(Originals(), tmp_path / "thumbs")  # type: ignore[arg-type]
    url = "https://cdn.example/grid.png"
    old_png = thumbs.path_for(url).with_suffix(".png")
    old_png.parent.mkdir(parents=True)
    old_png.write_bytes(b"an earlier version's copy")
    asyncio.run(thumbs.load(url))
    assert Image.open(thumbs.path_for(url)).format == "JPEG"
    assert not old_png.exists()  # replaced, not left behind
    small = asyncio.run(thumbs.load(url, at_least=60))
    # 512x256 read at a quarter: 128x64, the smallest with both sides at least 60.
    assert small.size == (SIZE // 4, SIZE // 8)


def test_a_transparent_original_is_flattened(tmp_path: Path) -> None:
    class Transparent(Originals):
        async def load(self, url: str) -> Image.Image:
            return Image.new("RGBA", (600, 600), (255, 0, 0, 0))

    thumbs = ThumbnailLoader(Transparent(), tmp_path / "thumbs")  # type: ignore[arg-type]
    thumb = asyncio.run(thumbs.load("https://cdn.example/a.png"))
    assert thumb.mode == "RGB" and thumb.getpixel((0, 0)) == (0, 0, 0)
