"""Run `mjtui --demo --images auto` in real terminals under Xvfb and judge the preview pane.

    .venv/bin/python scripts/real_terminals.py [--json] [--only NAME ...] [--out DIR]
                                               [--commit REV | --app-root DIR]

For each terminal (xterm -ti vt340: Sixel; xterm -tn xterm-256color: no graphics; kitty) it
1. asks the terminal what it is (`scripts/rt_query.py` in a window of its own: DA1, DA2,
   XTVERSION, the Kitty graphics query, cell size, ...; exact answers and timing, see --json);
2. starts the demo with fresh MJTUI_DATA_DIR / MJTUI_CACHE_DIR / MJTUI_CONFIG_DIR, through
   `scripts/rt_relay.py` (a pty hop that records the bytes: which protocol the app really
   used, how the terminal answered its probes);
3. waits for the dashboard, presses Up (one key per event) until the first row, the demo's
   finished lighthouse grid, is selected, and takes screenshots (see `screenshot`) until the
   toasts of the start are gone (--settle seconds);
4. judges the preview pane (bottom right, computed from the window's cell grid and the
   dashboard's layout) by its pixels: picture / blank / tofu / no-picture, and saves the
   last screenshot, scaled down, as `<out>/<terminal>.png`;
5. opens Diagnostics (ctrl+p) and reads the protocol the app says it chose, and why.

The table: "chose" is what Diagnostics says, "sent" what the bytes show (a Kitty upload or
placeholders: tgp; a Sixel DCS: sixel; many half blocks: halfcell), "verdict" what the
pixels show. --json adds the terminal's answers, the app's probe on the wire, the judge's
numbers and the wire's counts (uploads, placements, deletes).

Verdicts (see `judge`): "picture" (many colours, not a repeated glyph; "pixels" or "cells"
says whether it is at pixel or at half-cell resolution), "blank" (the pane is almost one
colour), "tofu" (a few colours repeating at the cell period: a block of identical glyph
boxes, e.g. Kitty placeholders in a kitty without placeholder support), "no-picture"
(something else: a message, garbage).

Exit status: 0 when every terminal that ran shows a picture (terminals skipped for a missing
package do not count: their reason is printed, e.g. "kitty: skipped, not installed");
1 when a terminal that ran shows anything else, the app never drew, or the check itself
failed there (verdict "error": no window, no screenshot); 3 when Xvfb is
installed but does not start. Every wait is bounded; every process started here is killed.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageGrab, features

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DEFAULT_OUT = ROOT / "screenshots" / "real-terminals"
COLS, ROWS = 120, 40
KEY_DELAY_MS = 120  # between key events: one key per read, as a person types
SAVED_WIDTH = 760  # saved screenshots are scaled down to this width (the judge sees full size)

# Variables of the environment this runs in that would tell the app about another terminal.
_FOREIGN_ENV = ("COLORTERM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION", "TMUX", "TMUX_PANE",
                "KITTY_WINDOW_ID", "KITTY_PID", "KITTY_INSTALLATION_DIR", "KITTY_PUBLIC_KEY",
                "WINDOWID", "XTERM_VERSION", "XTERM_SHELL", "XTERM_LOCALE", "VTE_VERSION",
                "TEXTUAL_CELL_WIDTH", "TEXTUAL_CELL_HEIGHT", "MJTUI_IMAGES", "STY",
                "SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "APIMART_API_KEY", "APIMART_BASE_URL")


@dataclass(frozen=True)
class Terminal:
    name: str  # also the screenshot's file name
    title: str
    program: str  # the package's binary
    package: str  # the Debian package that brings it
    expect: str  # the protocol the app should choose on --images auto

    def argv(self, klass: str, command: list[str]) -> list[str]:
        if self.program == "kitty":
            return ["kitty", "--config", "NONE", "--class", klass,
                    "-o", "linux_display_server=x11", "-o", "remember_window_size=no",
                    "-o", f"initial_window_width={COLS}c", "-o", f"initial_window_height={ROWS}c",
                    "-o", "window_padding_width=0", "-o", "confirm_os_window_close=0",
                    *command]
        extra = (["-ti", "vt340", "-xrm", "XTerm*decTerminalID: vt340",
                  "-xrm", "XTerm*numColorRegisters: 256"]
                 if self.name == "xterm-vt340" else ["-tn", "xterm-256color"])
        return ["xterm", *extra, "-name", klass, "-geometry", f"{COLS}x{ROWS}", "-e", *command]

    def env(self) -> dict[str, str]:
        # kitty draws with OpenGL: Xvfb has no GPU, mesa's software renderer does it.
        return {"LIBGL_ALWAYS_SOFTWARE": "1"} if self.program == "kitty" else {}

    def version(self) -> str:
        try:
            flag = "-version" if self.program == "xterm" else "--version"
            done = subprocess.run([self.program, flag], capture_output=True, text=True,
                                  timeout=10, check=False)
            first = (done.stdout or done.stderr).strip().splitlines()[0]
            return " ".join(first.split()[:2]) if self.program == "kitty" else first
        except (OSError, subprocess.SubprocessError, IndexError):
            return "unknown"


TERMINALS = [
    Terminal("xterm-vt340", "xterm -ti vt340 (Sixel)", "xterm", "xterm", "sixel"),
    Terminal("xterm-256color", "xterm -tn xterm-256color", "xterm", "xterm", "halfcell"),
    Terminal("kitty", "kitty", "kitty", "kitty", "halfcell"),
]
COMMON_TOOLS = [("Xvfb", "xvfb"), ("import", "imagemagick"), ("xdotool", "xdotool")]


@dataclass
class Result:
    terminal: str
    title: str
    version: str = ""
    status: str = "skipped"  # "ran" | "skipped" | "error" (no window, no screenshot)
    reason: str = ""
    chose: str = ""  # the protocol the app's Diagnostics screen names ("" if not read)
    why: str = ""  # and the reason it gives
    sent: str = ""  # the protocol of the images the app wrote, read from the bytes on the wire
    expected_protocol: str = ""
    verdict: str = ""
    detail: str = ""
    seconds_to_picture: float | None = None
    screenshot: str = ""
    app_exit: int | None = None
    stats: dict[str, float] = field(default_factory=dict)
    wire: dict[str, object] = field(default_factory=dict)
    query: dict[str, object] = field(default_factory=dict)
    app_probe: list[dict[str, object]] = field(default_factory=list)
    diagnostics: dict[str, str] = field(default_factory=dict)


# -- the judge -------------------------------------------------------------------------------


def preview_region(width: int, height: int, cols: int = COLS, rows: int = ROWS,
                   ) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """The preview pane's pixel box (x0, y0, x1, y1) in a window of `cols` x `rows` cells,
    and the cell size. Layout (dashboard.tcss): status line, table, then `#bottom` (45 % of
    the rows between status line and footer, a border on top) split in two equal halves,
    the detail pane left and the preview right; the footer is the last row. One cell of
    margin is left on every side so that a rounding difference never puts text in the box."""
    cell_w, cell_h = width // cols, height // rows
    off_x, off_y = (width - cols * cell_w) // 2, (height - rows * cell_h) // 2
    main_rows = rows - 2
    bottom_rows = round(main_rows * 0.45)
    top_row = rows - 1 - bottom_rows + 1  # below the border
    c0, c1 = cols // 2 + 1, cols - 1
    r0, r1 = top_row + 1, rows - 2
    box = (off_x + c0 * cell_w, off_y + r0 * cell_h, off_x + c1 * cell_w, off_y + r1 * cell_h)
    return box, (cell_w, cell_h)


def region_stats(pixels: np.ndarray, cell: tuple[int, int]) -> dict[str, float]:
    """Numbers the verdict is made of, for one RGB region (H, W, 3)."""
    region = pixels.astype(np.int32)
    total = region.shape[0] * region.shape[1]
    quant = region >> 3  # 5 bits a channel
    codes = (quant[..., 0] << 10) | (quant[..., 1] << 5) | quant[..., 2]
    counts = np.bincount(codes.ravel(), minlength=1 << 15)
    floor = max(3, int(total * 0.0002))
    cell_w, cell_h = cell

    def shifted_diff(dx: int, dy: int) -> float:
        if dx >= region.shape[1] or dy >= region.shape[0]:
            return 0.0
        a = region[dy:, dx:]
        b = region[: region.shape[0] - dy, : region.shape[1] - dx]
        return float(np.abs(a - b).mean())

    # Where colour changes across: a half-cell picture changes only on cell borders.
    changes = (region[:, 1:] != region[:, :-1]).any(axis=2).sum(axis=0)  # per column gap
    on_border = changes[cell_w - 1 :: cell_w].sum() if len(changes) >= cell_w else 0
    border_share = float(on_border) / max(1, int(changes.sum()))
    return {
        "colours": int((counts >= floor).sum()),
        "major_colours": int((counts >= total * 0.005).sum()),  # each on >= 0.5 % of the pane
        "dominant_share": round(float(counts.max()) / total, 3),
        "std": round(float(region.std()), 1),
        "neighbour_diff": round(shifted_diff(1, 0), 2),
        "cell_period_diff_x": round(shifted_diff(cell_w, 0), 2),
        "cell_period_diff_y": round(shifted_diff(0, cell_h), 2),
        "half_cell_diff_y": round(shifted_diff(0, max(1, cell_h // 2)), 2),
        "changes_on_cell_borders": round(border_share, 3),
    }


def judge(stats: dict[str, float]) -> tuple[str, str]:
    """(verdict, detail) from `region_stats`.

    - blank: one colour covers nearly the whole pane, or it hardly varies;
    - tofu: a few colours, and the pane looks the same moved by one cell, across and down:
      the same glyph repeated in every cell (an image would change from cell to cell);
    - picture: not repeating, at least 15 % of the pane off the dominant colour, and many
      colours (>= 8 on 0.5 % of the pane each, or >= 64 in all: text has 2-4 and some
      anti-aliasing shades; a 256-colour half-cell picture 20-40); "cells" when the colour
      changes across almost only on cell borders (half-cell blocks: one colour per half
      cell), else "pixels";
    - no-picture: anything else (a message, a few stray glyphs, garbage)."""
    if stats["dominant_share"] >= 0.93 or stats["std"] < 6:
        return "blank", f"{stats['dominant_share']:.0%} of the pane is one colour"
    periodic = (stats["cell_period_diff_x"] <= 0.25 * stats["neighbour_diff"] + 1.0
                and stats["cell_period_diff_y"] <= 0.25 * stats["neighbour_diff"] + 1.0)
    if stats["major_colours"] <= 6 and periodic:
        return "tofu", f"{stats['major_colours']} colours repeating every cell"
    many = stats["major_colours"] >= 8 or stats["colours"] >= 64
    if many and not periodic and stats["dominant_share"] <= 0.85:
        resolution = "cells" if stats["changes_on_cell_borders"] >= 0.8 else "pixels"
        return "picture", f"{stats['colours']} colours, at {resolution} resolution"
    return "no-picture", f"{stats['colours']} colours, std {stats['std']}"


def judge_file(path: Path) -> tuple[str, str, dict[str, float]]:
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"))
    box, cell = preview_region(rgb.shape[1], rgb.shape[0])
    x0, y0, x1, y1 = box
    stats = region_stats(rgb[y0:y1, x0:x1], cell)
    verdict, detail = judge(stats)
    return verdict, detail, stats


# -- what the wire says ----------------------------------------------------------------------


def wire_facts(raw: bytes) -> dict[str, object]:
    """Which image protocol the app used, from the bytes it wrote to the terminal.

    Kitty graphics: a control block with no `a=` (or a=t/T) transmits data, in chunks: an
    upload starts with a transmit block that does not follow an m=1 block (textual-image
    repeats the id in every chunk, the spec does not require it); `a=p,U=1` is a virtual
    placement (Unicode placeholders); deletes are listed by their `d=` key (`d=i` keeps the
    data, `d=I` frees it)."""
    blocks = [dict(part.split(b"=", 1) for part in m.group(1).split(b",") if b"=" in part)
              for m in re.finditer(rb"\x1b_G([^;\x1b]*)", raw)]
    uploads, upload_ids, continuing = 0, set(), False
    for block in blocks:
        transmit = block.get(b"a", b"t") in (b"t", b"T")
        if transmit and not continuing:
            uploads += 1
            upload_ids.add(block.get(b"i") or block.get(b"I"))
        continuing = transmit and block.get(b"m") == b"1"
    placements = [b for b in blocks if b.get(b"a") == b"p"]
    deletes = [b"d=" + b.get(b"d", b"a") for b in blocks if b.get(b"a") == b"d"]
    placeholders = raw.count("\U0010eeee".encode())
    sixels = len(re.findall(rb"\x1bP[0-9;]*q", raw))
    half_blocks = raw.count("▀".encode()) + raw.count("▄".encode())
    if uploads or placeholders:
        protocol = "tgp"
    elif sixels:
        protocol = "sixel"
    elif half_blocks > 300:
        protocol = "halfcell"
    else:
        protocol = "none seen"
    return {
        "protocol": protocol, "bytes": len(raw), "tgp_uploads": uploads,
        "tgp_upload_ids": len(upload_ids),
        "tgp_placements": len(placements),
        "tgp_virtual_placements": sum(1 for b in placements if b.get(b"U") == b"1"),
        "tgp_deletes": [d.decode() for d in deletes],
        "tgp_queries": sum(1 for b in blocks if b.get(b"a") == b"q"),
        "tgp_placeholder_cells": placeholders, "sixel_images": sixels,
        "half_block_chars": half_blocks,
    }


def app_probe(events_path: Path, limit_ms: float = 3000) -> list[dict[str, object]]:
    """The app's first seconds on the wire: its queries (out) and the terminal's answers (in)."""
    seen: list[dict[str, object]] = []
    try:
        lines = events_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return seen
    for line in lines:
        event = json.loads(line)
        if event["t"] > limit_ms:
            break
        text = str(event.get("text", ""))
        if event["dir"] == "in" or "\x1b[c" in text or "\x1b_G" in text or "\x1b[16t" in text:
            seen.append({"t_ms": event["t"], "dir": event["dir"], "text": text[:160]})
    return seen[:12]


# -- X and processes -------------------------------------------------------------------------


class Display:
    """Xvfb on a display number it picks itself (-displayfd); killed on close."""

    def __init__(self) -> None:
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1200x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        os.close(write_fd)
        number = b""
        deadline = time.monotonic() + 15
        try:
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                if select.select([read_fd], [], [], 0.5)[0]:
                    piece = os.read(read_fd, 16)
                    if not piece:
                        break
                    number += piece
        finally:
            os.close(read_fd)
        if not number.strip().isdigit():
            self.close()
            raise RuntimeError("Xvfb did not start (no display number within 15 s)")
        self.name = ":" + number.strip().decode()

    def close(self) -> None:
        stop(self.proc)


def stop(proc: subprocess.Popen[bytes] | None, grace: float = 3.0) -> None:
    """End a process started here and its group (it was started in a session of its own)."""
    if proc is None or proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def x_run(display: str, *argv: str, timeout: float = 10) -> str:
    env = {**os.environ, "DISPLAY": display}
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                              env=env, check=False)
    except subprocess.TimeoutExpired:
        return ""
    return done.stdout.strip()


def wait_for(check, timeout: float, step: float = 0.25):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    return None


def clean_env(display: str, run_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENV}
    env.update(DISPLAY=display, MJTUI_DATA_DIR=str(run_dir / "data"),
               MJTUI_CACHE_DIR=str(run_dir / "cache"), MJTUI_CONFIG_DIR=str(run_dir / "config"))
    return env


def launch(display: str, term: Terminal, klass: str, command: list[str], run_dir: Path,
           app_root: Path | None = None) -> subprocess.Popen[bytes]:
    env = {**clean_env(display, run_dir), **term.env()}
    if app_root is not None:  # this checkout's mjtui first, before any installed one
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(app_root), os.environ.get("PYTHONPATH", "")) if p)
    log = open(run_dir / f"{klass}.terminal.log", "wb")  # noqa: SIM115 - closed by the child
    try:
        return subprocess.Popen(term.argv(klass, command), env=env, stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL, cwd=run_dir, start_new_session=True)
    finally:
        log.close()


def find_window(display: str, klass: str, timeout: float = 20) -> str | None:
    def look() -> str | None:
        found = x_run(display, "xdotool", "search", "--classname", klass).split()
        return found[-1] if found else None

    return wait_for(look, timeout)


SCREENSHOT_ERRORS: list[str] = []  # why captures failed (the last one goes in the verdict)


def screenshot(display: str, window: str, path: Path) -> bool:
    """The window's pixels into `path` (replaced only when the capture worked).

    First Pillow, reading the Xvfb's root window (XGetImage, no server grab) cropped to the
    window's inside (xwininfo says where, border included): with no window manager nothing
    covers it, so these are the pixels `import -window` gives. `import -window` is the
    fallback (no xwininfo, a Pillow without XCB): it hung for 20 s on kitty's window in 2
    runs of about 10."""
    partial = path.with_suffix(".partial.png")
    errors = []
    for capture in (grab_with_pillow, grab_with_import):
        partial.unlink(missing_ok=True)
        error = capture(display, window, partial)
        if not error and partial.exists() and partial.stat().st_size > 0:
            partial.replace(path)
            return True
        errors.append(error or "an empty file")
    SCREENSHOT_ERRORS.append("; ".join(errors)[:300])
    return False


def grab_with_import(display: str, window: str, dest: Path) -> str:
    env = {**os.environ, "DISPLAY": display}
    try:
        done = subprocess.run(["import", "-window", window, str(dest)], env=env,
                              capture_output=True, text=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:
        return "import took more than 20 s"
    return "" if done.returncode == 0 else f"import: {done.stderr.strip()[:200]}"


def grab_with_pillow(display: str, window: str, dest: Path) -> str:
    """"" when `dest` holds the window's pixels, else why not."""
    if not features.check("xcb"):
        return "Pillow has no XCB support"
    if shutil.which("xwininfo") is None:
        return "no xwininfo (apt-get install x11-utils)"
    info = x_run(display, "xwininfo", "-id", window)
    fields = dict(line.strip().split(":", 1) for line in info.splitlines() if ":" in line)
    try:
        border = int(fields["Border width"])
        x = int(fields["Absolute upper-left X"]) + border
        y = int(fields["Absolute upper-left Y"]) + border
        width, height = int(fields["Width"]), int(fields["Height"])
    except (KeyError, ValueError):
        return f"xwininfo did not say where window {window} is: {info[:200]!r}"
    failure: list[str] = []

    def grab() -> None:
        try:
            ImageGrab.grab(bbox=(x, y, x + width, y + height), xdisplay=display).save(dest)
        except OSError as exc:
            failure.append(repr(exc))

    # In a thread, so that a display that stops answering costs 20 s, not the run.
    worker = threading.Thread(target=grab, daemon=True)
    worker.start()
    worker.join(20)
    if worker.is_alive():
        return "Pillow's grab took more than 20 s"
    return f"Pillow could not grab the window: {failure[0]}" if failure else ""


