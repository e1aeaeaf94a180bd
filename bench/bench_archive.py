"""Archive benchmark: a 30,000-finished-task session against an empty one (issue 14's targets).

    .venv/bin/python bench/bench_archive.py             # 30,000 tasks, about 3 minutes
    .venv/bin/python bench/bench_archive.py --tasks 3000 --runs 2   # a quick look

Steps, each in fresh `mjtui` processes against the bench fake (bench/fake_for_bench.py, its
own process, loopback) with private config/data/cache folders:

1. build: the session is written by the real writer (`save_session`): realistic finished
   tasks (prompt, grid + 4 image URLs, 9 buttons), added over 100 days (300 a day, a bot's
   pace). ONE_ID, a real job of the fake, is one of the old ones.
2. `mjtui status ONE_ID` on an empty session (the reference), N runs: wall time and the
   child's peak RSS (wait4).
3. The first `mjtui status ONE_ID` on the big session: the one-time migration to the archive.
4. `mjtui status ONE_ID` again, N runs (ONE_ID now lives in the archive).
5. The dashboard's first frame (bench_scale.py's cold start) on the migrated session and on
   an empty one.
6. `mjtui history --json --limit 0` (every task), `mjtui history WORD` (whole command), and a
   word search inside the process (archive query + session filter, modules loaded).

7. bench_archive_ui.py in a child process, twice (the first run makes the gallery's
   thumbnails, the second reads them): the gallery's first page from a warm disk cache,
   key to repaint in the gallery while thumbnails load, and RSS after browsing 1,000
   archived tasks on the archive screen (`--no-ui` skips it).

The table compares each figure with its target.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_archive_ui import summary
from bench_scale import USER_DIRS, cold_start, no_terminal_probe, start_fake

DAY = 86400.0
PER_DAY = 300


def build_session(path: Path, count: int, one_id: str, now: float, cdn: str) -> float:
    """`count` finished tasks written with the real session writer; seconds it took. Image
    URLs point at `cdn` (the fake: nothing leaves the machine when a preview loads)."""
    from mjtui.api.models import Button, Status, Task
    from mjtui.session import Session, TrackedTask, save_session

    session = Session(path)
    words = ("lighthouse", "fisherman", "city", "fox", "forest", "robot", "harbour", "desert")
    for n in range(count):
        task_id = one_id if n == 0 else f"task_BENCH{n:020d}"
        added = now - (count - n) * DAY / PER_DAY
        hash_ = f"{n:08x}-7d3b-4c8e-b5a6-0e1f2d3c4b5a"
        task = Task(
            id=task_id, status=Status.SUCCESS, progress=100, action="IMAGINE",
            prompt=f"a {words[n % 8]} at dusk #{n}, oil painting, volumetric light --ar 3:2 --v 7",
            grid_image_url=f"{cdn}/fake-cdn/{task_id}/grid.png",
            image_urls=tuple(f"{cdn}/fake-cdn/{task_id}/{k}.png" for k in range(4)),
            submit_time=added, start_time=added + 5, finish_time=added + 50,
            buttons=tuple(
                [Button(f"MJ::JOB::upsample::{k}::{hash_}", f"U{k}") for k in range(1, 5)]
                + [Button(f"MJ::JOB::reroll::0::{hash_}::SOLO", "", "🔄")]
                + [Button(f"MJ::JOB::variation::{k}::{hash_}", f"V{k}") for k in range(1, 5)]),
        )
        session.add(TrackedTask(task=task, origin="imagine", added_at=added, updated_at=added + 50))
    t0 = time.perf_counter()
    save_session(session)
    return time.perf_counter() - t0


# The child reports its own peak RSS (VmHWM: this process image only; ru_maxrss would
# count the bench's own memory, which a forked child starts with).
_WRAPPER = """
import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("\\nVMHWM " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["mjtui", *sys.argv[1:]]
runpy.run_module("mjtui", run_name="__main__")
"""


def spawn_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, str, float]:
    """`mjtui ARGV` in a fresh process: (wall seconds, its peak RSS in MB, stdout, its CPU
    seconds). CPU time says more than wall time on a machine other work keeps busy."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], env=env, check=False,
                          stdin=subprocess.DEVNULL, capture_output=True)
    wall = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise RuntimeError(f"mjtui {' '.join(argv)} exited {done.returncode}: "
                           f"{done.stderr.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peaks = [line for line in done.stderr.decode().splitlines() if line.startswith("VMHWM ")]
    return wall, int(peaks[-1].split()[1]) / 1024, done.stdout.decode(), cpu


def paired_runs(argv: list[str], envs: list[dict[str, str]], runs: int) -> list[tuple[float, ...]]:
    """`mjtui ARGV` in each environment in turn, `runs` rounds (so both see the same load):
    per environment (median wall seconds, peak RSS MB, median CPU seconds)."""
    results: list[list[tuple[float, float, str, float]]] = [[] for _ in envs]
    for _ in range(runs):
        for n, env in enumerate(envs):
            results[n].append(spawn_measured(argv, env))
    return [(statistics.median(r[0] for r in each), max(r[1] for r in each),
             statistics.median(r[3] for r in each)) for each in results]


def in_process_search(env: dict[str, str], word: str, runs: int = 20) -> float:
    """Median ms of a word search the way `history` does it, with modules loaded and the
    session read: the archive query (limit 50) plus the session's own filter."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from mjtui.archive import Archive, archive_path
        from mjtui.archive.search import matches
        from mjtui.session import load_session, resolve_session_path

        session = load_session(resolve_session_path(None))
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            mine = [t for t in session.tasks.values() if matches(word, t.task.prompt, t.label, t.id)]
            with Archive(archive_path()) as archive:
                rows = archive.search(word, limit=50)
            assert rows or mine
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    fake = start_fake(0, 1, workdir)
    try:
        one_id = fake.finished[0]
        # Bytecode cached (in the temp folder) as an installed mjtui has it: without it every
        # run would compile mjtui's sources again, and that would dwarf what is measured.
        base_env = {**os.environ, "PYTHONPATH": str(HERE.parent), "APIMART_API_KEY": fake.token,
                    "APIMART_BASE_URL": fake.base_url,
                    "PYTHONPYCACHEPREFIX": str(workdir / "pycache")}
        base_env.pop("PYTHONDONTWRITEBYTECODE", None)
        envs = {}
        for name in ("empty", "big"):
            envs[name] = dict(base_env)
            for var, sub in USER_DIRS.items():
                envs[name][var] = str(workdir / name / sub)
        big_session = Path(envs["big"]["MJTUI_DATA_DIR"]) / "sessions" / "default.toml"
        print(f"building {args.tasks:,} tasks with the session writer...", flush=True)
        save_s = build_session(big_session, args.tasks, one_id, time.time(), fake.base_url)
        gc.collect()  # the bench itself stays small
        size_mb = big_session.stat().st_size / 1e6
        r: dict[str, Any] = {"tasks": args.tasks, "build_save_s": save_s, "toml_mb": size_mb}
        print("status on the empty session...", flush=True)
        spawn_measured(["status", one_id], envs["empty"])  # compiles the bytecode once
        print("first status on the big session (migration)...", flush=True)
        r["migration"] = spawn_measured(["status", one_id], envs["big"])[:2]
        r["empty_status"], r["big_status"] = paired_runs(["status", one_id],
                                                         [envs["empty"], envs["big"]], args.runs)
        r["left_in_session"] = sum(1 for line in big_session.read_text().splitlines()
                                   if line == "[[tasks]]")
        print("dashboard first frames...", flush=True)
        frames: dict[str, list[float]] = {"empty": [], "big": []}
        for _ in range(args.runs):  # in turn, so both see the same load
            for name, times in frames.items():
                session = Path(envs[name]["MJTUI_DATA_DIR"]) / "sessions" / "default.toml"
                times.append(cold_start(session, envs[name])["process"])
        for name, times in frames.items():
            r[f"{name}_frame"] = statistics.median(times)
        print("history...", flush=True)
        wall, rss, out, _ = spawn_measured(["history", "--json", "--limit", "0"], envs["big"])
        r["history_all"] = (wall, rss, len(out.splitlines()))
        r["history_word"], r["history_word_empty"] = paired_runs(
            ["history", "fisherman"], [envs["big"], envs["empty"]], args.runs)
        r["search_ms"] = in_process_search(envs["big"], "fisherman")
        if not args.no_ui:
            print("archive screen and gallery (a dashboard in a child process)...", flush=True)
            for key in ("ui_first", "ui"):  # the first run makes the gallery's thumbnails
                done = subprocess.run([sys.executable, str(HERE / "bench_archive_ui.py")],
                                      env=envs["big"], capture_output=True, check=True,
                                      stdin=subprocess.DEVNULL, timeout=1200)
                r[key] = json.loads(done.stdout.decode().strip().splitlines()[-1])
        return r
    finally:
        fake.stop()


def table(r: dict[str, Any]) -> str:
    empty_t, empty_rss, empty_cpu = r["empty_status"]
    big_t, big_rss, big_cpu = r["big_status"]
    rows = [
        ("`status ONE_ID` time", "<= 1.5x empty", (f"{big_t:.2f} s vs {empty_t:.2f} s = "
         f"{big_t / empty_t:.2f}x"), big_t <= 1.5 * empty_t),
        ("`status ONE_ID` CPU time", "(<= 1.5x empty)", (f"{big_cpu:.2f} s vs {empty_cpu:.2f} s "
         f"= {big_cpu / empty_cpu:.2f}x"), big_cpu <= 1.5 * empty_cpu),
        ("`status ONE_ID` peak RSS", "< 150 MB", f"{big_rss:.0f} MB (empty {empty_rss:.0f} MB)",
         big_rss < 150),
        ("dashboard first frame", "<= 1.5x empty",
         (f"{r['big_frame']:.2f} s vs {r['empty_frame']:.2f} s = "
         f"{r['big_frame'] / r['empty_frame']:.2f}x"), r["big_frame"] <= 1.5 * r["empty_frame"]),
        ("`history --json --limit 0`", f"all {r['tasks']:,}",
         (f"{r['history_all'][2]:,} lines in {r['history_all'][0]:.2f} s, "
         f"{r['history_all'][1]:.0f} MB"), r["history_all"][2] == r["tasks"]),
        ("word search in the process", "<= 50 ms", f"{r['search_ms']:.1f} ms",
         r["search_ms"] <= 50),
        ("`history WORD`, whole command", "<= 0.5 s",
         (f"{r['history_word'][0]:.2f} s, CPU {r['history_word'][2]:.2f} s (empty session "
         f"{r['history_word_empty'][0]:.2f} s)"),
         r["history_word"][0] <= 0.5),
    ]
    if "ui" in r:
        ui = summary(r["ui"])
        rows += [
            ("gallery page, warm cache", "<= 100 ms",
             (f"{ui['page_ms']:.0f} ms (thumbnails not made yet: "
             f"{r['ui_first']['gallery_page_s'] * 1000:.0f} ms)"), ui["page_ms"] <= 100),
            ("gallery key to repaint p95", "<= 50 ms",
             f"{ui['key_p95_ms']:.0f} ms (median {ui['key_median_ms']:.0f} ms)",
             ui["key_p95_ms"] <= 50),
            (f"dashboard RSS after {ui['browsed']:,} archived", "<= 250 MB",
             f"{ui['rss_mb']:.0f} MB (peak {ui['peak_rss_mb']:.0f} MB)", ui["rss_mb"] <= 250),
        ]
    else:
        rows.append(("gallery, archive screen", "", "not measured (--no-ui)", None))
    width = max(len(row[0]) for row in rows)
    lines = [f"{'':{width}}  {'target':<16} {'measured':<48} ok",
             f"{'-' * width}  {'-' * 16} {'-' * 48} --"]
    for name, target, measured, ok in rows:
        mark = "-" if ok is None else ("yes" if ok else "NO")
        lines.append(f"{name:<{width}}  {target:<16} {measured:<48} {mark}")
    mig_t, mig_rss = r["migration"]
    lines += [
        "",
        (f"session TOML: {r['tasks']:,} tasks, {r['toml_mb']:.1f} MB, written in "
        f"{r['build_save_s']:.1f} s; first status (the migration): {mig_t:.1f} s, "
        f"{mig_rss:.0f} MB; {r['left_in_session']} tasks left in the TOML"),
        f"load average {os.getloadavg()[0]:.1f} (2 cores, shared)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--no-ui", action="store_true",
                        help="skip the archive screen and gallery (the longest part)")
    args = parser.parse_args(argv)
    no_terminal_probe()
    with tempfile.TemporaryDirectory(prefix="mjtui-bench-archive-") as tmp:
        results = run(args, Path(tmp))
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
