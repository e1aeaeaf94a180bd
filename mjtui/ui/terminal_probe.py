"""Ask the terminal who it is and what it can draw, in one round trip, before Textual starts.

All queries go out in one write, followed by DA1 (`CSI c`), which every terminal answers and
answers last: terminals reply in order, so once the DA1 answer is in, every other answer that
is coming has come. Over SSH a round trip takes 50-400 ms, so the probe waits for that
sentinel up to a budget (1 s) instead of 0.1 s per query. A terminal that never answers
costs the budget once, and answers that come later are taken out of the input by
`ReplyFilter` in the app's driver, so they never become keys.

Keys typed while the probe waits are not lost: they are handed to the app (`leftover`).
No Textual import.
"""

from __future__ import annotations

import os
import select
import termios
import time
import tty
from codecs import getincrementaldecoder
from collections.abc import Callable
from dataclasses import dataclass, field

from mjtui.ui.terminal_replies import ReplyFilter

QUERY_XTVERSION = "\x1b[>0q"  # the terminal's name and version: DCS > | text ST
# Kitty graphics support: a 1x1 RGB image, query only (a=q): APC G i=31;OK ST if supported.
QUERY_KITTY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
QUERY_CELL_SIZE = "\x1b[16t"  # CSI 6 ; height ; width t, in pixels
QUERY_DA1 = "\x1b[c"  # CSI ? attributes c; 4 in them means Sixel
BUDGET = 1.0  # seconds to wait for the DA1 sentinel: fits an SSH round trip or three


@dataclass(frozen=True, slots=True)
class ProbeAnswers:
    """What the terminal said (None: not asked, or no answer)."""

    answered: bool = False  # the DA1 sentinel came back within the budget
    elapsed: float = 0.0  # seconds spent waiting
    attributes: tuple[int, ...] | None = None  # DA1 parameters
    version: str | None = None  # XTVERSION text, e.g. "kitty(0.26.5)"
    kitty_graphics: bool | None = None  # the graphics query was answered OK
    cell_size: tuple[int, int] | None = None  # (width, height) in pixels
    leftover: bytes = b""  # what the user typed meanwhile, in order
    replies: tuple[str, ...] = field(default=())  # every reply seen, raw, for Diagnostics

    @property
    def sixel(self) -> bool:
        return bool(self.attributes) and 4 in (self.attributes or ())


def queries(*, kitty: bool, cell_size: bool) -> str:
    """The one write the probe sends: XTVERSION, maybe Kitty and cell size, then DA1."""
    parts = [QUERY_XTVERSION]
    if kitty:
        parts.append(QUERY_KITTY)
    if cell_size:
        parts.append(QUERY_CELL_SIZE)
    parts.append(QUERY_DA1)
    return "".join(parts)


def parse_replies(replies: list[str]) -> dict[str, object]:
    """The facts in a list of raw replies (the fields of ProbeAnswers they fill)."""
    facts: dict[str, object] = {}
    for reply in replies:
        if reply.startswith("\x1b[?") and reply.endswith("c"):
            facts["attributes"] = tuple(
                int(part) for part in reply[3:-1].split(";") if part.isdigit()
            )
        elif reply.startswith("\x1bP>|"):
            facts["version"] = reply[4:].removesuffix("\x1b\\").removesuffix("\x07")
        elif reply.startswith("\x1b_G"):
            body = reply[3:].removesuffix("\x1b\\").removesuffix("\x07")
            # Several answers may come (one per query sent); any OK for our id counts.
            ok = body.partition(";")[2] == "OK" and "i=31" in body.partition(";")[0]
            facts["kitty_graphics"] = bool(facts.get("kitty_graphics")) or ok
        elif reply.startswith("\x1b[6;") and reply.endswith("t"):
            _, height, width = reply[2:-1].split(";")
            if int(height) and int(width):
                facts["cell_size"] = (int(width), int(height))
    return facts


def probe(
    fd_in: int,
    fd_out: int,
    *,
    kitty: bool = True,
    cell_size: bool = False,
    budget: float = BUDGET,
    clock: Callable[[], float] = time.monotonic,
    restore: bool = True,
) -> ProbeAnswers:
    """Send the queries and read until the DA1 answer or the budget.

    The terminal is put in cbreak mode without echo while waiting (answers must not show
    on screen); input is never flushed, so nothing the user typed is thrown away. With
    `restore=False` the tty stays so afterwards: an answer arriving after the budget is not
    echoed on the screen before the app takes the tty (the caller restores the mode).
    """
    now = clock
    replies: list[str] = []
    reply_filter = ReplyFilter(on_reply=replies.append)
    decode = getincrementaldecoder("utf-8")(errors="replace").decode
    typed: list[str] = []
    saved = termios.tcgetattr(fd_in)
    started = now()
    answered = False
    try:
        tty.setcbreak(fd_in, termios.TCSANOW)
        os.write(fd_out, queries(kitty=kitty, cell_size=cell_size).encode())
        deadline = started + budget
        while not answered:
            remaining = deadline - now()
            if remaining <= 0:
                break
            ready, _, _ = select.select([fd_in], [], [], remaining)
            if not ready:
                break
            data = os.read(fd_in, 4096)
            if not data:
                break
            typed.append(reply_filter.feed(decode(data), now()))
            answered = any(r.startswith("\x1b[?") and r.endswith("c") for r in replies)
        typed.append(reply_filter.flush(now(), force=True))
    except BaseException:
        termios.tcsetattr(fd_in, termios.TCSANOW, saved)
        raise
    if restore:
        termios.tcsetattr(fd_in, termios.TCSANOW, saved)
    facts = parse_replies(replies)
    return ProbeAnswers(
        answered=answered,
        elapsed=now() - started,
        leftover="".join(typed).encode(),
        replies=tuple(replies),
        **facts,  # type: ignore[arg-type]
    )
