"""Tracker tests: a fake clock and a scripted fake source, driven through `poll_due()`.

Only the `run()` tests use the real event loop clock, with intervals of milliseconds.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from collections.abc import Sequence

import httpx
import pytest

from mjtui.api.client import ApimartClient
from mjtui.api.errors import (
    BadResponse,
    Forbidden,
    InvalidTaskId,
    NetworkError,
    NotFound,
    RateLimited,
    RequestTimeout,
    ServerError,
    Unauthorized,
)
from mjtui.api.models import Status, Task
from mjtui.tracker import Health, TaskUpdate, Tracker
from mjtui.tracker.pacing import RateGate, backoff_delay, jittered, spread

Step = Task | Exception


class Clock:
    """A clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class FakeSource:
    """Answers from a per-task script (the last step repeats) and records every call."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or time.monotonic
        self.scripts: dict[str, list[Step]] = {}
        self.calls: list[tuple[str, float]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.hold: asyncio.Event | None = None
        self.cancelled = 0

    def script(self, task_id: str, *steps: Step) -> None:
        self.scripts[task_id] = list(steps)

    def times(self, task_id: str) -> list[float]:
        return [t for i, t in self.calls if i == task_id]

    async def get_task(self, task_id: str) -> Task:
        self.calls.append((task_id, self.clock()))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            for _ in range(3):  # let other polls start, so concurrency shows
                await asyncio.sleep(0)
            if self.hold is not None:
                await self.hold.wait()
            steps = self.scripts.get(task_id) or [running(task_id)]
            step = steps.pop(0) if len(steps) > 1 else steps[0]
            if isinstance(step, Exception):
                raise step
            return step
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1


def running(task_id: str, progress: int = 10, status: Status = Status.IN_PROGRESS) -> Task:
    return Task(id=task_id, status=status, progress=progress)


def done(task_id: str, status: Status = Status.SUCCESS) -> Task:
    return Task(id=task_id, status=status, progress=100, image_urls=("u1", "u2", "u3", "u4"))


def make(
    source: FakeSource, clock: Clock, **kw: object
) -> tuple[Tracker, list[TaskUpdate], list[Health]]:
    updates: list[TaskUpdate] = []
    health: list[Health] = []
    kw.setdefault("rng", random.Random(7))
    tracker = Tracker(
        source,
        clock=clock,
        on_update=updates.append,
        on_health=health.append,
        **kw,  # type: ignore[arg-type]
    )
    return tracker, updates, health


async def drive(tracker: Tracker, clock: Clock, until: float) -> None:
    """Jump the clock from due time to due time, polling, until `until`."""
    while True:
        next_due = await tracker.poll_due()
        if next_due is None or next_due > until:
            clock.t = max(clock.t, until)
            return
        clock.t = max(clock.t, next_due)


def gaps(times: Sequence[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def source(clock: Clock) -> FakeSource:
    return FakeSource(clock)


# -- cadence and end states --------------------------------------------------------------------


async def test_first_poll_is_immediate_then_every_interval_within_jitter(clock, source):
    tracker, _, _ = make(source, clock, poll_interval=4.0, jitter=0.1)
    tracker.track("a")
    await drive(tracker, clock, 60)
    times = source.times("a")
    assert times[0] == 0.0
    assert 2.0 <= times[1] <= 6.0  # the first gap is spread over a whole interval
    assert all(3.6 - 1e-9 <= g <= 4.4 + 1e-9 for g in gaps(times[1:]))
    assert len(set(gaps(times[1:]))) > 1  # jitter really varies


async def test_without_jitter_the_cadence_is_exact(clock, source):
    tracker, _, _ = make(source, clock, poll_interval=4.0, jitter=0.0)
    tracker.track("a")
    await drive(tracker, clock, 30)
    assert gaps(source.times("a")[1:]) == pytest.approx([4.0] * (len(source.times("a")) - 2))


class SlowSource(FakeSource):
    """Takes `latency` seconds of the fake clock to answer."""

    def __init__(self, clock: Clock, latency: float) -> None:
        super().__init__(clock)
        self.latency = latency

    async def get_task(self, task_id: str) -> Task:
        task = await super().get_task(task_id)
        self.clock.t += self.latency  # type: ignore[union-attr]
        return task


# Paced from the due time, not from the answer: 4 s apart however long an answer takes,
# except that an answer slower than half an interval (3 s) still gets 2 s of rest.
@pytest.mark.parametrize(("latency", "gap"), [(0.5, 4.0), (3.0, 5.0)])
async def test_slow_answers_do_not_stretch_the_cadence(clock, latency, gap):
    source = SlowSource(clock, latency=latency)
    tracker, _, _ = make(source, clock, poll_interval=4.0, jitter=0.0)
    tracker.track("a")
    await drive(tracker, clock, 40)
    assert gaps(source.times("a")[1:]) == pytest.approx([gap] * (len(source.times("a")) - 2))


async def test_a_late_poll_is_caught_up_on_by_a_quarter_interval_at_most(clock, source):
    tracker, _, _ = make(source, clock, poll_interval=4.0, jitter=0.0)
    tracker.track("a")
    await drive(tracker, clock, 10)
    clock.t += 60  # the loop was stuck (a suspended laptop): every poll is long overdue
    await drive(tracker, clock, clock.t + 20)
    late = source.times("a").index(clock.t - 20)
    assert gaps(source.times("a")[late:]) == pytest.approx([3.0] + [4.0] * 4)


@pytest.mark.parametrize("status", [Status.SUCCESS, Status.FAILURE])
async def test_polling_stops_at_a_final_status(clock, source, status):
    source.script("a", running("a", 10), running("a", 50), done("a", status))
    tracker, updates, _ = make(source, clock)
    tracker.track("a")
    await drive(tracker, clock, 120)
    assert len(source.calls) == 3
    assert updates[-1].task == done("a", status)
    assert updates[-1].polling is False
    assert not tracker.is_polling("a") and tracker.pending_count == 0
    assert await tracker.poll_due() is None


async def test_a_final_last_known_is_registered_but_not_polled(clock, source):
    tracker, updates, _ = make(source, clock)
    tracker.track("a", last_known=done("a"))
    await drive(tracker, clock, 60)
    assert source.calls == [] and updates == []
    assert tracker.tracked_ids == ("a",) and tracker.task("a") == done("a")


async def test_404_expires_the_task_and_keeps_its_cached_images(clock, source):
    partial = Task(id="a", status=Status.IN_PROGRESS, progress=60, image_urls=("p1", "p2"))
    source.script("a", partial, NotFound("task not found (404)", http_status=404))
    tracker, updates, _ = make(source, clock)
    tracker.track("a")
    await drive(tracker, clock, 60)
    assert len(source.calls) == 2
    last = updates[-1].task
    assert last is not None and last.status is Status.EXPIRED
    assert last.image_urls == ("p1", "p2") and last.progress == 60
    assert last.fail_reason == "task not found (404)"
    assert updates[-1].error is None and not tracker.is_polling("a")


async def test_404_without_anything_cached_gives_a_bare_expired_task(clock, source):
    source.script("a", NotFound("gone"))
    tracker, updates, _ = make(source, clock)
    tracker.track("a")
    await drive(tracker, clock, 60)
    assert [u.task for u in updates] == [Task(id="a", status=Status.EXPIRED, fail_reason="gone")]


async def test_403_marks_the_task_forbidden_and_stops(clock, source):
    source.script("a", Forbidden("not yours", http_status=403))
    tracker, updates, _ = make(source, clock)
    tracker.track("a", last_known=running("a"))
    await drive(tracker, clock, 60)
    assert len(source.calls) == 1
    assert updates[-1].task == running("a").with_status(Status.FORBIDDEN, "not yours")
    assert tracker.pending_count == 0


# -- errors and backoff ------------------------------------------------------------------------


@pytest.mark.parametrize("error", [ServerError, NetworkError, RequestTimeout, BadResponse])
async def test_per_task_backoff_doubles_caps_and_resets(clock, source, error):
    fails = [error(f"boom {error.kind}") for _ in range(6)]
    source.script("a", *fails, running("a"), running("a", 20))
    tracker, updates, _ = make(source, clock, poll_interval=4.0, jitter=0.0, max_backoff=60.0)
    tracker.track("a")
    await drive(tracker, clock, 400)
    times = source.times("a")
    assert gaps(times[:8]) == pytest.approx([8, 16, 32, 60, 60, 60, 4])
    errors = [u for u in updates if u.error is not None]
    assert [u.failures for u in errors] == [1, 2, 3, 4, 5, 6]
    assert errors[0].retry_at == 8.0 and errors[0].retry_in == 8.0
    assert errors[2].retry_in == 32.0
    cleared = updates[len(errors)]
    assert cleared.error is None and cleared.task == running("a")


async def test_backoff_jitter_stays_under_the_cap(clock, source):
    source.script("a", ServerError("x"))
    tracker, _, _ = make(source, clock, poll_interval=4.0, jitter=0.1, max_backoff=30.0)
    tracker.track("a")
    await drive(tracker, clock, 400)
    assert all(g <= 30.0 + 1e-9 for g in gaps(source.times("a")))
    assert max(gaps(source.times("a"))) >= 27.0


async def test_three_network_failures_in_a_row_mean_offline_until_a_success(clock, source):
    for name in "abc":
        source.script(name, NetworkError("no route"), running(name))
    tracker, _, health = make(source, clock, jitter=0.0)
    for name in "abc":
        tracker.track(name)
    await tracker.poll_due()
    assert tracker.health.state == "offline"
    assert isinstance(tracker.health.last_error, NetworkError)
    assert [h.state for h in health] == ["offline"]
    await drive(tracker, clock, 10)
    assert tracker.health.state == "ok" and [h.state for h in health] == ["offline", "ok"]
    assert health[-1].since == 8.0


async def test_permanent_errors_stop_polling_but_are_reported(clock, source):
    source.script("a", InvalidTaskId("bad id"))
    tracker, updates, _ = make(source, clock)
    tracker.track("a")
    await drive(tracker, clock, 60)
    assert len(source.calls) == 1
    assert isinstance(updates[-1].error, InvalidTaskId) and updates[-1].polling is False
    assert updates[-1].retry_at is None


async def test_an_unexpected_exception_counts_as_a_bad_response(clock, source):
    source.script("a", ValueError("bug"), running("a"))
    tracker, updates, _ = make(source, clock, jitter=0.0)
    tracker.track("a")
    await drive(tracker, clock, 20)
    assert isinstance(updates[0].error, BadResponse) and "bug" in updates[0].error.message
    assert updates[-1].error is None and tracker.is_polling("a")


async def test_429_with_retry_after_pauses_every_task_until_then(clock, source):
    source.script("a", RateLimited("slow down", retry_after=30.0), running("a"))
    tracker, _, health = make(source, clock, max_concurrency=1, jitter=0.0)
    for name in "abc":
        tracker.track(name)
    assert await tracker.poll_due() == 30.0
    assert [i for i, _ in source.calls] == ["a"]
    assert tracker.health.state == "backing_off" and tracker.health.retry_at == 30.0
    await drive(tracker, clock, 29.9)
    assert len(source.calls) == 1
    await drive(tracker, clock, 30.0)
    assert sorted(i for i, _ in source.calls[1:]) == ["a", "b", "c"]
    assert all(t == 30.0 for _, t in source.calls[1:])
    assert [h.state for h in health] == ["backing_off", "ok"]


async def test_429_without_retry_after_backs_off_globally_and_grows(clock, source):
    limited = [RateLimited("429") for _ in range(4)]
    source.script("a", *limited, running("a"), RateLimited("429"), running("a"))
    tracker, _, health = make(source, clock, poll_interval=4.0, jitter=0.0, max_backoff=50.0)
    tracker.track("a")
    await drive(tracker, clock, 200)
    times = source.times("a")
    # 8, 16, 32, capped at 50; then a success resets the growth: the next 429 waits 8 again.
    assert gaps(times[:7]) == pytest.approx([8, 16, 32, 50, 4, 8])
    assert [h.retry_at for h in health if h.state == "backing_off"][:2] == [8.0, 24.0]


async def test_429s_already_in_flight_do_not_grow_the_pause(clock, source):
    for name in "abcd":
        source.script(name, RateLimited("429"), running(name))
    tracker, _, _ = make(source, clock, poll_interval=4.0, jitter=0.0)
    for name in "abcd":
        tracker.track(name)
    assert await tracker.poll_due() == 8.0


async def test_401_stops_everything_reports_once_and_resumes_on_request(clock, source):
    source.script("a", Unauthorized("bad key", http_status=401), running("a"))
    tracker, updates, health = make(source, clock, max_concurrency=1)
    tracker.track("a")
    tracker.track("b")
    assert await tracker.poll_due() is None
    await drive(tracker, clock, 100)
    assert [i for i, _ in source.calls] == ["a"]
    assert [h.state for h in health] == ["auth_failed"]
    assert isinstance(tracker.health.last_error, Unauthorized) and updates == []
    tracker.resume()
    await tracker.poll_due()
    assert sorted(i for i, _ in source.calls[1:]) == ["a", "b"]
    assert tracker.health.state == "ok"


# -- what gets reported ------------------------------------------------------------------------


async def test_identical_polls_are_silent(clock, source):
    source.script("a", running("a", 10), running("a", 10), running("a", 10), running("a", 20))
    tracker, updates, _ = make(source, clock, jitter=0.0)
    tracker.track("a")
    await drive(tracker, clock, 20)
    assert len(source.calls) >= 4
    assert [u.task.progress for u in updates if u.task] == [10, 20]
    assert updates[0].previous is None and updates[1].previous == running("a", 10)


async def test_stalled_flag_is_set_after_stall_after_and_cleared_by_progress(clock, source):
    steps = [running("a", 50)] * 8 + [running("a", 60)]
    source.script("a", *steps)
    tracker, updates, _ = make(source, clock, jitter=0.0, stall_after=20.0)
    tracker.track("a")
    await drive(tracker, clock, 60)
    flags = [(u.stalled, u.at) for u in updates]
    assert flags[0] == (False, 0.0)
    assert flags[1][0] is True and 20.0 <= flags[1][1] < 24.0
    assert updates[1].task == running("a", 50) and updates[1].unchanged_since == 0.0
    assert flags[2][0] is False and updates[2].task == running("a", 60)
    assert tracker.is_polling("a")  # stalled is a flag, not a failure


async def test_a_failing_callback_does_not_stop_polling(clock, source, caplog):
    def explode(update: TaskUpdate) -> None:
        raise RuntimeError("ui bug")

    tracker = Tracker(source, clock=clock, on_update=explode, jitter=0.0)
    tracker.track("a")
    source.script("a", running("a", 10), running("a", 20), running("a", 30))
    await drive(tracker, clock, 10)
    assert len(source.calls) == 3 and tracker.task("a") == running("a", 30)
    assert "on_update callback failed" in caplog.text


async def test_tracking_twice_keeps_the_first_registration(clock, source):
    tracker, _, _ = make(source, clock)
    tracker.track("a", last_known=done("a"))
    tracker.track("a")
    assert await tracker.poll_due() is None and tracker.task("a") == done("a")


# -- concurrency, controls ---------------------------------------------------------------------


async def test_concurrency_is_bounded(clock, source):
    tracker, _, _ = make(source, clock, max_concurrency=5)
    for i in range(50):
        tracker.track(f"t{i}")
    await tracker.poll_due()
    assert len(source.calls) == 50
    assert source.max_in_flight == 5


async def test_pause_and_resume(clock, source):
    tracker, _, health = make(source, clock, jitter=0.0)
    tracker.track("a")
    tracker.pause()
    assert await tracker.poll_due() is None and source.calls == []
    assert tracker.health.state == "paused"
    clock.t = 50
    tracker.resume()
    await tracker.poll_due()
    assert source.times("a") == [50.0]
    # Nothing had answered before the pause: "connecting" again until the poll does.
    assert [h.state for h in health] == ["paused", "connecting", "ok"]


async def test_refresh_repolls_a_final_task_even_when_paused(clock, source):
    source.script("a", NotFound("gone"))
    tracker, updates, _ = make(source, clock)
    tracker.track("a", last_known=done("a"))
    tracker.pause()
    tracker.refresh(["a", "unknown"])
    await tracker.poll_due()
    assert len(source.calls) == 1
    assert updates[-1].task == done("a").with_status(Status.EXPIRED, "gone")


async def test_refresh_ignores_backoff(clock, source):
    source.script("a", ServerError("x"), ServerError("x"), running("a"))
    tracker, _, _ = make(source, clock, jitter=0.0)
    tracker.track("a")
    await tracker.poll_due()
    clock.t = 1.0
    await tracker.poll_due()
    assert len(source.calls) == 1  # backing off until 8
    tracker.refresh()
    await tracker.poll_due()
    assert source.times("a") == [0.0, 1.0]


async def test_changing_poll_interval_rescales_and_clamps(clock, source):
    tracker, _, _ = make(source, clock, poll_interval=4.0, jitter=0.0)
    tracker.track("a")
    await drive(tracker, clock, 10)
    before = len(source.calls)
    tracker.poll_interval = 8.0
    await drive(tracker, clock, 80)
    assert gaps(source.times("a")[before:]) == pytest.approx(
        [8.0] * (len(source.calls) - before - 1)
    )
    tracker.poll_interval = 0.01
    assert tracker.poll_interval == 1.0
    tracker.poll_interval = 9999
    assert tracker.poll_interval == 300.0


async def test_shorter_interval_brings_pending_polls_forward(clock, source):
    tracker, _, _ = make(source, clock, poll_interval=100.0, jitter=0.0)
    tracker.track("a")
    next_due = await tracker.poll_due()
    assert next_due is not None and next_due >= 50.0
    tracker.poll_interval = 10.0
    assert await tracker.poll_due() == pytest.approx(next_due / 10)


async def test_untrack_stops_polling(clock, source):
    tracker, _, _ = make(source, clock)
    tracker.track("a")
    tracker.track("b")
    await tracker.poll_due()
    tracker.untrack("a")
    await drive(tracker, clock, 60)
    assert source.times("a") == [0.0]
    assert len(source.times("b")) > 5
    assert tracker.tracked_ids == ("b",)


async def test_an_answer_for_an_untracked_task_is_dropped(clock, source):
    source.hold = asyncio.Event()
    tracker, updates, _ = make(source, clock)
    tracker.track("a")
    polling = asyncio.ensure_future(tracker.poll_due())
    for _ in range(10_000):
        if source.in_flight:
            break
        await asyncio.sleep(0)
    else:
        raise AssertionError("the poll never reached the source")
    tracker.untrack("a")
    source.hold.set()
    assert await polling is None
    assert updates == []


async def test_a_thousand_tasks_are_spread_after_the_first_round(clock, source):
    tracker, _, _ = make(source, clock, poll_interval=4.0, max_concurrency=8)
    for i in range(1000):
        tracker.track(f"t{i}")
    started = time.perf_counter()
    await tracker.poll_due()
    assert len(source.calls) == 1000  # the first round is immediate
    await drive(tracker, clock, 6.0)
    elapsed = time.perf_counter() - started
    seconds: dict[str, float] = {}
    for task_id, t in source.calls[1000:]:
        seconds.setdefault(task_id, t)
    second = list(seconds.values())
    assert len(second) == 1000 and min(second) >= 2.0
    per_half_second = Counter(int(t * 2) for t in second)
    assert max(per_half_second.values()) < 250  # ~125 expected; 1000 if in lockstep
    assert max(Counter(second).values()) <= 2
    assert elapsed < 10  # generous; it is well under a second


# -- the real loop -----------------------------------------------------------------------------


def real_tracker(source: FakeSource, **kw: object) -> Tracker:
    kw.setdefault("poll_interval", 0.01)
    return Tracker(source, min_interval=0.001, **kw)  # type: ignore[arg-type]


async def wait_for(predicate, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.001)


async def test_run_and_stop():
    source = FakeSource()
    tracker = real_tracker(source)
    tracker.track("a")
    runner = asyncio.create_task(tracker.run())
    await wait_for(lambda: len(source.calls) >= 5)
    tracker.stop()
    await asyncio.wait_for(runner, 1.0)
    assert tracker.in_flight == 0


async def test_stop_cancels_a_hanging_poll_cleanly():
    source = FakeSource()
    source.hold = asyncio.Event()  # never set: the request hangs
    tracker = real_tracker(source)
    tracker.track("a")
    runner = asyncio.create_task(tracker.run())
    await wait_for(lambda: source.in_flight == 1)
    tracker.stop()
    await asyncio.wait_for(runner, 1.0)
    assert source.cancelled == 1 and tracker.in_flight == 0
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_cancelling_run_cancels_polls_too():
    source = FakeSource()
    source.hold = asyncio.Event()
    tracker = real_tracker(source)
    tracker.track("a")
    runner = asyncio.create_task(tracker.run())
    await wait_for(lambda: source.in_flight == 1)
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await runner
    assert source.cancelled == 1 and tracker.in_flight == 0 and tracker.is_polling("a")


async def test_run_wakes_early_when_a_task_is_added():
    source = FakeSource()
    tracker = real_tracker(source, poll_interval=300.0)
    runner = asyncio.create_task(tracker.run())
    await asyncio.sleep(0.01)
    tracker.track("a")
    await wait_for(lambda: len(source.calls) == 1, timeout=1.0)
    tracker.stop()
    await runner


async def test_run_until_all_final_returns_the_final_tasks():
    source = FakeSource()
    source.script("a", running("a", 10), running("a", 90), done("a"))
    source.script("b", running("b"), NotFound("gone"))
    tracker = real_tracker(source, max_concurrency=1)
    result = await asyncio.wait_for(tracker.run_until_all_final(["a", "b"]), 2.0)
    assert result["a"] == done("a")
    assert result["b"] == running("b").with_status(Status.EXPIRED, "gone")


async def test_run_until_all_final_raises_on_401():
    source = FakeSource()
    source.script("a", Unauthorized("bad key", http_status=401))
    tracker = real_tracker(source)
    tracker.track("a")
    with pytest.raises(Unauthorized):
        await asyncio.wait_for(tracker.run_until_all_final(), 2.0)


# -- the delay policy --------------------------------------------------------------------------


def test_delay_helpers_stay_in_their_bounds():
    rng = random.Random(1)
    for _ in range(200):
        assert 3.6 <= jittered(4.0, 0.1, rng) <= 4.4
        assert 2.0 <= spread(4.0, rng) <= 6.0
        assert 108.0 <= backoff_delay(4.0, 10, 120.0, 0.1, rng) <= 120.0
    assert backoff_delay(4.0, 10_000, 120.0, 0.0, rng) == 120.0


def test_rate_gate_prefers_retry_after_and_never_shortens():
    gate, rng = RateGate(), random.Random(1)
    assert gate.on_rate_limited(0, 30.0, base=8, cap=120, jitter=0, rng=rng) == 30.0
    assert gate.on_rate_limited(1, 5.0, base=8, cap=120, jitter=0, rng=rng) == 30.0
    assert gate.blocked(29.9) and not gate.blocked(30.0)


# -- health is earned --------------------------------------------------------------------------


class CheckingSource(FakeSource):
    """A FakeSource with the free request the idle health check makes (`balance()`)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.checks: list[float] = []
        self.check_steps: list[object] = []  # the answers to come (last repeats); None: ok

    async def balance(self) -> object:
        self.checks.append(self.clock())
        await asyncio.sleep(0)
        step = (self.check_steps.pop(0) if len(self.check_steps) > 1
                else self.check_steps[0] if self.check_steps else None)
        if isinstance(step, Exception):
            raise step
        return {"remain_balance": 1.0}