def save_small(source: Path, dest: Path) -> None:
    """Scaled to SAVED_WIDTH and 256 colours: a few hundred KB at most in the repo."""
    with Image.open(source) as image:
        image = image.convert("RGB")
        if image.width > SAVED_WIDTH:
            height = round(image.height * SAVED_WIDTH / image.width)
            image = image.resize((SAVED_WIDTH, height), Image.Resampling.LANCZOS)
        image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        image.save(dest, optimize=True)


# -- one terminal ----------------------------------------------------------------------------


def query_terminal(display: str, term: Terminal, run_dir: Path) -> dict[str, object]:
    """Run rt_query.py in a window of its own; its JSON, or {"error": ...}."""
    out = run_dir / "query.json"
    proc = launch(display, term, "rtquery", [sys.executable, str(SCRIPTS / "rt_query.py"),
                                             str(out)], run_dir)
    try:
        if not wait_for(out.exists, 30):
            return {"error": "no answer file within 30 s"}
        return json.loads(out.read_text(encoding="utf-8"))
    finally:
        stop(proc)


def press(display: str, *keys: str) -> None:
    """Keys as separate X events, KEY_DELAY_MS apart: one key per read, as a person types."""
    x_run(display, "xdotool", "key", "--delay", str(KEY_DELAY_MS), *keys)


