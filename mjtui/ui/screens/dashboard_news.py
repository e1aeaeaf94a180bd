"""The dashboard's news: a toast (and the bell, and a desktop notification) when a task
reaches a state worth knowing about; a batch's first answers said once, together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from mjtui.api.models import Status
from mjtui.notify import NEWS, JobEvent
from mjtui.session import Session, TrackedTask, modal_time_left
from mjtui.text import printable
from mjtui.ui.catch_up import WAIT as CATCH_UP_WAIT
from mjtui.ui.catch_up import CatchUp
from mjtui.ui.format import display_name

Notify = Callable[..., None]  # Textual's notify: (message, *, title, severity, timeout, markup)


@dataclass
class TaskNews:
    """What the dashboard says when tasks change state. It owns the current CatchUp batch."""

    session: Session
    _: KW_ONLY
    notify: Notify
    ring_bell: Callable[[], None]
    desktop_event: Callable[[JobEvent], None]
    clock: Callable[[], float]
    set_timer: Callable[[float, Callable[[], None]], Any]
    catch_up: CatchUp = field(default_factory=lambda: CatchUp(()), init=False)

    def gather_first_answers(self, task_ids: list[str],
                             title: str = "Since the session was last open") -> None:
        """Say the news in these tasks' first answers once, together (CatchUp); what an
        earlier batch gathered is said now."""
        self.say_catch_up()
        self.catch_up = CatchUp(task_ids, title)
        catch_up = self.catch_up
        self.set_timer(CATCH_UP_WAIT, lambda: self.say_catch_up(catch_up))

    def say_catch_up(self, only: CatchUp | None = None) -> None:
        """One notification for a batch's news (once; `only`: if it is still the batch); a
        single piece of news is said as it would have been alone."""
        if only is not None and only is not self.catch_up:
            return  # a timer of a batch already said
        news = list(self.catch_up.news)
        summary = self.catch_up.summary()
        if summary is None:
            return
        if len(news) == 1:
            status, task_id, _name = news[0]
            tracked = self.session.get(task_id)
            if tracked is not None:
                self._toast(tracked, status)
            return
        title, message, failed = summary
        self.notify(message, title=title, severity="warning" if failed else "information",
                    timeout=10, markup=False)
        self.ring_bell()

    def announce(self, old: TrackedTask, new: Status, *, gathered: bool = False) -> None:
        """Toasts (and the bell) when a task reaches a state worth knowing about; the first
        answers at start are `gathered` into one summary instead (CatchUp)."""
        if old.task.status is new:
            return
        tracked = self.session.get(old.id) or old
        self._notify_desktop(tracked, new)
        if gathered:
            reason = tracked.task.fail_reason if new is Status.FAILURE else ""
            self.catch_up.add(new, tracked.id, printable(display_name(tracked), limit=60),
                              printable(reason, limit=200))
        else:
            self._toast(tracked, new)

    def _toast(self, tracked: TrackedTask, new: Status) -> None:
        name = printable(display_name(tracked), limit=60)
        if new is Status.SUCCESS:
            self.notify(name, title="Finished", markup=False)
            self.ring_bell()
        elif new is Status.FAILURE:
            reason = printable(tracked.task.fail_reason, limit=200)
            self.notify(f"{name}\n{reason or 'no reason given'}", title="Failed",
                        severity="warning", timeout=10, markup=False)
            self.ring_bell()
        elif new is Status.MODAL:
            self.notify(f"{name}\npress m to answer within 30 minutes", title="Needs input",
                        markup=False)
        elif new in (Status.EXPIRED, Status.FORBIDDEN):
            self.notify(f"{name}\n{new.value.lower()}: no longer polled; cached results kept",
                        severity="warning", markup=False)

    def _notify_desktop(self, tracked: TrackedTask, new: Status) -> None:
        """The same news for the desktop, when the window is not in focus (batched)."""
        kind = NEWS.get(new)
        if kind is not None:
            left = modal_time_left(tracked, self.clock()) if kind == "modal" else None
            self.desktop_event(JobEvent(kind, display_name(tracked), left))
