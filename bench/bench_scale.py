"""Scale benchmark: mjtui tracking 1,000 running tasks against the fake API over loopback.

    .venv/bin/python bench/bench_scale.py            # the full run, about 3 minutes
    .venv/bin/python bench/bench_scale.py --quick    # 100 tasks, short windows (a look)

The fake runs in its own process (bench/fake_for_bench.py) so its CPU is not the client's.
Phases, all in this one process and one run:

1. bare: a plain httpx.AsyncClient loop polls every running task, paced like the tracker
   (first round at once, then every interval +-10 %), same concurrency. The CPU reference.
2. tracker: the real `Tracker` + `ApimartClient` (built by `make_backend`, as the app does),
   no UI, for the same window. CPU per 1,000 polls as a ratio to (1).
3. session save: the tasks from (2) saved to a new session file (first save), then again
   with one task changed (repeat save).
4. dashboard: `MjtuiApp` on that session in `run_test(size=(120, 40))`, polling the fake for
   a minute; partway through, `down` is pressed 100 times and each press is timed to the
   first frame that shows the cursor on the new row *and* the detail pane showing its task.
   Request counts, connections, CPU and peak RSS come from this minute.
5. idle: the same key-to-frame timing on a dashboard with nothing to poll (2 rows).
6. cold start: a fresh Python process per run builds the app on the saved 1,000-task session
   (start_polling=False) and reports its first frame; the same with an empty session.

Request counts come from the fake's log (tasks x GETs in the window, the window starting 1.5
intervals after every task has been polled once); connections from the fake's accept counter.
See bench/README.md, "Scale (1,000 tasks)", for how to read the table.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FAKE_SCRIPT = HERE / "fake_for_bench.py"
SIZE = (120, 40)
USER_DIRS = {"MJTUI_CONFIG_DIR": "config", "MJTUI_DATA_DIR": "data", "MJTUI_CACHE_DIR": "cache"}


# -- the fake, in its own process ----------------------------------------------------------


@dataclass
class FakeProcess:
    """The fake apimart in a child process, and a control channel to its counters.

    Every control call opens (and closes) its own TCP connection, counted in `calls`, so a
    phase can subtract its own control calls from the fake's connection counter.
    """

    proc: subprocess.Popen[bytes]
    port: int
    token: str
    running: list[str]
    finished: list[str]
    calls: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stats(self, since: float = -math.inf, until: float = math.inf) -> dict[str, Any]:
        """Task GETs per ID that arrived in [since, until) (monotonic), and connections."""
        url = f"{self.base_url}/_bench/stats?since={since}&until={until}"
        self.calls += 1
        with urllib.request.urlopen(url, timeout=30) as response:  # sends Connection: close
            return json.loads(response.read())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_fake(running: int, finished: int, workdir: Path) -> FakeProcess:
    ready = workdir / "fake-ready.json"
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_SCRIPT), "--running", str(running),
         "--finished", str(finished), "--ready", str(ready)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the bench fake did not start")
        time.sleep(0.05)
    info = json.loads(ready.read_text())
    return FakeProcess(proc, info["port"], info["token"], info["running"], info["finished"])


# -- results -------------------------------------------------------------------------------


@dataclass
class PollPhase:
    """What one polling phase measured over its window."""

    name: str
    window: float  # seconds
    interval: float
    per_task: list[int]  # GETs per running task in the window
    finished_polls: int  # GETs for finished tasks in the window
    cpu: float  # process CPU seconds in the window
    connections: int  # TCP connections the client opened in the whole phase
    first_round: float  # seconds from start until every task was polled once
    keys: list[Press] = field(default_factory=list)  # timed key presses
    frames: int = 0

    @property
    def polls(self) -> int:
        return sum(self.per_task) + self.finished_polls

    @property
    def per_interval(self) -> float:
        """Mean GETs per running task per poll interval."""
        if not self.per_task:
            return 0.0
        return statistics.fmean(self.per_task) / (self.window / self.interval)

    @property
    def cpu_per_1000(self) -> float:
        return self.cpu / max(1, self.polls) * 1000


async def _first_round(fake: FakeProcess, since: float, ids: list[str]) -> float:
    """Wait until the fake has seen a GET for every id since `since`; the time it was so."""
    while True:
        await asyncio.sleep(0.5)
        seen = (await asyncio.to_thread(fake.stats, since))["by_id"]
        if all(i in seen for i in ids):
            return time.monotonic()


async def _measure(
    name: str,
    fake: FakeProcess,
    ids: list[str],
    *,
    seconds: float,
    interval: float,
    started: float,
    calls0: int,
    conns0: int,
    during: Callable[[], Awaitable[list[Press]]] | None = None,
) -> PollPhase:
    """The window: `seconds` long, from 1.5 intervals after the first round. Runs `during`.

    After its first poll a task waits 0.5-1.5 intervals (the tracker fans a burst out), then
    one interval per poll: a window that opened at the end of the first round counted the
    tasks polled last in it short (by ~4 % in a 16 s window). 1.5 intervals on, every
    task is on its steady cadence."""
    first_round = await _first_round(fake, started, ids)
    t1 = first_round + 1.5 * interval
    await asyncio.sleep(max(0.0, t1 - time.monotonic()))
    cpu0 = time.process_time()
    keys = await during() if during else []
    await asyncio.sleep(max(0.0, t1 + seconds - time.monotonic()))
    t2, cpu1 = time.monotonic(), time.process_time()
    stats = await asyncio.to_thread(fake.stats, t1, t2)
    connections = stats["connections"] - conns0 - (fake.calls - calls0)
    by_id = stats["by_id"]
    finished = sum(by_id.get(i, 0) for i in fake.finished)
    return PollPhase(name, t2 - t1, interval, [by_id.get(i, 0) for i in ids], finished,
                     cpu1 - cpu0, connections, first_round - started, keys)


def _phase_start(fake: FakeProcess) -> tuple[float, int, int]:
    conns0 = fake.stats(time.monotonic())["connections"]
    return time.monotonic(), fake.calls, conns0


# -- 1. bare httpx -------------------------------------------------------------------------


async def bare_httpx(fake: FakeProcess, *, seconds: float, interval: float,
                     concurrency: int) -> PollPhase:
    """A plain httpx loop making the tracker's requests: the CPU reference."""
    import httpx

    rng = random.Random(1)
    started, calls0, conns0 = _phase_start(fake)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {fake.token}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=fake.base_url, headers=headers, limits=limits,
                                 timeout=30) as client:
        gate = asyncio.Semaphore(concurrency)

        async def poll_forever(task_id: str) -> None:
            first = True
            while True:
                async with gate:
                    (await client.get(f"/v1/midjourney/{task_id}")).json()
                spread = (0.5, 1.5) if first else (0.9, 1.1)
                first = False
                await asyncio.sleep(interval * rng.uniform(*spread))

        pollers = [asyncio.create_task(poll_forever(i)) for i in fake.running]
        try:
            return await _measure("bare httpx", fake, fake.running, seconds=seconds,
                                  interval=interval, started=started, calls0=calls0,
                                  conns0=conns0)
        finally:
            for poller in pollers:
                poller.cancel()
            await asyncio.gather(*pollers, return_exceptions=True)


