"""mjtui.images.cache: guarded fetch, disk cache, decode, crop, scale, saving originals."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from image_fixtures import CDN, TILE_COLOURS, bomb_png, grid_image, make_loader, png_bytes
from PIL import Image

from mjtui.images.cache import DiskCache, ImageError, ScaledCache, decode_image
from mjtui.images.save import download_originals, safe_stem
from mjtui.images.scale import crop_tile, fit_cells, pane_pixels, scale_for_cells

# -- disk cache -------------------------------------------------------------------------------


def test_cache_miss_then_hit(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, limit_bytes=1000)
    assert cache.get("https://x/a.png") is None
    cache.put("https://x/a.png", b"abc")
    assert cache.get("https://x/a.png") == b"abc"
    assert cache.path_for("https://x/a.png").name.endswith(".img")
    assert not list(tmp_path.glob(".tmp-*"))


def test_cache_evicts_least_recently_used(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, limit_bytes=250)
    for name in "abc":
        cache.put(name, name.encode() * 100)  # 100 bytes each: c pushes a out
    assert cache.get("a") is None
    assert cache.get("b") is not None  # b is now the most recently used
    cache.put("d", b"d" * 100)
    assert cache.get("c") is None
    assert cache.get("b") is not None and cache.get("d") is not None


def test_zero_byte_cache_file_is_a_miss_and_removed(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, limit_bytes=1000)
    cache.put("u", b"data")
    cache.path_for("u").write_bytes(b"")
    assert cache.get("u") is None
    assert not cache.path_for("u").exists()


def test_cache_on_unwritable_root_never_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"x")
    cache = DiskCache(blocker / "images", limit_bytes=1000)  # a file where a folder should be
    cache.put("u", b"data")
    assert cache.get("u") is None


def test_cache_defaults_to_the_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MJTUI_CACHE_DIR", str(tmp_path))
    assert DiskCache().root == tmp_path / "images"


# -- decode -----------------------------------------------------------------------------------


def test_decode_rejects_non_images_and_truncated_files() -> None:
    with pytest.raises(ImageError, match="not an image"):
        decode_image(b"<html>not a png</html>")
    with pytest.raises(ImageError, match="not an image"):
        decode_image(png_bytes((300, 300))[:200])


def test_decode_rejects_decompression_bombs() -> None:
    with pytest.raises(ImageError, match="too many pixels"):
        decode_image(bomb_png(), max_pixels=1_000_000)


def test_decode_normalises_modes() -> None:
    assert decode_image(png_bytes()).mode == "RGB"


# -- loader -----------------------------------------------------------------------------------


async def test_loader_downloads_once_then_uses_the_disk_cache(tmp_path: Path) -> None:
    loader, cdn = make_loader(tmp_path, {"/a.png": png_bytes()})
    first = await loader.load(f"{CDN}/a.png")
    second = await loader.load(f"{CDN}/a.png")
    assert first.size == second.size == (64, 64)
    assert cdn.hits == {"/a.png": 1}
    assert "authorization" not in cdn.seen_headers[0]  # the token never goes to a CDN


async def test_corrupt_cache_file_is_refetched(tmp_path: Path) -> None:
    loader, cdn = make_loader(tmp_path, {"/a.png": png_bytes()})
    url = f"{CDN}/a.png"
    loader.cache.put(url, b"garbage that is not an image")
    assert (await loader.load(url)).size == (64, 64)
    assert cdn.hits == {"/a.png": 1}
    assert decode_image(loader.cache.get(url) or b"").size == (64, 64)


async def test_only_decodable_bytes_are_cached(tmp_path: Path) -> None:
    loader, _ = make_loader(tmp_path, {"/fake.png": b"<html>hello</html>"})
    with pytest.raises(ImageError, match="not an image"):
        await loader.load(f"{CDN}/fake.png")
    assert loader.cache.get(f"{CDN}/fake.png") is None


async def test_oversize_download_is_refused(tmp_path: Path) -> None:
    loader, _ = make_loader(tmp_path, {"/big.png": png_bytes((400, 400))}, max_download_bytes=100)
    with pytest.raises(ImageError, match="too large"):
        await loader.load(f"{CDN}/big.png")


async def test_missing_image_is_unreachable(tmp_path: Path) -> None:
    loader, _ = make_loader(tmp_path, {})
    with pytest.raises(ImageError, match=r"unreachable \(HTTP 404\)"):
        await loader.load(f"{CDN}/gone.png")


async def test_network_failure_is_unreachable(tmp_path: Path) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route")

    loader, _ = make_loader(tmp_path, broken)
    with pytest.raises(ImageError, match="unreachable"):
        await loader.load(f"{CDN}/a.png")


async def test_bomb_from_the_network_is_refused_and_not_cached(tmp_path: Path) -> None:
    loader, _ = make_loader(tmp_path, {"/bomb.png": bomb_png()}, max_pixels=1_000_000)
    with pytest.raises(ImageError, match="too many pixels"):
        await loader.load(f"{CDN}/bomb.png")
    assert loader.cache.get(f"{CDN}/bomb.png") is None


@pytest.mark.parametrize("url", ["file:///etc/passwd", "data:image/png;base64,AAAA", "ftp://x/a"])
async def test_non_http_urls_are_refused_without_a_request(tmp_path: Path, url: str) -> None:
    loader, cdn = make_loader(tmp_path, {})
    with pytest.raises(ImageError, match=r"not http\(s\)"):
        await loader.load(url)
    assert cdn.total() == 0


class HeldCdn:
    """A CDN whose answers wait until `release` is set; `calls` counts the downloads."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        await self.release.wait()
        return httpx.Response(200, content=png_bytes())


