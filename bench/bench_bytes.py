"""Bytes on the wire: what `mjtui --demo` writes to its terminal, per protocol and scenario.

    .venv/bin/python bench/bench_bytes.py               # 20 s windows, ~16 minutes
    .venv/bin/python bench/bench_bytes.py --quick       # 5 s windows, ~9 minutes
    .venv/bin/python bench/bench_bytes.py --protocols none --scenarios help,actions

Over SSH every byte the app writes crosses the link, so a dashboard left open all day must
be quiet. This runs the real program (`python -m mjtui --demo --images P`) in a pty it
controls (bench/pty_session.py: 120x40 cells of 10x20 px, a played terminal that answers
every query) with its data, cache and config folders in a temporary directory, and counts
the bytes it writes. Each scenario gets a fresh process and a freshly seeded demo, so the
state is the same every time: the finished lighthouse grid selected (the first row), two
jobs running, one queued, one awaiting input.

Scenarios (the budgets are those of issue 11, at 120x40):
  idle        the dashboard left alone                         <= 1 KB/s
              (from 12 s after start: the first poll's toasts have expired)
  help        `?` left open                                    <= 3 KB/s
  actions     the actions menu (`x`) left open                 <= 3 KB/s
  dialog      the Add dialog (`a`) left open                   <= 3 KB/s
  fullscreen  the full-screen preview (`f`) left open          <= 3 KB/s
  moves       down x6 then up x6, 1.5 s apart, per move       <= 12 KB on average

"open" is what the key itself cost (from the key to the end of the settle time); the
budgeted figure is the steady rate after it. Run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_session import PROFILES, PtySession

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL_TERMINAL = {"tgp": "kitty", "sixel": "xterm-sixel", "halfcell": "xterm", "none": "xterm"}
SCENARIO_KEYS = {"idle": b"", "help": b"?", "actions": b"x", "dialog": b"a",
                 "fullscreen": b"f", "moves": b""}
BUDGET = {"idle": 1000, "help": 3000, "actions": 3000, "dialog": 3000, "fullscreen": 3000,
          "moves": 12000}
MOVES = [b"\x1b[B"] * 6 + [b"\x1b[A"] * 6  # down x6, up x6 (the table has 7 rows)
TOASTS_GONE = 12.0  # seconds after the first frame
# What counts as picture: Kitty graphics commands (APC G), Sixel (DCS), Kitty placeholder
# cells (U+10EEEE and its diacritics, with their colour) and half-cell blocks with theirs.
_SGR = rb"(?:\x1b\[[0-9;:]*m)*"
_IMAGE = re.compile(
    rb"\x1b_G.*?\x1b\\|\x1bP.*?\x1b\\"
    rb"|" + _SGR + rb"\xf4\x8e\xbb\xae(?:[\xcc-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2})*"
    rb"|" + _SGR + rb"\xe2\x96[\x80\x84]",
    re.DOTALL)


def image_bytes(data: bytes) -> int:
    """The bytes of `data` that draw pictures (an estimate for half-cell and placeholders)."""
    return sum(len(m) for m in _IMAGE.findall(data))


@dataclass
class Result:
    protocol: str
    scenario: str
    open_bytes: int  # the key and the settle time after it
    window: float  # seconds measured
    window_bytes: int
    per_move: list[int] | None = None
    error: str = ""
    image: int = 0  # of window_bytes (moves: of all moves), the picture's share

    @property
    def figure(self) -> float:
        """Bytes per second, or bytes per move (average) for `moves`."""
        if self.per_move:
            return sum(self.per_move) / len(self.per_move)
        return self.window_bytes / self.window if self.window else 0.0

    @property
    def within_budget(self) -> bool:
        return not self.error and self.figure <= BUDGET[self.scenario]


def screen_text(raw: bytes) -> str:
    """The printable text of some output, escapes removed (for error reports)."""
    text = re.sub(rb"\x1bP.*?\x1b\\|\x1b_.*?\x1b\\|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)", b"",
                  raw, flags=re.DOTALL)
    text = re.sub(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b.", b" ", text)
    return re.sub(r"\s+", " ", text.decode("utf-8", "replace")).strip()


def start_demo(protocol: str, workdir: Path) -> PtySession:
    env = {f"MJTUI_{name}_DIR": str(workdir / name.lower()) for name in ("DATA", "CACHE", "CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    argv = [sys.executable, "-m", "mjtui", "--demo", "--images", protocol]
    session = PtySession(argv, profile=PROFILES[PROTOCOL_TERMINAL[protocol]], env=env)
    session.start()
    return session


def press(session: PtySession, keys: list[bytes], gap: float = 0.15) -> None:
    """One key per write, as a person types."""
    for key in keys:
        session.send(key)
        time.sleep(gap)


def run_scenario(protocol: str, scenario: str, *, window: float, settle: float,
                 move_gap: float, move_rounds: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="mjtui-bench-bytes-") as tmp:
        session = start_demo(protocol, Path(tmp))
        try:
            # The first frame, the demo's first polls and the grid's image.
            if not session.wait_for(b"lighthouse", timeout=30):
                tail = screen_text(bytes(session.output[-3000:]))
                return Result(protocol, scenario, 0, 0, 0, error=f"no dashboard: {tail[-300:]}")
            shown = time.monotonic()
            press(session, [b"\x1b[A"] * 3)  # the finished grid: the first row
            # The first poll's toasts ("Finished", "Needs input", "Failed": 10 s) are gone.
            time.sleep(max(0.0, shown + TOASTS_GONE - time.monotonic()))
            session.wait_quiet(1.0, timeout=8.0)
            start = time.monotonic()
            if scenario == "moves":
                per_move = []
                for _ in range(move_rounds):
                    for key in MOVES:
                        at = time.monotonic()
                        session.send(key)
                        time.sleep(move_gap)
                        per_move.append(session.bytes_between(at, time.monotonic()))
                end = time.monotonic()
                image = image_bytes(session.output_between(start, end))
                return Result(protocol, scenario, 0, end - start, sum(per_move), per_move,
                              image=image)
            session.send(SCENARIO_KEYS[scenario])
            time.sleep(settle)
            opened = time.monotonic()
            time.sleep(window)
            end = time.monotonic()
            error = "" if session.alive() else "the app exited"
            return Result(protocol, scenario, session.bytes_between(start, opened), end - opened,
                          session.bytes_between(opened, end), error=error,
                          image=image_bytes(session.output_between(opened, end)))
        finally:
            session.close()


def kb(value: float) -> str:
    return f"{value / 1000:.2f}"


def print_table(results: list[Result]) -> None:
    scenarios = list(dict.fromkeys(r.scenario for r in results))
    protocols = list(dict.fromkeys(r.protocol for r in results))
    by = {(r.protocol, r.scenario): r for r in results}
    print()
    print("steady KB/s after the key (moves: KB per move, average); in brackets the key's own")
    print("cost in KB (moves: the largest move)")
    head = f"{'scenario':<12}{'budget':>14}" + "".join(f"{p:>20}" for p in protocols)
    print(head)
    print("-" * len(head))
    for scenario in scenarios:
        unit = "KB/move" if scenario == "moves" else "KB/s"
        line = f"{scenario:<12}{kb(BUDGET[scenario]) + ' ' + unit:>14}"
        for protocol in protocols:
            r = by.get((protocol, scenario))
            if r is None:
                cell = "-"
            elif r.error:
                cell = "error"
            else:
                extra = (f" (max {kb(max(r.per_move))})" if r.per_move
                         else "" if scenario == "idle" else f" ({kb(r.open_bytes)})")
                cell = f"{kb(r.figure)}{extra}{'' if r.within_budget else ' !'}"
            line += f"{cell:>20}"
        print(line)
    print("'!' marks a figure over its budget")
    shares = [f"{r.protocol}/{r.scenario} {100 * r.image / r.window_bytes:.0f}%"
              for r in results if r.image and r.window_bytes]
    if shares:
        print("picture's share of the steady bytes (estimate):", ", ".join(shares))
    for r in results:
        if r.error:
            print(f"{r.protocol}/{r.scenario}: {r.error}")


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 s windows, one round of moves")
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured (20)")
    parser.add_argument("--protocols", default="tgp,sixel,halfcell,none")
    parser.add_argument("--scenarios", default=",".join(SCENARIO_KEYS))
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--table", type=Path, nargs="+", metavar="JSON",
                        help="print the table of saved --json runs (later files win), run nothing")
    args = parser.parse_args(argv)
    if args.table:
        saved = {}
        for path in args.table:
            for item in json.loads(path.read_text()):
                saved[item["protocol"], item["scenario"]] = Result(**item)
        print_table(list(saved.values()))
        return list(saved.values())
    window = 5.0 if args.quick else args.window
    settle = 3.0
    rounds = 1 if args.quick else 2
    results = []
    for protocol in args.protocols.split(","):
        for scenario in args.scenarios.split(","):
            result = run_scenario(protocol, scenario, window=window, settle=settle,
                                  move_gap=1.5, move_rounds=rounds)
            results.append(result)
            print(f"{protocol:>9} {scenario:<11} {kb(result.figure):>8} "
                  f"{'KB/move' if scenario == 'moves' else 'KB/s'} {result.error}", flush=True)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return results


if __name__ == "__main__":
    main()
