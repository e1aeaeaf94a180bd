"""How polling the API is going as a whole: `Health` (shown in the status bar), `ApiHealth`
that derives it from what polls report, and the idle health check that keeps it true while
nothing is polled. Pure asyncio, no Textual.

Health is earned: it reads "connecting" until the API has answered. With nothing to poll, a
free `balance()` request at start and then once a minute keeps it true.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from mjtui.api.errors import (
    ApimartError,
    BadResponse,
    NetworkError,
    RateLimited,
    ServerError,
    Unauthorized,
)
from mjtui.tracker.pacing import Pacing, RateGate, backoff_delay
from mjtui.tracker.updates import outcome_of

logger = logging.getLogger(__name__)

HEALTH_CHECK_EVERY = 60.0  # seconds without any request before an idle health check
# A health check that ends in one of these did not reach a working API.
_CHECK_FAILURES = (NetworkError, ServerError, BadResponse)

HealthState = Literal["connecting", "ok", "backing_off", "offline", "auth_failed", "paused"]
OFFLINE_AFTER = 3  # consecutive failed polls (across tasks) before the API counts as down


@dataclass(frozen=True, slots=True)
class Health:
    """How polling the API is going as a whole (shown in the status bar).

    "connecting" until the API has answered once: "ok" is earned by an answer, never assumed.
    """

    state: HealthState = "connecting"
    since: float | None = None  # when this state began (tracker clock)
    retry_at: float | None = None  # end of a global 429 pause
    last_error: ApimartError | None = None  # the error behind a non-ok state


class ApiHealth:
    """API-wide state from what polls report: the 429 gate, auth, pause, outage.

    Derives a `Health` after each event and calls `on_change` only when its state or
    retry time changed, so an outage is announced once, not once per failed poll.
    """

    def __init__(
        self, clock: Callable[[], float], on_change: Callable[[Health], None] | None = None
    ) -> None:
        self.clock = clock
        self.on_change = on_change
        self.gate = RateGate()
        self.health = Health()
        self.paused = False
        self.auth_error: ApimartError | None = None
        self._rate_error: ApimartError | None = None
        self._failures_in_row = 0
        self._last_failure: ApimartError | None = None
        self.ever_answered = False

    def answered(self) -> None:
        """The API gave a real answer: the outage is over, and so is the 429 backoff once its
        pause has ended (an answer that arrives during the pause was asked before the 429)."""
        self._failures_in_row = 0
        first, self.ever_answered = not self.ever_answered, True
        if (self._rate_error is not None or self.gate.level) and not self.gate.blocked(
            self.clock()
        ):
            self._rate_error = None
            self.gate.on_success()
        if first or self.health.state in ("offline", "backing_off"):
            self.update()

    def failed(self, error: ApimartError, now: float) -> None:
        """A transient failure (network, 5xx, unreadable answer)."""
        self._failures_in_row += 1
        self._last_failure = error
        self.update(now)

    def rate_limited(self, error: RateLimited, now: float, pacing: Pacing) -> None:
        """A 429: pause everyone (see `RateGate`), from twice the poll interval."""
        self._rate_error = error
        self.gate.on_rate_limited(now, error.retry_after, base=pacing.interval * 2,
                                  cap=pacing.max_backoff, jitter=pacing.jitter, rng=pacing.rng)
        self.update(now)

    def auth_failed(self, error: ApimartError, now: float) -> bool:
        """A 401; True the first time (until `clear_auth`)."""
        if self.auth_error is not None:
            return False
        self.auth_error = error
        self.update(now)
        return True

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.update()

    def clear_auth(self) -> None:
        self.auth_error = None
        self.update()

    def update(self, now: float | None = None) -> None:
        """Recompute the health; announce it if it changed."""
        error: ApimartError | None = None
        retry_at: float | None = None
        state: HealthState = "ok" if self.ever_answered else "connecting"
        if self.auth_error is not None:
            state, error = "auth_failed", self.auth_error
        elif self.paused:
            state = "paused"
        elif self._rate_error is not None:
            state, error, retry_at = "backing_off", self._rate_error, self.gate.retry_at
        elif self._failures_in_row >= OFFLINE_AFTER or (
            self._failures_in_row and not self.ever_answered
        ):
            # Before the first answer one failure is enough: no working state to protect.
            error = self._last_failure
            state = "offline" if isinstance(error, NetworkError) else "backing_off"
        old = self.health
        if state == old.state and retry_at == old.retry_at:
            return
        since = old.since if state == old.state else (self.clock() if now is None else now)
        self.health = Health(state, since, retry_at, error)
        if self.on_change is not None:
            try:
                self.on_change(self.health)
            except Exception:
                logger.exception("on_health callback failed")


class IdleHealthCheck:
    """A free request (`balance()`) that keeps the health true while nothing is polled: at
    start, then `every` seconds after the API was last asked anything; a failed check backs
    off like a failed poll. The tracker says when it is idle; this owns the rest."""

    def __init__(
        self,
        check: Callable[[], Awaitable[object]],
        every: float,
        api: ApiHealth,
        clock: Callable[[], float],
        wake: asyncio.Event,
        stopping: Callable[[], bool],
        pacing: Pacing,
    ) -> None:
        self._check = check
        self._pacing = pacing
        self.every = every
        self._api = api
        self._clock = clock
        self._wake = wake  # set when a check ends: the tracker's loop looks again
        self._stopping = stopping
        self.at = -math.inf  # when the next check is due (at once at start)
        self.failures = 0
        self.running: asyncio.Task[None] | None = None

    def postpone(self, now: float) -> None:
        """The API was just asked something: no check is needed for a while."""
        self.at = now + self.every

    def start_if_due(self, now: float, *, idle: bool, polls_in_flight: bool) -> float | None:
        """Start the check if it is due and the tracker is `idle` (no task to poll, no
        refresh asked); return when it will be due (None: not scheduled, or on its way)."""
        if not idle or self.running is not None:
            return None
        if now < self.at:
            return self.at
        if not polls_in_flight:  # else a refresh of final tasks is on its way: it will tell
            self.start()
        return None

    def start(self) -> None:
        """Send the check now (due, and the tracker is idle)."""
        check = asyncio.get_running_loop().create_task(self._run(),
                                                       name="mjtui-health-check")
        if not check.done():  # an eager task (Python 3.12+) may have finished already
            self.running = check

    async def _run(self) -> None:
        api, pacing, answered = self._api, self._pacing, False
        try:
            outcome = await outcome_of(self._check, "health check")
            error = outcome if isinstance(outcome, ApimartError) else None
            answered = True
            now = self._clock()
            if self._stopping():
                return
            if isinstance(error, _CHECK_FAILURES):
                api.failed(error, now)
                self.failures += 1
                self.at = now + backoff_delay(pacing.interval, self.failures, self.every,
                                              pacing.jitter, pacing.rng)
                return
            if isinstance(error, Unauthorized):
                api.auth_failed(error, now)
            elif isinstance(error, RateLimited):
                api.rate_limited(error, now, pacing)
            else:  # a balance, or a refusal (400, 403, a gateway's 404): the API is there
                api.answered()
            self.failures = 0
            self.at = now + self.every
        finally:
            self.running = None
            if not answered and not self._stopping():
                self.at = -math.inf  # cancelled: ask again next time
            self._wake.set()
