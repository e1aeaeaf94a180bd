"""The dashboard's polling keys: pause, refresh now, poll more or less often, the bell."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mjtui.tracker import Tracker
from mjtui.ui.widgets.status_line import StatusLine

INTERVAL_STEPS = (1.0, 2.0, 3.0, 4.0, 5.0, 8.0, 10.0, 15.0, 30.0, 60.0)
Notify = Callable[..., None]  # Textual's notify


class PollingKeys:
    """How often, and whether, the tracker polls; what the status line and the bell say
    about it. It owns whether polling is paused."""

    def __init__(self, tracker: Callable[[], Tracker], status_line: Callable[[], StatusLine], *,
                 notify: Notify, show_paused: Callable[[bool], None],
                 count: Callable[[], int], bell: Any) -> None:
        self.tracker, self.status_line = tracker, status_line
        self.notify, self.show_paused, self.count = notify, show_paused, count
        self.bell = bell  # the app: its `bell_enabled` is what the bell key turns
        self.paused = False

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self.tracker().pause()
        else:
            self.tracker().resume()
        self.show_paused(self.paused)
        self.status_line().paused = self.paused

    def refresh(self) -> None:
        """Poll every tracked task now (finished ones too), and retry a rejected key."""
        self.tracker().refresh()
        self.notify(f"refreshing {self.count()} tasks", timeout=2, markup=False)

    def interval(self, direction: int) -> None:
        current = self.tracker().poll_interval
        if direction > 0:
            new = next((s for s in INTERVAL_STEPS if s > current), INTERVAL_STEPS[-1])
        else:
            new = next((s for s in reversed(INTERVAL_STEPS) if s < current), INTERVAL_STEPS[0])
        self.tracker().poll_interval = new
        self.status_line().interval = self.tracker().poll_interval
        self.notify(f"polling every {new:g}s", timeout=2, markup=False)

    def toggle_bell(self) -> None:
        self.bell.bell_enabled = not self.bell.bell_enabled
        self.notify(f"bell {'on' if self.bell.bell_enabled else 'off'}", timeout=2, markup=False)
