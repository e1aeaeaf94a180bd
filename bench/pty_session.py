"""A program in a pty we control, with a scripted terminal answering its queries.

    session = PtySession([sys.executable, "-m", "mjtui", "--demo"], profile=PROFILES["kitty"])
    session.start()
    session.wait_quiet(1.0, timeout=20)
    mark = session.total
    session.send(b"?")
    ...
    print(session.total - mark, "bytes written")
    session.close()

The pty is sized with TIOCSWINSZ, pixels included, so the program knows the cell size
without asking. A reader thread drains everything the program writes (counted with a time
stamp per read) and answers the queries a terminal would: DA1, DA2, DECRQM, XTVERSION, the
Kitty graphics query, XTWINOPS 14/16/18 t, DSR 6n, OSC 10/11 and XTSMGRAPHICS. What each
answer says comes from a `TerminalProfile`; `reply_delay` holds every answer back, as a
slow SSH hop does.

Used by bench/bench_bytes.py. Standard library only.
"""

from __future__ import annotations

import bisect
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Self

__all__ = ["PROFILES", "PtySession", "TerminalProfile", "TerminalResponder"]


@dataclass(frozen=True)
class TerminalProfile:
    """What the played terminal says about itself."""

    name: str
    term: str  # the TERM the program is started with
    da1: str  # the DA1 answer's parameters: "?62;4;22" (4: Sixel)
    xtversion: str | None  # the XTVERSION answer ("kitty(0.35.2)"), None: no answer
    kitty_graphics: bool  # answers the Kitty graphics query with OK
    decrqm: Mapping[int, int] = field(default_factory=dict)  # DEC mode -> 1 set, 2 reset
    colorterm: str | None = "truecolor"
    sixel_registers: int = 256


PROFILES: dict[str, TerminalProfile] = {
    "kitty": TerminalProfile(
        "kitty", "xterm-kitty", "?62;22", "kitty(0.35.2)", True, {2026: 2, 2048: 2}),
    "xterm-sixel": TerminalProfile(
        "xterm-sixel", "xterm-256color", "?63;1;2;4;6;9;15;16;22;28", "XTerm(390)", False),
    "xterm": TerminalProfile(
        "xterm", "xterm-256color", "?63;1;2;6;9;15;16;22;28", "XTerm(390)", False),
}

# The queries answered, each a whole sequence. Matched on the stream as it arrives.
_QUERY = re.compile(
    rb"\x1b\[(?P<da>[>=]?)0?c"  # DA1 / DA2 / DA3
    rb"|\x1b\[\?(?P<decrqm>\d+)\$p"  # DECRQM, private modes
    rb"|\x1b\[>0?q"  # XTVERSION
    rb"|\x1b_G(?P<apc>[^\x1b;]*)(?:;[^\x1b]*)?\x1b\\"  # Kitty graphics command
    rb"|\x1b\[(?P<winops>1[468])t"  # XTWINOPS reports
    rb"|\x1b\[6n"  # cursor position
    rb"|\x1b\](?P<osc>1[01]);\?(?:\x07|\x1b\\)"  # foreground / background colour
    rb"|\x1b\[\?(?P<gitem>[123]);(?P<gaction>[1-4])(?:;[\d;]*)?S"  # XTSMGRAPHICS
    rb"|\x1b\[\?u"  # Kitty keyboard flags
)
_TAIL = 512  # an unfinished sequence longer than this is not a query: dropped
_ADOPT_TTY = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
              "os.execvp(sys.argv[1], sys.argv[1:])")


