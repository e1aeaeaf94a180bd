"""The top status line: session, counts per status, poll interval, API health.

It owns what it shows, as reactives (the counts, the health, a pending U/V prefix, a
download's progress, ...); the dashboard feeds it. Shown over SSH all day, so it redraws
from one place: once after a change (a burst of changes in one go, such as a batch of poll
answers, draws once), every STATUS_REFRESH seconds for what ages on its own (offline since,
the balance, the day), and writes to the terminal only when its text changes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable

from rich.style import Style
from rich.text import Text
from textual.reactive import var
from textual.widgets import Static

from mjtui.api.models import Status
from mjtui.text import printable
from mjtui.tracker import Health
from mjtui.ui.format import STATUS_COMPONENTS, ago, status_component

STATUS_REFRESH = 0.5  # seconds: what ages on its own is redrawn this often

COUNT_ORDER = (
    Status.IN_PROGRESS, Status.SUBMITTED, Status.NOT_START, Status.MODAL,
    Status.SUCCESS, Status.FAILURE, Status.EXPIRED, Status.FORBIDDEN,
)

# Counts in few letters: the line must hold them at 80 columns (the table says them in full).
COUNT_WORDS: dict[Status, str] = {
    Status.IN_PROGRESS: "run",
    Status.SUBMITTED: "sub",
    Status.NOT_START: "queued",
    Status.MODAL: "input",
    Status.SUCCESS: "done",
    Status.FAILURE: "failed",
    Status.EXPIRED: "expired",
    Status.FORBIDDEN: "forbidden",
}


def plural(count: int, word: str) -> str:
    """`1 task`, `2 tasks`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class StatusLine(Static):
    """One line that says where you are and whether the API is answering."""

    COMPONENT_CLASSES = STATUS_COMPONENTS | {
        "status-line--session", "status-line--ok", "status-line--bad", "status-line--dim",
    }

    # What the line shows. `var`: a change lays nothing out and repaints nothing by itself;
    # the watchers ask for one redraw, which compares and sends only a changed text.
    session_name = var("")
    counts: var[Counter[Status]] = var(Counter)  # replaced, never changed in place
    interval = var(0.0)
    health = var(Health)
    paused = var(False)
    pending_prefix = var("")
    notice = var("")  # e.g. a download's progress
    stalled = var(0)

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, session_name: str = "",
                 interval: float = 0.0, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clock = clock  # the tracker's clock: Health times are measured on it
        self._shown: Text | None = None
        self._drawn: tuple[object, ...] | None = None  # the state the line last showed
        self._redraw_asked = False
        self.session_name = session_name
        self.interval = interval
        # The key's balance as words and the jobs started today, read on each tick (the
        # balance comes and goes with the API, the day ends at midnight).
        self.account: Callable[[], tuple[str, int]] = lambda: ("", 0)

    def on_mount(self) -> None:
        self.set_interval(STATUS_REFRESH, self.redraw)

    def _changed(self) -> None:
        """Something shown changed: one redraw once the current messages are handled, so a
        pressed U shows its prefix at once and a burst of changes draws once."""
        if not self._redraw_asked and self.is_mounted:
            self._redraw_asked = True
            self.call_later(self.redraw)

    watch_session_name = watch_counts = watch_interval = watch_health = _changed
    watch_paused = watch_pending_prefix = watch_notice = watch_stalled = _changed

    def count_change(self, old: Status | None, new: Status | None) -> None:
        """A task went from `old` to `new` (None: it was added, or removed)."""
        counts = Counter(self.counts)
        if old is not None:
            counts[old] -= 1
        if new is not None:
            counts[new] += 1
        self.counts = counts

    def recount(self, statuses: Iterable[Status]) -> None:
        self.counts = Counter(statuses)

    def redraw(self) -> None:
        """Show the current state, if it changed: the one place the line is redrawn.

        Updating the line lays the whole screen out again, so it is skipped when nothing it
        shows changed (the theme included); while the API is not ok it counts time, so then
        it is drawn every time (`show` still sends only a changed text)."""
        self._redraw_asked = False
        args = (self.session_name, +self.counts, self.interval, self.health, self.paused,
                self.pending_prefix, self.notice)
        balance, today = self.account()
        drawn = (*args, self.stalled, self.app.theme, balance, today)
        if drawn == self._drawn and self.health.state == "ok":
            return
        self._drawn = drawn
        self.show(*args, stalled=self.stalled, balance=balance, today=today)

    def show(
        self,
        session_name: str,
        counts: Counter[Status],
        interval: float,
        health: Health,
        paused: bool,
        pending_prefix: str = "",
        notice: str = "",
        *,
        read_only: bool | None = None,
        stalled: int | None = None,
        balance: str = "",
        today: int = 0,
    ) -> None:
        """`balance`: the key's balance as words ("balance 9.85"); `today`: jobs this session
        started today. Both give way to the counts on a narrow terminal, before the cadence."""
        style = self.get_component_rich_style
        line = Text()
        line.append(" mjtui ", style="bold reverse")
        line.append(" ")
        line.append(printable(session_name, limit=30), style=style("status-line--session"))
        if read_only is None:  # the app's settings say, when the caller does not
            read_only = bool(getattr(getattr(self.app, "settings", None), "read_only", False))
        if read_only:
            line.append(" ")
            line.append(" read-only ", style=style("status-line--bad") + Style(reverse=True))
        line.append("  ")
        line.append_text(self._health(health, paused))
        cadence = Text(f" · every {interval:g}s", style=style("status-line--dim"))
        total = sum(counts.values())
        tally = Text(" · " + plural(total, "task"), style=style("status-line--dim"))
        if stalled is None:
            stalled = self.stalled
        for status in COUNT_ORDER:
            if counts.get(status):
                tally.append(" ")
                tally.append(f"{counts[status]} {COUNT_WORDS[status]}",
                             style=style(status_component(status)))
        if stalled:
            tally.append(f" {stalled} stalled ⚠", style=style("status--stalled"))
        # The counts matter more than the cadence (the help screen says it): on a narrow
        # terminal the cadence goes first.
        width = self.size.width
        account = Text(style=style("status-line--dim"))
        if balance:
            account.append(f" · {balance}")
        if today:
            account.append(f" · {today} started today")
        room = width - line.cell_len - tally.cell_len
        if not width or account.cell_len <= room:
            room -= account.cell_len
        else:
            account = Text()
        if not width or cadence.cell_len <= room:
            line.append_text(cadence)
        line.append_text(tally)
        line.append_text(account)
        if notice:
            line.append(f"   {notice}", style="bold")
        if pending_prefix:
            line.append(f"   {pending_prefix.upper()}… press 1-4 (esc cancels)", style="bold")
        if line == self._shown:
            return  # the same text (styles included): nothing to send
        self._shown = line
        # One line high whatever it says (dashboard.tcss): no need to lay the screen out.
        self.update(line, layout=False)

    def _health(self, health: Health, paused: bool) -> Text:
        style = self.get_component_rich_style
        now = self.clock()
        if paused:
            return Text("⏸ paused", style=style("status-line--bad"))
        if health.state == "connecting":  # no answer from the API yet: not "ok"
            return Text("○ connecting", style=style("status-line--dim"))
        if health.state == "ok":
            return Text("● API ok", style=style("status-line--ok"))
        if health.state == "backing_off":
            wait = max(0, int((health.retry_at or now) - now))
            error = health.last_error
            if error is not None and error.kind != "rate_limited":
                return Text(f"◐ API errors ({error.kind}), backing off", style=style("status-line--bad"))
            return Text(f"◐ rate limited, retry in {wait}s", style=style("status-line--bad"))
        if health.state == "offline":
            since = f" since {ago(health.since, now)}" if health.since else ""
            return Text(f"○ offline{since}, retrying", style=style("status-line--bad"))
        if health.state == "auth_failed":
            return Text("✖ API key rejected: press R after fixing it", style=style("status-line--bad"))
        return Text(printable(health.state), style=style("status-line--dim"))
