"""Helpers for tests/e2e/test_faults.py (plain imports, not a conftest).

Everything here talks over real loopback sockets: the fake apimart under uvicorn (in a thread,
or in a subprocess when the test measures this process's memory), and a raw asyncio server for
bodies the fake cannot send (chunked without a length, gzip bombs). The tracker runs in real
time (`LiveTracker`); backoff is judged on the arrival times the fake recorded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Self

import httpx

from mjtui.api.client import ApimartClient
from mjtui.api.models import Task
from mjtui.fake import FakeApimart, RecordedRequest
from mjtui.tracker import Health, TaskUpdate, Tracker

TOKEN = "sk-fake-token"
# Small timeouts so a fault costs a test a second, not a minute.
FAST_TIMEOUT = httpx.Timeout(0.5)
FAST_DEADLINE = 1.0
MB = 1024 * 1024


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fast_client(base_url: str, **kw: Any) -> ApimartClient:
    kw.setdefault("timeout", FAST_TIMEOUT)
    kw.setdefault("deadline", FAST_DEADLINE)
    return ApimartClient(TOKEN, base_url, **kw)


async def wait_until(predicate: Callable[[], bool], timeout: float, what: str,
                     step: float = 0.02) -> float:
    """Sleep until `predicate()` holds; returns the monotonic time it did. Fails on timeout."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(step)
    return time.monotonic()


def polls(fake: FakeApimart, task_id: str | None = None) -> list[RecordedRequest]:
    """GETs of the MJ task view the fake saw (one task, or all), by arrival time."""
    prefix = f"/v1/midjourney/{task_id}" if task_id else "/v1/midjourney/task_"
    return sorted(fake.requests_for(prefix, "GET"), key=lambda r: r.monotonic)


def gaps(times: Iterable[float]) -> list[float]:
    ts = sorted(times)
    return [b - a for a, b in itertools.pairwise(ts)]


def in_window(requests: Iterable[RecordedRequest], start: float, end: float
              ) -> list[RecordedRequest]:
    return [r for r in requests if start <= r.monotonic < end]


def backoff_bound(window: float, interval: float, cap: float, first_at: float = 0.0) -> int:
    """Most polls one task may make in `window` seconds when every one fails: the first at
    `first_at`, then after interval*2, *4, ... capped at `cap` (jitter only shortens by 10%)."""
    t, n, failures = first_at, 0, 0
    while t < window:
        n += 1
        failures += 1
        t += 0.9 * min(cap, interval * 2 ** failures)
    return n


@dataclass
class Seen:
    """What a tracker reported: every TaskUpdate and Health, with arrival times."""

    updates: list[tuple[float, TaskUpdate]] = field(default_factory=list)
    healths: list[tuple[float, Health]] = field(default_factory=list)

    def on_update(self, update: TaskUpdate) -> None:
        self.updates.append((time.monotonic(), update))

    def on_health(self, health: Health) -> None:
        self.healths.append((time.monotonic(), health))

    def of(self, task_id: str, since: float = 0.0) -> list[TaskUpdate]:
        return [u for t, u in self.updates if u.task_id == task_id and t >= since]

    def error_kinds(self, task_id: str, since: float = 0.0) -> set[str]:
        return {u.error.kind for u in self.of(task_id, since) if u.error is not None}

    def fresh(self, task_id: str, since: float) -> TaskUpdate | None:
        """The first error-free update with data that arrived after `since`."""
        return next((u for u in self.of(task_id, since)
                     if u.error is None and u.task is not None), None)

    def states(self, since: float = 0.0) -> list[str]:
        return [h.state for t, h in self.healths if t >= since]


class Spy:
    """A task source in front of the client that notes when each poll starts and ends."""

    def __init__(self, client: ApimartClient) -> None:
        self.client = client
        self.started: list[tuple[str, float]] = []
        self.ended: list[tuple[str, float]] = []

    async def get_task(self, task_id: str) -> Task:
        self.started.append((task_id, time.monotonic()))
        try:
            return await self.client.get_task(task_id)
        finally:
            self.ended.append((task_id, time.monotonic()))

    def started_after(self, task_id: str, when: float) -> bool:
        return any(i == task_id and t > when for i, t in self.started)

    def ended_after(self, task_id: str, when: float) -> bool:
        return any(i == task_id and t > when for i, t in self.ended)