def watch_preview(display: str, window: str, shot: Path, settle: float,
                  result: Result) -> Path | None:
    """Screenshots about once a second for `settle` seconds; the last one is judged (into
    `result`), the first "picture" gives seconds_to_picture."""
    start = time.monotonic()
    while True:
        now = time.monotonic()
        if screenshot(display, window, shot):
            verdict, detail, stats = judge_file(shot)
            if verdict == "picture" and result.seconds_to_picture is None:
                result.seconds_to_picture = round(now - start, 1)
            result.verdict, result.detail, result.stats = verdict, detail, stats
        if now - start >= settle:
            break
        time.sleep(1.0)
    if not shot.exists():
        result.status, result.verdict = "error", "error"
        last = SCREENSHOT_ERRORS[-1] if SCREENSHOT_ERRORS else "?"
        result.detail = f"no screenshot could be taken ({last})"
        return None
    return shot


def keep_screenshot(shot: Path, dest: Path) -> str:
    save_small(shot, dest)
    return str(dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest)


_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[P\]_^X].*?(?:\x1b\\\\|\x07)|\x1b.",
                      re.DOTALL)


def last_words(raw: bytes, limit: int = 400) -> str:
    """The end of what the app wrote, as text (a traceback, an error line)."""
    text = _ESCAPES.sub(b" ", raw[-20000:]).decode("utf-8", "replace")
    return " ".join(text.split())[-limit:]


