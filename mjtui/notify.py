"""Desktop notifications through the terminal: which sequence, built safely, and batched.

A notification is an escape sequence the program writes; the terminal shows it on the
desktop, and it travels over SSH like any other output:

- OSC 9 (`ESC ] 9 ; text ST`): iTerm2, WezTerm, ghostty; one line of text.
- OSC 99 (`ESC ] 99 ; i=ID:d=0:e=1:p=title ; base64 ST` then the body): kitty's own, with a
  title, an identifier, and a base64 payload, so no text can end the sequence early.
- OSC 777 (`ESC ] 777 ; notify ; title ; body ST`): foot, WezTerm, rxvt-unicode, VTE builds
  carrying the notify patch.

Inside tmux a sequence reaches the outer terminal only wrapped in tmux's passthrough
(`ESC P tmux; ... ESC \\` with every inner ESC doubled) and with `allow-passthrough on`.
Everything else gets the bell. No Textual import: the headless `watch` uses it too.
"""

from __future__ import annotations

import base64
import re
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from mjtui.api.models import Status
from mjtui.known_terminals import identify
from mjtui.text import printable

MODES = ("auto", "osc9", "osc99", "osc777", "bell", "off")
BATCH_SECONDS = 3.0  # news arriving within this long makes one notification
NAME_LIMIT = 60
BODY_NAMES = 4  # names listed in a batched notification before "and N more"

EventKind = Literal["finished", "failed", "modal"]
NEWS: dict[Status, EventKind] = {  # the states a notification is sent for
    Status.SUCCESS: "finished", Status.FAILURE: "failed", Status.MODAL: "modal",
}


@dataclass(frozen=True, slots=True)
class NotifyChoice:
    """How notifications are sent, and why (shown in Diagnostics)."""

    mode: str  # osc9 | osc99 | osc777 | bell | off
    reason: str
    tmux: bool = False  # sequences go through tmux's passthrough
    passthrough: bool | None = None  # tmux's allow-passthrough (None: not in tmux, unknown)

    @property
    def advice(self) -> str:
        """What the user can do about a tmux that eats the sequences ("" if nothing)."""
        if self.tmux and self.passthrough is False:
            return "tmux drops them: run `tmux set -g allow-passthrough on`"
        return ""


# The terminal is recognised from its XTVERSION answer (known_terminals.py) or from what it
# puts in the environment (which, unlike COLORTERM, often survives SSH: LC_TERMINAL is
# forwarded).
def _by_environment(env: Mapping[str, str]) -> tuple[str, str] | None:
    term = env.get("TERM", "")
    program = env.get("TERM_PROGRAM", "").lower()
    if term == "xterm-kitty" or env.get("KITTY_WINDOW_ID"):
        return "osc99", "kitty (TERM / KITTY_WINDOW_ID)"
    if term == "xterm-ghostty" or program == "ghostty":
        return "osc9", "ghostty (TERM / TERM_PROGRAM)"
    if program == "wezterm" or env.get("WEZTERM_PANE"):
        return "osc9", "WezTerm (TERM_PROGRAM / WEZTERM_PANE)"
    if program == "iterm.app" or env.get("LC_TERMINAL") == "iTerm2":
        return "osc9", "iTerm2 (TERM_PROGRAM / LC_TERMINAL)"
    if term.startswith("foot"):
        return "osc777", "foot (TERM)"
    if term.startswith("rxvt-unicode"):
        return "osc777", "rxvt-unicode (TERM; needs its notify extension)"
    return None


def choose_notifier(
    requested: str,
    *,
    env: Mapping[str, str],
    version: str | None = None,
    tmux_passthrough: bool | None = None,
) -> NotifyChoice:
    """Pick the mode from the setting, the terminal's XTVERSION answer and the environment."""
    requested = requested.strip().lower()
    if requested not in MODES:
        raise ValueError(f"unknown notify mode {requested!r}: {', '.join(MODES)}")
    tmux = bool(env.get("TMUX")) or (version or "").lower().startswith("tmux")
    passthrough = tmux_passthrough if tmux else None
    if requested != "auto":
        return NotifyChoice(requested, f"forced (notify = {requested})", tmux, passthrough)
    found: tuple[str, str] | None = None
    if version and not tmux:  # inside tmux the version answer is tmux's own
        terminal, _ = identify(version)
        if terminal is not None and terminal.notify:
            found = terminal.notify, f"{terminal.name} (XTVERSION {printable(version, limit=40)})"
    found = found or _by_environment(env)
    if found is None:
        return NotifyChoice("bell", "the terminal is not known to show desktop notifications",
                            tmux, passthrough)
    mode, terminal = found
    if tmux and passthrough is False:
        return NotifyChoice("bell", f"{terminal}, but tmux's allow-passthrough is off",
                            tmux, passthrough)
    where = " through tmux's passthrough" if tmux else ""
    return NotifyChoice(mode, f"{terminal}{where}", tmux, passthrough)


