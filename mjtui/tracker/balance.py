"""The key's balance as last read, from one free request shared by two readers.

`BalanceWatch` stands in for the API client as the tracker's source: polls pass through,
and the tracker's idle health check (`balance()`, once a minute with nothing to poll) is
recorded on the way. While tasks run that check does not happen, so the dashboard asks
`refresh_if_due()` once a minute, which reads the balance only when nobody did for a
minute: one balance request a minute at most, never a second poll. After a submission
`refresh()` reads it at once. No Textual here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

from mjtui.api.errors import ApimartError
from mjtui.api.models import Balance, Task

BALANCE_EVERY = 60.0  # seconds between two readings of the balance


class BalanceSource(Protocol):
    async def get_task(self, task_id: str) -> Task: ...

    async def balance(self) -> Balance: ...


class BalanceWatch:
    """The last balance read, when, and a callback when it changes."""

    def __init__(self, source: BalanceSource, *, clock: Callable[[], float] = time.monotonic,
                 on_change: Callable[[Balance], object] | None = None,
                 every: float = BALANCE_EVERY) -> None:
        self.source = source
        self.clock = clock
        self.on_change = on_change
        self.every = every
        self.last: Balance | None = None
        self.read_at = -math.inf
        self.requests = 0  # balance requests sent, for tests and diagnostics

    async def get_task(self, task_id: str) -> Task:
        return await self.source.get_task(task_id)

    async def balance(self) -> Balance:
        """Read the balance (the tracker's health check calls this): errors go to the caller."""
        self.requests += 1
        self.read_at = self.clock()  # asked: an error is not asked again before `every`
        balance = await self.source.balance()
        changed = balance != self.last
        self.last = balance
        if changed and self.on_change is not None:
            self.on_change(balance)
        return balance

    def due(self) -> bool:
        return self.clock() - self.read_at >= self.every

    async def refresh(self) -> Balance | None:
        """Read it now; an error leaves the last value (the tracker reports the API's health)."""
        try:
            return await self.balance()
        except ApimartError:
            return None

    async def refresh_if_due(self) -> Balance | None:
        return await self.refresh() if self.due() else None


def balance_text(balance: Balance | None) -> str:
    """`balance 9.85`, `balance unlimited` (the API's -1), or "" before the first reading."""
    if balance is None:
        return ""
    if balance.unlimited or balance.remaining == -1:
        return "balance unlimited"
    if balance.remaining is None:
        return ""
    return f"balance {balance.remaining:.10g}"