# -- 2. tracker + client, no UI --------------------------------------------------------------


def bench_settings(fake: FakeProcess, interval: float | None = None) -> Any:
    from mjtui.config import Settings

    settings = Settings(base_url=fake.base_url, token=fake.token, images="halfcell", bell=False)
    return settings if interval is None else replace(settings, poll_interval=interval)


async def tracker_only(fake: FakeProcess, settings: Any, *, seconds: float) -> tuple[PollPhase, dict[str, Any]]:
    """The app's polling stack without the UI; returns the tasks it learned too."""
    from mjtui.runtime import make_backend
    from mjtui.tracker import Tracker

    backend = make_backend(settings)
    client = backend.client
    finished = {i: await client.get_task(i) for i in fake.finished}  # as a session knows them
    started, calls0, conns0 = _phase_start(fake)
    latest: dict[str, Any] = {}
    tracker = Tracker(client, poll_interval=settings.poll_interval,
                      max_concurrency=settings.max_concurrency,
                      on_update=lambda update: latest.__setitem__(update.task_id, update))
    for task_id in fake.running:
        tracker.track(task_id)
    for task_id, task in finished.items():
        tracker.track(task_id, task)
    runner = asyncio.create_task(tracker.run())
    try:
        phase = await _measure("tracker", fake, fake.running, seconds=seconds,
                               interval=settings.poll_interval, started=started,
                               calls0=calls0, conns0=conns0)
    finally:
        tracker.stop()
        await runner
        await client.aclose()
    tasks = {i: tracker.task(i) for i in fake.running} | finished
    return phase, tasks


