"""Running the CLI in-process against the fake on a loopback port (plain imports).

The fixtures `server` and `fake`: a test module imports `server_fixture, fake_fixture` to
use them (named so that the test arguments `server` and `fake` do not shadow an import).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mjtui.cli import main
from mjtui.fake import FakeApimart, LoopbackFakeServer

TOKEN = "sk-fake-token"


def point_at(server: LoopbackFakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeApimart:
    """The environment aimed at `server` (its request log cleared); the fake it serves."""
    server.fake.requests.clear()
    monkeypatch.setenv("APIMART_API_KEY", TOKEN)
    monkeypatch.setenv("APIMART_BASE_URL", server.base_url)
    return server.fake


@pytest.fixture(scope="module", name="server")
def server_fixture() -> Iterator[LoopbackFakeServer]:
    """One fake on a loopback port per test module (jobs queue 0.2 s and run 1 s)."""
    with LoopbackFakeServer(FakeApimart(queue_seconds=0.2, run_seconds=1.0)) as srv:
        yield srv


@pytest.fixture(name="fake")
def fake_fixture(server: LoopbackFakeServer, monkeypatch: pytest.MonkeyPatch,
         isolated_dirs: Path) -> FakeApimart:
    """The shared fake with no faults and a clean log, and the environment pointing at it."""
    server.fake.faults.clear()
    return point_at(server, monkeypatch)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`mjtui ARGV` in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
