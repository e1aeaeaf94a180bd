"""mjtui.ui.preview and the preview widget under Pilot.

Only the half-cell and unicode widgets are mounted here: TGP writes straight to the real
stdout, whatever the test captures.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from image_fixtures import CDN, TILE_COLOURS, grid_png, make_loader, png_bytes
from PIL import Image
from rich.color import ColorSystem
from terminal_capture import PreviewApp, run_capturing, settle
from textual.app import App, ComposeResult
from textual.widgets import Static

from mjtui.images.cache import ImageLoader
from mjtui.images.scale import ANSI16, coarse_colours, dither_ansi16
from mjtui.ui.preview import detect_terminal_protocol, image_widget_class
from mjtui.ui.screens.fullscreen_preview import FullscreenPreview
from mjtui.ui.widgets.image_preview import ImagePreview, PreviewSlot


def as_shown(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """A colour as a half-cell preview shows it (coarsened, see `coarse_colours`)."""
    return coarse_colours(Image.new("RGB", (1, 1), colour)).getpixel((0, 0))


def test_coarse_colours_round_to_the_nearest_of_32_levels() -> None:
    image = Image.new("RGB", (3, 1))
    image.putdata([(0, 3, 4), (250, 255, 131), (12, 100, 200)])
    assert list(coarse_colours(image).getdata()) == [(0, 0, 8), (248, 248, 128),
                                                     (16, 104, 200)]


# Choosing and detecting the protocol: tests/e2e/test_terminal_probe.py.


# -- the widget under Pilot ---------------------------------------------------------------------


def screen_text(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def ready_images(node: Any) -> list[Any]:
    return [slot.image_widget for slot in node.query(PreviewSlot) if slot.has_class("-ready")]


@pytest.fixture
def cdn_loader(tmp_path: Path) -> tuple[ImageLoader, Any]:
    routes: dict[str, bytes | int] = {
        "/grid.png": grid_png(512),
        "/other.png": png_bytes((300, 200), (10, 120, 200)),
        "/html.png": b"<html>not an image</html>",
    }
    routes.update(
        {f"/tile{n}.png": png_bytes((128, 128), c) for n, c in enumerate(TILE_COLOURS, 1)}
    )
    return make_loader(tmp_path, routes)


async def test_halfcell_preview_shows_the_image(cdn_loader: tuple[ImageLoader, Any]) -> None:
    loader, _ = cdn_loader
    app = PreviewApp(loader)
    async with app.run_test(size=(100, 40)) as pilot:
        preview = app.query_one(ImagePreview)
        preview.show_images("task-1", [f"{CDN}/grid.png"], "grid")
        await settle(pilot)
        (image,) = ready_images(app)
        assert isinstance(image, image_widget_class("halfcell"))
        assert image.image is not None
        # Square image, 100x40 pane of 10x20 cells: 40 rows, 80 columns; half-cell = 80x80 px.
        assert image.image.size == (80, 80)
        assert (image.size.width, image.size.height) == (80, 40)
        assert "▀" in screen_text(app)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.png", "image unavailable: unreachable (HTTP 404)"),
        ("/html.png", "image unavailable: not an image"),
    ],
)
async def test_broken_images_show_why(
    cdn_loader: tuple[ImageLoader, Any], path: str, message: str
) -> None:
    app = PreviewApp(cdn_loader[0])
    async with app.run_test(size=(100, 40)) as pilot:
        app.query_one(ImagePreview).show_images("task-x", [CDN + path], "single")
        await settle(pilot)
        assert message in screen_text(app)
        assert not ready_images(app)


async def test_a_load_that_ends_after_its_slot_is_gone_does_nothing(
    cdn_loader: tuple[ImageLoader, Any],
) -> None:
    """A worker can finish while the app closes: the slot's parts are gone by then (this
    raised NoMatches, and a crash at exit is exit 70)."""
    app = PreviewApp(cdn_loader[0])
    async with app.run_test(size=(100, 40)) as pilot:
        slot = app.query_one("#preview-main", PreviewSlot)
        await slot.remove_children()
        await pilot.pause()
        slot.show_message("image unavailable: timed out")
        slot.show_image(Image.new("RGB", (10, 20)), (1, 1))


async def test_tiles_cropped_from_the_grid_have_labels(cdn_loader: tuple[ImageLoader, Any]) -> None:
    loader, cdn = cdn_loader
    app = PreviewApp(loader)
    async with app.run_test(size=(100, 40)) as pilot:
        app.query_one(ImagePreview).show_images("task-1", [f"{CDN}/grid.png"], "tiles")
        await settle(pilot)
        images = ready_images(app)
        assert len(images) == 4
        centres = [im.image.getpixel((im.image.width // 2, im.image.height // 2)) for im in images]
        assert centres == [as_shown(colour) for colour in TILE_COLOURS]
        labels = [label.content for label in app.query(".tile-label").results()]
        assert [str(label) for label in labels] == ["1", "2", "3", "4"]
        text = screen_text(app)
        assert all(number in text for number in "1234")
        assert cdn.hits == {"/grid.png": 1}


async def test_tiles_prefer_four_urls(cdn_loader: tuple[ImageLoader, Any]) -> None:
    loader, cdn = cdn_loader
    app = PreviewApp(loader)
    async with app.run_test(size=(100, 40)) as pilot:
        urls = [f"{CDN}/tile{n}.png" for n in range(1, 5)]
        app.query_one(ImagePreview).show_images("task-u", urls, "tiles")
        await settle(pilot)
        images = ready_images(app)
        assert [im.image.getpixel((1, 1)) for im in images] == [as_shown(c) for c in TILE_COLOURS]
        assert sorted(cdn.hits) == [f"/tile{n}.png" for n in range(1, 5)]


async def test_switching_back_is_instant_from_the_scaled_cache(
    cdn_loader: tuple[ImageLoader, Any],
) -> None:
    loader, cdn = cdn_loader
    app = PreviewApp(loader)
    async with app.run_test(size=(100, 40)) as pilot:
        preview = app.query_one(ImagePreview)
        preview.show_images("a", [f"{CDN}/grid.png"], "grid")
        await settle(pilot)
        first = ready_images(app)[0]
        preview.show_images("b", [f"{CDN}/other.png"], "grid")
        await settle(pilot)
        assert ready_images(app)[0] is first  # one widget, image swapped
        preview.show_images("a", [f"{CDN}/grid.png"], "grid")
        assert ready_images(app)[0].image.size == (80, 80)  # synchronously, no worker needed
        assert cdn.hits == {"/grid.png": 1, "/other.png": 1}


async def test_resize_rescales(cdn_loader: tuple[ImageLoader, Any]) -> None:
    app = PreviewApp(cdn_loader[0])
    async with app.run_test(size=(100, 40)) as pilot:
        app.query_one(ImagePreview).show_images("a", [f"{CDN}/grid.png"], "grid")
        await settle(pilot)
        await pilot.resize_terminal(60, 20)
        await pilot.pause(0.4)
        await settle(pilot)
        assert ready_images(app)[0].image.size == (40, 40)


async def test_unicode_and_clear(cdn_loader: tuple[ImageLoader, Any]) -> None:
    app = PreviewApp(cdn_loader[0], protocol="unicode")
    async with app.run_test(size=(100, 40)) as pilot:
        preview = app.query_one(ImagePreview)
        preview.show_images("a", [f"{CDN}/grid.png"], "grid")
        await settle(pilot)
        (image,) = ready_images(app)
        assert isinstance(image, image_widget_class("unicode")) and image.image is not None
        preview.clear("no images for this task")
        await pilot.pause()
        assert not ready_images(app)
        assert "no images for this task" in screen_text(app)


async def test_clearing_again_with_the_same_message_touches_nothing(
        cdn_loader: tuple[ImageLoader, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    app = PreviewApp(cdn_loader[0])
    async with app.run_test(size=(100, 40)) as pilot:
        preview = app.query_one(ImagePreview)
        shown: list[str] = []
        original = PreviewSlot.show_message
        monkeypatch.setattr(PreviewSlot, "show_message",
                            lambda slot, text: (shown.append(text), original(slot, text)))
        preview.clear("no images")
        slots = len(shown)
        assert slots == len(app.query(PreviewSlot))
        preview.clear("no images")  # the cursor moved to another task without images
        assert len(shown) == slots
        preview.clear("nothing selected")
        assert shown[slots:] == ["nothing selected"] * slots
        preview.show_images("a", [f"{CDN}/grid.png"], "grid")
        await settle(pilot)
        preview.clear("nothing selected")  # images came in between: cleared again
        await pilot.pause()
        assert not ready_images(app) and "nothing selected" in screen_text(app)


async def test_previews_off() -> None:
    app = PreviewApp(None, protocol="none")
    async with app.run_test(size=(100, 40)) as pilot:
        app.query_one(ImagePreview).show_images("a", [f"{CDN}/grid.png"], "grid")
        await pilot.pause()
        assert "previews off (--images none)" in screen_text(app)
        assert not list(app.query(PreviewSlot))


async def test_fullscreen_tile_and_escape(cdn_loader: tuple[ImageLoader, Any]) -> None:
    app = PreviewApp(cdn_loader[0])
    async with app.run_test(size=(100, 40)) as pilot:
        app.push_screen(
            FullscreenPreview(cdn_loader[0], f"{CDN}/grid.png", tile=3, protocol="halfcell")
        )
        await settle(pilot)
        assert isinstance(app.screen, FullscreenPreview)
        (image,) = [s.image_widget for s in app.screen.query(PreviewSlot) if s.has_class("-ready")]
        assert image.image.getpixel((5, 5)) == as_shown(TILE_COLOURS[2])
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FullscreenPreview)


async def test_sixel_widget_gets_a_pixel_exact_image(cdn_loader: tuple[ImageLoader, Any]) -> None:
    app = PreviewApp(cdn_loader[0], protocol="sixel")
    async with app.run_test(size=(40, 12)) as pilot:
        app.query_one(ImagePreview).show_images("a", [f"{CDN}/grid.png"], "grid")
        await settle(pilot)
        (image,) = ready_images(app)
        assert isinstance(image, image_widget_class("sixel"))
        # 40x12 cells of 10x20 px: a square fits 240x240 px, 24x12 cells.
        assert image.image.size == (240, 240)
        assert (image.size.width, image.size.height) == (24, 12)


async def test_show_images_before_mount(cdn_loader: tuple[ImageLoader, Any]) -> None:
    class EarlyApp(PreviewApp):
        def compose(self) -> ComposeResult:
            preview = ImagePreview(self.loader, protocol="halfcell")
            preview.show_images("a", [f"{CDN}/grid.png"], "grid")
            yield preview

    app = EarlyApp(cdn_loader[0])
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert ready_images(app)[0].image.size == (80, 80)


def test_detect_rejects_unknown_names_before_touching_the_terminal() -> None:
    with pytest.raises(ValueError, match="unknown image protocol"):
        detect_terminal_protocol("kitty")


class TickingApp(PreviewApp):
    """A screen underneath that changes on every tick, like the dashboard's progress cells."""

    def compose(self) -> ComposeResult:
        yield Static("tick 0", id="ticker")
        yield ImagePreview(self.loader, protocol=self.protocol, id="preview")