_OSC52 = re.compile(rb"\x1b\]52;[a-z]*;([A-Za-z0-9+/=]+)(?:\x07|\x1b\\\\)")


def read_diagnostics(display: str, window: str, raw_path: Path, dest: Path) -> dict[str, str]:
    """Open Diagnostics from the command palette (ctrl+p, "diagnostics", enter), save a
    screenshot (kept with --keep), press c (copy report): the app sends the whole report as
    OSC 52, which the relay recorded; its [images] lines, {"protocol": ..., "why": ...,
    "cell size": ...}, come back from there."""
    before = raw_path.stat().st_size if raw_path.exists() else 0
    press(display, "ctrl+p")
    time.sleep(1.0)
    press(display, *"diagnostics")
    time.sleep(1.0)
    press(display, "Return")
    time.sleep(2.0)
    found: dict[str, str] = {}
    if screenshot(display, window, dest):
        found["screenshot"] = str(dest)
    press(display, "c")
    time.sleep(1.5)
    with open(raw_path, "rb") as handle:
        handle.seek(before)
        copies = _OSC52.findall(handle.read())
    if not copies:
        found["error"] = "no OSC 52 copy of the report on the wire"
        return found
    report = base64.b64decode(copies[-1]).decode("utf-8", "replace")
    section = ""
    for line in report.splitlines():
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "images" and ": " in line:
            key, value = line.split(": ", 1)
            found[key.strip()] = value.strip()
    return found


