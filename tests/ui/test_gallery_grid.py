"""The gallery's page drawn by one widget (ThumbnailGrid): half-cell pictures, frames and
captions as the user sees them, loads that never hold a key, pages that never get a
picture of the page left, drawings reused by a gallery opened again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PIL import Image
from rich.color import Color
from snapshot_app import demo_app, prepare
from textual.app import App, ComposeResult
from textual.cache import LRUCache
from textual.geometry import Size
from textual.widgets import Static
from ui_fixtures import demo_session, make_app, make_env, screen_text

from mjtui.ui.screens.gallery import GalleryScreen
from mjtui.ui.widgets.thumbnail import Thumbnail
from mjtui.ui.widgets.thumbnail_cells import ThumbnailCells
from mjtui.ui.widgets.thumbnail_grid import DRAWINGS, ThumbnailGrid, halfcell_drawing

SIZE = (120, 40)
# Multiples of 8: half-cell pictures keep 5 bits a channel, these stay as they are.
COLOURS = {"red": (200, 32, 32), "green": (32, 200, 32), "blue": (32, 32, 200)}


class Thumbs:
    """Stands in for ThumbnailLoader: a flat picture in the colour the URL names; while
    `gate` is set, every load waits for it."""

    def __init__(self) -> None:
        self.loads: list[str] = []
        self.gate: asyncio.Event | None = None
        self.not_on_disk: set[str] = set()

    def read(self, url: str, at_least: int = 0) -> Image.Image | None:
        """The copy on disk: there is none while the gate is up (the load waits for it)."""
        if self.gate is not None or url in self.not_on_disk:
            return None
        self.loads.append(url)
        return self.picture(url)

    async def load(self, url: str, at_least: int = 0) -> Image.Image:
        self.loads.append(url)
        if self.gate is not None:
            await self.gate.wait()
        return self.picture(url)

    @staticmethod
    def picture(url: str) -> Image.Image:
        return Image.new("RGB", (512, 512), COLOURS[url.split("/")[-1]])


class GridApp(App[None]):
    def __init__(self, loader: Thumbs, protocol: str = "halfcell",
                 expected: Size | None = None) -> None:
        super().__init__()
        self.loader, self.protocol, self.expected = loader, protocol, expected
        self.drawings: LRUCache[Any, Any] = LRUCache(DRAWINGS)

    def compose(self) -> ComposeResult:
        yield ThumbnailGrid(self.loader, self.protocol, self.drawings, expected=self.expected)

    @property
    def grid(self) -> ThumbnailGrid:
        return self.query_one(ThumbnailGrid)


async def until_loaded(pilot: Any, grid: ThumbnailGrid) -> None:
    for _ in range(200):
        await pilot.pause(0.01)
        if grid.loading == 0:
            await pilot.pause()
            return
    raise AssertionError("pictures never arrived")


def colours_in(app: App[Any], y: int, x0: int, x1: int) -> set[tuple[int, int, int]]:
    """The picture colours drawn on screen line `y` between columns x0 and x1."""
    found = set()
    x = 0
    for segment in app.screen._compositor.render_strips()[y]:
        if x0 <= x < x1 and segment.text.startswith("▀") and segment.style and segment.style.color:
            found.add(tuple(segment.style.color.get_truecolor()))
        x += len(segment.text)
    return found


def test_halfcell_drawing_merges_runs_and_pairs_rows() -> None:
    image = Image.new("RGB", (3, 3), (10, 20, 30))
    image.putpixel((2, 0), (255, 0, 0))
    rows = halfcell_drawing(image)
    assert len(rows) == 2  # three pixel rows: two lines, the last half empty
    first = rows[0]
    assert [segment.text for segment in first] == ["▀▀", "▀"]  # two equal cells: one run
    assert first[1].style.color == Color.from_rgb(255, 0, 0)
    assert first[0].style.bgcolor == Color.from_rgb(10, 20, 30)
    assert rows[1][0].style.bgcolor is None  # nothing under the last pixel row


async def test_pictures_frames_and_captions_are_drawn(tmp_path: Path) -> None:
    loader = Thumbs()
    app = GridApp(loader)
    async with app.run_test(size=SIZE) as pilot:
        app.grid.show_page([("u/red", "a red one"), ("u/green", "[b]x[/] \x1b[31m")])
        app.grid.select(1)
        await until_loaded(pilot, app.grid)
        text = screen_text(app)
        assert "a red one" in text
        assert "[b]x[/] \\x1b[31m" in text  # literally, the escape made visible
        assert text.count("╭") == 2  # two cells on this page, the rest empty
        middle = 6
        assert colours_in(app, middle, 0, 29) == {COLOURS["red"]}
        assert colours_in(app, middle, 30, 59) == {COLOURS["green"]}
        app.grid.show_page([("u/red", "a caption far longer than the cell is wide, cut")])
        await until_loaded(pilot, app.grid)
        assert "a caption far longer than …│" in screen_text(app)


async def test_a_key_is_handled_while_pictures_load(tmp_path: Path) -> None:
    loader = Thumbs()
    loader.gate = asyncio.Event()
    app = GridApp(loader)
    async with app.run_test(size=SIZE) as pilot:
        app.grid.show_page([("u/red", "one"), ("u/green", "two")])
        await pilot.pause(0.05)
        assert app.grid.loading == 2 and "loading…" in screen_text(app)
        app.grid.select(1)  # as a key does, while both loads wait
        await pilot.pause()
        assert app.grid.loading == 2
        loader.gate.set()
        await until_loaded(pilot, app.grid)
        assert "loading…" not in screen_text(app)


async def test_a_page_turned_never_gets_a_picture_of_the_page_left(tmp_path: Path) -> None:
    loader = Thumbs()
    loader.gate = asyncio.Event()
    app = GridApp(loader)
    async with app.run_test(size=SIZE) as pilot:
        app.grid.show_page([("u/red", "old page")])
        await pilot.pause(0.05)
        app.grid.show_page([("u/blue", "new page")])  # while red is still loading
        loader.gate.set()
        await until_loaded(pilot, app.grid)
        await pilot.pause(0.1)
        assert colours_in(app, 6, 0, 29) == {COLOURS["blue"]}
        assert "old page" not in screen_text(app)


async def test_a_page_drawn_before_is_drawn_at_once(tmp_path: Path) -> None:
    loader = Thumbs()
    app = GridApp(loader)
    async with app.run_test(size=SIZE) as pilot:
        app.grid.show_page([("u/red", "one")])
        await until_loaded(pilot, app.grid)
        app.grid.show_page([("u/green", "two")])
        await until_loaded(pilot, app.grid)
        loads = len(loader.loads)
        app.grid.show_page([("u/red", "one")])  # back: from the drawings, no load
        assert app.grid.loading == 0 and len(loader.loads) == loads


async def test_no_pictures_with_images_off(tmp_path: Path) -> None:
    loader = Thumbs()
    app = GridApp(loader, "none")
    async with app.run_test(size=SIZE) as pilot:
        app.grid.show_page([("u/red", "one")])
        await pilot.pause()
        assert "previews off" in screen_text(app) and "one" in screen_text(app)
        assert loader.loads == [] and app.grid.loading == 0


async def test_the_dashboard_gallery_draws_the_fake_pictures(tmp_path: Path) -> None:
    app, _env = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await prepare(pilot)
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, GalleryScreen) and screen.tasks
        for _ in range(300):
            await pilot.pause(0.02)
            if screen.settled:
                break
        assert screen.settled
        await pilot.pause()
        assert colours_in(app, 6, 0, 29)  # the first picture, in colour
        assert "image unavailable" not in screen_text(app)


async def test_terminal_graphics_get_a_widget_per_picture(tmp_path: Path) -> None:
    """Sixel (and Kitty) pictures are placed per widget: the gallery's cells are widgets."""
    env = make_env(tmp_path, demo=True, seed=1)
    app = make_app(env, demo_session(env), image_protocol="sixel")
    async with app.run_test(size=SIZE) as pilot:
        await prepare(pilot)
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, GalleryScreen) and isinstance(screen.view, ThumbnailCells)
        for _ in range(300):
            await pilot.pause(0.02)
            if screen.settled:
                break
        assert screen.settled
        shown = [t for t in screen.query(Thumbnail) if t.source is not None]
        assert len(shown) == len(screen.tasks[:12]) and all(t.has_class("-ready") for t in shown)
        await pilot.press("right")
        captions = list(screen.query(".thumb-caption").results(Static))
        assert captions[1].has_class("-selected") and not captions[0].has_class("-selected")


