"""Running the CLI in-process against the fake on a loopback port (plain imports)."""

from __future__ import annotations

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


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`mjtui ARGV` in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
