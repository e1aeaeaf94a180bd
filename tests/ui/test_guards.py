"""Guards that a mutation check found untested (issue 18): each test here fails when its
guard is removed, and says which guard it holds in place.

1. A second press while the first POST is still in flight sends nothing (the in-flight
   check, once in `ui/screens/dashboard_followups.py`, now `JobService.check_press`).
2. The "Not submitted" toast shows the API's error text literally (`markup=False`) and cut
   to 300 characters (the client lets ~500 through).
3. mjtui's own pixel cap refuses an image Pillow would decode (`images.decode_image`), also
   when the loader decodes a download or a cached file.
4. The tracker keeps polling when tasks start eagerly, as Textual's `App.run()` makes them on
   Python 3.12+ (the cause of issue 18's hanging snapshot tests).
5. textual-image draws with the cell size mjtui measured, not its own default.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from image_fixtures import CDN, bomb_png, make_loader
from ui_fixtures import GEN, SIZE, Env, make_app, make_env, poll, settle, toasts, track

from mjtui.api.models import Status, Task
from mjtui.fake import Fault
from mjtui.images.cache import DEFAULT_MAX_PIXELS, ImageError, decode_image
from mjtui.tracker import Tracker
from mjtui.ui.app import MjtuiApp
from mjtui.ui.dialogs.confirm import ConfirmDialog

# Far above what any wait here takes (milliseconds): a bound that turns a hang into a message.
WAIT = 5.0


async def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.01)


async def finished_grid(tmp_path: Path) -> tuple[Env, str]:
    env = make_env(tmp_path)
    return env, env.create("a lighthouse", queue_s=0, run_s=2)


async def finish(app: MjtuiApp, pilot: Any) -> None:
    """Two polls: the grid is seen running, then finished with its buttons."""
    await poll(app, pilot)
    await poll(app, pilot, advance=5)


# -- 1. one POST per button, also while the first is on its way -------------------------------


class HeldPosts:
    """An ASGI wrapper around the fake: every POST waits at a gate until `release()`.

    Counts POSTs as they arrive, before the fake records them (it records on answering).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.arrived = 0
        self.gate = asyncio.Event()

    def release(self) -> None:
        self.gate.set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            self.arrived += 1
            await asyncio.wait_for(self.gate.wait(), WAIT)  # never held past the test's bound
        await self.app(scope, receive, send)


async def test_a_second_press_while_the_first_post_is_in_flight_sends_nothing(
        tmp_path: Path) -> None:
    env, grid = await finished_grid(tmp_path)
    app = make_app(env, track(env, grid))
    held = HeldPosts(env.fake)
    app.backend.client.http._transport = httpx.ASGITransport(app=held)
    async with app.run_test(size=SIZE) as pilot:
        await finish(app, pilot)
        await pilot.press("u", "1")
        await wait_until(lambda: held.arrived == 1, "the first POST reaches the fake")
        await pilot.press("u", "1")  # the button is not marked used yet: no dialog stops it
        with pytest.raises(AssertionError):  # give a second POST every chance to arrive
            await wait_until(lambda: held.arrived > 1, "a second POST", timeout=0.5)
        arrived_while_held = held.arrived
        held.release()
        await settle(pilot)
        assert arrived_while_held == 1, "the second press sent a POST while the first was held"
        assert len(env.posts()) == 1
        assert not isinstance(app.screen, ConfirmDialog)
        assert app.session.children_of(grid) != []


# -- 2. the "Not submitted" toast takes the API's words literally -----------------------------

MARKUP_ERROR = "[b]bold[/b] [link=https://example.invalid/]click here[/link] [@click=app.quit]q[/]"