@pytest.mark.parametrize("protocol", ["halfcell", "tgp", "sixel"])
async def test_fullscreen_sends_nothing_while_the_screen_underneath_changes(
    cdn_loader: tuple[ImageLoader, Any], protocol: str
) -> None:
    app = TickingApp(cdn_loader[0], protocol)
    async with run_capturing(app, (100, 30), notifications=True) as pilot:
        app.push_screen(FullscreenPreview(cdn_loader[0], f"{CDN}/grid.png", protocol=protocol))
        await settle(pilot)
        assert ready_images(app.screen)
        mark = app._driver.mark()
        for tick in range(1, 11):
            app.query_one("#ticker", Static).update(f"tick {tick}")
            await pilot.pause(0.02)
        await settle(pilot)
        assert app._driver.text(mark) == ""
        # Its own changes still show (its title here; toasts are kept off the picture).
        app.screen.query_one("#fullscreen-title", Static).update("a new title")
        await pilot.pause(0.1)
        assert "a new title" in app._driver.text(mark)


def gradient_png(size: tuple[int, int] = (256, 128)) -> bytes:
    """A sky-like gradient: what 16 colours flatten into a few bands."""
    image = Image.new("RGB", size)
    image.putdata([(x * 255 // size[0], 90 + y // 4, 200 - x // 3)
                   for y in range(size[1]) for x in range(size[0])])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(("system", "dithered"), [(ColorSystem.STANDARD, True),
                                                  (ColorSystem.TRUECOLOR, False),
                                                  (ColorSystem.EIGHT_BIT, False)])
async def test_halfcell_is_dithered_for_16_colours(
    tmp_path: Path, system: ColorSystem, dithered: bool
) -> None:
    loader, _ = make_loader(tmp_path, {"/sky.png": gradient_png()})
    app = PreviewApp(loader)
    app.console._color_system = system
    async with run_capturing(app, (100, 40)) as pilot:  # headless: never dithered
        app.query_one(ImagePreview).show_images("a", [f"{CDN}/sky.png"], "grid")
        await settle(pilot)
        (image,) = ready_images(app)
        colours = {image.image.getpixel((x, y)) for x in range(image.image.width)
                   for y in range(image.image.height)}
        assert (colours <= set(ANSI16)) is dithered
        if dithered:
            # Seen from a little away (4x4 blocks), the dithered picture keeps the tones that
            # matching each pixel to its nearest colour loses.
            original = image.image.copy()  # already dithered; rebuild the plain scaled one
            plain = Image.open(io.BytesIO(gradient_png())).convert("RGB").resize(original.size)
            nearest = plain.quantize(palette=_palette(), dither=Image.Dither.NONE).convert("RGB")
            assert block_error(original, plain) < block_error(nearest, plain)


def _palette() -> Image.Image:
    palette = Image.new("P", (1, 1))
    flat = [channel for colour in ANSI16 for channel in colour]
    palette.putpalette(flat * 16)
    return palette


def block_error(image: Image.Image, reference: Image.Image, block: int = 4) -> float:
    """Mean distance between 4x4-block averages of two pictures."""
    small = (image.width // block, image.height // block)
    ours, theirs = (im.resize(small, Image.Resampling.BOX) for im in (image, reference))
    pairs = zip(ours.tobytes(), theirs.tobytes(), strict=True)  # R, G, B of every pixel
    return sum(abs(a - b) for a, b in pairs) / (small[0] * small[1])


def test_dither_keeps_tones_that_nearest_colour_loses() -> None:
    ramp = Image.new("RGB", (64, 8))
    ramp.putdata([(x * 4, x * 4, x * 4) for _ in range(8) for x in range(64)])
    dithered = dither_ansi16(ramp)
    assert {dithered.getpixel((x, y)) for x in range(64) for y in range(8)} <= set(ANSI16)
    # The mean brightness of each 4x4 block follows the ramp (within a palette step).
    for x in range(0, 64, 4):
        block = [dithered.getpixel((x + i, j))[0] for i in range(4) for j in range(4)]
        assert abs(sum(block) / 16 - (x + 1.5) * 4) <= 48


@pytest.mark.parametrize("fullscreen", [False, True])
async def test_a_picture_shown_is_drawn_once(
    cdn_loader: tuple[ImageLoader, Any], fullscreen: bool
) -> None:
    app = PreviewApp(cdn_loader[0])
    async with run_capturing(app, (100, 40)) as pilot:
        await pilot.pause(0.3)  # the start's own full repaints are over
        mark = app._driver.mark()
        if fullscreen:
            app.push_screen(FullscreenPreview(cdn_loader[0], f"{CDN}/grid.png",
                                              protocol="halfcell"))
        else:
            app.query_one(ImagePreview).show_images("a", [f"{CDN}/grid.png"], "grid")
        # Textual's own timers only: `pilot.pause()` paints at once, which can add a frame.
        for _ in range(50):
            await asyncio.sleep(0.1)
            if ready_images(app.screen):
                break
        await asyncio.sleep(0.5)
        (image,) = ready_images(app.screen)
        cells = image.size.width * image.size.height
        assert app._driver.text(mark).count("▀") == cells  # one frame of it, not two