@pytest.fixture
def checking(clock: Clock) -> CheckingSource:
    return CheckingSource(clock)


async def test_health_says_connecting_until_the_api_has_answered(clock, source):
    tracker, _, health = make(source, clock, jitter=0.0)
    assert tracker.health.state == "connecting"
    source.script("a", running("a"))
    tracker.track("a")
    await tracker.poll_due()
    assert tracker.health.state == "ok" and [h.state for h in health] == ["ok"]


async def test_before_the_first_answer_one_failure_is_enough(clock, source):
    # Three in a row make an outage once the API has worked (a blip is not one); before
    # anything answered, there is no working state to protect.
    source.script("a", NetworkError("no route"), running("a"), ServerError("HTTP 502"),
                  ServerError("HTTP 502"), running("a"))
    tracker, _, health = make(source, clock, jitter=0.0)
    tracker.track("a")
    await tracker.poll_due()
    assert tracker.health.state == "offline"
    await drive(tracker, clock, 10)
    assert tracker.health.state == "ok"
    await drive(tracker, clock, 30)
    assert [h.state for h in health] == ["offline", "ok"]  # two 502s after it: still ok


async def test_nothing_to_poll_one_check_at_start_then_once_a_minute(clock, checking):
    tracker, _, health = make(checking, clock, jitter=0.0)
    tracker.track("a", last_known=done("a"))
    assert await tracker.poll_due() == 60.0
    assert checking.checks == [0.0] and checking.calls == []
    assert [h.state for h in health] == ["ok"]
    await drive(tracker, clock, 185)
    assert checking.checks == [0.0, 60.0, 120.0, 180.0] and checking.calls == []