def assert_inert(app: MjtuiApp) -> None:
    """No segment on screen carries a link or an action."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if segment.style is not None:
                assert not segment.style.link, f"a link on screen: {segment.text!r}"
                assert "@click" not in (segment.style.meta or {}), f"an action: {segment.text!r}"


async def test_a_refused_post_with_markup_in_its_error_is_shown_literally_and_inert(
        tmp_path: Path) -> None:
    from textual.widgets._toast import Toast

    env, grid = await finished_grid(tmp_path)
    app = make_app(env, track(env, grid))
    async with app.run_test(size=SIZE, notifications=True) as pilot:  # toasts drawn
        await finish(app, pilot)
        env.fake.faults.add(Fault("status", status=400, path_prefix=f"{GEN}/upscale", times=1,
                                  body={"code": 4, "description": MARKUP_ERROR}))
        await pilot.press("u", "2")
        await settle(pilot)
        assert len(env.posts("upscale")) == 1
        title, message, severity = toasts(app)[-1]
        assert (title, severity) == ("Not submitted", "error")
        assert MARKUP_ERROR in message
        shown = [t for t in app.screen.query(Toast) if "Upscale 2 failed" in t.render().plain]
        assert len(shown) == 1, "the Not submitted toast is not on screen"
        assert MARKUP_ERROR in shown[0].render().plain, "the error's markup was parsed"
        assert_inert(app)
        assert app.is_running and app.return_code is None


async def test_a_refused_post_with_a_long_error_gets_a_short_toast(tmp_path: Path) -> None:
    env, grid = await finished_grid(tmp_path)
    app = make_app(env, track(env, grid))
    async with app.run_test(size=SIZE) as pilot:
        await finish(app, pilot)
        env.fake.faults.add(Fault("status", status=400, path_prefix=f"{GEN}/upscale", times=1,
                                  body={"code": 4, "description": "x" * 5000}))
        await pilot.press("u", "2")
        await settle(pilot)
        title, message, _ = toasts(app)[-1]
        assert title == "Not submitted" and message.startswith("Upscale 2 failed: xxx")
        assert len(message) <= 300 and message.endswith("…"), len(message)


# -- 3. mjtui's own pixel cap, under Pillow's ----------------------------------------------

CAP = 1_000_000
SIDE = 2000  # 4,000,000 pixels: over CAP, far under Pillow's MAX_IMAGE_PIXELS (~89 million)


def test_the_pixel_cap_refuses_an_image_pillow_would_decode() -> None:
    from PIL import Image

    assert CAP < SIDE * SIDE < (Image.MAX_IMAGE_PIXELS or 0)
    data = bomb_png(SIDE)
    assert decode_image(data, max_pixels=SIDE * SIDE).size == (SIDE, SIDE)  # Pillow takes it
    with pytest.raises(ImageError, match="too many pixels"):
        decode_image(data, max_pixels=CAP)
    assert DEFAULT_MAX_PIXELS < (Image.MAX_IMAGE_PIXELS or 0)  # the default cap is ours too


async def test_the_loader_applies_its_pixel_cap_to_downloads(tmp_path: Path) -> None:
    loader, _ = make_loader(tmp_path, {"/big.png": bomb_png(SIDE)}, max_pixels=CAP)
    with pytest.raises(ImageError, match="too many pixels"):
        await loader.load(f"{CDN}/big.png")
    assert loader.cache.get(f"{CDN}/big.png") is None


async def test_the_loader_applies_its_pixel_cap_to_cached_files(tmp_path: Path) -> None:
    """A file cached under a larger cap (or planted) is decoded under the cap too."""
    url = f"{CDN}/big.png"
    loader, cdn = make_loader(tmp_path, {"/big.png": 404}, max_pixels=CAP)
    loader.cache.put(url, bomb_png(SIDE))
    with pytest.raises(ImageError):
        await loader.load(url)
    assert loader.cache.get(url) is None  # refused, then forgotten
    assert cdn.hits.get("/big.png") == 1  # and fetched afresh instead


# -- 4. the tracker under eager tasks (Python 3.12+, Textual's App.run) -----------------------


class InstantSource:
    """Answers every poll without suspending, as the in-process fake does."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def get_task(self, task_id: str) -> Task:
        self.calls.append(task_id)
        return Task(id=task_id, status=Status.IN_PROGRESS, progress=10)

    async def balance(self) -> float:
        self.calls.append("balance")
        return 1.0


EAGER = pytest.mark.skipif(not hasattr(asyncio, "eager_task_factory"),
                           reason="eager tasks came with Python 3.12")
# A poll the source answers at once finishes inside `create_task` when tasks start eagerly;
# the tracker must not keep it as "in flight" (polling would stop, poll_due never return).


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def eager_polls(tracker: Tracker, clock: Clock, rounds: int) -> None:
    loop = asyncio.get_running_loop()
    loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
    try:
        for n in range(rounds):
            try:
                await asyncio.wait_for(tracker.poll_due(), WAIT)
            except TimeoutError:
                raise AssertionError(f"poll_due() hung in round {n + 1} (eager tasks); "
                                     f"in flight: {tracker.in_flight}") from None
            clock.t += 10.0
    finally:
        loop.set_task_factory(None)


@EAGER
async def test_the_tracker_keeps_polling_when_tasks_start_eagerly() -> None:
    clock, source = Clock(), InstantSource()
    tracker = Tracker(source, clock=clock, poll_interval=2.0, rng=random.Random(7),
                      health_check_every=None)
    for task_id in ("task_a", "task_b"):
        tracker.track(task_id)
    await eager_polls(tracker, clock, rounds=3)
    assert tracker.in_flight == 0
    assert source.calls.count("task_a") == 3 and source.calls.count("task_b") == 3


@EAGER
async def test_the_idle_health_check_repeats_when_tasks_start_eagerly() -> None:
    clock, source = Clock(), InstantSource()
    tracker = Tracker(source, clock=clock, poll_interval=2.0, rng=random.Random(7),
                      health_check_every=5.0)
    await eager_polls(tracker, clock, rounds=3)
    assert source.calls == ["balance"] * 3



# -- 5. textual-image uses the cell size mjtui measured ------------------------------------

SEEDED = """
from mjtui.ui import preview
preview._seed_cell_size((8, 16), None)  # as if TIOCGWINSZ said 8x16-pixel cells
preview._widget_module()
from textual_image._terminal import get_cell_size
print(tuple(get_cell_size()), preview.cell_geometry("sixel")[0])
"""


def test_textual_image_draws_with_the_cell_size_mjtui_measured() -> None:
    """A fresh interpreter (textual-image caches its probe once per process): the size mjtui
    seeds before importing the widgets is the one they size pictures by. textual-image 0.14
    caches its probe in `probe_terminal._result`, so seeding `get_cell_size._result` alone
    leaves it at 10x20: every Sixel and Kitty picture sized for the wrong cells."""
    done = subprocess.run([sys.executable, "-c", SEEDED], check=False, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["(8,", "16)", "(8,", "16)"], done.stdout
