"""Run a command on a pty of its own and record what crosses it, like a thin SSH hop.

    python scripts/rt_relay.py LOG_PREFIX -- COMMAND ARGS...

Used by `scripts/real_terminals.py` inside a real terminal so that it can tell, from the bytes
on the wire, which image protocol the app used and how the terminal answered its probes:

- `LOG_PREFIX.out`: every byte the command wrote to the terminal, raw;
- `LOG_PREFIX.events.jsonl`: one line per read, `{"t": ms since start, "dir": "in"|"out",
  "n": bytes, "text": ...}`; "in" (terminal to app: probe answers, keys) always with its text,
  "out" with its first 200 characters during the first 3 s (the probes), later only its size.

The window size, pixels included, is copied to the inner pty at start and on every SIGWINCH,
so the command sees the terminal's own geometry. The relay exits with the command's status.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import select
import signal
import sys
import termios
import time
import tty

OUT_TEXT_WINDOW = 3.0  # seconds during which "out" events keep their text


def _copy_winsize(src: int, dst: int) -> None:
    try:
        size = fcntl.ioctl(src, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(dst, termios.TIOCSWINSZ, size)
    except OSError:
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    prefix, command = argv[0], argv[2:]
    tty_fd = sys.stdin.fileno()
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    _copy_winsize(tty_fd, master)
    signal.signal(signal.SIGWINCH, lambda *_: _copy_winsize(tty_fd, master))
    saved = termios.tcgetattr(tty_fd)
    start = time.monotonic()
    with open(prefix + ".out", "wb") as raw, open(prefix + ".events.jsonl", "w") as events:
        def log(direction: str, data: bytes) -> None:
            elapsed = time.monotonic() - start
            event: dict[str, object] = {"t": round(elapsed * 1000, 1), "dir": direction,
                                        "n": len(data)}
            if direction == "in" or elapsed < OUT_TEXT_WINDOW:
                event["text"] = data[:200].decode("latin-1")
            events.write(json.dumps(event) + "\n")
            events.flush()

        try:
            tty.setraw(tty_fd)
            while True:
                try:
                    ready, _, _ = select.select([tty_fd, master], [], [])
                except InterruptedError:
                    continue
                if master in ready:
                    try:
                        data = os.read(master, 65536)
                    except OSError as exc:  # EIO: the command closed its side
                        if exc.errno != errno.EIO:
                            raise
                        data = b""
                    if not data:
                        break
                    log("out", data)
                    raw.write(data)
                    raw.flush()
                    _write_all(sys.stdout.fileno(), data)
                if tty_fd in ready:
                    data = os.read(tty_fd, 65536)
                    if not data:
                        break
                    log("in", data)
                    _write_all(master, data)
        finally:
            termios.tcsetattr(tty_fd, termios.TCSAFLUSH, saved)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    with open(prefix + ".exit", "w") as handle:
        handle.write(str(code))
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