def run_terminal(display: str, term: Terminal, run_dir: Path, out_dir: Path,
                 settle: float, ask: bool, app_root: Path, diagnostics: bool) -> Result:
    result = Result(term.name, term.title, version=term.version(), status="ran",
                    expected_protocol=term.expect)
    if ask:
        result.query = query_terminal(display, term, run_dir)
    log = run_dir / "wire"
    command = [sys.executable, str(SCRIPTS / "rt_relay.py"), str(log), "--",
               sys.executable, "-m", "mjtui", "--demo", "--images", "auto"]
    proc = launch(display, term, "rtapp", command, run_dir, app_root)
    raw_path = log.with_suffix(".out")
    try:
        window = find_window(display, "rtapp")
        if window is None:
            result.status, result.verdict = "error", "error"
            result.detail = "no window within 20 s"
            return result

        def drawn() -> bool:
            try:
                return b"palette" in raw_path.read_bytes()  # the footer's "^p palette"
            except OSError:
                return False

        if not wait_for(drawn, 40):
            result.verdict, result.detail = "no-picture", "the dashboard was not drawn in 40 s"
        else:
            x_run(display, "xdotool", "windowfocus", "--sync", window)
            # The demo's first row is its finished lighthouse grid: go (or stay) there.
            press(display, *["Up"] * 8)
            shot = watch_preview(display, window, run_dir / "shot.png", settle, result)
            if shot is not None:
                result.screenshot = keep_screenshot(shot, out_dir / f"{term.name}.png")
            if diagnostics:
                result.diagnostics = read_diagnostics(display, window, raw_path,
                                                      run_dir / "diagnostics.png")
                result.chose = result.diagnostics.get("protocol", "")
                result.why = result.diagnostics.get("why", "")
                press(display, "Escape")
                time.sleep(0.8)  # Esc then q within ~0.15 s can read as alt+q
            press(display, "q")
            if not wait_for(lambda: proc.poll() is not None, 8):
                result.reason = "the app did not quit on q within 8 s"
    finally:
        stop(proc)
    try:
        result.app_exit = int((run_dir / "wire.exit").read_text())
    except (OSError, ValueError):
        result.app_exit = None
    try:
        raw = raw_path.read_bytes()
    except OSError:
        raw = b""
    result.wire = wire_facts(raw)
    result.sent = str(result.wire["protocol"])
    if result.app_exit not in (0, None) or "not drawn" in result.detail:
        result.reason = f"the app's last words: {last_words(raw)!r}"
    result.app_probe = app_probe(run_dir / "wire.events.jsonl")
    return result