async def test_no_check_while_tasks_are_polled_then_a_minute_after_the_last_poll(clock, checking):
    checking.script("a", running("a"), running("a"), done("a"))
    tracker, _, _ = make(checking, clock, poll_interval=4.0, jitter=0.0)
    tracker.track("a")
    await drive(tracker, clock, 30)
    last_poll = checking.times("a")[-1]
    assert len(checking.times("a")) == 3 and checking.checks == []
    await drive(tracker, clock, last_poll + 59.9)
    assert checking.checks == []
    await drive(tracker, clock, last_poll + 61)
    assert checking.checks == [last_poll + 60.0]


async def test_a_failing_check_means_offline_and_retries_sooner(clock, checking):
    checking.check_steps = [NetworkError("refused")] * 3 + [None]
    tracker, _, health = make(checking, clock, poll_interval=4.0, jitter=0.0)
    await drive(tracker, clock, 1)
    assert tracker.health.state == "offline"
    await drive(tracker, clock, 30)
    assert checking.checks == [0.0, 8.0, 24.0]  # backoff from the poll interval, as polls
    assert tracker.health.state == "offline"
    await drive(tracker, clock, 60)
    assert checking.checks[3] == 56.0 and tracker.health.state == "ok"
    assert [h.state for h in health] == ["offline", "ok"]


