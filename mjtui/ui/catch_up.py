"""What happened while the session was closed, said in one notification.

Opening a session polls every task that was still running when it was last saved; their
first answers come in a burst, and a toast each (seven at once for the demo) covered the
table for the length of a toast. Their news is gathered here and said once, when every one
of them has answered or the wait is over. No Textual here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from mjtui.api.models import Status

WAIT = 15.0  # seconds: the summary goes out then even if some tasks never answered

# (status, how it is counted), in the order the summary says them
_SAID = (
    (Status.SUCCESS, "finished"),
    (Status.FAILURE, "failed"),
    (Status.MODAL, "need{s} input (m to answer)"),
    (Status.EXPIRED, "expired"),
    (Status.FORBIDDEN, "not ours"),
)


class CatchUp:
    """The first answers of a batch of tasks (those open at start, or many added at once),
    gathered into one summary."""

    def __init__(self, waiting: Iterable[str], title: str = "Since the session was last open"
                 ) -> None:
        self.waiting = set(waiting)
        self.title = title
        self.news: list[tuple[Status, str, str]] = []  # (new status, task ID, line), in order
        self.said = not self.waiting

    def takes(self, task_id: str) -> bool:
        """True if this answer is a first one at start: its news goes in the summary."""
        if self.said or task_id not in self.waiting:
            return False
        self.waiting.discard(task_id)
        return True

    def forget(self, task_id: str) -> None:
        """A task removed before it answered: not waited for."""
        self.waiting.discard(task_id)

    def add(self, status: Status, task_id: str, name: str, reason: str = "") -> None:
        """News worth saying (a final state or MODAL; a failure with its reason), as one
        line of the summary; anything else is not news. `name` and `reason` are printable."""
        for said, words in _SAID:
            if status is said:
                line = f"{words.format(s='s').split(' (')[0]}: {name}"
                self.news.append((status, task_id, f"{line} · {reason}" if reason else line))

    @property
    def complete(self) -> bool:
        return not self.said and not self.waiting

    def summary(self) -> tuple[str, str, bool] | None:
        """(title, message, has a failure) to say once, or None when nothing is to be said;
        either way it is over: later answers are announced one by one again."""
        if self.said:
            return None
        self.said = True
        if not self.news:
            return None
        counts = Counter(status for status, _, _ in self.news)
        parts = []
        for status, words in _SAID:
            if counts[status]:
                parts.append(f"{counts[status]} {words.format(s='s' if counts[status] == 1 else '')}")
        lines = [line for _, _, line in self.news]
        shown = lines[:3] + ([f"and {len(lines) - 3} more"] if len(lines) > 3 else [])
        message = " · ".join(parts) + "\n" + "\n".join(shown)
        return self.title, message, bool(counts[Status.FAILURE])
