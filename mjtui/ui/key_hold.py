"""Keys typed after a key that opens an input go into that input, even from the same read.

Textual's driver posts every key of one terminal read to the app at once (a paste without
bracketed paste, a fast typist over SSH, `tmux send-keys -l`), and the app forwards each key
to whatever has focus when the key reaches it. A binding runs only once its key has bubbled
back up to the app, and the focus it gives (`focus()`, `push_screen`) comes later still: so
`/world` opened an empty filter box and ran `w o r l d` as hotkeys on the table (`r` a billed
reroll). `KeyHold` closes the gap: after the app forwards a key whose binding opens an input,
the keys behind it are held until focus has moved, then replayed in order to the new focus.
Behind a key that opens a screen of keys (the actions menu, help...) they are held until the
screen is up, then dropped: nobody saw what they would press. A hold ends after
`HOLD_TIMEOUT` whatever happens, replaying the keys, so none is ever stuck.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Literal

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, TextArea
from textual.worker import Worker

from mjtui.keys import OPENS_INPUT, OPENS_SCREEN

HOLD_TIMEOUT = 1.0  # seconds: far above a dialog's mount time, short enough not to feel stuck
_REMEMBERED = 256  # replayed keys remembered for `was_replayed` (a burst is rarely longer)


def types_text(widget: Widget | None) -> bool:
    """Does this widget take printable keys as text (so no binding sees them)?"""
    if isinstance(widget, TextArea):
        return not widget.read_only
    return isinstance(widget, Input)


Opens = Literal["input", "screen"]


class KeyHold:
    """Holds keys (and pastes) while an input or a screen opens; the app calls it from
    `on_event`, and from the screen-change signal."""

    def __init__(self, app: App[Any], *, timeout: float = HOLD_TIMEOUT) -> None:
        self.app = app
        self.timeout = timeout
        self._held: list[events.Key | events.Paste] = []
        self._opening: Opens | None = None
        self._opened_from: tuple[Screen[Any], Widget | None] | None = None  # focus at the start
        self._timer: Timer | None = None
        self._opener: events.Key | None = None  # the key that started the hold
        self._workers_before: set[Worker[Any]] = set()  # running when the hold started
        self._waiting_on: set[Worker[Any]] = set()  # started by the opener's binding
        self._replayed: deque[events.Key] = deque(maxlen=_REMEMBERED)

    @property
    def holding(self) -> bool:
        return self._opening is not None

    def hold(self, event: events.Key | events.Paste) -> bool:
        """Keep this key or paste while an input or a screen is opening. True if kept."""
        if self._opening is None:
            return False
        self._held.append(event)
        return True

    def opens(self, event: events.Key) -> Opens | None:
        """What the binding of this key, about to be forwarded, opens: an input (or a focus
        move), a screen, or nothing. Mirrors `App._check_bindings`: priority bindings from
        the app down, then the rest from the focus up; the first enabled one wins."""
        app = self.app
        if event.is_printable and types_text(app.focused):
            return None  # typed into the box that has focus: no binding sees it
        screen = app.screen
        chains: list[tuple[bool, list[tuple[DOMNode, Any]]]] = [
            (True, list(reversed(screen._binding_chain))),
            (False, screen._modal_binding_chain),
        ]
        for priority, chain in chains:
            for namespace, bindings in chain:
                for binding in bindings.key_to_bindings.get(event.key, ()):
                    if binding.priority != priority:
                        continue
                    target, name, params = app._parse_action(binding.action, namespace)
                    if target.check_action(name, params):
                        return "input" if name in OPENS_INPUT else \
                            "screen" if name in OPENS_SCREEN else None
        return None

    def start(self, opening: Opens, opener: events.Key) -> None:
        """Hold what comes next, until focus moves (an input) or the screen changes."""
        if self._opening is None:
            self._opening = opening
            self._opener = opener
            self._opened_from = (self.app.screen, self.app.focused)
            self._workers_before = set(self.app.workers)
            self._timer = self.app.set_timer(self.timeout, self.release, name="key-hold")

    def key_done(self, event: events.Key) -> None:
        """A key came back to the app from the focus and its binding has run. If it is the
        one holding and it neither moved focus, changed the screen nor started a worker (to
        push a dialog), it opened nothing after all: replay now rather than at the timeout."""
        if self._opening is None or event is not self._opener:
            return
        self._opener = None
        if (self.app.screen, self.app.focused) != self._opened_from:
            return  # opening: focus_moved or screen_changed ends the hold
        self._waiting_on = {
            w for w in self.app.workers if w not in self._workers_before and not w.is_finished}
        if not self._waiting_on:
            self.release()

    def worker_ended(self, worker: Worker[Any]) -> None:
        """A worker ended: if it is the one the holding key started, and the hold is still
        on, its dialog never came (or is closed already): replay.

        Called from the worker's screen; the replay is run by the app itself, because a key
        posted from a screen's handler stops bubbling at that screen (Textual's rule for a
        message whose sender is the parent) and its binding would never run."""
        self.app.call_next(self._release_after, worker)

    def _release_after(self, worker: Worker[Any]) -> None:
        if self._opening is not None and worker in self._waiting_on:
            self.release()

    def focus_moved(self) -> None:
        """Something got focus: if it is the input that was opening, replay the held keys."""
        if self._opening is None:
            return
        focused = self.app.focused
        if focused is None or (self.app.screen, focused) == self._opened_from:
            return  # a pushed screen not focused yet, or focus back where it was
        self.release(drop=self._opening == "screen")

    def screen_changed(self, screen: Screen[Any]) -> None:
        """A screen was pushed: the keys held behind the key that opened it are dropped.
        (An input on a new screen waits for its focus instead: see `focus_moved`.)"""
        if self._opening == "screen" and self._opened_from and screen is not self._opened_from[0]:
            self.release(drop=True)

    def release(self, *, drop: bool = False) -> None:
        """Replay the held keys, in order, to whatever has focus now (new events: a key
        among them that opens another input starts another hold, which keeps the rest),
        or, with `drop`, let them go and say how many."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._opening = self._opened_from = self._opener = None
        self._workers_before, self._waiting_on = set(), set()
        held, self._held = self._held, []
        if drop:
            if held:
                count = f"{len(held)} key{'s' * (len(held) != 1)}"
                self.app.notify(f"ignored {count} typed before this screen was up",
                                timeout=3, markup=False)
            return
        for event in held:
            if isinstance(event, events.Key):
                replay: events.Key | events.Paste = events.Key(event.key, event.character)
                self._replayed.append(replay)
            else:
                replay = events.Paste(event.text)
            self.app.post_message(replay)

    def was_replayed(self, event: events.Key) -> bool:
        """Was this key held while an input opened? (A billing dialog refuses to submit on
        such an enter: it was typed ahead, before the form was even on screen.)"""
        return any(event is replayed for replayed in self._replayed)


def typed_ahead(app: App[Any], event: events.Key) -> bool:
    """Was this key typed before the input it lands in was on screen (held and replayed)?"""
    hold = getattr(app, "key_hold", None)
    return isinstance(hold, KeyHold) and hold.was_replayed(event)
