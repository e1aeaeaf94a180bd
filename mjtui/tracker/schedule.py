"""Which tracked task is polled next: `refresh()` requests first, in order, then the task
due soonest, from a heap of (due, seq, task_id) with lazy deletion, so scheduling costs
O(log n) however many tasks are tracked. Knows nothing of the API."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Container

from mjtui.tracker.updates import TaskEntry


class PollQueue:
    """The due times of the tracker's entries. An entry's `seq` names its one live heap item;
    setting it to -1 unschedules the entry (its items are dropped when they surface)."""

    def __init__(self, entries: dict[str, TaskEntry]) -> None:
        self._entries = entries  # the tracker's own dict: entries come and go there
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self.forced: dict[str, None] = {}  # refresh() requests, in order

    def force(self, task_id: str) -> None:
        """Poll this task before any due one, ignoring its due time."""
        self.forced[task_id] = None

    def pop_forced(self) -> TaskEntry | None:
        """Take the oldest refresh request off the queue (None if its task is gone)."""
        task_id = next(iter(self.forced))
        del self.forced[task_id]
        return self._entries.get(task_id)

    def push(self, entry: TaskEntry, due: float) -> None:
        """(Re)schedule `entry` at `due`; an older item of it becomes dead."""
        entry.due = due
        entry.seq = seq = next(self._seq)
        heapq.heappush(self._heap, (due, seq, entry.task_id))
        if len(self._heap) > 2 * len(self._entries) + 64:  # too many dead items: compact
            self._heap = [(e.due, e.seq, e.task_id) for e in self._entries.values() if e.seq >= 0]
            heapq.heapify(self._heap)

    def rescale(self, ratio: float, now: float) -> None:
        """Stretch every future due time by `ratio` from `now`, so their spread survives."""
        self._heap = []
        for entry in self._entries.values():
            if entry.seq >= 0:
                if entry.due > now:
                    entry.due = now + (entry.due - now) * ratio
                entry.seq = next(self._seq)
                self._heap.append((entry.due, entry.seq, entry.task_id))
        heapq.heapify(self._heap)

    def pop_due(self, now: float, busy: Container[str]) -> TaskEntry | None:
        """Take the earliest entry due at `now` off the queue; None when none is due or the
        earliest one's task is `busy` (its poll still on its way)."""
        heap = self._heap
        while heap:
            item = heap[0]
            if not self._is_live(item):
                heapq.heappop(heap)
            elif item[0] > now or item[2] in busy:
                return None
            else:
                heapq.heappop(heap)
                return self._entries[item[2]]
        return None

    def next_due(self) -> float | None:
        """The earliest due time still scheduled (None: nothing is)."""
        heap = self._heap
        while heap and not self._is_live(heap[0]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def _is_live(self, item: tuple[float, int, str]) -> bool:
        entry = self._entries.get(item[2])
        return entry is not None and entry.seq == item[1]
