"""A fake apimart Midjourney API for tests, benchmarks and the offline demo.

``FakeApimart`` is a pure ASGI app (no Textual, no Starlette): use it in-process
with ``httpx.ASGITransport(app=fake)`` or on a loopback port with
``LoopbackFakeServer`` / ``serve``.  Time is injectable (``FakeClock``), job
state is computed on read, and faults can be injected per path.
"""

from __future__ import annotations

from .app import FakeApimart
from .faults import Fault, RecordedRequest


class FakeClock:
    """A manual clock for ``FakeApimart(clock=...)``: call it for "now", ``advance`` it."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` and return the new time."""
        self.now += seconds
        return self.now

    def set(self, when: float) -> None:
        self.now = float(when)


def __getattr__(name: str) -> object:
    """Lazy imports so ``import mjtui.fake`` does not pull uvicorn in."""
    if name in ("LoopbackFakeServer", "serve"):
        from . import server

        return getattr(server, name)
    if name in ("seed_demo_jobs", "DEMO_TOKEN"):
        from . import demo

        return getattr(demo, name)
    raise AttributeError(name)


__all__ = ["DEMO_TOKEN", "FakeApimart", "FakeClock", "Fault", "LoopbackFakeServer",
           "RecordedRequest", "seed_demo_jobs", "serve"]
