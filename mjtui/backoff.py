"""How hard the tracker pushes the API: jittered intervals, per-task backoff, the global 429
gate and the API-wide health that follows from them.

Kept apart from the scheduler (`tracker.py`) so the policy can be read and tested on its own.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mjtui.api.errors import ApimartError, NetworkError, RateLimited

logger = logging.getLogger(__name__)

# 2**30 intervals is far beyond any sensible cap; stops the float from overflowing.
_MAX_DOUBLINGS = 30


def jittered(interval: float, jitter: float, rng: random.Random) -> float:
    """`interval` moved by up to ±`jitter` of itself, so polls of many tasks drift apart."""
    if jitter <= 0:
        return interval
    return interval * (1.0 + rng.uniform(-jitter, jitter))


def spread(interval: float, rng: random.Random) -> float:
    """A delay anywhere in [0.5, 1.5] x interval (mean: one interval).

    Used once, after a task's first poll: a burst of tasks added together is polled at once,
    then fanned out over a whole interval instead of staying in lockstep.
    """
    return interval * rng.uniform(0.5, 1.5)


def backoff_delay(
    interval: float, failures: int, cap: float, jitter: float, rng: random.Random
) -> float:
    """Delay after the `failures`-th failure in a row: interval * 2**failures, capped.

    Jitter only shortens (by up to `jitter`), so the cap is a real ceiling yet tasks that
    failed together do not retry together.
    """
    base = min(cap, interval * 2.0 ** min(max(failures, 0), _MAX_DOUBLINGS))
    if jitter <= 0:
        return base
    return base * (1.0 - jitter * rng.random())


class RateGate:
    """The global pause after a 429: no task is polled before `retry_at`.

    The server's Retry-After wins when given; otherwise the pause grows from `base` by
    doubling on each 429 that arrives after the previous pause ended (429s from requests that
    were already in flight do not grow it), and resets on the next success.
    """

    __slots__ = ("level", "retry_at")

    def __init__(self) -> None:
        self.retry_at: float = -math.inf
        self.level: int = 0

    def blocked(self, now: float) -> bool:
        """True while the pause is on."""
        return now < self.retry_at

    def on_rate_limited(
        self,
        now: float,
        retry_after: float | None,
        *,
        base: float,
        cap: float,
        jitter: float,
        rng: random.Random,
    ) -> float:
        """Record a 429 and return the time polling may start again."""
        if retry_after is not None:
            self.retry_at = max(self.retry_at, now + retry_after)
        elif not self.blocked(now):
            delay = min(cap, base * 2.0 ** min(self.level, _MAX_DOUBLINGS))
            self.level += 1
            # Jitter only lengthens: after a 429, later is always the safer side.
            if jitter > 0:
                delay *= 1.0 + jitter * rng.random()
            self.retry_at = now + delay
        return self.retry_at

    def on_success(self) -> None:
        """A request went through: the next 429 starts the backoff from `base` again."""
        self.level = 0


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

    def rate_limited(
        self,
        error: RateLimited,
        now: float,
        *,
        base: float,
        cap: float,
        jitter: float,
        rng: random.Random,
    ) -> None:
        """A 429: pause everyone (see `RateGate`)."""
        self._rate_error = error
        self.gate.on_rate_limited(
            now, error.retry_after, base=base, cap=cap, jitter=jitter, rng=rng
        )
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
