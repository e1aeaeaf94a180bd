"""Kitty graphics previews: one upload per picture, reused ids, real deletes, driver writes.

The bytes the app writes are captured in-process (tests/helpers/terminal_capture.py) and the APC G
commands decoded: uploads (`a=T`), deletes that free the data (`a=d,d=I`), nothing loud.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from image_fixtures import CDN, grid_png, make_loader, png_bytes
from PIL import Image
from rich.color import ColorSystem
from terminal_capture import KittyLog, PreviewApp, run_capturing, settle
from textual.app import App
from textual.pilot import Pilot

from mjtui.images.cache import ImageLoader
from mjtui.ui.screens.fullscreen_preview import FullscreenPreview
from mjtui.ui.widgets.image_preview import ImagePreview, PreviewSlot
from mjtui.ui.widgets.kitty_image import (
    KittyImage,
    KittyUploads,
    Placeholders,
    delete_command,
    free_all_uploads,
    uploads_for,
)


@pytest.fixture
def loader(tmp_path: Path) -> ImageLoader:
    routes: dict[str, bytes | int] = {
        "/a.png": grid_png(256),
        "/b.png": png_bytes((300, 200), (10, 120, 200)),
        "/c.png": png_bytes((200, 300), (200, 120, 10)),
    }
    return make_loader(tmp_path, routes)[0]


def truecolor(app: App[Any]) -> App[Any]:
    """Write 24-bit colour whatever the test's environment says (the launcher makes sure of
    it when Kitty graphics are chosen)."""
    app.console._color_system = ColorSystem.TRUECOLOR
    return app


def colour(image_id: int) -> tuple[str, str, str]:
    return str(image_id >> 16 & 255), str(image_id >> 8 & 255), str(image_id & 255)


def kitty(app: App[Any], start: int = 0) -> KittyLog:
    return KittyLog.parse(app._driver.text(start))


async def show(pilot: Pilot[Any], key: str, path: str, mode: str = "grid") -> None:
    pilot.app.query_one(ImagePreview).show_images(key, [CDN + path], mode)  # type: ignore[arg-type]
    await settle(pilot)


async def test_one_upload_per_picture_and_revisits_reuse_the_id(loader: ImageLoader) -> None:
    app = truecolor(PreviewApp(loader, "tgp"))
    async with run_capturing(app, (100, 40)) as pilot:
        await show(pilot, "A", "/a.png")
        await show(pilot, "B", "/b.png")
        await show(pilot, "A", "/a.png")
        await show(pilot, "B", "/b.png")
        log = kitty(app)
        assert len(log.uploads()) == 2, log.commands  # A and B once each
        assert not log.deletes() and not log.weak_deletes() and not log.loud()
        (widget,) = [s.image_widget for s in app.query(PreviewSlot) if s.has_class("-ready")]
        assert isinstance(widget, KittyImage)
        upload_a, upload_b = log.uploads()
        # The placeholder cells name B's id in 24-bit colour.
        frame = app._driver.text()
        colours = set(re.findall(r"\x1b\[38;2;(\d+);(\d+);(\d+)(?:;[\d;]*)?m\U0010eeee", frame))
        assert {colour(upload_a), colour(upload_b)} <= colours
    exit_log = kitty(app)
    assert sorted(exit_log.deletes()) == sorted({upload_a, upload_b})  # all freed at exit


async def test_idle_refreshes_send_no_image_data(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "tgp")
    async with run_capturing(app, (100, 40)) as pilot:
        await show(pilot, "A", "/a.png")
        start = app._driver.mark()
        for _ in range(10):
            app.screen.refresh()
            app.query_one(ImagePreview).refresh()
            for slot in app.query(PreviewSlot):
                slot.image_widget.refresh()
            await pilot.pause()
        log = kitty(app, start)
        assert log.commands == []


async def test_every_write_goes_through_the_driver(
    loader: ImageLoader, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []

    class Spy:
        def write(self, data: str) -> int:
            written.append(data)
            return len(data)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "__stdout__", Spy())
    app = PreviewApp(loader, "tgp")
    async with run_capturing(app, (100, 40)) as pilot:
        await show(pilot, "A", "/a.png")
        assert kitty(app).uploads()
    assert not any("\x1b_G" in data for data in written)
    assert "\x1b_G" not in capsys.readouterr().out


async def test_resize_replaces_the_upload_and_deletes_the_old_one(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "tgp")
    async with run_capturing(app, (100, 40)) as pilot:
        await show(pilot, "A", "/a.png")
        (first,) = kitty(app).uploads()
        await pilot.resize_terminal(60, 20)
        await pilot.pause(0.4)
        await settle(pilot)
        log = kitty(app)
        assert len(log.uploads()) == 2
        assert log.deletes() == [first]  # the old size is of no more use


async def test_tiles_then_back_reuses_uploads(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "tgp")
    async with run_capturing(app, (100, 40)) as pilot:
        await show(pilot, "A", "/a.png")
        await show(pilot, "A", "/a.png", "tiles")
        await show(pilot, "A", "/a.png")
        await show(pilot, "A", "/a.png", "tiles")
        log = kitty(app)
        assert len(log.uploads()) == 5  # the grid and four tiles, once each
        assert len(set(log.uploads())) == 5


async def test_fullscreen_closed_and_reopened_uploads_once(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "tgp")
    async with run_capturing(app, (100, 40)) as pilot:
        for _ in range(3):
            app.push_screen(FullscreenPreview(loader, CDN + "/b.png", protocol="tgp"))
            await settle(pilot)
            app.pop_screen()
            await settle(pilot)
        assert len(kitty(app).uploads()) == 1


def test_registry_bounds_idle_uploads_and_frees_the_oldest() -> None:
    sent: list[str] = []
    registry = KittyUploads(sent.append, limit=2, first_id=100)
    picture = Image.new("RGB", (20, 40), (1, 2, 3))
    ids = []
    for n in range(4):
        ids.append(registry.acquire(("p", n), picture, (2, 2), (20, 40)))
        registry.release(("p", n))
    log = KittyLog.parse("".join(sent))
    assert log.uploads() == ids == [100, 101, 102, 103]
    assert log.deletes() == [100, 101]  # two idle ones kept
    shown = registry.acquire(("p", 3), picture, (2, 2), (20, 40))  # re-visit: no upload
    assert shown == 103 and len(KittyLog.parse("".join(sent)).uploads()) == 4
    # A shown picture is never evicted, however many come after it.
    for n in range(4, 8):
        registry.acquire(("p", n), picture, (2, 2), (20, 40))
        registry.release(("p", n))
    assert 103 not in KittyLog.parse("".join(sent)).deletes()
    assert registry.free_all() == 3
    log = KittyLog.parse("".join(sent))
    assert set(log.deletes()) == set(log.uploads())
    assert not log.loud() and not log.weak_deletes()


def test_ids_avoid_black_white_and_ids_in_use() -> None:
    registry = KittyUploads(lambda _: None, first_id=0xFFFFFE)
    picture = Image.new("RGB", (10, 20))
    ids = [registry.acquire(n, picture, (1, 1), (10, 20)) for n in range(3)]
    assert ids == [0xFFFFFE, 1, 2]


def test_delete_frees_the_data() -> None:
    assert delete_command(42) == "\x1b_Ga=d,d=I,i=42,q=2\x1b\\"


def test_placeholders_are_24_bit_and_address_every_cell() -> None:
    cells = Placeholders(0x123456, (3, 2))
    assert cells.style.color is not None and cells.style.color.triplet == (0x12, 0x34, 0x56)
    lines = list(cells.lines())
    assert len(lines) == 2 and all(line.count("\U0010eeee") == 3 for line in lines)
    assert len(lines[0]) == 3 * 3  # placeholder, row and column marks; no third mark below 2**24


async def test_free_all_uploads_is_safe_without_uploads(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "tgp")
    async with run_capturing(app, (40, 12)) as pilot:
        await pilot.pause()
        assert free_all_uploads(app) == 0
        assert len(uploads_for(app)) == 0
