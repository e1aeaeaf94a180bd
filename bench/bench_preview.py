"""Benchmark image previews: time to a rendered preview per protocol, and memory while browsing.

    .venv/bin/python bench/bench_preview.py [--runs 7] [--tasks 200]   (mjtui installed -e)

Timing, per protocol, from a cached 2048x2048 grid PNG (bytes on disk) to the Rich segments
of an 80x30-cell pane at 10x20-pixel cells:
  cold     disk read + decode + scale (as the preview's worker does) + render
  redraw   render only, from the scaled image held in the ScaledCache (every repaint)
  naive    the 2048x2048 original handed straight to the renderable (what we avoid)
TGP is the Rich renderable only (its upload is written to a throw-away stream); the widgets
are not mounted. Memory: 200 distinct grids "browsed" through ImageLoader (fake CDN, disk
cache, scaled cache); tracemalloc sees Python allocations only (Pillow's pixel buffers are
C mallocs), so RSS is the figure to read.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw
from rich.console import Console
from textual_image._terminal import CellSize, get_cell_size  # importing _terminal never probes

from mjtui.api.client import ApimartClient
from mjtui.images.cache import DiskCache, ImageLoader, decode_image
from mjtui.images.scale import scale_for_cells
from mjtui.ui import preview

get_cell_size._result = CellSize(10, 20)  # type: ignore[attr-defined]

PANE = (80, 30)
CELL = (10, 20)
SIZE = 2048


def grid_png(n: int, size: int = SIZE) -> bytes:
    """A distinct, photo-sized grid: gradient plus shapes, PNG."""
    image = Image.linear_gradient("L").resize((size, size)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for k in range(4):
        x, y = (k % 2) * size // 2, (k // 2) * size // 2
        colour = ((n * 37 + k * 60) % 256, (n * 11 + 90) % 256, (k * 70 + n) % 256)
        draw.ellipse(
            (x + n % 200, y + 40, x + size // 2 - 40, y + size // 2 - n % 150), fill=colour
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def renderables() -> dict[str, tuple[type[Any], tuple[int, int]]]:
    """Protocol -> (Rich renderable class, image pixels per cell)."""
    preview.image_widget_class("halfcell")  # imports textual-image without probing
    from textual_image.renderable import HalfcellImage, SixelImage, TGPImage, UnicodeImage

    return {
        "sixel": (SixelImage, CELL),
        "tgp": (TGPImage, CELL),
        "halfcell": (HalfcellImage, (1, 2)),
        "unicode": (UnicodeImage, (1, 1)),
    }


def render(renderable_class: type[Any], image: Image.Image, cells: tuple[int, int]) -> int:
    """Render to segments; returns characters produced (TGP uploads go to a dummy stdout)."""
    console = Console(
        file=io.StringIO(),
        width=PANE[0],
        height=PANE[1],
        force_terminal=True,
        color_system="truecolor",
    )
    real, sys.__stdout__ = sys.__stdout__, io.StringIO()  # type: ignore[assignment,misc]
    try:
        renderable = renderable_class(image, cells[0], cells[1])
        options = console.options.update(width=cells[0], height=cells[1])
        return sum(len(segment.text) for segment in console.render(renderable, options))
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


def rss_mb() -> float:
    """Current resident set size (Linux /proc), else the peak from getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_protocols(runs: int) -> list[tuple[str, float, float, float, int]]:
    cache = DiskCache(Path(tempfile.mkdtemp(prefix="mjtui-bench-")), limit_bytes=10**9)
    url = "https://cdn.example/grid.png"
    cache.put(url, grid_png(0))
    original = decode_image(cache.get(url) or b"")
    rows = []
    for name, (renderable_class, resolution) in renderables().items():

        def cold(cls: type[Any] = renderable_class, res: tuple[int, int] = resolution) -> None:
            scaled = scale_for_cells(decode_image(cache.get(url) or b""), PANE, CELL, res)
            render(cls, scaled, (scaled.width // res[0], scaled.height // res[1]))

        scaled = scale_for_cells(original, PANE, CELL, resolution)
        cells = (scaled.width // resolution[0], scaled.height // resolution[1])
        chars = render(renderable_class, scaled, cells)
        redraw = median_ms(lambda c=renderable_class, s=scaled, n=cells: render(c, s, n), runs)
        naive_runs = max(1, runs // 2)
        naive = median_ms(lambda c=renderable_class, n=cells: render(c, original, n), naive_runs)
        rows.append((name, median_ms(cold, runs), redraw, naive, chars))
    return rows


async def browse(tasks: int) -> dict[str, float]:
    """Load, scale and cache `tasks` distinct grids the way the preview pane does."""
    payloads = {f"/g{n}.png": grid_png(n) for n in range(tasks)}  # ~60 KB each

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=payloads[request.url.path])

    client = ApimartClient(
        token="t", base_url="http://127.0.0.1:1", transport=httpx.MockTransport(handler)
    )
    cache = DiskCache(Path(tempfile.mkdtemp(prefix="mjtui-bench-")), limit_bytes=10**10)
    loader = ImageLoader(client, cache)
    rss_before = rss_mb()
    rss_samples = []
    tracemalloc.start()
    per_task = []
    for n in range(tasks):
        start = time.perf_counter()
        original = await loader.load(f"https://cdn.example/g{n}.png")
        scaled = await asyncio.to_thread(scale_for_cells, original, PANE, CELL, CELL)
        loader.scaled.put((f"g{n}", 0, 800, 600), scaled)
        del original, scaled
        per_task.append((time.perf_counter() - start) * 1000)
        if n in (tasks // 4, tasks // 2, 3 * tasks // 4):
            rss_samples.append(rss_mb())
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await client.aclose()
    rss_after = rss_mb()
    return {
        "tasks": tasks,
        "per_task_ms": statistics.median(per_task),
        "scaled_entries": len(loader.scaled),
        "scaled_mb": loader.scaled.nbytes / 2**20,
        "traced_peak_mb": peak / 2**20,
        "traced_now_mb": current / 2**20,
        "rss_before_mb": rss_before,
        "rss_samples_mb": rss_samples,
        "rss_after_mb": rss_after,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    print(
        f"preview of a {SIZE}x{SIZE} grid in an {PANE[0]}x{PANE[1]}-cell pane, "
        f"{CELL[0]}x{CELL[1]} px cells; median of {args.runs} runs\n"
    )
    print(f"{'protocol':<10}{'cold ms':>10}{'redraw ms':>11}{'naive ms':>10}{'chars':>10}")
    for name, cold, redraw, naive, chars in bench_protocols(args.runs):
        print(f"{name:<10}{cold:>10.1f}{redraw:>11.1f}{naive:>10.1f}{chars:>10}")
    stats = asyncio.run(browse(args.tasks))
    print(f"\nbrowsing {stats['tasks']} distinct grids (download + decode + scale + cache):")
    print(f"  median per task        {stats['per_task_ms']:.1f} ms")
    print(
        f"  scaled cache           {stats['scaled_entries']} entries, "
        f"{stats['scaled_mb']:.1f} MB (bounded: 64 entries / 64 MB)"
    )
    print(
        f"  tracemalloc peak/now   {stats['traced_peak_mb']:.1f} / {stats['traced_now_mb']:.1f} MB"
    )
    samples = " -> ".join(f"{mb:.0f}" for mb in stats["rss_samples_mb"])
    print(
        f"  RSS before / at 1/4, 1/2, 3/4 / after   {stats['rss_before_mb']:.0f} / {samples} / "
        f"{stats['rss_after_mb']:.0f} MB (peak {stats['maxrss_mb']:.0f} MB)"
    )


if __name__ == "__main__":
    main()
