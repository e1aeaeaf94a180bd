"""The polls on their way: at most `limit` at once, one per task."""

from __future__ import annotations

import asyncio


class InFlight:
    """Task id -> its poll (an asyncio task) while the request is on its way."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.limit = limit
        self._polls: dict[str, asyncio.Task[None]] = {}

    def __len__(self) -> int:
        return len(self._polls)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._polls

    @property
    def full(self) -> bool:
        return len(self._polls) >= self.limit

    def add(self, task_id: str, poll: asyncio.Task[None]) -> None:
        # Python 3.12+ under App.run() starts tasks eagerly: a poll the in-process fake
        # answers at once has finished (and cleaned up after itself) before this call.
        if not poll.done():
            self._polls[task_id] = poll

    def discard(self, task_id: str) -> None:
        self._polls.pop(task_id, None)

    def polls(self) -> list[asyncio.Task[None]]:
        return list(self._polls.values())