async def test_a_page_asked_for_before_the_first_layout_counts_as_loading() -> None:
    """A gallery shows its page as it is mounted, before the grid has a size: until the
    pictures are drawn the page is loading (the gallery's `settled` waits for them)."""

    class EarlyApp(GridApp):
        def on_mount(self) -> None:
            self.before_layout = (self.grid.size.width, self.grid.loading)
            self.grid.show_page([("u/red", "one"), ("", "no picture")])
            self.asked = self.grid.loading

    app = EarlyApp(Thumbs())
    async with app.run_test(size=SIZE) as pilot:
        assert app.before_layout == (0, 0) and app.asked == 1
        await until_loaded(pilot, app.grid)
        assert colours_in(app, 6, 0, 29) == {COLOURS["red"]}


class OpeningApp(GridApp):
    """Shows a page as the gallery does: when mounted, before the grid's first layout."""

    def on_mount(self) -> None:
        self.grid.show_page([("u/red", "on disk"), ("u/green", "not on disk")])
        self.loading_when_asked = self.grid.loading


def picture_lines(app: App[Any], x0: int, x1: int) -> int:
    return sum(1 for y in range(SIZE[1]) if colours_in(app, y, x0, x1))


async def test_copies_on_disk_are_drawn_before_the_first_frame() -> None:
    """A gallery just opened draws the pictures it has on disk at once, for the size it
    expects: its first frame shows them. Only a picture with no copy is left to load."""
    loader = Thumbs()
    loader.not_on_disk = {"u/green"}
    app = OpeningApp(loader, expected=Size(*SIZE))
    async with app.run_test(size=SIZE) as pilot:
        assert app.loading_when_asked == 1  # red drawn already, green loading
        await until_loaded(pilot, app.grid)
        assert picture_lines(app, 0, 29) == 10  # a 13-line cell: frame, 10 lines, caption, frame
        assert colours_in(app, 6, 0, 29) == {COLOURS["red"]}
        assert colours_in(app, 6, 30, 59) == {COLOURS["green"]}


async def test_a_page_drawn_for_the_wrong_size_is_drawn_again_at_the_first_layout() -> None:
    loader = Thumbs()
    app = OpeningApp(loader, expected=Size(60, 20))  # cells a third as tall: 3-line pictures
    async with app.run_test(size=SIZE) as pilot:
        assert app.loading_when_asked == 0
        await until_loaded(pilot, app.grid)
        await pilot.pause(0.05)
        assert picture_lines(app, 0, 29) == 10  # drawn again for the cells it got
        assert colours_in(app, 6, 0, 29) == {COLOURS["red"]}
