"""Textual's Linux driver with terminal replies taken out of the input before the parser,
and its output's SGR codes shortened (`SgrCompactor`: the same screen in fewer bytes).

`LinuxDriver.run_input_thread` reads the tty and feeds Textual's parser; this is the same
loop with `ReplyFilter` in between (a late answer to the start-up probe is never a key), and
with what the user typed during the probe fed first, so it is not lost.
"""

from __future__ import annotations

import os
import selectors
import time
from codecs import getincrementaldecoder
from typing import IO, ClassVar

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from mjtui.ui.sgr_compact import SgrCompactor
from mjtui.ui.terminal_replies import ReplyFilter


class CompactingOutput:
    """The terminal as Textual's writer thread sees it: SGR codes shortened on the way out
    (`SgrCompactor`; only that thread writes, so its state needs no lock)."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self._compactor = SgrCompactor()

    def write(self, text: str) -> int:
        return self._file.write(self._compactor.compact(text))

    def flush(self) -> None:
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return self._file.isatty()


class ReplyFilteringDriver(LinuxDriver):
    """A LinuxDriver whose input never carries terminal replies and whose output states
    style changes as differences."""

    typed_during_probe: ClassVar[bytes] = b""  # set by the launcher; consumed once
    answers_due: ClassVar[bool] = False  # the probe stopped waiting before the DA1 answer
    reply_filter: ClassVar[ReplyFilter] = ReplyFilter()  # shared so Diagnostics can count

    def start_application_mode(self) -> None:
        # Every write (frames, images, clipboard, notifications) reaches the terminal through
        # the writer thread this starts; shortening the SGR codes there keeps that work (up
        # to tens of ms for a new full-screen half-cell picture) off the event loop.
        if not isinstance(self._file, CompactingOutput):
            self._file = CompactingOutput(self._file)
        super().start_application_mode()

    def run_input_thread(self) -> None:
        """Wait for input, take out terminal replies, and dispatch events."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        replies = type(self).reply_filter
        replies.expecting = type(self).answers_due
        early, type(self).typed_during_probe = type(self).typed_during_probe, b""

        def dispatch(text: str) -> None:
            if text:
                for event in parser.feed(text):
                    self.process_message(event)

        def process(ready: bool, final: bool = False) -> None:
            now = time.monotonic()
            if ready:
                data = os.read(self.fileno, 1024 * 4)
                if data:
                    dispatch(replies.feed(decode(data, final=final), now))
                else:  # end of input (a pipe): nothing more will come, do not spin
                    self.exit_event.wait(0.1)
            dispatch(replies.flush(now))
            for event in parser.tick():
                self.process_message(event)

        try:
            if early:
                dispatch(replies.feed(early.decode("utf-8", "replace"), time.monotonic()))
            while not self.exit_event.is_set():
                # Poll faster while a possible reply is held or the parser waits to tell the
                # Escape key from a sequence: Escape is then reported 0.1 s after it came,
                # not up to 0.2 s as with a 0.1 s poll.
                waiting = replies.holding or parser._timeout_time is not None
                ready = selector.select(0.02 if waiting else 0.1)
                process(bool(ready))
            selector.unregister(self.fileno)
            process(bool(selector.select(0.1)), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