# -- main ------------------------------------------------------------------------------------


def app_revision(root: Path) -> str:
    """`<root> @ <short commit>`, "+ uncommitted changes" when the tree is dirty."""
    def git(*argv: str) -> str:
        return subprocess.run(["git", "-C", str(root), *argv], capture_output=True, text=True,
                              timeout=10, check=False).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "mjtui")
    except (OSError, subprocess.SubprocessError):
        return str(root)
    if not commit:
        return str(root)
    return f"{root} @ {commit}" + (" + uncommitted changes under mjtui/" if dirty else "")


def missing_tools(term: Terminal) -> list[tuple[str, str]]:
    needed = [*COMMON_TOOLS, (term.program, term.package)]
    return [(tool, package) for tool, package in needed if shutil.which(tool) is None]


def print_table(results: list[Result]) -> None:
    """One line per terminal, then an indented line of details: how the verdict was reached,
    the app's reason for its choice, and the protocol a terminal is expected to get."""
    print(f"{'terminal':<25} {'version':<13} {'chose':<9} {'sent':<10} {'verdict':<11} "
          "screenshot")
    for r in results:
        if r.status == "skipped":
            print(f"{r.terminal}: skipped, {r.reason}")
            continue
        print(f"{r.title:<25} {r.version:<13} {r.chose or '?':<9} {r.sent:<10} "
              f"{r.verdict:<11} {r.screenshot}")
        notes = [r.detail]
        if r.seconds_to_picture is not None:
            notes.append(f"picture {r.seconds_to_picture} s after selecting")
        if r.why:
            notes.append(f"why: {r.why}")
        if r.expected_protocol not in (r.chose, r.sent):
            notes.append(f"expected {r.expected_protocol}")
        if r.reason:
            notes.append(r.reason)
        if r.app_exit not in (0, None):
            notes.append(f"the app exited with status {r.app_exit}")
        print(f"{'':<25} " + "; ".join(note for note in notes if note))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--only", action="append", choices=[t.name for t in TERMINALS],
                        help="run this terminal only (repeatable)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for the screenshots (default screenshots/real-terminals)")
    parser.add_argument("--settle", type=float, default=14.0,
                        help="seconds of screenshots after selecting the task; the last one "
                             "is judged (the start's toasts are gone after ~10 s)")
    parser.add_argument("--no-query", action="store_true",
                        help="skip asking each terminal what it is (rt_query.py)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--app-root", type=Path, default=ROOT, metavar="DIR",
                        help="the checkout whose mjtui runs (default: this one, as it is on "
                             "disk, uncommitted changes included)")
    source.add_argument("--commit", metavar="REV",
                        help="run the mjtui of this commit instead (`git archive` of this "
                             "repository into the temporary folder), e.g. to compare before "
                             "and after a fix")
    parser.add_argument("--no-diagnostics", action="store_true",
                        help="skip reading the chosen protocol and its reason from the app's "
                             "Diagnostics screen (opened after the screenshot)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="mjtui-real-terminals-"))
    try:
        app_root, app = args.app_root.resolve(), app_revision(args.app_root)
        if args.commit:
            app_root, app = work / "app", f"commit {unpack_commit(args.commit, work / 'app')}"
        terminals = [t for t in TERMINALS if not args.only or t.name in args.only]
        results, code = check_terminals(terminals, work, args, app_root)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if args.json:
        print(json.dumps({"app": app, "date": stamp, "exit": code,
                          "terminals": [asdict(r) for r in results]}, indent=1))
    else:
        print(f"mjtui --demo --images auto from {app}, {stamp}")
        print_table(results)
    return code


def unpack_commit(rev: str, dest: Path) -> str:
    """`git archive REV` of this repository into `dest`; the commit's short hash."""
    def git(*argv: str) -> bytes:
        return subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True,
                              timeout=60, check=True).stdout

    short = git("rev-parse", "--short", f"{rev}^{{commit}}").decode().strip()
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(git("archive", short)), mode="r:") as archive:
        archive.extractall(dest, filter="data")
    return short


