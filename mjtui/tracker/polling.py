"""The `Tracker`: which tasks to poll when, and what each answer means for the task.

Pure asyncio (no Textual): the UI drives it from a worker with `run()`, the CLI `watch` command
with `run_until_all_final()`, tests with `poll_due()` and a fake clock. It only ever reads
(`source.get_task`, and `source.balance` as a health check); it never submits anything.
Scheduling is a heap with lazy deletion (`schedule.py`), so a poll costs O(log n) however
many tasks are tracked; the polls on their way are `inflight.py`'s, API health `health.py`'s.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Callable, Iterable

from mjtui.api.errors import (
    ApimartError,
    InsecureBaseUrl,
    InvalidTaskId,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from mjtui.api.models import Task, status_after_error
from mjtui.config import STALL_AFTER
from mjtui.tracker.health import HEALTH_CHECK_EVERY, ApiHealth, Health, IdleHealthCheck
from mjtui.tracker.inflight import InFlight
from mjtui.tracker.pacing import Pacing, jittered
from mjtui.tracker.schedule import PollQueue
from mjtui.tracker.updates import TaskEntry, TaskSource, TaskUpdate, outcome_of

logger = logging.getLogger(__name__)

# Errors that retrying cannot fix: the task stops being polled until `refresh()`.
_PERMANENT = (InvalidTaskId, InsecureBaseUrl, ValidationFailed)


class Tracker:
    """Polls tracked tasks until they end, reporting changes through `on_update`."""

    def __init__(
        self,
        source: TaskSource,
        *,
        poll_interval: float = 4.0,
        jitter: float = 0.1,
        max_concurrency: int = 8,
        stall_after: float = STALL_AFTER,
        max_backoff: float = 120.0,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        on_update: Callable[[TaskUpdate], None] | None = None,
        on_health: Callable[[Health], None] | None = None,
        rng: random.Random | None = None,
        health_check_every: float | None = HEALTH_CHECK_EVERY,
    ) -> None:
        self._source = source
        self._clock = clock
        self._pacing = Pacing(poll_interval, jitter=jitter, max_backoff=max_backoff,
                              min_interval=min_interval, rng=rng or random.Random())
        self.stall_after = stall_after  # from the config (`stall_after`)
        self.on_update = on_update
        self._entries: dict[str, TaskEntry] = {}
        self._active: set[str] = set()  # ids still to be polled
        self._queue = PollQueue(self._entries)
        self._inflight = InFlight(max_concurrency)
        self._api = ApiHealth(clock, on_health)
        self._stopping = False
        self._running = False
        self._wake = asyncio.Event()
        self._sleep_until = -math.inf  # the run loop's wake-up time; earlier schedules wake it
        # The idle health check: only for sources that have `balance()`, only with nothing
        # to poll, due `health_check_every` after the last request (at once at start).
        balance = getattr(source, "balance", None) if health_check_every else None
        self._check = IdleHealthCheck(
            balance, health_check_every or HEALTH_CHECK_EVERY, self._api, clock, self._wake,
            lambda: self._stopping, self._pacing) if callable(balance) else None

    # -- tracking ---------------------------------------------------------------------------

    def track(self, task_id: str, last_known: Task | None = None) -> None:
        """Start polling `task_id` now; a final `last_known` is kept but not polled."""
        if task_id in self._entries:
            return
        now = self._clock()
        entry = TaskEntry(task_id, last_known, moved_at=now)
        if last_known is not None:
            entry.mark = (last_known.status, last_known.progress)
        self._entries[task_id] = entry
        if last_known is None or not last_known.status.is_final:
            self._active.add(task_id)
            self._schedule(entry, now)

    def untrack(self, task_id: str) -> None:
        """Forget a task; an answer already on its way is dropped."""
        entry = self._entries.pop(task_id, None)
        if entry is not None:
            entry.seq = -1
            self._active.discard(task_id)
            self._queue.forced.pop(task_id, None)

    @property
    def clock(self) -> Callable[[], float]:
        """The clock every time in TaskUpdate and Health is measured on."""
        return self._clock

    def task(self, task_id: str) -> Task | None:
        """The last known state of a tracked task."""
        entry = self._entries.get(task_id)
        return entry.task if entry else None

    @property
    def tracked_ids(self) -> tuple[str, ...]:
        return tuple(self._entries)

    @property
    def pending_count(self) -> int:
        """Tracked tasks still being polled (not final, no permanent error)."""
        return len(self._active)

    def is_polling(self, task_id: str) -> bool:
        return task_id in self._active

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    @property
    def health(self) -> Health:
        return self._api.health

    @property
    def on_health(self) -> Callable[[Health], None] | None:
        """Called with the new `Health` whenever its state (or 429 retry time) changes."""
        return self._api.on_change

    @on_health.setter
    def on_health(self, callback: Callable[[Health], None] | None) -> None:
        self._api.on_change = callback

    # -- controls ---------------------------------------------------------------------------

    def pause(self) -> None:
        """Poll nothing until `resume()` (answers already on their way are still applied)."""
        self._api.set_paused(True)

    def resume(self) -> None:
        """Undo `pause()` and an auth failure; overdue tasks are polled right away."""
        self._api.paused = False
        self._api.clear_auth()
        self._wake.set()

    def refresh(self, task_ids: Iterable[str] | None = None) -> None:
        """Re-check tasks now (all when None), final ones too, ignoring their backoff.

        Works while paused and clears an auth failure; still honours a 429 pause.
        Unknown ids are ignored.
        """
        ids = self._entries if task_ids is None else task_ids
        for task_id in ids:
            if task_id in self._entries:
                self._queue.force(task_id)
        self._api.clear_auth()
        self._wake.set()

    @property
    def poll_interval(self) -> float:
        return self._pacing.interval

    @poll_interval.setter
    def poll_interval(self, value: float) -> None:
        """Change the cadence; pending due times are rescaled so their spread survives."""
        pacing = self._pacing
        new = pacing.clamp(value)
        if new == pacing.interval:
            return
        ratio, now = new / pacing.interval, self._clock()
        pacing.interval = new
        self._queue.rescale(ratio, now)
        self._wake.set()

    # -- driving ----------------------------------------------------------------------------

    async def poll_due(self) -> float | None:
        """Poll everything due at `clock()` now and wait for the answers.

        Returns the next due time, or None when nothing is scheduled (paused, auth failed,
        all final). Not to be mixed with a concurrent `run()`.
        """
        now = self._clock()
        while True:
            next_due = self._dispatch(now)
            pending = self._pending()
            if not pending:
                return next_due
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)

    async def run(self) -> None:
        """Poll until `stop()`, sleeping until the next due time or an earlier wake-up."""
        await self._loop(None)

    async def run_until_all_final(
        self, task_ids: Iterable[str] | None = None
    ) -> dict[str, Task | None]:
        """Poll until the given (default: all) tasks stop being polled; returns their tasks.

        Tracks ids not yet tracked. Raises `Unauthorized` if the API rejects the key.
        """
        ids = None if task_ids is None else list(dict.fromkeys(task_ids))
        for task_id in ids or ():
            self.track(task_id)

        def done() -> bool:
            if self._api.auth_error is not None:
                raise self._api.auth_error
            return not self._active if ids is None else self._active.isdisjoint(ids)

        await self._loop(done)
        return {i: self.task(i) for i in (self._entries if ids is None else ids)}

    def stop(self) -> None:
        """End `run()` for good; in-flight polls are cancelled."""
        self._stopping = True
        for poll in self._pending():
            poll.cancel()
        self._wake.set()

    async def aclose(self) -> None:
        """`stop()` and wait for cancelled polls to finish (for callers without `run()`)."""
        self.stop()
        await self._cancel_inflight()

    async def _loop(self, done: Callable[[], bool] | None) -> None:
        if self._running:
            raise RuntimeError("the tracker is already running")
        self._running = True
        try:
            while not self._stopping and not (done is not None and done()):
                self._wake.clear()
                next_due = self._dispatch(self._clock())
                if next_due is None or self._inflight.full:
                    self._sleep_until = math.inf  # a finished poll or a control wakes us
                    await self._wake.wait()
                else:
                    self._sleep_until = next_due
                    delay = next_due - self._clock()
                    try:
                        async with asyncio.timeout(max(delay, 0.0)):
                            await self._wake.wait()
                    except TimeoutError:
                        pass
                self._sleep_until = -math.inf
        finally:
            self._running = False
            self._sleep_until = -math.inf
            await self._cancel_inflight()

    def _pending(self) -> list[asyncio.Task[None]]:
        """Every request on its way: task polls and the health check."""
        polls = self._inflight.polls()
        checking = self._check.running if self._check is not None else None
        return polls if checking is None else [*polls, checking]

    async def _cancel_inflight(self) -> None:
        polls = self._pending()
        for poll in polls:
            poll.cancel()
        if polls:
            await asyncio.gather(*polls, return_exceptions=True)

    # -- scheduling -------------------------------------------------------------------------

    def _schedule(self, entry: TaskEntry, due: float) -> None:
        self._queue.push(entry, due)
        if due < self._sleep_until:
            self._wake.set()

    def _dispatch(self, now: float) -> float | None:
        """Start polls that are due at `now`, within the free slots; return the next due time."""
        api = self._api
        if self._stopping or api.auth_error is not None:
            return None
        if api.gate.blocked(now):
            return api.gate.retry_at
        queue, forced = self._queue, self._queue.forced
        while forced and not self._inflight.full:
            entry = queue.pop_forced()
            if entry is not None and entry.task_id not in self._inflight:
                self._start(entry, now)
        if api.paused:
            return now if forced else None
        while not self._inflight.full:
            entry = queue.pop_due(now, self._inflight)
            if entry is None:
                break
            self._start(entry, now)
        next_due = queue.next_due()
        if forced:
            return now
        check_at = self._health_check(now)
        if check_at is None:
            return next_due
        return check_at if next_due is None else min(next_due, check_at)

    def _start(self, entry: TaskEntry, now: float) -> None:
        entry.seq, entry.sent_for = -1, self._pacing.sent_for(entry.due, now)
        poll = asyncio.get_running_loop().create_task(
            self._poll(entry), name=f"mjtui-poll-{entry.task_id}"
        )
        self._inflight.add(entry.task_id, poll)

    def _health_check(self, now: float) -> float | None:
        """The idle health check, when the source has one (see `IdleHealthCheck`)."""
        if self._check is None:
            return None
        idle = not self._active and not self._queue.forced
        return self._check.start_if_due(now, idle=idle, polls_in_flight=bool(self._inflight))

    async def _poll(self, entry: TaskEntry) -> None:
        task_id, answered = entry.task_id, False
        try:
            outcome = await outcome_of(lambda: self._source.get_task(task_id),
                                       f"get_task({task_id})")
            answered = True
            if self._check is not None:
                self._check.postpone(self._clock())  # the API was just asked
            if self._entries.get(task_id) is entry and not self._stopping:
                if isinstance(outcome, ApimartError):
                    self._on_error(entry, outcome, self._clock())
                else:
                    self._on_task(entry, outcome, self._clock())
        finally:
            was_full = self._inflight.full
            self._inflight.discard(task_id)
            if not answered and task_id in self._active and self._entries.get(task_id) is entry:
                self._schedule(entry, self._clock())  # cancelled: ask again next time
            if was_full:
                self._wake.set()

    # -- outcomes ---------------------------------------------------------------------------

    def _on_task(self, entry: TaskEntry, task: Task, now: float) -> None:
        self._api.answered()
        stalled = entry.answered(task, now, self.stall_after)
        if task.status.is_final:
            self._finish(entry)
        else:
            self._active.add(entry.task_id)  # a refreshed task may come back to life
            self._schedule(entry, self._pacing.next_poll(entry.first, entry.sent_for, now))
        entry.first = False
        self._report(entry, task, None, stalled, now)

    def _on_error(self, entry: TaskEntry, exc: ApimartError, now: float) -> None:
        entry.first = False
        status = status_after_error(exc)
        if status is not None:
            self._api.answered()
            entry.failures = 0
            task = (entry.task or Task(id=entry.task_id)).with_status(status, exc.message)
            self._finish(entry)
            self._report(entry, task, None, False, now)
        elif isinstance(exc, Unauthorized):
            self._schedule(entry, now + self._pacing.interval)  # polled again after resume()
            if self._api.auth_failed(exc, now):
                self._wake.set()  # run_until_all_final() raises it
        elif isinstance(exc, RateLimited):
            pacing = self._pacing
            self._api.rate_limited(exc, now, pacing)
            # This task waits out the global pause like everyone, and says so on its row.
            due = now + jittered(pacing.interval, pacing.jitter, pacing.rng)
            self._schedule(entry, max(due, self._api.gate.retry_at))
            self._report(entry, entry.task, exc, entry.stalled, now)
        elif isinstance(exc, _PERMANENT):
            self._finish(entry)
            self._report(entry, entry.task, exc, entry.stalled, now)
        else:
            entry.failures += 1
            self._schedule(entry, self._pacing.retry(entry.failures, now))
            self._api.failed(exc, now)
            self._report(entry, entry.task, exc, entry.stalled, now)

    def _finish(self, entry: TaskEntry) -> None:
        """Stop polling a task (end state or permanent error)."""
        entry.seq = -1
        self._active.discard(entry.task_id)
        self._wake.set()  # run_until_all_final() may be waiting for this one

    def _report(self, entry: TaskEntry, task: Task | None, error: ApimartError | None,
                stalled: bool, now: float) -> None:
        """Store the new state; tell `on_update` if anything the UI shows changed."""
        update = entry.record(task, error, stalled, now, polling=entry.task_id in self._active)
        if update is None or self.on_update is None:
            return
        try:
            self.on_update(update)
        except Exception:
            logger.exception("on_update callback failed")