@pytest.mark.parametrize("answer, state", [
    (NotFound("no such endpoint", http_status=404), "ok"),  # a gateway without /v1/balance
    (Unauthorized("bad key", http_status=401), "auth_failed"),
    (RateLimited("slow down", retry_after=30.0), "backing_off"),
    (ServerError("HTTP 502", http_status=502), "backing_off"),
])
async def test_what_a_check_answer_means(clock, checking, answer, state):
    checking.check_steps = [answer]
    tracker, _, _ = make(checking, clock, jitter=0.0)
    await tracker.poll_due()
    assert tracker.health.state == state


async def test_no_check_while_paused_or_without_a_check_or_when_disabled(clock, checking, source):
    tracker, _, _ = make(checking, clock)
    tracker.pause()
    assert await tracker.poll_due() is None and checking.checks == []
    tracker.resume()
    await tracker.poll_due()
    assert checking.checks == [0.0]
    plain, _, _ = make(source, clock)  # a source without balance(): nothing to ask
    assert await plain.poll_due() is None
    off, _, _ = make(CheckingSource(clock), clock, health_check_every=None)
    assert await off.poll_due() is None and tracker.health.state == "ok"


async def test_run_checks_the_real_client_against_the_fake(tmp_path):
    from mjtui.fake import FakeApimart

    fake = FakeApimart(tokens={"sk-test"})
    client = ApimartClient("sk-test", "http://fake.test", transport=httpx.ASGITransport(app=fake))
    tracker = Tracker(client, health_check_every=0.05)
    runner = asyncio.create_task(tracker.run())
    try:
        await asyncio.wait_for(_until(lambda: len(fake.requests_for("/v1/balance")) >= 2), 5)
    finally:
        tracker.stop()
        await runner
        await client.aclose()
    assert tracker.health.state == "ok"


async def test_a_closed_port_is_never_ok(clock):
    from fault_helpers import fast_client, free_port

    async with fast_client(f"http://127.0.0.1:{free_port()}") as client:
        tracker, _, health = make(client, clock, poll_interval=4.0, jitter=0.0)
        assert tracker.health.state == "connecting"
        await drive(tracker, clock, 1)
        assert tracker.health.state == "offline"
        await drive(tracker, clock, 30)
        assert tracker.health.state == "offline"
        assert isinstance(tracker.health.last_error, NetworkError)
        assert "ok" not in [h.state for h in health]
        tracker.track("task_01CLOSEDPORT")  # a task poll fails the same way
        await drive(tracker, clock, 40)
        assert tracker.health.state == "offline"


async def _until(predicate: object) -> None:
    while not predicate():  # type: ignore[operator]
        await asyncio.sleep(0.01)
