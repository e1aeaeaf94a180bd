"""The archive benchmark's dashboard part, run by bench_archive.py in a child process on the
migrated 30,000-task data folder (its environment names the folders and the fake):

1. the archive screen (`H`) shows every archived task; its results' gallery (`i`) opens;
   the time from `i` to the first frame drawn once every thumbnail of the first page is
   loaded, from a warm disk cache (the originals on disk, as heavy as real ones: the first
   run makes the thumbnails, the second reads them). The key is sent as the keys below
   are, without Pilot's wait for idle (which visits every widget: it added ~0.3 s to the
   figure before 2026-12-04's gallery change);
2. key to repaint in the gallery while thumbnails load: `right` presses, each timed from
   the key to the first frame drawn with the next thumbnail selected, with page turns
   between (each turn starts twelve loads);
3. browsing 1,000 archived tasks: `down` through the archive's results (detail pane and
   preview for each), two searches of 500; then the process's RSS and peak RSS.

Prints one JSON object. Headless (`run_test`), half-cell previews (or the protocol named as
the first argument: sixel, tgp, none), no terminal probe.
"""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_scale import no_terminal_probe

WARM = 60  # archived tasks whose grid is in the disk cache before the run
SIZE = (120, 40)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.split()[0] if value.split() else "0"
    return int(fields["VmRSS"]) / 1024, int(fields["VmHWM"]) / 1024


def warm_cache(urls: list[str]) -> None:
    """Originals as heavy as real ones: 1024x1024 PNGs of noise over a colour (~1.5 MB
    each, like a Midjourney upscale; flat test pictures would compress to a few KB and
    decode several times faster than anything a user has)."""
    from PIL import Image

    from mjtui.images.cache import DiskCache

    cache = DiskCache()
    noise = Image.effect_noise((1024, 1024), 48).convert("RGB")
    for n, url in enumerate(urls):
        image = Image.blend(Image.new("RGB", (1024, 1024), (40 + n % 200, 90, 160)), noise, 0.4)
        out = io.BytesIO()
        image.save(out, "PNG")
        cache.put(url, out.getvalue())


async def until(check: Any, pilot: Any, limit: float = 30.0) -> float:
    """Seconds until `check()` is true, looking every few milliseconds."""
    t0 = time.perf_counter()
    while not check():
        if time.perf_counter() - t0 > limit:
            raise RuntimeError("timed out")
        await asyncio.sleep(0.002)
    return time.perf_counter() - t0


class GalleryProbe:
    """Times a key to the first frame drawn after it moved the gallery's selection (as
    bench_scale's FrameProbe does for the table: each frame rendered to escape sequences,
    as a terminal driver would, and the key sent without Pilot's wait for idle)."""

    def __init__(self, app: Any, gallery: Any) -> None:
        self.app, self.gallery = app, gallery
        self.want: tuple[int, asyncio.Future[float]] | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                if hasattr(renderable, "render_segments"):
                    renderable.render_segments(app.console)
                if self.want and gallery.index == self.want[0] and not self.want[1].done():
                    self.want[1].set_result(time.perf_counter())
            original(screen, renderable)

        app._display = display

    async def press(self, key: str, target: int) -> float:
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.want = (target, done)
        t0 = time.perf_counter()
        send_key(self.app, key)
        return await asyncio.wait_for(done, 30) - t0


def send_key(app: Any, key: str) -> None:
    """A key as the terminal driver delivers it (no wait for idle afterwards)."""
    from textual import events

    event = events.Key(key, None)
    event.set_sender(app)
    app._driver.send_message(event)


async def run(protocol: str = "halfcell") -> dict[str, Any]:
    from mjtui.archive import Archive
    from mjtui.config import load_settings
    from mjtui.runtime import make_backend, open_session
    from mjtui.ui.app import MjtuiApp
    from mjtui.ui.screens.archive import ArchiveScreen
    from mjtui.ui.screens.gallery import PAGE, GalleryScreen

    with Archive() as archive:
        newest = archive.search("", limit=WARM)
    warm_cache([row.tracked.task.grid_image_url for row in newest])
    settings = load_settings({})
    session = open_session(settings)
    app = MjtuiApp(settings, session, make_backend(settings), image_protocol=protocol,
                   start_polling=False)
    result: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("H")
        await until(lambda: isinstance(app.screen, ArchiveScreen) and app.screen.results, pilot)
        await pilot.pause()
        await pilot.press("tab")
        drawn: list[float] = []  # when the first frame with the whole page was drawn
        original_display = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None and hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)  # as a terminal driver would
            if not drawn and isinstance(screen, GalleryScreen) and screen.settled:
                drawn.append(time.perf_counter())
            original_display(screen, renderable)

        app._display = display
        t0 = time.perf_counter()
        send_key(app, "i")
        await until(lambda: bool(drawn), pilot)
        result["gallery_page_s"] = drawn[0] - t0
        app._display = original_display
        gallery = app.screen
        probe = GalleryProbe(app, gallery)
        keys = []
        for _ in range(4):
            await probe.press("pagedown", min(len(gallery.tasks) - 1, gallery.index + PAGE))
            for _ in range(5):  # twelve loads started by the page turn are running
                keys.append(await probe.press("right", gallery.index + 1))
                await asyncio.sleep(0.05)
        result["gallery_keys_ms"] = sorted(k * 1000 for k in keys)
        await pilot.press("escape")
        await pilot.pause()
        browsed = 0
        for word in ("", "fisherman"):
            screen = app.screen
            screen.query_one("#archive-query").value = word
            await asyncio.sleep(0.4)  # past the typing debounce
            searches = [w for w in app.workers if w.group == "archive-search"]
            if searches:
                await app.workers.wait_for_complete(searches)
            await pilot.pause()
            screen.query_one("#archive-results").focus()
            for _ in range(min(499, len(screen.results) - 1)):
                await pilot.press("down")
                browsed += 1
            await pilot.pause()
        result["browsed"] = browsed
        result["rss_mb"], result["peak_rss_mb"] = rss_mb()
    return result


def main() -> None:
    no_terminal_probe()
    protocol = sys.argv[1] if len(sys.argv) > 1 else "halfcell"  # or sixel, tgp, none
    print(json.dumps(asyncio.run(run(protocol))), flush=True)


def summary(result: dict[str, Any]) -> dict[str, float]:
    keys = result["gallery_keys_ms"]
    p95 = keys[min(len(keys) - 1, round(0.95 * (len(keys) - 1)))]
    return {"page_ms": result["gallery_page_s"] * 1000, "key_p95_ms": p95,
            "key_median_ms": statistics.median(keys), "browsed": result["browsed"],
            "rss_mb": result["rss_mb"], "peak_rss_mb": result["peak_rss_mb"]}


if __name__ == "__main__":
    main()