class TerminalResponder:
    """Finds queries in the program's output and makes the answers (no I/O here)."""

    def __init__(self, profile: TerminalProfile, cols: int, rows: int,
                 cell: tuple[int, int]) -> None:
        self.profile = profile
        self.cols, self.rows, self.cell = cols, rows, cell
        self.queries: list[bytes] = []  # every query seen, in order
        self.kitty_commands = 0  # Kitty graphics commands of any kind (uploads, deletes)
        self._tail = b""

    def feed(self, data: bytes) -> list[bytes]:
        """Scan the next chunk of output; return the answers, in order."""
        buf = self._tail + data
        answers: list[bytes] = []
        end = 0
        for match in _QUERY.finditer(buf):
            end = match.end()
            answer = self._answer(match)
            if answer is not None:
                self.queries.append(match.group()[:80])
                answers.append(answer)
        rest = buf[end:]
        esc = rest.rfind(b"\x1b")
        self._tail = rest[esc:] if esc >= 0 and len(rest) - esc <= _TAIL else b""
        return answers

    def _answer(self, m: re.Match[bytes]) -> bytes | None:
        p, text = self.profile, m.group()
        if m.group("da") is not None:
            if m.group("da") == b">":
                return b"\x1b[>41;390;0c"
            if m.group("da") == b"=":
                return None
            return f"\x1b[{p.da1}c".encode()
        if m.group("decrqm") is not None:
            mode = int(m.group("decrqm"))
            return f"\x1b[?{mode};{p.decrqm.get(mode, 0)}$y".encode()
        if text.startswith(b"\x1b[>") and text.endswith(b"q"):
            return None if p.xtversion is None else f"\x1bP>|{p.xtversion}\x1b\\".encode()
        if m.group("apc") is not None:
            self.kitty_commands += 1
            keys = dict(kv.split(b"=", 1) for kv in m.group("apc").split(b",") if b"=" in kv)
            if keys.get(b"a") != b"q" or not p.kitty_graphics:
                return None
            return b"\x1b_Gi=" + keys.get(b"i", b"0") + b";OK\x1b\\"
        if m.group("winops") is not None:
            w, h = self.cell
            op = m.group("winops")
            if op == b"16":
                return f"\x1b[6;{h};{w}t".encode()
            if op == b"14":
                return f"\x1b[4;{self.rows * h};{self.cols * w}t".encode()
            return f"\x1b[8;{self.rows};{self.cols}t".encode()
        if text == b"\x1b[6n":
            return b"\x1b[1;1R"
        if m.group("osc") is not None:
            colour = "ffff/ffff/ffff" if m.group("osc") == b"10" else "0000/0000/0000"
            return b"\x1b]" + m.group("osc") + f";rgb:{colour}\x1b\\".encode()
        if m.group("gitem") is not None:
            item = int(m.group("gitem"))
            if "4" not in p.da1.split(";"):
                return f"\x1b[?{item};1;0S".encode()  # error: no graphics
            if item == 1:
                return f"\x1b[?1;0;{p.sixel_registers}S".encode()
            w, h = self.cell
            return f"\x1b[?{item};0;{self.cols * w};{self.rows * h}S".encode()
        if text == b"\x1b[?u":
            return b"\x1b[?0u" if p.name == "kitty" else None
        return None


