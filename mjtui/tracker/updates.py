"""What the tracker knows of each task (`TaskEntry`) and what it reports when that changes
(`TaskUpdate`); `TaskSource` is what it polls, and `outcome_of` turns one request into its
answer or its error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from mjtui.api.errors import ApimartError, BadResponse
from mjtui.api.models import Status, Task

logger = logging.getLogger(__name__)
T = TypeVar("T")


async def outcome_of(request: Callable[[], Awaitable[T]], what: str) -> T | ApimartError:
    """The request's answer, or its error. A bug in the source (any other exception) comes
    back as BadResponse: it must not stop polling. Cancellation still propagates."""
    try:
        return await request()
    except ApimartError as exc:
        return exc
    except Exception as exc:
        logger.debug("%s raised", what, exc_info=True)
        return BadResponse(f"unexpected error: {exc!r}")


class TaskSource(Protocol):
    """Anything that can fetch one task; `ApimartClient` is the real one."""

    async def get_task(self, task_id: str) -> Task: ...


@dataclass(frozen=True, slots=True)
class TaskUpdate:
    """Something about one task changed: its data, its error state or its stalled flag.

    Times are on the tracker's clock (`time.monotonic` by default), comparable with `at`.
    """

    task_id: str
    task: Task | None  # None until the first successful poll when tracked without data
    previous: Task | None
    error: ApimartError | None = None  # the transient/permanent error of the last poll
    failures: int = 0  # consecutive failed polls of this task
    retry_at: float | None = None  # next poll, when `error` is set and it will be retried
    stalled: bool = False  # running, but progress has not moved for `stall_after` seconds
    unchanged_since: float | None = None  # when status/progress last moved (running tasks)
    polling: bool = True  # still scheduled (False at end states and permanent errors)
    at: float = 0.0

    @property
    def retry_in(self) -> float | None:
        """Seconds from this update to the retry ("network error, retrying in 16 s")."""
        return None if self.retry_at is None else max(0.0, self.retry_at - self.at)


@dataclass(slots=True, eq=False)
class TaskEntry:
    """The tracker's mutable bookkeeping for one task."""

    task_id: str
    task: Task | None
    moved_at: float
    due: float = 0.0
    seq: int = -1  # seq of this entry's live heap item; -1: not scheduled (lazy deletion)
    failures: int = 0
    error_key: tuple[str, str, int] | None = None
    stalled: bool = False
    mark: tuple[Status, int] | None = None  # (status, progress) at `moved_at`
    first: bool = True
    sent_for: float = 0.0  # the due time its latest poll was sent for

    def answered(self, task: Task, now: float, stall_after: float) -> bool:
        """Note an answer; True if the task runs but has not moved for `stall_after` s."""
        self.failures = 0
        mark = (task.status, task.progress)
        if mark != self.mark:
            self.mark, self.moved_at = mark, now
            return False
        return task.status.is_running and now - self.moved_at >= stall_after

    def record(self, task: Task | None, error: ApimartError | None, stalled: bool, now: float,
               *, polling: bool) -> TaskUpdate | None:
        """Store a poll's outcome; the `TaskUpdate` to report, or None if nothing the UI
        shows changed."""
        previous = self.task
        key = None if error is None else (error.kind, error.message, self.failures)
        changed = (
            (task is not previous and task != previous)
            or key != self.error_key
            or stalled != self.stalled
        )
        self.task, self.error_key, self.stalled = task, key, stalled
        if not changed:
            return None
        running = task is not None and task.status.is_running
        return TaskUpdate(
            task_id=self.task_id,
            task=task,
            previous=previous,
            error=error,
            failures=self.failures,
            retry_at=self.due if error is not None and polling else None,
            stalled=stalled,
            unchanged_since=self.moved_at if running else None,
            polling=polling,
            at=now,
        )