class LiveTracker:
    """`async with LiveTracker(client, ids, ...) as (tracker, seen)`: `Tracker.run()` in a task,
    stopped and awaited on exit (a test failure never leaves it polling)."""

    def __init__(self, client: ApimartClient, task_ids: Iterable[str], **kw: Any) -> None:
        self.seen = Seen()
        kw.setdefault("min_interval", 0.05)
        kw.setdefault("poll_interval", 0.2)
        kw.setdefault("jitter", 0.0)
        kw.setdefault("max_backoff", 0.8)
        self.tracker = Tracker(client, on_update=self.seen.on_update,
                               on_health=self.seen.on_health, **kw)
        for task_id in task_ids:
            self.tracker.track(task_id)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> tuple[Tracker, Seen]:
        self._task = asyncio.create_task(self.tracker.run())
        return self.tracker, self.seen

    async def __aexit__(self, *exc: object) -> None:
        self.tracker.stop()
        assert self._task is not None
        await asyncio.wait_for(self._task, 5)


class LoopLag:
    """How late the event loop runs a 20 ms sleep: the worst delay seen while it runs, a
    measure of how long the UI (same loop) could not react to a key."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> Self:
        self._task = asyncio.get_running_loop().create_task(self._probe())
        return self

    async def _probe(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.02)
            self.worst = max(self.worst, time.monotonic() - before - 0.02)

    async def stop(self) -> float:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.worst


# -- raw HTTP/1.1 servers for what the fake cannot do ----------------------------------------


Body = Callable[[], AsyncIterator[bytes]]


class LoopbackServer:
    """An asyncio server on a free loopback port; subclasses answer in `_serve`."""

    _server: asyncio.Server | None = None
    port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class RawServer(LoopbackServer):
    """Answers every request with `head` (status line and headers) and the chunks `body()`
    yields, sent with chunked transfer coding (no Content-Length), then closes. Counts the
    bytes it managed to send, so a test can tell the client stopped reading early."""

    def __init__(self, head: list[tuple[str, str]], body: Body) -> None:
        self.head = head
        self.body = body
        self.sent = 0
        self.requests = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            lines = ["HTTP/1.1 200 OK", *(f"{k}: {v}" for k, v in self.head),
                     "transfer-encoding: chunked", "connection: close"]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            async for chunk in self.body():
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
                self.sent += len(chunk)
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: exactly what the cap should make it do
        finally:
            writer.close()


class HangingUpServer(LoopbackServer):
    """Answers the first `answered` requests on each connection (keep-alive), then reads the
    next one and hangs up without a word: a server whose idle timeout struck just as the
    request went out. Counts connections and the requests it read."""

    def __init__(self, answered: int) -> None:
        self.answered = answered
        self.connections = 0
        self.requests: list[bytes] = []  # each request's method

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            for n in itertools.count():
                head = await reader.readuntil(b"\r\n\r\n")  # bodiless requests only
                self.requests.append(head.split(b" ", 1)[0])
                if n >= self.answered:
                    return
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def repeat(block: bytes, total: int) -> Body:
    """A body of `total` bytes made of `block` over and over (nothing big is allocated)."""

    async def body() -> AsyncIterator[bytes]:
        sent = 0
        while sent < total:
            chunk = block[: total - sent]
            sent += len(chunk)
            yield chunk
            await asyncio.sleep(0)

    return body


# -- the fake in a subprocess, for memory measurements of this process ---------------------


class SubprocessFake:
    """`mjtui fake-server` in a child process (its 50 MB bodies are not our memory)."""

    def __init__(self, *extra: str) -> None:
        self.port = free_port()
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mjtui", "fake-server", "--port", str(self.port),
             "--token", TOKEN, *self.extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"{self.base_url}/_fake/faults", timeout=1).raise_for_status()
                return self
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > end:
                    self.__exit__()
                    raise RuntimeError("the fake-server subprocess did not start") from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def add_fault(self, **fault: Any) -> None:
        httpx.post(f"{self.base_url}/_fake/faults", json=fault, timeout=5).raise_for_status()

    def imagine(self, prompt: str) -> str:
        resp = httpx.post(f"{self.base_url}/v1/midjourney/generations", json={"prompt": prompt},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        return str(resp.json()["data"][0]["task_id"])

    def requests(self) -> list[dict[str, Any]]:
        resp = httpx.get(f"{self.base_url}/_fake/requests", timeout=5)
        return list(json.loads(resp.content)["requests"])


async def timed(awaitable: Awaitable[Any]) -> tuple[float, Any]:
    """(seconds taken, the exception raised or the result)."""
    started = time.monotonic()
    try:
        result: Any = await awaitable
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        result = exc
    return time.monotonic() - started, result
