"""Sixel previews are sent once per change and again only when something drew over them.

Frames are captured in-process (tests/helpers/terminal_capture.py) and the Sixel images in them
(`DCS ... q`) counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from image_fixtures import CDN, grid_png, make_loader, png_bytes
from rich.cells import cell_len
from terminal_capture import PreviewApp, paint, run_capturing, settle, sixel_count
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.errors import NoWidget
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from mjtui.images.cache import ImageLoader
from mjtui.ui.screens.fullscreen_preview import FullscreenPreview
from mjtui.ui.widgets.image_preview import ImagePreview
from mjtui.ui.widgets.sixel_image import SixelLayer, cursor_forward


class Dialog(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Label("a dialog over the picture")


@pytest.fixture
def loader(tmp_path: Path) -> ImageLoader:
    routes: dict[str, bytes | int] = {
        "/a.png": grid_png(256),
        "/b.png": png_bytes((300, 200), (10, 120, 200)),
    }
    return make_loader(tmp_path, routes)[0]


def sent_since(app: App[Any], mark: int) -> int:
    return sixel_count(app._driver.text(mark))


async def show(pilot: Pilot[Any], key: str, path: str, mode: str = "grid") -> None:
    pilot.app.query_one(ImagePreview).show_images(key, [CDN + path], mode)  # type: ignore[arg-type]
    await settle(pilot)


async def idle_repaints(pilot: Pilot[Any], times: int = 10) -> None:
    for _ in range(times):
        pilot.app.screen.refresh()  # the whole screen repainted: a full update
        await pilot.pause()
        pilot.app.query_one(ImagePreview).refresh()
        for layer in pilot.app.query(SixelLayer):
            layer.refresh()
        await pilot.pause()


async def test_sent_once_and_not_again_while_nothing_changes(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "sixel")
    async with run_capturing(app, (100, 30)) as pilot:
        await show(pilot, "A", "/a.png")
        assert sent_since(app, 0) == 1
        mark = app._driver.mark()
        await idle_repaints(pilot)
        assert sent_since(app, mark) == 0
        await show(pilot, "B", "/b.png")
        assert sent_since(app, mark) == 1


async def test_a_dialog_closed_sends_it_once(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "sixel")
    async with run_capturing(app, (100, 30)) as pilot:
        await show(pilot, "A", "/a.png")
        for _ in range(2):
            app.push_screen(Dialog())
            await settle(pilot)
            mark = app._driver.mark()
            app.pop_screen()
            await settle(pilot)
            await idle_repaints(pilot, 3)
            assert sent_since(app, mark) == 1


async def test_fullscreen_closed_sends_the_pane_once(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "sixel")
    async with run_capturing(app, (100, 30)) as pilot:
        await show(pilot, "A", "/a.png")
        app.push_screen(FullscreenPreview(loader, CDN + "/b.png", protocol="sixel"))
        await settle(pilot)
        mark = app._driver.mark()
        await idle_repaints(pilot)
        assert sent_since(app, mark) == 0  # the full-screen picture, left open
        app.pop_screen()
        await settle(pilot)
        assert sent_since(app, mark) == 1


async def test_tiles_off_sends_the_grid_again(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "sixel")
    async with run_capturing(app, (100, 30)) as pilot:
        await show(pilot, "A", "/a.png")
        await show(pilot, "A", "/a.png", "tiles")
        mark = app._driver.mark()
        await show(pilot, "A", "/a.png")
        assert sent_since(app, mark) == 1


async def test_a_toast_over_the_picture_then_gone_sends_it_again(loader: ImageLoader) -> None:
    app = PreviewApp(loader, "sixel")
    async with run_capturing(app, (100, 30), notifications=True) as pilot:
        await show(pilot, "A", "/a.png")
        layer = app.query_one(SixelLayer)
        preview_region = layer.region
        mark = app._driver.mark()
        app.notify("a toast over the picture", timeout=0.3)
        await pilot.pause(0.1)
        toasts = list(app.screen.query("Toast"))
        assert toasts and toasts[0].region.overlaps(preview_region)
        assert sent_since(app, mark) == 0  # not sent over the toast
        await pilot.pause(1.0)
        await settle(pilot)
        assert not list(app.screen.query("Toast"))
        assert sent_since(app, mark) == 1  # the toast went: the picture is whole again


@pytest.mark.parametrize("width", range(3, 300, 37))
def test_cursor_forward_is_as_wide_as_it_moves(width: int) -> None:
    segment = cursor_forward(width)
    assert cell_len(segment.text) == width
    assert segment.text.startswith("\x1b[") and segment.text.endswith("C")
    assert int(segment.text[2:-1]) == width


async def test_dashboard_toasts_stay_off_the_preview(tmp_path: Path) -> None:
    from ui_fixtures import SIZE, demo_session, make_app, make_env

    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env), image_protocol="halfcell")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        for n in range(6):
            app.notify(f"finished task {n}\nwith a second line", title="Finished", timeout=30)
        await pilot.pause(0.3)
        preview = app.dashboard.query_one("#preview").region
        shown = []
        for toast in app.dashboard.query("Toast"):
            try:
                shown.append(app.dashboard.find_widget(toast).visible_region)
            except NoWidget:  # scrolled out of the rack
                pass
        assert shown
        assert not [region for region in shown if region.overlaps(preview)]


async def test_no_toast_over_the_fullscreen_picture(tmp_path: Path) -> None:
    from ui_fixtures import SIZE, demo_session, make_app, make_env

    env = make_env(tmp_path, demo=True)
    app = make_app(env, demo_session(env), image_protocol="halfcell")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        app.push_screen(FullscreenPreview(app.image_loader, "https://x.test/a.png",
                                          protocol="halfcell"))
        await pilot.pause()
        app.notify("finished while you looked", title="Finished", timeout=30)
        await pilot.pause(0.3)
        toasts = list(app.screen.query("Toast"))
        assert toasts and not [toast for toast in toasts if toast.display]
        app.pop_screen()
        await pilot.pause(0.3)
        assert [toast for toast in app.dashboard.query("Toast") if toast.display], \
            "the toast comes back on the dashboard"


class BesideApp(App[None]):
    """The picture with text to its right and below, on the same lines."""

    CSS = """
    Horizontal { height: 1fr; }
    ImagePreview { width: 40; height: 1fr; }
    #right { width: 1fr; }
    """

    def __init__(self, loader: ImageLoader) -> None:
        super().__init__()
        self.loader = loader

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield ImagePreview(self.loader, protocol="sixel", id="preview")
            yield Static("\n".join(f"right-{n:02d}" for n in range(30)), id="right")


async def test_a_full_update_puts_what_is_right_of_the_picture_in_place(
    loader: ImageLoader,
) -> None:
    app = BesideApp(loader)
    async with run_capturing(app, (80, 24)) as pilot:
        app.query_one(ImagePreview).show_images("A", [CDN + "/a.png"], "grid")
        await settle(pilot)
        layer = app.query_one(SixelLayer)
        assert layer.sent == 1 and layer.region.width > 0
        right = app.query_one("#right").region
        for damaged in (True, False):  # an update that sends the picture, one that does not
            if damaged:
                layer._damaged()
            mark = app._driver.mark()
            app.screen.refresh()
            await pilot.pause()
            assert sent_since(app, mark) == int(damaged)
            cells = paint(app._driver.text(mark), app.size)
            for row in range(right.y, min(right.bottom, app.size.height)):
                label = "".join(cells.get((right.x + n, row), "?") for n in range(8))
                assert label == f"right-{row - right.y:02d}", (row, label)
            # Nothing was written over the picture itself.
            assert not [xy for xy in cells if layer.region.contains(*xy)]


async def test_encoding_runs_off_the_ui_thread(
    loader: ImageLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from mjtui.ui.widgets import sixel_image

    threads: list[bool] = []
    encode = sixel_image.image_to_sixels

    def spy(*args: Any) -> str:
        threads.append(threading.current_thread() is threading.main_thread())
        return encode(*args)

    monkeypatch.setattr(sixel_image, "image_to_sixels", spy)
    app = PreviewApp(loader, "sixel")
    async with run_capturing(app, (100, 30)) as pilot:
        await show(pilot, "A", "/a.png")
        assert threads == [False]
        assert sent_since(app, 0) == 1


async def test_the_fullscreen_picture_leaves_the_last_row_free(loader: ImageLoader) -> None:
    """A Sixel picture on the last row makes the terminal scroll the screen a line."""
    app = PreviewApp(loader, "sixel")
    async with run_capturing(app, (100, 30)) as pilot:
        app.push_screen(FullscreenPreview(loader, CDN + "/a.png", protocol="sixel"))
        await settle(pilot)
        layer = app.screen.query_one(SixelLayer)
        assert layer.sent == 1
        assert layer.region.y == 0 and layer.region.bottom == app.size.height - 1
        assert app.screen.query_one("#fullscreen-title").region.y == app.size.height - 1