# -- 3. session save -------------------------------------------------------------------------


def session_save(tasks: dict[str, Any], path: Path) -> tuple[float, float]:
    """Seconds for the first save of these tasks to a new file, and for a repeat save."""
    from mjtui.session import Session, TrackedTask, save_session

    session = Session(path)
    now = time.time()
    for n, task in enumerate(tasks.values()):
        session.add(TrackedTask(task=task, origin="imagine", added_at=now - len(tasks) + n))
    t0 = time.perf_counter()
    save_session(session)
    first = time.perf_counter() - t0
    some = next(iter(tasks.values()))
    session.update_task(replace(some, progress=(some.progress + 1) % 100), now)
    t0 = time.perf_counter()
    save_session(session)
    return first, time.perf_counter() - t0


# -- 4./5. the dashboard ----------------------------------------------------------------------


@dataclass
class Press:
    """One timed key press, in seconds from sending the key."""

    cursor: float  # the first frame with the table cursor on the new row
    detail: float  # the first frame with the detail pane showing that row's task too
    cpu: float  # process CPU time used from the key to the detail frame


class FrameProbe:
    """Times key presses to the first frames showing their effect.

    Wraps the app's `_display` (called once per frame with the compositor's update) and, as
    a terminal driver would, renders each update to the escape sequences it would write; the
    headless driver just skips the write. For a cursor key it notes the first frame with the
    table cursor on the new row, and the first frame in which the detail pane has also been
    filled for that row's task.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.frames = 0
        self.shown: str | None = None
        self._want: tuple[int, str, dict[str, float], asyncio.Future[None]] | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.frames += 1
                if hasattr(renderable, "render_segments"):
                    renderable.render_segments(app.console)
                self._check()
            original(screen, renderable)

        app._display = display

    def attach(self) -> None:
        from mjtui.ui.widgets.detail import DetailPane

        detail = self.app.dashboard.query_one(DetailPane)
        show = detail.show

        def shown(tracked: Any, *args: Any, **kwargs: Any) -> None:
            self.shown = tracked.id
            show(tracked, *args, **kwargs)

        detail.show = shown

    def _check(self) -> None:
        if self._want is None:
            return
        row, task_id, marks, done = self._want
        if self.app.dashboard.table.cursor_row != row:
            return
        marks.setdefault("cursor", time.perf_counter())
        if self.shown == task_id and not done.done():
            marks["detail"], marks["cpu_end"] = time.perf_counter(), time.process_time()
            done.set_result(None)
            self._want = None

    async def press(self, key: str) -> Press:
        """Send `key` (down or up) and wait for the frames that show it."""
        from textual import events

        table = self.app.dashboard.table
        row = max(0, min(table.row_count - 1, table.cursor_row + (1 if key == "down" else -1)))
        task_id = str(table.coordinate_to_cell_key((row, 0)).row_key.value)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        marks: dict[str, float] = {}
        self._want = (row, task_id, marks, done)
        event = events.Key(key, None)
        event.set_sender(self.app)
        t0, cpu0 = time.perf_counter(), time.process_time()
        self.app._driver.send_message(event)  # what Pilot.press does, without its idle wait
        try:
            await asyncio.wait_for(done, 10)
        except TimeoutError:
            self._want = None
            return Press(10.0, 10.0, math.nan)
        return Press(marks["cursor"] - t0, marks["detail"] - t0, marks["cpu_end"] - cpu0)


async def press_keys(probe: FrameProbe, keys: list[str], gap: float,
                     deadline: float = math.inf) -> list[Press]:
    """Press the keys one by one (stopping at `deadline`, monotonic) and time each."""
    rng = random.Random(2)
    presses = []
    for key in keys:
        if time.monotonic() > deadline:
            break
        presses.append(await probe.press(key))
        await asyncio.sleep(gap * rng.uniform(0.5, 1.5))  # a quick typist, not a key repeat
    return presses


async def dashboard(fake: FakeProcess, settings: Any, session_path: Path, *, seconds: float,
                    presses: int, gap: float) -> PollPhase:
    """The app on the saved session, polling for `seconds`; `down` pressed `presses` times."""
    from mjtui.runtime import make_backend
    from mjtui.session import load_session
    from mjtui.ui.app import MjtuiApp

    session = load_session(session_path)
    started, calls0, conns0 = _phase_start(fake)
    app = MjtuiApp(settings, session, make_backend(settings), image_protocol="halfcell")
    probe = FrameProbe(app)
    async with app.run_test(size=SIZE):
        probe.attach()

        async def keys() -> list[Press]:
            end = time.monotonic() + seconds * 0.95  # the window starts now
            await asyncio.sleep(seconds * 0.25)
            return await press_keys(probe, ["down"] * presses, gap, end)

        phase = await _measure("dashboard", fake, fake.running, seconds=seconds,
                               interval=settings.poll_interval, started=started,
                               calls0=calls0, conns0=conns0, during=keys)
        phase.frames = probe.frames
    return phase


async def still_dashboard(settings: Any, session_path: Path, *, presses: int,
                          gap: float) -> list[Press]:
    """Key-to-frame on a dashboard that polls nothing (start_polling=False).

    Two rows: down/up alternately (the cursor moves, nothing scrolls). More rows: down, so
    the table scrolls, as in the dashboard phase."""
    from mjtui.runtime import make_backend
    from mjtui.session import load_session
    from mjtui.ui.app import MjtuiApp

    session = load_session(session_path)
    app = MjtuiApp(settings, session, make_backend(settings), image_protocol="halfcell",
                   start_polling=False)
    probe = FrameProbe(app)
    keys = ["down", "up"] * (presses // 2) if len(session) <= 2 else ["down"] * presses
    async with app.run_test(size=SIZE):
        probe.attach()
        await asyncio.sleep(1.0)  # let the mount settle
        return await press_keys(probe, keys, gap)


# -- 6. cold start (child process) ---------------------------------------------------------


def cold_start_child(session_path: str) -> None:
    """In a fresh process: imports, session load, app, first frame. Prints JSON, exits."""
    t0 = time.perf_counter()
    from mjtui.config import Settings
    from mjtui.runtime import make_backend
    from mjtui.session import load_session
    from mjtui.ui.app import MjtuiApp

    t_import = time.perf_counter()
    session = load_session(session_path)
    t_load = time.perf_counter()
    settings = Settings(base_url="http://127.0.0.1:9", token="sk-unused", bell=False)
    app = MjtuiApp(settings, session, make_backend(settings), image_protocol="halfcell",
                   start_polling=False)
    t_app = time.perf_counter()
    marks: dict[str, float] = {}
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        if renderable is not None and screen is app.dashboard and "frame" not in marks:
            if hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
            marks["frame"] = time.perf_counter()
            print(json.dumps({
                "tasks": len(session), "imports": t_import - t0, "load": t_load - t_import,
                "app_to_frame": marks["frame"] - t_app, "in_process": marks["frame"] - t0,
            }), flush=True)
            app.call_later(app.exit)
        original(screen, renderable)

    app._display = display
    app.run(headless=True, size=SIZE)


def cold_start(session_path: Path, env: dict[str, str]) -> dict[str, float]:
    """Run the child; adds `process`: wall seconds from spawning it to its first frame."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--cold-start",
                             str(session_path)], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    wall = time.perf_counter() - t0
    proc.wait(timeout=60)
    if not line:
        raise RuntimeError(f"cold-start child failed (exit {proc.returncode})")
    return json.loads(line) | {"process": wall}


