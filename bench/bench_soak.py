"""Soak: the dashboard left open with 1,000 tasks polling, memory sampled over time.

    .venv/bin/python bench/bench_soak.py                # 10 minutes
    .venv/bin/python bench/bench_soak.py --minutes 60

People leave mjtui open for days; bench_scale.py watches one minute. This runs the same
fake and session (1,000 running + 100 finished tasks, default interval and concurrency) for
longer, moves the cursor now and then as a user would (5 down, 3 up, page down, every
~10 s), and prints one line a minute: RSS, objects the cycle collector tracks, entries in
the table's render caches and the frames drawn. RSS that keeps climbing after the caches
stop growing would be a leak. Run it by hand; it is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scale as scale

KEYS = ["down"] * 5 + ["up"] * 3 + ["pagedown"]


def rss_mb() -> float:
    """Resident memory now (ru_maxrss is only the peak)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def known_tasks(fake: scale.FakeProcess, settings: Any) -> dict[str, Any]:
    """Every task as one poll sees it: what a session that tracked them holds."""
    from mjtui.runtime import make_backend

    client = make_backend(settings).client
    gate = asyncio.Semaphore(settings.max_concurrency)

    async def get(task_id: str) -> Any:
        async with gate:
            return await client.get_task(task_id)

    ids = fake.running + fake.finished
    try:
        return dict(zip(ids, await asyncio.gather(*map(get, ids)), strict=True))
    finally:
        await client.aclose()


async def soak(workdir: Path, minutes: float, tasks: int, pause: float) -> None:
    from mjtui.runtime import make_backend
    from mjtui.session import load_session
    from mjtui.ui.app import MjtuiApp

    fake = scale.start_fake(tasks, tasks // 10, workdir)
    try:
        settings = scale.bench_settings(fake)
        path = workdir / "data" / "sessions" / "soak.toml"
        scale.session_save(await known_tasks(fake, settings), path)
        app = MjtuiApp(settings, load_session(path), make_backend(settings),
                       image_protocol="halfcell")
        probe = scale.FrameProbe(app)
        out = sys.stdout  # the app redirects stdout while it runs
        async with app.run_test(size=scale.SIZE):
            probe.attach()
            table = app.dashboard.table
            print(f"{'minute':>6}  {'RSS MB':>7}  {'objects':>8}  {'cell cache':>10}  "
                  f"{'line cache':>10}  {'cursor row':>10}  {'frames':>7}", file=out, flush=True)
            def report(elapsed: float) -> None:
                print(f"{elapsed / 60:6.1f}  {rss_mb():7.1f}  {len(gc.get_objects()):8d}  "
                      f"{len(table._cell_render_cache.keys()):10d}  "
                      f"{len(table._line_cache.keys()):10d}  {table.cursor_row:10d}  "
                      f"{probe.frames:7d}", file=out, flush=True)

            started, next_report = time.monotonic(), 60.0
            while (elapsed := time.monotonic() - started) < minutes * 60:
                for key in KEYS:
                    await probe.press(key)
                    await asyncio.sleep(0.1)
                await asyncio.sleep(pause)
                if elapsed >= next_report:
                    next_report += 60
                    report(elapsed)
            report(time.monotonic() - started)
    finally:
        fake.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="mjtui soak (see bench/README.md)")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--tasks", type=int, default=1000, help="running tasks (and a tenth finished)")
    parser.add_argument("--pause", type=float, default=10.0, help="seconds between rounds of keys")
    args = parser.parse_args(argv)
    scale.no_terminal_probe()
    with tempfile.TemporaryDirectory(prefix="mjtui-soak-") as tmp:
        for var, sub in scale.USER_DIRS.items():  # keep the user's own folders out of it
            os.environ[var] = str(Path(tmp) / sub)
        asyncio.run(soak(Path(tmp), args.minutes, args.tasks, args.pause))


if __name__ == "__main__":
    main()
