"""The dashboard's desktop notifications: batched, and only while the window is not in focus.

Textual turns on focus reporting (`CSI ? 1004 h`); a terminal that supports it says when its
window gains or loses focus, and the app passes that on here. Until the terminal has said
anything, we cannot know, so notifications always go. The bell stays the `bell` setting's
job: in "bell" mode nothing more is rung here, so a finished job never rings twice.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from mjtui.notify import (
    BatchedNotifier,
    JobEvent,
    Notification,
    NotifyChoice,
    choose_notifier,
    tmux_passthrough,
)

if TYPE_CHECKING:
    from textual.app import App


def notify_choice(requested: str, version: str | None) -> NotifyChoice:
    """The dashboard's choice: the setting, the probe's XTVERSION answer, the environment."""
    env = os.environ
    return choose_notifier(requested, env=env, version=version,
                           tmux_passthrough=tmux_passthrough(env))


class DesktopNotifier:
    """Job news for the desktop, written through the app's driver."""

    def __init__(self, app: App[object], choice: NotifyChoice) -> None:
        self.app = app
        self.choice = choice
        self.focused: bool | None = None  # None: the terminal never said
        self.written = 0  # notifications that went out (Diagnostics, tests)
        self._even_if_focused = False  # the palette's test is sent regardless
        self._batches = BatchedNotifier(choice, self._write,
                                        lambda delay, callback: app.set_timer(delay, callback))

    def job_event(self, event: JobEvent) -> None:
        self._batches.add(event)

    def test(self) -> bool:
        """Send a notification now, focused or not; False when there is nothing to send."""
        if self.choice.mode in ("off", "bell"):
            return False
        self._even_if_focused = True
        try:
            self._batches.send(Notification("Test notification", "mjtui can reach your desktop"))
        finally:
            self._even_if_focused = False
        return True

    def _write(self, text: str) -> None:
        if not text or self.choice.mode == "bell":
            return
        if self.focused and not self._even_if_focused:
            return  # the user is looking at the dashboard: its toast says it already
        driver = self.app._driver
        if driver is not None:
            driver.write(text)
            self.written += 1
