"""An unhandled exception in the dashboard exits non-zero, after saving the session and
writing the full trace where the user can find it (issue 11: it exited 0)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from mjtui.cli import main
from mjtui.cli.launch import report_crash, write_crash_file
from mjtui.errors import EXIT_CRASH, EXIT_OK
from mjtui.session import load_session
from mjtui.ui.app import MjtuiApp


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATA", "CACHE", "CONFIG"):
        monkeypatch.setenv(f"MJTUI_{name}_DIR", str(tmp_path / name.lower()))
    monkeypatch.delenv("APIMART_API_KEY", raising=False)
    # No terminal here: the real run() but headless, stopped by the test's own trigger.
    monkeypatch.setattr(MjtuiApp, "run",
                        lambda self: App.run(self, headless=True, size=(120, 40)))
    return tmp_path


def run_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, then: Any) -> int:
    """`mjtui --demo` with `then(app)` called once the dashboard is up."""
    original = MjtuiApp.on_mount

    def on_mount(self: MjtuiApp) -> None:
        original(self)
        self.call_after_refresh(then, self)

    monkeypatch.setattr(MjtuiApp, "on_mount", on_mount)
    return main(["--demo", "--images", "none", "--session", str(tmp_path / "s.toml")])


def test_a_crash_exits_70_saves_the_session_and_says_where_the_trace_is(
        folders: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def crash(app: MjtuiApp) -> None:
        raise AttributeError("'NoneType' object has no attribute 'value'")

    assert run_demo(folders, monkeypatch, crash) == EXIT_CRASH
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("mjtui: crashed (AttributeError: 'NoneType' object has no "
                           "attribute 'value'); full trace in ")
    assert line.endswith("; session saved")
    trace = Path(line.split("full trace in ")[1].split(";")[0])
    assert trace.parent == folders / "cache" and trace.name.startswith("crash-")
    assert stat.S_IMODE(trace.stat().st_mode) == 0o600
    text = trace.read_text()
    assert "Traceback (most recent call last)" in text and "in crash" in text
    assert len(load_session(folders / "s.toml").tasks) > 0  # the demo's jobs were saved


def test_a_normal_quit_still_exits_0(folders: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run_demo(folders, monkeypatch, lambda app: app.exit()) == EXIT_OK
    assert "crashed" not in capsys.readouterr().err
    assert not list((folders / "cache").glob("crash-*"))


def test_the_report_blanks_the_token_and_never_overwrites_an_earlier_trace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = "sk-secret-0123456789"
    try:
        raise RuntimeError(f"bad header Bearer {token}")
    except RuntimeError as exc:
        error = exc
    assert report_crash(error, saved=False, secrets=(token, ""), folder=tmp_path) == EXIT_CRASH
    assert report_crash(error, saved=True, secrets=(token,), folder=tmp_path) == EXIT_CRASH
    err = capsys.readouterr().err
    assert token not in err and "Bearer <token>" in err and "session NOT saved" in err
    files = sorted(tmp_path.glob("crash-*.txt"))
    assert len(files) == 2  # same second: the second one gets its own name
    for file in files:
        assert token not in file.read_text() and "<token>" in file.read_text()


def test_an_unwritable_folder_still_reports_the_crash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError):
        write_crash_file("x", blocker / "sub")
    assert report_crash(ValueError("x"), saved=True, folder=blocker / "sub") == EXIT_CRASH
    assert "trace not written" in capsys.readouterr().err


def test_the_trace_on_the_terminal_shows_no_local_variables(
        folders: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Textual prints its trace with every frame's locals; the client's frames hold the
    Authorization header. Ours shows code, not values."""
    def crash(app: MjtuiApp) -> None:
        headers = {"Authorization": "Bearer sk-" + "secret".upper()}  # the value is not in
        raise RuntimeError(f"boom with {len(headers)} header")  # the source lines shown

    assert run_demo(folders, monkeypatch, crash) == EXIT_CRASH
    err = capsys.readouterr().err
    assert "RuntimeError" in err and "boom with 1 header" in err
    assert "sk-SECRET" not in err
