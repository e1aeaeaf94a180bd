"""Shared fixtures: isolated user folders; a per-test time limit that also ends a stuck
event loop."""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import pytest

# textual-image probes the terminal when first imported. Under pytest there is no terminal
# to ask: fix the cell size and hide stdin before anything imports it.
sys.__stdin__ = None  # type: ignore[misc]
try:
    from textual_image import _terminal

    _terminal.get_cell_size._result = _terminal.CellSize(10, 20)  # type: ignore[attr-defined]
    if hasattr(_terminal, "probe_terminal"):  # 0.14+ caches the whole probe there instead
        _terminal.probe_terminal._result = _terminal.TerminalCapabilities(  # type: ignore
            _terminal.CellSize(10, 20), sixel=False, tgp=False)
except ImportError:  # pragma: no cover - textual-image is a hard dependency
    pass


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point config, data and cache folders into tmp_path; no test touches the real ones,
    and no test picks up a real API key from the environment."""
    for name in ("CONFIG", "DATA", "CACHE"):
        folder = tmp_path / name.lower()
        monkeypatch.setenv(f"MJTUI_{name}_DIR", str(folder))
    for name in ("APIMART_API_KEY", "APIMART_BASE_URL", "MJTUI_POLL_INTERVAL", "MJTUI_IMAGES"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


# -- the time limit (pytest-timeout's `timeout`, see pyproject.toml) -------------------------
# pytest-timeout's signal method raises inside whatever Python code runs when time is up. With
# an event loop waiting for I/O that ends the loop, and the test; but with a task running, the
# task keeps the exception to itself and the app, and the test, go on waiting (issue 18). So
# then the loop is also told to stop, which fails the test ("Event loop stopped before Future
# completed") and lets the run go on. If the test has not unwound UNWIND seconds later,
# pytest-timeout's thread method ends the run, with every thread's stack.
UNWIND = 30.0


def _loop_is_waiting(frame: Any) -> bool:
    """Whether the interrupted code is the event loop's own wait for I/O (no task running)."""
    return frame is not None and frame.f_code.co_filename.endswith("selectors.py")


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # harmless without pytest-timeout
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool | None:
    import pytest_timeout

    if settings.method != "signal" or threading.current_thread() is not threading.main_thread():
        return None  # pytest-timeout's own

    def end_the_run(signum: int, frame: Any) -> None:
        pytest_timeout.timeout_timer(item, settings)  # every stack, then os._exit(1)

    def expired(signum: int, frame: Any) -> None:
        __tracebackhide__ = True
        signal.signal(signal.SIGALRM, end_the_run)
        signal.setitimer(signal.ITIMER_REAL, UNWIND)
        loop = asyncio._get_running_loop()
        if loop is not None and not _loop_is_waiting(frame):
            loop.call_soon_threadsafe(loop.stop)
            terminal = item.config.get_terminal_writer()
            terminal.sep("+", title="Timeout: the event loop is told to stop; its task's stack:")
            terminal.write("".join(traceback.format_stack(frame)))
        pytest_timeout.timeout_sigalrm(item, settings)  # the other stacks, then pytest.fail

    def cancel() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel  # type: ignore[attr-defined]  # what pytest-timeout calls
    signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


# -- slow tests -------------------------------------------------------------------------------
# Whole files whose tests take seconds of wall time each; `pytest -m "not slow"` leaves them
# out for a quick run (CI runs everything). A single slow test elsewhere carries its own mark.
SLOW_FILES = frozenset({
    "test_archive_moves.py", "test_bench_archive_smoke.py", "test_bench_smoke.py",
    "test_crash_exit.py", "test_data_safety.py", "test_packaging.py", "test_pty_session.py",
    "test_real_terminals.py", "test_terminal_probe.py",
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