def tmux_passthrough(env: Mapping[str, str]) -> bool | None:
    """Whether the tmux we run in lets escape sequences through (`allow-passthrough`).

    Asks tmux itself (a local command, not the terminal); None outside tmux or if it
    cannot say."""
    if not env.get("TMUX"):
        return None
    try:
        answer = subprocess.run(
            ["tmux", "show-options", "-gv", "allow-passthrough"],
            capture_output=True, text=True, timeout=2, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = answer.stdout.strip().lower()
    if answer.returncode != 0 or not value:
        return None
    return value in ("on", "all")


def clean(text: str, limit: int = NAME_LIMIT) -> str:
    """One line of plain text: no control characters (C0, C1, DEL), no sequence terminators."""
    # Line breaks become spaces; any other control character is shown as `\x1b` and the
    # like (never sent raw: no text can end the sequence or start another).
    text = " ".join(printable(" ".join(text.split())).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sequence(mode: str, title: str, body: str, *, ident: str = "mjtui") -> str:
    """The escape sequence for one notification (title and body already `clean`)."""
    title, body = clean(title, 120), clean(body, 400)
    if mode == "osc9":
        # "mjtui" first: ConEmu reads `OSC 9 ; <digits> ;` as its own commands.
        return f"\x1b]9;mjtui: {title}: {body}\x1b\\"
    if mode == "osc99":
        ident = re.sub(r"[^A-Za-z0-9_-]", "", ident) or "mjtui"

        def part(kind: str, text: str, done: int) -> str:
            payload = base64.b64encode(text.encode()).decode()
            return f"\x1b]99;i={ident}:d={done}:e=1:p={kind};{payload}\x1b\\"

        return part("title", f"mjtui: {title}", 0) + part("body", body, 1)
    if mode == "osc777":
        return f"\x1b]777;notify;mjtui: {title.replace(';', ',')};{body.replace(';', ',')}\x1b\\"
    if mode == "bell":
        return "\x07"
    return ""


def wrap_for_tmux(text: str) -> str:
    """tmux's passthrough: the sequence inside a DCS, every ESC in it doubled."""
    return "\x1bPtmux;" + text.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def encode(choice: NotifyChoice, title: str, body: str, *, ident: str = "mjtui") -> str:
    """What to write for a notification under `choice` ("" for off)."""
    text = sequence(choice.mode, title, body, ident=ident)
    if text and choice.tmux and choice.mode.startswith("osc"):
        return wrap_for_tmux(text)
    return text


@dataclass(frozen=True, slots=True)
class JobEvent:
    """A job reached a state worth a notification."""

    kind: EventKind
    name: str  # label or prompt, any text (cleaned when shown)
    seconds_left: float | None = None  # MODAL: time left to answer


@dataclass(frozen=True, slots=True)
class Notification:
    title: str
    body: str


_WORDS = {"finished": "finished", "failed": "failed", "modal": "need input"}
_SINGLE = {"finished": "Finished", "failed": "Failed", "modal": "Needs input"}


def summarize(events: list[JobEvent]) -> Notification:
    """One notification for a batch: the job itself, or counts and the first few names."""
    if len(events) == 1:
        event = events[0]
        body = clean(event.name)
        if event.kind == "modal" and event.seconds_left is not None:
            minutes = max(0, int(event.seconds_left // 60))
            body += f" · answer within {minutes} min"
        return Notification(_SINGLE[event.kind], body)
    counts = {kind: sum(e.kind == kind for e in events) for kind in _WORDS}
    title = ", ".join(f"{n} {_WORDS[kind]}" for kind, n in counts.items() if n)
    names = [clean(e.name, 40) for e in events[:BODY_NAMES]]
    more = len(events) - len(names)
    return Notification(title, "; ".join(names) + (f" and {more} more" if more else ""))


@dataclass
class Batcher:
    """Collects events; a batch is due BATCH_SECONDS after its first event."""

    window: float = BATCH_SECONDS
    events: list[JobEvent] = field(default_factory=list)
    first_at: float = 0.0

    def add(self, event: JobEvent, now: float) -> None:
        if not self.events:
            self.first_at = now
        self.events.append(event)

    def due(self, now: float) -> bool:
        return bool(self.events) and now - self.first_at >= self.window

    def take(self) -> Notification | None:
        events, self.events = self.events, []
        return summarize(events) if events else None


class BatchedNotifier:
    """Takes job events and writes one notification per batch, BATCH_SECONDS after its first.

    `schedule(delay, callback)` is the caller's timer (asyncio's `call_later`, Textual's
    `set_timer`); `write(text)` puts the sequence on the terminal, and may decline (a focused
    window) by returning False."""

    def __init__(
        self,
        choice: NotifyChoice,
        write: Callable[[str], object],
        schedule: Callable[[float, Callable[[], None]], object],
        *,
        clock: Callable[[], float] = time.monotonic,
        window: float = BATCH_SECONDS,
    ) -> None:
        self.choice = choice
        self._write, self._schedule, self._clock = write, schedule, clock
        self.batcher = Batcher(window)
        self.sent = 0

    def add(self, event: JobEvent) -> None:
        if self.choice.mode == "off":
            return
        first = not self.batcher.events
        self.batcher.add(event, self._clock())
        if first:
            self._schedule(self.batcher.window, self.flush)

    def flush(self) -> None:
        """Send what is waiting now (the timer calls this; so does the end of a watch)."""
        note = self.batcher.take()
        if note is not None:
            self.send(note)

    def send(self, note: Notification) -> None:
        self.sent += 1
        self._write(encode(self.choice, note.title, note.body, ident=f"mjtui{self.sent}"))