def check_terminals(terminals: list[Terminal], work: Path, args: argparse.Namespace,
                    app_root: Path) -> tuple[list[Result], int]:
    """Skip the terminals whose packages are missing, run the others in one Xvfb."""
    results: list[Result] = []
    runnable: list[Terminal] = []
    for term in terminals:
        missing = missing_tools(term)
        if missing:
            names = ", ".join(tool for tool, _ in missing)
            packages = " ".join(sorted({package for _, package in missing}))
            results.append(Result(term.name, term.title, status="skipped",
                                  reason=f"not installed: {names} (apt-get install {packages})"))
        else:
            runnable.append(term)

    code = 0
    display: Display | None = None
    try:
        if runnable:
            try:
                display = Display()
            except (OSError, RuntimeError) as exc:
                for term in runnable:
                    results.append(Result(term.name, term.title, status="skipped",
                                          reason=f"Xvfb does not start here: {exc}"))
                runnable, code = [], 3
        for term in runnable:
            run_dir = work / term.name
            run_dir.mkdir()
            assert display is not None
            results.append(run_terminal(display.name, term, run_dir, args.out, args.settle,
                                        not args.no_query, app_root, not args.no_diagnostics))
    finally:
        if display is not None:
            display.close()
    order = {t.name: n for n, t in enumerate(TERMINALS)}
    results.sort(key=lambda r: order[r.terminal])
    if any(r.status != "skipped" and r.verdict != "picture" for r in results):
        code = code or 1
    return results, code


if __name__ == "__main__":
    raise SystemExit(main())