class PtySession:
    """One child process on a pty: send keys, count what it writes, answer its queries."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        profile: TerminalProfile = PROFILES["xterm"],
        env: Mapping[str, str] | None = None,
        cols: int = 120,
        rows: int = 40,
        cell: tuple[int, int] = (10, 20),
        reply_delay: float = 0.0,
        keep_output: bool = True,
    ) -> None:
        self.argv = list(argv)
        self.profile = profile
        self.cols, self.rows, self.cell = cols, rows, cell
        self.reply_delay = reply_delay
        self.keep_output = keep_output
        self.responder = TerminalResponder(profile, cols, rows, cell)
        self.env = self._environment(env)
        self.output = bytearray()  # everything read, when keep_output
        self.total = 0  # bytes read so far
        self._times: list[float] = []  # monotonic time of each read ...
        self._totals: list[int] = []  # ... and the running total after it
        self._lock = threading.RLock()
        self._replies: list[tuple[float, bytes]] = []
        self._master = -1
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._closing = False

    def _environment(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("TMUX", "TERM_PROGRAM", "COLORTERM", "KITTY_WINDOW_ID",
                            "SSH_CONNECTION", "SSH_TTY", "TEXTUAL", "TEXTUAL_DRIVER")}
        env.update(TERM=self.profile.term, COLUMNS=str(self.cols), LINES=str(self.rows))
        if self.profile.colorterm:
            env["COLORTERM"] = self.profile.colorterm
        env.update(extra or {})
        return env

    # -- lifetime ---------------------------------------------------------------------------

    def start(self) -> None:
        master, slave = os.openpty()
        w, h = self.cell
        winsize = struct.pack("HHHH", self.rows, self.cols, self.cols * w, self.rows * h)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, winsize)
        # A new session whose controlling terminal is the pty, as a login shell has it. Made
        # by a tiny exec wrapper: no preexec_fn, which is unsafe with threads.
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _ADOPT_TTY, *self.argv], stdin=slave, stdout=slave,
            stderr=slave, env=self.env, start_new_session=True, close_fds=True)
        os.close(slave)
        self._master = master
        self._reader = threading.Thread(target=self._read_loop, name="pty-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def close(self, quit_keys: bytes = b"\x11", timeout: float = 8.0) -> int | None:
        """Ask the program to quit (ctrl+q), then SIGTERM and SIGKILL it, by its own pid."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None and quit_keys:
            self.send(quit_keys)
            self._wait(proc, timeout)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if proc.poll() is None:
                proc.send_signal(sig)
                self._wait(proc, 3.0)
        self._closing = True
        if self._reader is not None:
            self._reader.join(2.0)
        if self._master >= 0:
            os.close(self._master)
            self._master = -1
        return proc.returncode

    @staticmethod
    def _wait(proc: subprocess.Popen[bytes], timeout: float) -> None:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- input ------------------------------------------------------------------------------

    def send(self, data: bytes | str) -> None:
        """Type `data` (one write: a burst arrives in one read)."""
        raw = data.encode() if isinstance(data, str) else data
        with self._lock:
            os.write(self._master, raw)

    # -- output -----------------------------------------------------------------------------

    def offset_at(self, when: float) -> int:
        """How many bytes had been read at monotonic time `when`."""
        with self._lock:
            n = bisect.bisect_right(self._times, when)
            return self._totals[n - 1] if n else 0

    def bytes_between(self, start: float, end: float) -> int:
        """Bytes read in the monotonic time window (start, end]."""
        return self.offset_at(end) - self.offset_at(start)

    def output_between(self, start: float, end: float) -> bytes:
        """What was read in the time window (needs keep_output)."""
        with self._lock:
            return bytes(self.output[self.offset_at(start):self.offset_at(end)])

    def last_output_at(self) -> float:
        with self._lock:
            return self._times[-1] if self._times else 0.0

    def wait_for(self, needle: bytes, *, since: int = 0, timeout: float = 10.0) -> bool:
        """True once `needle` appears in the output after byte `since` (needs keep_output)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.output.find(needle, since) >= 0:
                    return True
            if not self.alive():
                return False
            time.sleep(0.02)
        return False

    def wait_quiet(self, quiet: float, *, timeout: float) -> bool:
        """Wait until nothing was written for `quiet` seconds; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.last_output_at()
            if last and time.monotonic() - last >= quiet:
                return True
            time.sleep(0.05)
        return False

    def _read_loop(self) -> None:
        master = self._master
        while not self._closing:
            wait = 0.1
            if self._replies:
                wait = max(0.0, min(wait, self._replies[0][0] - time.monotonic()))
            try:
                ready, _, _ = select.select([master], [], [], wait)
            except (OSError, ValueError):
                return
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed its side
                    data = b""
                if not data:
                    if not self.alive():
                        return
                    time.sleep(0.02)
                    continue
                now = time.monotonic()
                with self._lock:
                    self.total += len(data)
                    self._times.append(now)
                    self._totals.append(self.total)
                    if self.keep_output:
                        self.output += data
                for answer in self.responder.feed(data):
                    self._replies.append((now + self.reply_delay, answer))
            now = time.monotonic()
            while self._replies and self._replies[0][0] <= now:
                _, answer = self._replies.pop(0)
                try:
                    with self._lock:
                        os.write(master, answer)
                except OSError:
                    return
