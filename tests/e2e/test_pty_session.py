"""bench/pty_session.py keeps working: the played terminal's answers, and one real pty round
trip (a child that asks DA1 and its cell size). Nothing here is timed."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from pty_session import PROFILES, PtySession, TerminalResponder


def responder(profile: str = "kitty") -> TerminalResponder:
    return TerminalResponder(PROFILES[profile], 120, 40, (10, 20))


def test_every_query_gets_its_answer_even_split_across_reads() -> None:
    term = responder("kitty")
    stream = (b"text\x1b[c\x1b[?2026$p\x1b[?1004$p\x1b[>q\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA"
              b"\x1b\\\x1b[16t\x1b[14t\x1b]11;?\x1b\\\x1b[6n")
    answers = []
    for n in range(0, len(stream), 5):  # five bytes per read: every sequence gets cut
        answers += term.feed(stream[n:n + 5])
    assert answers == [
        b"\x1b[?62;22c", b"\x1b[?2026;2$y", b"\x1b[?1004;0$y", b"\x1bP>|kitty(0.35.2)\x1b\\",
        b"\x1b_Gi=31;OK\x1b\\", b"\x1b[6;20;10t", b"\x1b[4;800;1200t",
        b"\x1b]11;rgb:0000/0000/0000\x1b\\", b"\x1b[1;1R",
    ]


def test_what_differs_between_terminals() -> None:
    sixel, plain = responder("xterm-sixel"), responder("xterm")
    query = b"\x1b_Gi=1,a=q;AAAA\x1b\\\x1b[c\x1b[?1;1;0S"
    assert sixel.feed(query) == [b"\x1b[?63;1;2;4;6;9;15;16;22;28c", b"\x1b[?1;0;256S"]
    assert plain.feed(query) == [b"\x1b[?63;1;2;6;9;15;16;22;28c", b"\x1b[?1;1;0S"]
    # Image data is counted, never answered: only a=q asks for an answer.
    kitty = responder("kitty")
    assert kitty.feed(b"\x1b_Ga=T,f=100,i=5,m=1;" + b"A" * 4000 + b"\x1b\\") == []
    assert kitty.kitty_commands == 1


def test_a_child_in_the_pty_gets_answers_and_its_size() -> None:
    child = textwrap.dedent("""
        import os, sys, termios, tty, fcntl, struct
        rows, cols, w, h = struct.unpack("HHHH", fcntl.ioctl(0, termios.TIOCGWINSZ, bytes(8)))
        tty.setraw(0)
        os.write(1, b"\\x1b[c")
        reply = b""
        while not reply.endswith(b"c"):
            reply += os.read(0, 64)
        os.write(1, f"size={cols}x{rows}:{w}x{h} reply={reply[1:]!r}\\n".encode())
        os.read(0, 1)
    """)
    session = PtySession([sys.executable, "-c", child], profile=PROFILES["xterm-sixel"])
    session.start()
    try:
        assert session.wait_for(b"reply=", timeout=15), bytes(session.output)
        assert session.wait_for(b"\n", since=session.output.find(b"reply="), timeout=5)
        out = bytes(session.output)
        assert b"size=120x40:1200x800" in out and b"?63;1;2;4;" in out
        assert session.total == len(out)
    finally:
        assert session.close(quit_keys=b"x") == 0
