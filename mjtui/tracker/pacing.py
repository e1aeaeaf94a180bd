"""How hard the tracker pushes the API: jittered intervals, per-task backoff and the global
429 gate. Kept apart from the scheduler (`polling.py`) so the policy can be read and tested
on its own; the API-wide health that follows from it is in `health.py`.
"""

from __future__ import annotations

import math
import random

from mjtui.config import POLL_MAX

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


class Pacing:
    """The tracker's timing: the poll interval (clamped), jitter, the backoff cap and the
    random source, and the delays that follow from them. One object, shared by the tracker
    and its idle health check, so a new interval reaches both."""

    def __init__(self, interval: float, *, jitter: float, max_backoff: float,
                 min_interval: float, rng: random.Random) -> None:
        self.min_interval = max(1e-6, min_interval)
        self.interval = self.clamp(interval)
        self.jitter = max(0.0, min(jitter, 0.5))
        self.max_backoff = max_backoff
        self.rng = rng

    def clamp(self, value: float) -> float:
        """The interval within the setting's own bounds (an interval set while running too)."""
        return max(self.min_interval, min(POLL_MAX, float(value)))

    def next_poll(self, first: bool, sent_for: float, now: float) -> float:
        """When a task that answered and still runs is polled again."""
        if first:  # fan a burst of new tasks out over a whole interval
            return now + spread(self.interval, self.rng)
        # Paced from when the poll was due, so the time the answer took (and any wait for a
        # free slot) does not stretch every period: one poll per interval. A slow answer
        # still gets half an interval of rest.
        delay = jittered(self.interval, self.jitter, self.rng)
        return max(sent_for + delay, now + delay / 2)

    def retry(self, failures: int, now: float) -> float:
        """When a task whose poll failed `failures` times in a row is polled again."""
        return now + backoff_delay(self.interval, failures, self.max_backoff, self.jitter,
                                   self.rng)

    def sent_for(self, due: float, now: float) -> float:
        """The due time a poll sent at `now` counts for. A poll sent late (no free slot) is
        caught up on by at most a quarter interval, so a long pause or outage does not come
        back as a burst of half-interval polls."""
        return max(min(due, now), now - self.interval / 4)
