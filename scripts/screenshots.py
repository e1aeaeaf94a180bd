#!/usr/bin/env python3
"""Regenerate screenshots/*.svg: the key screens of `mjtui --demo`, frozen and deterministic.

    .venv/bin/python scripts/screenshots.py [OUTPUT_FOLDER]

Each picture is the demo (every job state at once) on a fake API whose clock never moves, one
poll in, with half-cell image previews (an SVG shows cells, so Sixel/Kitty images would be
blank). It uses the same app as the snapshot tests (tests/helpers/snapshot_app.py) and
touches none of your own config, sessions or image cache.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "helpers"))


def isolate(folder: Path) -> None:
    """Private config/data/cache folders, UTC times, a fixed terminal cell size: before any
    mjtui or textual-image import (textual-image probes the terminal when first imported)."""
    for name in ("CONFIG", "DATA", "CACHE"):
        os.environ[f"MJTUI_{name}_DIR"] = str(folder / name.lower())
    for name in ("APIMART_API_KEY", "APIMART_BASE_URL", "MJTUI_POLL_INTERVAL", "MJTUI_IMAGES"):
        os.environ.pop(name, None)
    from textual_image._terminal import CellSize, get_cell_size

    get_cell_size._result = CellSize(10, 20)  # type: ignore[attr-defined]
    sys.__stdin__ = None  # type: ignore[misc]


Step = Callable[[Any], Awaitable[None]]


async def shoot(folder: Path, out: Path, name: str, size: tuple[int, int],
                parts: Callable[[Any], list[Step]]) -> Path:
    from snapshot_app import demo_app, modal_clock_defaults, steps
    from ui_fixtures import START

    from mjtui.fake import FakeClock

    work = folder / name
    app, env = demo_app(work)
    defaults = modal_clock_defaults()
    saved_clock = defaults["clock"]
    defaults["clock"] = FakeClock(START)
    try:
        async with app.run_test(size=size) as pilot:
            await steps(*parts(env))(pilot)
            path = app.save_screenshot(filename=f"{name}.svg", path=str(out))
    finally:
        defaults["clock"] = saved_clock
    return Path(path)


async def main(out: Path) -> None:
    from snapshot_app import (
        action,
        archive_finished,
        mask_editor,
        paste,
        press,
        searched,
        select_job,
        use_utc,
    )

    use_utc()
    out.mkdir(parents=True, exist_ok=True)
    wide, narrow = (120, 40), (80, 24)
    shots: list[tuple[str, tuple[int, int], Callable[[Any], list[Step]]]] = [
        ("home", wide, lambda env: []),
        ("detail", wide, lambda env: [select_job(env, "U2 of the lighthouse grid")]),
        ("help", wide, lambda env: [action("help")]),
        ("actions-menu", wide,
         lambda env: [select_job(env, "U2 of the lighthouse grid"), press("x")]),
        ("modal", wide, lambda env: [select_job(env, "Vary (Region): awaiting input"),
                                     press("m")]),
        ("mask-editor", wide, mask_editor),
        ("lineage", wide, lambda env: [select_job(env, "U2 of the lighthouse grid"),
                                       press("L")]),
        ("narrow-80x24", narrow, lambda env: []),
        ("tiles", wide, lambda env: [select_job(env, "finished grid"), press("t")]),
        ("new-job", wide, lambda env: [press("n"), paste(
            "a lighthouse at dusk, volumetric light --ar 3:2 --v 7")]),
        ("describe", wide, lambda env: [select_job(env, "describe of the lighthouse")]),
        ("video", wide, lambda env: [select_job(env, "video of U2 (2 clips)")]),
        ("archive", wide, lambda env: [archive_finished(), press("H"),
                                       press("l", "i", "g", "h", "t"), searched(), press("tab")]),
        ("gallery", wide, lambda env: [press("i"), press("right")]),
    ]
    with tempfile.TemporaryDirectory(prefix="mjtui-screenshots-") as tmp:
        for name, size, parts in shots:
            path = await shoot(Path(tmp), out, name, size, parts)
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots"
    with tempfile.TemporaryDirectory(prefix="mjtui-screenshots-home-") as home:
        isolate(Path(home))
        asyncio.run(main(target.resolve()))