async def test_concurrent_loads_of_one_url_share_a_download(tmp_path: Path) -> None:
    cdn = HeldCdn()
    loader, _ = make_loader(tmp_path, cdn)
    url = f"{CDN}/a.png"
    loads = [asyncio.create_task(loader.load(url)) for _ in range(5)]
    await asyncio.sleep(0.05)
    cdn.release.set()
    images = await asyncio.gather(*loads)
    assert cdn.calls == 1 and all(image.size == (64, 64) for image in images)


async def test_a_load_nobody_waits_for_is_cancelled(tmp_path: Path) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("not reached")

    loader, _ = make_loader(tmp_path, hang, abandon_after=0.05)
    waiter = asyncio.create_task(loader.load(f"{CDN}/a.png"))
    await started.wait()
    waiter.cancel()
    await asyncio.wait_for(cancelled.wait(), 2)


async def test_switching_back_quickly_rejoins_the_download(tmp_path: Path) -> None:
    cdn = HeldCdn()
    loader, _ = make_loader(tmp_path, cdn, abandon_after=5)
    first = asyncio.create_task(loader.load(f"{CDN}/a.png"))
    await asyncio.sleep(0.02)
    first.cancel()  # the user moved on ...
    await asyncio.sleep(0.02)
    again = asyncio.create_task(loader.load(f"{CDN}/a.png"))  # ... and came back
    cdn.release.set()
    assert (await again).size == (64, 64) and cdn.calls == 1


# -- geometry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [1, 2, 3, 4])
def test_crop_tile_is_row_major(index: int) -> None:
    tile = crop_tile(grid_image(64), index)
    assert tile.size == (32, 32)
    assert tile.getpixel((16, 16)) == TILE_COLOURS[index - 1]


def test_crop_tile_rejects_bad_indexes() -> None:
    with pytest.raises(ValueError):
        crop_tile(grid_image(), 5)


def test_scaling_geometry() -> None:
    assert pane_pixels(80, 30, (10, 20)) == (800, 600)
    assert pane_pixels(80, 30, (1, 2)) == (80, 60)
    # A square image in an 80x30 pane of 10x20 cells: 600x600 pixels, 60 cells wide, 30 high.
    assert fit_cells(2048, 2048, 80, 30, (10, 20)) == (60, 30)
    assert fit_cells(2048, 1024, 80, 30, (10, 20)) == (80, 20)
    image = Image.new("RGB", (2048, 2048))
    assert scale_for_cells(image, (80, 30), (10, 20), (1, 2)).size == (60, 60)
    assert scale_for_cells(image, (80, 30), (10, 20), (10, 20)).size == (600, 600)


def test_scaled_cache_is_bounded() -> None:
    cache = ScaledCache(max_entries=3, max_bytes=10**9)
    for n in range(5):
        cache.put(("u", n, 1, 1), Image.new("RGB", (1, 1)))
    assert len(cache) == 3 and cache.get(("u", 0, 1, 1)) is None
    assert cache.get(("u", 4, 1, 1)) is not None
    by_bytes = ScaledCache(max_entries=100, max_bytes=3 * 100 * 100 * 3)
    for n in range(10):
        by_bytes.put(("u", n, 1, 1), Image.new("RGB", (100, 100)))
    assert len(by_bytes) == 3 and by_bytes.nbytes <= by_bytes.max_bytes


# -- saving originals -------------------------------------------------------------------------


async def test_download_originals_stays_inside_the_folder(tmp_path: Path) -> None:
    urls = [f"{CDN}/a/..%2F..%2Fetc%2Fpasswd", f"{CDN}/x/grid.png", f"{CDN}/x/grid.png"]
    loader, _ = make_loader(
        tmp_path, {"/a/..%2F..%2Fetc%2Fpasswd": png_bytes(), "/x/grid.png": png_bytes()}
    )
    folder = tmp_path / "out"
    seen: list[tuple[int, int]] = []
    saved = await download_originals(loader, urls, folder, lambda d, t: seen.append((d, t)))
    assert [p.parent for p in saved] == [folder] * 3
    assert [p.name for p in saved] == ["etc_passwd_1.png", "grid_2.png", "grid_3.png"]
    assert seen[-1][0] == seen[-1][1] == sum(p.stat().st_size for p in saved)
    assert sorted(os.listdir(folder)) == sorted(p.name for p in saved)  # no partial files


async def test_download_originals_names_by_task_and_refuses_non_images(tmp_path: Path) -> None:
    loader, _ = make_loader(tmp_path, {"/a.png": png_bytes(), "/b.png": b"<html>no</html>"})
    folder = tmp_path / "out"
    saved = await download_originals(loader, [f"{CDN}/a.png"], folder, prefix="task/../42")
    assert saved[0].name == "task_.._42_1.png" and saved[0].parent == folder
    with pytest.raises(ImageError, match="not an image"):
        await download_originals(loader, [f"{CDN}/b.png"], folder, prefix="t")
    assert [p.name for p in folder.iterdir()] == ["task_.._42_1.png"]


async def test_download_originals_keeps_the_size_cap(tmp_path: Path) -> None:
    loader, _ = make_loader(tmp_path, {"/a.png": png_bytes((300, 300))}, max_download_bytes=50)
    with pytest.raises(ImageError, match="too large"):
        await download_originals(loader, [f"{CDN}/a.png"], tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_safe_stem() -> None:
    assert safe_stem("../../etc/passwd") == "etc_passwd"
    assert safe_stem("...") == "image"
    assert safe_stem("grid.PNG") == "grid"
    assert len(safe_stem("x" * 500)) == 80
