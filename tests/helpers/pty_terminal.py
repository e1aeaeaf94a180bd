"""A terminal played by the test: a pty that answers queries late or never, takes keys in bursts.

`PtyTerminal` runs a command with a pseudo-terminal as its stdin/stdout/stderr, records every
byte the command writes, and answers the queries a real terminal would (DA1, XTVERSION, the
Kitty graphics query, the cell size, Textual's mode queries) after `delay` seconds, or never
(`delay=None`): the way a terminal behind an SSH hop does.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Self


@dataclass(frozen=True)
class TerminalProfile:
    """What a terminal answers (None: it does not answer that query)."""

    name: str
    term: str
    da1: str | None = "\x1b[?62;22c"
    xtversion: str | None = None
    kitty_graphics: bool = False
    cell_size: tuple[int, int] | None = (10, 20)  # CSI 16 t answer (width, height)
    env: Mapping[str, str] = field(default_factory=dict)


KITTY_0_26 = TerminalProfile("kitty 0.26.5", "xterm-kitty", da1="\x1b[?62;c",
                             xtversion="kitty(0.26.5)", kitty_graphics=True)
KITTY_0_35 = TerminalProfile("kitty 0.35.2", "xterm-kitty", da1="\x1b[?62;c",
                             xtversion="kitty(0.35.2)", kitty_graphics=True)
XTERM_VT340 = TerminalProfile("xterm -ti vt340", "xterm-256color", da1="\x1b[?63;1;2;4;6;9;15;22c",
                              xtversion="XTerm(379)")
XTERM_256 = TerminalProfile("xterm", "xterm-256color", da1="\x1b[?65;1;9c", xtversion="XTerm(379)")
XTERM_16 = TerminalProfile("xterm (16 colours)", "xterm", da1="\x1b[?65;1;9c")
WEZTERM = TerminalProfile("WezTerm", "xterm-256color", da1="\x1b[?65;4;6;18;22c",
                          xtversion="WezTerm 20240203-110809-5046fc22", kitty_graphics=True)

# What the terminal is asked, as bytes patterns, and how the profile answers each.
_QUERIES: Sequence[tuple[re.Pattern[bytes], str]] = (
    (re.compile(rb"\x1b\[0?c"), "da1"),
    (re.compile(rb"\x1b\[>0?q"), "xtversion"),
    (re.compile(rb"\x1b_G[^\x1b]*a=q[^\x1b]*\x1b\\"), "kitty"),
    (re.compile(rb"\x1b\[16t"), "cell"),
    (re.compile(rb"\x1b\[\?(\d+)\$p"), "decrqm"),
)


def answer(profile: TerminalProfile, kind: str, match: re.Match[bytes]) -> str | None:
    """The profile's answer to one query, or None when it keeps quiet."""
    if kind == "da1":
        return profile.da1
    if kind == "xtversion" and profile.xtversion:
        return f"\x1bP>|{profile.xtversion}\x1b\\"
    if kind == "kitty" and profile.kitty_graphics:
        image_id = re.search(rb"i=(\d+)", match.group(0))
        return f"\x1b_Gi={image_id.group(1).decode() if image_id else 0};OK\x1b\\"
    if kind == "cell" and profile.cell_size:
        return f"\x1b[6;{profile.cell_size[1]};{profile.cell_size[0]}t"
    if kind == "decrqm":
        return f"\x1b[?{match.group(1).decode()};2$y"
    return None


class PtyTerminal:
    """Run a command in a pty played by `profile`, answering after `delay` seconds (None: never)."""

    def __init__(
        self,
        argv: Sequence[str],
        profile: TerminalProfile,
        *,
        delay: float | None = 0.0,
        env: Mapping[str, str] | None = None,
        size: tuple[int, int] = (120, 40),
        pixels: bool = False,
    ) -> None:
        self.profile, self.delay = profile, delay
        self.output = bytearray()
        self.answered: list[tuple[float, str]] = []  # (when, what) for each answer sent
        self._lock = threading.Lock()
        self._scanned = 0
        self._timers: list[threading.Timer] = []
        master, slave = os.openpty()
        columns, rows = size
        pixel_size = (columns * 10, rows * 20) if pixels else (0, 0)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, *pixel_size))
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("TMUX", "COLORTERM", "TERM_PROGRAM", "TEXTUAL_CELL_WIDTH",
                                 "TEXTUAL_CELL_HEIGHT", "NO_COLOR", "PYTEST_CURRENT_TEST")}
        full_env.update(TERM=profile.term, **profile.env, **(env or {}))
        self.master = master
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=full_env,
            close_fds=True, start_new_session=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- the terminal side ---------------------------------------------------------------------

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.output += data
                self._answer_new_queries()

    def _answer_new_queries(self) -> None:
        window_start = max(0, self._scanned - 64)
        window = bytes(self.output[window_start:])
        found = [
            (match.start(), kind, match)
            for pattern, kind in _QUERIES
            for match in pattern.finditer(window)
            if window_start + match.end() > self._scanned  # not answered on an earlier pass
        ]
        # A terminal answers in the order it was asked.
        replies = [answer(self.profile, kind, match) for _, kind, match in sorted(found)]
        if self.delay is not None and any(replies):
            self._send_later("".join(r for r in replies if r), self.delay)
        self._scanned = len(self.output)

    def _send_later(self, reply: str, delay: float) -> None:
        def send() -> None:
            self.answered.append((time.monotonic() - self.started, reply))
            self.write(reply.encode())

        if delay <= 0:
            send()
            return
        timer = threading.Timer(delay, send)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    # -- the user side -------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Bytes from the keyboard (or the terminal's answers), in ONE write."""
        try:
            os.write(self.master, data)
        except OSError:
            pass

    def type_keys(self, text: str, *, burst: bool = True, gap: float = 0.05) -> None:
        """Type `text`: in one read (`burst`), or one key per read."""
        if burst:
            self.write(text.encode())
            return
        for char in text:
            self.write(char.encode())
            time.sleep(gap)

    def paste(self, text: str) -> None:
        self.write(b"\x1b[200~" + text.encode() + b"\x1b[201~")

    def wait_for(self, needle: bytes, timeout: float = 20.0, start: int = 0) -> int:
        """Wait until the app has written `needle` (after byte `start`); its index."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                index = bytes(self.output).find(needle, start)
            if index >= 0:
                return index
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"{needle!r} not written within {timeout}s; "
                             f"last output: {bytes(self.output[-400:])!r}")

    def wait_answered(self, timeout: float = 10.0) -> None:
        """Wait until the first (possibly late) answer has been sent."""
        deadline = time.monotonic() + timeout
        while not self.answered:
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer sent within {timeout}s")
            time.sleep(0.02)

    def wait_exit(self, timeout: float = 20.0) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the app did not exit within {timeout}s") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self.kill()
        self._reader.join(2)
        try:
            os.close(self.master)
        except OSError:
            pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
