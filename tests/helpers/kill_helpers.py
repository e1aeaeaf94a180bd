"""Running a child that writes files and SIGKILLing it at a random moment (data-safety tests)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Mapping, Sequence


def run_and_kill(argv: Sequence[str], delay: float, env: Mapping[str, str]) -> list[str]:
    """Start `argv`, wait for its READY line, SIGKILL it `delay` seconds later; the complete
    lines it printed after READY (a line cut by the kill does not count)."""
    child = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, env=dict(env))
    try:
        assert child.stdout is not None
        ready = child.stdout.readline()
        assert ready == b"READY\n", child.stderr.read() if child.stderr else b""
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, err.decode()
    return out.decode().split("\n")[:-1]
