"""Ask the terminal this runs in what it is, and write its exact answers (with timing) as JSON.

Run inside a real terminal by `scripts/real_terminals.py` (or by hand:
`python scripts/rt_query.py out.json`). Each query is sent alone, followed by DA1 (`CSI c`) as a
sentinel: every terminal answers DA1, so "the DA1 answer arrived and nothing came before it"
means the terminal ignored the query. Each reply is recorded as the bytes read, with the
milliseconds since the query was written. Nothing here imports mjtui.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import sys
import termios
import time
import tty

# (name, bytes sent). The graphics query is textual-image 0.12's own (a=q, 1x1 RGB pixel).
QUERIES: list[tuple[str, str]] = [
    ("DA1 (CSI c)", "\x1b[c"),
    ("DA2 (CSI > c)", "\x1b[>c"),
    ("XTVERSION (CSI > q)", "\x1b[>q"),
    ("Kitty graphics query (APC G a=q)", "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"),
    ("cell size (CSI 16 t)", "\x1b[16t"),
    ("text area pixels (CSI 14 t)", "\x1b[14t"),
    ("XTSMGRAPHICS colour registers (CSI ? 1;1;0 S)", "\x1b[?1;1;0S"),
    ("XTSMGRAPHICS sixel geometry (CSI ? 2;1;0 S)", "\x1b[?2;1;0S"),
    ("DECRQM synchronized output 2026 (CSI ? 2026 $ p)", "\x1b[?2026$p"),
    ("OSC 11 background colour", "\x1b]11;?\x1b\\"),
]
SENTINEL = "\x1b[c"
TIMEOUT = 2.0  # seconds to wait for the sentinel's answer


def _read_until_da1(fd: int, sent_at: float) -> tuple[list[tuple[float, str]], bool]:
    """Chunks read (ms after sending, text) until a DA1 answer ends the input, or the timeout."""
    chunks: list[tuple[float, str]] = []
    data = b""
    deadline = sent_at + TIMEOUT
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return chunks, False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return chunks, False
        piece = os.read(fd, 4096)
        if not piece:
            return chunks, False
        chunks.append((round((time.monotonic() - sent_at) * 1000, 1),
                       piece.decode("latin-1")))
        data += piece
        # The sentinel's answer: CSI ? ... c at the very end of what arrived.
        tail = data.rsplit(b"\x1b[?", 1)
        if len(tail) == 2 and tail[1].endswith(b"c") and b"\x1b" not in tail[1]:
            return chunks, True


def query_all(fd: int) -> list[dict[str, object]]:
    results = []
    for name, sequence in QUERIES:
        # A quiet start: drain anything left over from the previous query.
        while select.select([fd], [], [], 0.05)[0]:
            os.read(fd, 4096)
        payload = sequence if name.startswith("DA1") else sequence + SENTINEL
        sent_at = time.monotonic()
        os.write(fd, payload.encode())
        chunks, complete = _read_until_da1(fd, sent_at)
        text = "".join(chunk for _, chunk in chunks)
        if not name.startswith("DA1"):
            cut = text.rfind("\x1b[?")
            answer = text[:cut] if complete and cut >= 0 else text
        else:
            answer = text
        results.append({
            "query": name,
            "sent": sequence,
            "answer": answer,
            "answered": bool(answer),
            "first_byte_ms": chunks[0][0] if chunks else None,
            "sentinel_ms": chunks[-1][0] if complete else None,
            "chunks": chunks,
            "complete": complete,
        })
    return results


def main() -> int:
    out = sys.argv[1] if len(sys.argv) > 1 else "-"
    fd = os.open("/dev/tty", os.O_RDWR)
    rows, cols, xpixel, ypixel = struct.unpack(
        "HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        results = query_all(fd)
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
    report = {
        "env": {k: os.environ.get(k, "") for k in ("TERM", "COLORTERM", "TERM_PROGRAM",
                                                    "KITTY_WINDOW_ID", "XTERM_VERSION")},
        "winsize": {"rows": rows, "cols": cols, "xpixel": xpixel, "ypixel": ypixel},
        "queries": results,
    }
    text = json.dumps(report, indent=1)
    if out == "-":
        print(text)
    else:
        with open(out + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