# -- the run and the table -------------------------------------------------------------------


@dataclass
class Results:
    tasks: int
    finished: int
    bare: PollPhase
    tracker: PollPhase
    dash: PollPhase
    idle_keys: list[Press]  # 2 rows, nothing polling
    still_keys: list[Press]  # the same 1,000-task session, nothing polling
    save_first: float
    save_repeat: float
    cold: dict[str, dict[str, float]]
    max_concurrency: int
    rss_mb: float
    load: tuple[float, float, float]
    pressure: str


def cpu_pressure() -> str:
    """Linux PSI: the share of time some task waited for a CPU (other users' load shows here)."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return "n/a"
    fields = dict(item.split("=") for item in line.split()[1:])
    return f"{fields['avg60']} % (last minute), {fields['avg300']} % (5 minutes)"


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1), nearest rank."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def table(r: Results) -> str:
    ms = 1000
    d, t, b = r.dash, r.tracker, r.bare
    ok = lambda good: "ok" if good else "MISSED"
    ratio_t = t.cpu_per_1000 / b.cpu_per_1000
    ratio_d = d.cpu_per_1000 / b.cpu_per_1000

    def keys(presses: list[Press], what: str) -> tuple[str, bool]:
        values = [getattr(p, what) for p in presses]
        p95 = pct(values, 0.95) * ms
        return f"p50 {pct(values, 0.5) * ms:.0f} ms, p95 {p95:.0f} ms", p95 < 50

    def key_cpu(presses: list[Press]) -> str:
        return (f"median {pct([p.cpu for p in presses], 0.5) * ms:.0f} ms, "
                f"p95 {pct([p.cpu for p in presses], 0.95) * ms:.0f} ms")

    d_cursor, d_cursor_ok = keys(d.keys, "cursor")
    d_detail, d_detail_ok = keys(d.keys, "detail")
    big, empty = r.cold["tasks"], r.cold["empty"]
    rows = [
        ("requests / running task / interval (dashboard)",
         (f"{d.per_interval:.3f}x  (min {min(d.per_task)}, max {max(d.per_task)} "
         f"in {d.window:.0f} s = {d.window / d.interval:.1f} intervals)"),
         "0.95-1.05x", ok(0.95 <= d.per_interval <= 1.05)),
        ("requests / running task / interval (tracker, no UI)",
         f"{t.per_interval:.3f}x", "0.95-1.05x", ok(0.95 <= t.per_interval <= 1.05)),
        ("requests for finished tasks",
         f"{d.finished_polls} (dashboard), {t.finished_polls} (tracker)", "0",
         ok(d.finished_polls == t.finished_polls == 0)),
        ("TCP connections opened by the client",
         f"{d.connections} (dashboard), {t.connections} (tracker), {b.connections} (bare)",
         f"<= {r.max_concurrency}", ok(max(d.connections, t.connections) <= r.max_concurrency)),
        ("client CPU per 1,000 polls: bare httpx",
         f"{b.cpu_per_1000 * ms:.0f} ms  ({b.polls} polls)", "reference", ""),
        ("client CPU per 1,000 polls: tracker + client",
         f"{t.cpu_per_1000 * ms:.0f} ms = {ratio_t:.2f}x bare  ({t.polls} polls)",
         "<= 1.5x", ok(ratio_t <= 1.5)),
        ("client CPU per 1,000 polls: whole dashboard",
         (f"{d.cpu_per_1000 * ms:.0f} ms = {ratio_d:.2f}x bare  ({d.polls} polls, "
         f"{d.frames} frames)"), "(<= 1.5x)", ok(ratio_d <= 1.5)),
        (f"key to repaint, {r.tasks:,} tasks polling: cursor row",
         f"{d_cursor}  ({len(d.keys)} x down)", "p95 < 50 ms", ok(d_cursor_ok)),
        ("  ... cursor row and detail pane", d_detail, "p95 < 50 ms", ok(d_detail_ok)),
        ("  ... process CPU from key to detail frame", key_cpu(d.keys), "", ""),
        (f"key to repaint, same {r.tasks + r.finished:,} rows, polling off: cursor row",
         f"{keys(r.still_keys, 'cursor')[0]}  ({len(r.still_keys)} x down)", "reference", ""),
        ("  ... cursor row and detail pane", keys(r.still_keys, "detail")[0], "reference", ""),
        ("  ... process CPU from key to detail frame", key_cpu(r.still_keys), "", ""),
        ("key to repaint, no tasks to poll (2 rows): cursor row",
         f"{keys(r.idle_keys, 'cursor')[0]}  ({len(r.idle_keys)} x down/up)", "reference", ""),
        ("  ... cursor row and detail pane", keys(r.idle_keys, "detail")[0], "reference", ""),
        ("  ... process CPU from key to detail frame", key_cpu(r.idle_keys), "", ""),
        ("peak RSS of the client process", f"{r.rss_mb:.0f} MB", "< 200 MB", ok(r.rss_mb < 200)),
        (f"session save, {r.tasks + r.finished} tasks",
         f"first {r.save_first * ms:.0f} ms, repeat {r.save_repeat * ms:.0f} ms", "", ""),
        (f"cold start to first frame, {int(big['tasks'])} tasks",
         (f"{big['process'] * ms:.0f} ms from spawn; app to frame {big['app_to_frame'] * ms:.0f} ms"
         f" (imports {big['imports'] * ms:.0f}, load {big['load'] * ms:.0f})"), "", ""),
        ("cold start to first frame, empty session",
         (f"{empty['process'] * ms:.0f} ms from spawn; app to frame "
         f"{empty['app_to_frame'] * ms:.0f} ms (imports {empty['imports'] * ms:.0f})"), "", ""),
    ]
    w0 = max(len(a) for a, *_ in rows)
    w1 = max(len(b_) for _, b_, *_ in rows)
    w2 = max(len(c) for *_, c, _ in rows)
    lines = [f"{'measure':<{w0}}  {'measured':<{w1}}  {'target':<{w2}}",
             f"{'-' * w0}  {'-' * w1}  {'-' * w2}  ------"]
    lines += [f"{a:<{w0}}  {b_:<{w1}}  {c:<{w2}}  {e}".rstrip() for a, b_, c, e in rows]
    lines.append("")
    lines.append(
        f"{r.tasks} running + {r.finished} finished tasks, interval {d.interval:g} s, "
        f"max_concurrency {r.max_concurrency}; first round took {d.first_round:.1f} s "
        f"(dashboard), {t.first_round:.1f} s (tracker); {d.polls / d.window:.0f} polls/s in the "
        f"dashboard minute (ideal {r.tasks / d.interval:.0f}/s).\n"
        f"Machine: {os.cpu_count()} CPUs, load average at the end {r.load[0]:.2f} {r.load[1]:.2f} "
        f"{r.load[2]:.2f}; CPU pressure (time something waited for a CPU) {r.pressure}.\n"
        f"sniffio installed: {'yes' if importlib.util.find_spec('sniffio') else 'no'} (without it "
        "httpcore retries a failing `import sniffio` several times per request; see README)."
    )
    return "\n".join(lines)


async def run(args: argparse.Namespace, workdir: Path, env: dict[str, str]) -> Results:
    fake = start_fake(args.tasks, args.finished, workdir)
    try:
        settings = bench_settings(fake, args.interval)
        print(f"fake on port {fake.port}; bare httpx for {args.cpu_seconds:g} s...", flush=True)
        bare = await bare_httpx(fake, seconds=args.cpu_seconds, interval=settings.poll_interval,
                                concurrency=settings.max_concurrency)
        print("tracker (no UI)...", flush=True)
        tracker, tasks = await tracker_only(fake, settings, seconds=args.cpu_seconds)
        session_path = workdir / "data" / "sessions" / "scale.toml"
        save_first, save_repeat = session_save(tasks, session_path)
        print(f"dashboard for {args.seconds:g} s...", flush=True)
        dash = await dashboard(fake, settings, session_path, seconds=args.seconds,
                               presses=args.presses, gap=args.gap)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("dashboards polling nothing, cold starts...", flush=True)
        small = {i: tasks[i] for i in fake.running[:2]}
        small_path = workdir / "data" / "sessions" / "small.toml"
        session_save(small, small_path)
        idle = await still_dashboard(settings, small_path, presses=args.presses, gap=args.gap)
        still = await still_dashboard(settings, session_path, presses=args.presses,
                                      gap=args.gap)
    finally:
        fake.stop()
    cold: dict[str, dict[str, float]] = {}
    for name, path in (("tasks", session_path), ("empty", workdir / "empty.toml")):
        runs = [cold_start(path, env) for _ in range(args.cold_runs)]
        cold[name] = min(runs, key=lambda r: r["process"])
    return Results(args.tasks, args.finished, bare, tracker, dash, idle, still, save_first,
                   save_repeat, cold, settings.max_concurrency, rss_mb, os.getloadavg(),
                   cpu_pressure())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mjtui scale benchmark (see bench/README.md)")
    parser.add_argument("--tasks", type=int, default=1000, help="running tasks")
    parser.add_argument("--finished", type=int, default=100, help="finished tasks (never polled)")
    parser.add_argument("--seconds", type=float, default=60.0, help="dashboard window")
    parser.add_argument("--cpu-seconds", type=float, default=16.0,
                        help="window of the bare-httpx and tracker-only phases")
    parser.add_argument("--interval", type=float, default=None,
                        help="poll interval (default: the Settings default)")
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--gap", type=float, default=0.08, help="mean seconds between presses")
    parser.add_argument("--cold-runs", type=int, default=2, help="cold starts per session (best)")
    parser.add_argument("--quick", action="store_true", help="100 tasks, short windows")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--cold-start", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.tasks, args.finished, args.seconds, args.cpu_seconds = 100, 10, 12.0, 8.0
        args.presses, args.cold_runs = 20, 1
    return args


def no_terminal_probe() -> None:
    """textual-image queries the terminal when it is imported; the bench draws nothing, so do
    as the tests do: no stdin to answer on, and a fixed cell size."""
    sys.__stdin__ = None  # type: ignore[misc]
    try:
        from textual_image._terminal import CellSize, get_cell_size

        get_cell_size._result = CellSize(10, 20)  # type: ignore[attr-defined]
    except ImportError:
        pass


def main(argv: list[str] | None = None) -> Results | None:
    args = parse_args(argv)
    if args.cold_start:  # the child: stdin is /dev/null and stdout a pipe, so nothing probes
        cold_start_child(args.cold_start)
        return None
    no_terminal_probe()
    saved = {var: os.environ.get(var) for var in USER_DIRS}
    try:
        with tempfile.TemporaryDirectory(prefix="mjtui-bench-") as tmp:
            workdir = Path(tmp)
            # Keep the user's config, sessions and images out of it (children inherit this).
            for var, sub in USER_DIRS.items():
                os.environ[var] = str(workdir / sub)
            results = asyncio.run(run(args, workdir, dict(os.environ)))
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(_raw(results), indent=1))
    return results


def _raw(r: Results) -> dict[str, Any]:
    def phase(p: PollPhase) -> dict[str, Any]:
        return {"window": p.window, "polls": p.polls, "per_interval": p.per_interval,
                "finished_polls": p.finished_polls, "cpu": p.cpu,
                "cpu_per_1000": p.cpu_per_1000, "connections": p.connections,
                "first_round": p.first_round, "keys": [asdict(k) for k in p.keys],
                "frames": p.frames}

    return {"bare": phase(r.bare), "tracker": phase(r.tracker), "dashboard": phase(r.dash),
            "idle_keys": [asdict(k) for k in r.idle_keys],
            "still_keys": [asdict(k) for k in r.still_keys], "save_first": r.save_first, "save_repeat": r.save_repeat,
            "cold": r.cold, "rss_mb": r.rss_mb, "load": r.load, "pressure": r.pressure}


if __name__ == "__main__":
    main()
