"""Desktop notifications: the bytes per terminal kind, tmux, batching, hostile names, `watch`."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_fixtures import point_at

import mjtui.cli.query
from mjtui.cli import main
from mjtui.cli.arguments import parse_args
from mjtui.config import ConfigError, load_settings
from mjtui.fake import FakeApimart, LoopbackFakeServer
from mjtui.notify import (
    BatchedNotifier,
    JobEvent,
    NotifyChoice,
    choose_notifier,
    clean,
    encode,
    summarize,
)

HOSTILE = "evil\x1b\\\x07\x9c\x1b]52;c;aGk=\x07 prompt;with;semicolons\nand lines"
ST = "\x1b\\"


def osc99_parts(text: str) -> list[tuple[dict[str, str], str]]:
    """Each OSC 99 sequence as (metadata, decoded payload)."""
    parts = []
    for metadata, payload in re.findall(r"\x1b\]99;([^;]*);([^\x1b]*)\x1b\\", text):
        meta = dict(item.split("=", 1) for item in metadata.split(":"))
        parts.append((meta, base64.b64decode(payload).decode()))
    return parts


# -- choosing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "version", "passthrough", "mode", "tmux"),
    [
        ({"TERM": "xterm-kitty"}, "kitty(0.35.2)", None, "osc99", False),
        ({"TERM": "xterm-256color"}, "kitty(0.26.5)", None, "osc99", False),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, None, None, "osc9", False),
        ({"TERM": "xterm-256color"}, "WezTerm 20240203-110809-5046fc22", None, "osc9", False),
        ({"TERM": "xterm-ghostty"}, None, None, "osc9", False),
        ({"TERM": "xterm-256color", "LC_TERMINAL": "iTerm2"}, None, None, "osc9", False),
        ({"TERM": "foot"}, "foot(1.16.2)", None, "osc777", False),
        ({"TERM": "xterm-256color"}, "XTerm(379)", None, "bell", False),
        ({"TERM": "tmux-256color", "TMUX": "/tmp/t,1,0", "KITTY_WINDOW_ID": "1"}, "tmux 3.4",
         True, "osc99", True),
        ({"TERM": "tmux-256color", "TMUX": "/tmp/t,1,0", "KITTY_WINDOW_ID": "1"}, "tmux 3.4",
         False, "bell", True),
        ({"TERM": "screen", "TMUX": "/tmp/t,1,0"}, "tmux 3.4", True, "bell", True),
    ],
)
def test_auto_picks_by_terminal(env: dict[str, str], version: str | None,
                                passthrough: bool | None, mode: str, tmux: bool) -> None:
    choice = choose_notifier("auto", env=env, version=version, tmux_passthrough=passthrough)
    assert (choice.mode, choice.tmux) == (mode, tmux), choice


def test_forced_modes_and_advice() -> None:
    choice = choose_notifier("osc777", env={"TMUX": "x"}, tmux_passthrough=False)
    assert choice.mode == "osc777" and choice.reason == "forced (notify = osc777)"
    assert "allow-passthrough on" in choice.advice
    assert choose_notifier("off", env={}).mode == "off"
    with pytest.raises(ValueError, match="unknown notify mode"):
        choose_notifier("loud", env={})


# -- the bytes -----------------------------------------------------------------------------------


def test_osc9_one_line_and_safe() -> None:
    text = encode(NotifyChoice("osc9", ""), "Finished", HOSTILE)
    assert text.startswith("\x1b]9;mjtui: Finished: evil") and text.endswith(ST)
    assert text.count("\x1b") == 2 and "\x07" not in text and "\x9c" not in text
    assert "\n" not in text


def test_osc99_title_and_body_in_base64_with_one_identifier() -> None:
    text = encode(NotifyChoice("osc99", ""), "Failed", HOSTILE, ident="mjtui7")
    parts = osc99_parts(text)
    assert [meta["p"] for meta, _ in parts] == ["title", "body"]
    assert [meta["d"] for meta, _ in parts] == ["0", "1"]
    assert {meta["i"] for meta, _ in parts} == {"mjtui7"} and parts[0][1] == "mjtui: Failed"
    assert parts[1][1].startswith("evil\\x1b\\\\x07")  # shown literally, inert
    assert text.count("\x1b") == 4  # two sequences, nothing else


def test_osc777_fields_cannot_be_split_by_the_name() -> None:
    text = encode(NotifyChoice("osc777", ""), "Needs input", HOSTILE)
    body = text.removeprefix("\x1b]777;notify;").removesuffix(ST)
    assert body.count(";") == 1 and body.startswith("mjtui: Needs input;evil")
    assert text.count("\x1b") == 2


def test_tmux_passthrough_doubles_every_escape() -> None:
    plain = encode(NotifyChoice("osc9", ""), "Finished", "a fox")
    wrapped = encode(NotifyChoice("osc9", "", tmux=True, passthrough=True), "Finished", "a fox")
    assert wrapped == "\x1bPtmux;" + plain.replace("\x1b", "\x1b\x1b") + ST
    assert encode(NotifyChoice("bell", "", tmux=True), "x", "y") == "\x07"
    assert encode(NotifyChoice("off", ""), "x", "y") == ""


def test_clean_cuts_long_names() -> None:
    assert clean("a " * 100, 20) == "a a a a a a a a a a…"
    assert clean("tab\there") == "tab here"


# -- batching --------------------------------------------------------------------------------


def test_summary_of_one_and_of_many() -> None:
    assert summarize([JobEvent("finished", "a red fox")]).title == "Finished"
    modal = summarize([JobEvent("modal", "vary region", seconds_left=1750)])
    assert modal.body == "vary region · answer within 29 min"
    many = summarize([JobEvent("finished", f"job {n}") for n in range(5)]
                     + [JobEvent("failed", "bad")])
    assert many.title == "5 finished, 1 failed"
    assert many.body == "job 0; job 1; job 2; job 3 and 2 more"


class FakeTimers:
    def __init__(self) -> None:
        self.now = 0.0
        self.pending: list[tuple[float, Callable[[], None]]] = []

    def schedule(self, delay: float, callback: Callable[[], None]) -> None:
        self.pending.append((self.now + delay, callback))

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [cb for at, cb in self.pending if at <= self.now]
        self.pending = [(at, cb) for at, cb in self.pending if at > self.now]
        for callback in due:
            callback()


def test_news_within_the_window_makes_one_notification() -> None:
    timers, written = FakeTimers(), []
    notifier = BatchedNotifier(NotifyChoice("osc777", ""), written.append, timers.schedule,
                               clock=lambda: timers.now)
    for name in ("one", "two", "three"):
        notifier.add(JobEvent("finished", name))
        timers.advance(0.5)
    notifier.add(JobEvent("failed", "four"))
    assert written == []
    timers.advance(2.0)
    assert len(written) == 1 and "3 finished, 1 failed" in written[0]
    notifier.add(JobEvent("modal", "five", 1799))  # a new batch starts its own window
    timers.advance(3.0)
    assert len(written) == 2 and "Needs input;five · answer within 29 min" in written[1]


def test_off_sends_nothing() -> None:
    timers, written = FakeTimers(), []
    notifier = BatchedNotifier(NotifyChoice("off", ""), written.append, timers.schedule)
    notifier.add(JobEvent("finished", "x"))
    timers.advance(10)
    assert written == [] and timers.pending == []


# -- settings and the command line ----------------------------------------------------------


def test_notify_setting(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('notify = "OSC99"\n')
    assert load_settings(env={}, config_path=config).notify == "osc99"
    assert load_settings(env={"MJTUI_NOTIFY": "bell"}, config_path=config).notify == "bell"
    assert load_settings({"notify": "off"}, env={}, config_path=config).notify == "off"
    config.write_text('notify = "loud"\n')
    with pytest.raises(ConfigError, match="notify must be one of auto, osc9"):
        load_settings(env={}, config_path=config)


@pytest.mark.parametrize(
    ("argv", "notify", "ids"),
    [
        (["watch", "--notify", "task_01KKJB9SJAF9J0DBXNTMRGPSGJ"], "on",
         ["task_01KKJB9SJAF9J0DBXNTMRGPSGJ"]),
        (["watch", "task_01KKJB9SJAF9J0DBXNTMRGPSGJ", "--notify", "osc9"], "osc9",
         ["task_01KKJB9SJAF9J0DBXNTMRGPSGJ"]),
        (["--notify", "osc99", "watch", "task_01KKJB9SJAF9J0DBXNTMRGPSGJ"], "osc99",
         ["task_01KKJB9SJAF9J0DBXNTMRGPSGJ"]),
        (["--notify", "off"], "off", []),
    ],
)
def test_notify_on_the_command_line(argv: list[str], notify: str, ids: list[str]) -> None:
    args = parse_args(argv)
    assert args.notify == notify and args.ids == ids


# -- watch --notify against the fake ---------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackFakeServer]:
    with LoopbackFakeServer(FakeApimart(queue_seconds=0.1, run_seconds=0.5)) as srv:
        yield srv


@pytest.fixture
def terminal(server: LoopbackFakeServer, monkeypatch: pytest.MonkeyPatch,
             isolated_dirs: Path) -> list[str]:
    written: list[str] = []
    point_at(server, monkeypatch)
    monkeypatch.setenv("TERM", "xterm-kitty")
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setattr(mjtui.cli.query, "_terminal_writer", lambda: written.append)
    return written


def test_watch_notify_sends_one_batched_notification(
    capsys: pytest.CaptureFixture[str], terminal: list[str]
) -> None:
    ids = []
    for prompt in ("a red fox", "a boxer --fail gore"):
        assert main(["imagine", prompt]) == 0
        ids.append(capsys.readouterr().out.strip())
    code = main(["--poll-interval", "1", "watch", "--notify", *ids])
    out = capsys.readouterr().out
    assert code == 1 and "DONE" in out and "FAILED" in out
    assert "\x1b" not in out  # stdout stays clean for scripts
    assert len(terminal) == 1, terminal
    titles = [payload for meta, payload in osc99_parts(terminal[0]) if meta["p"] == "title"]
    assert titles == ["mjtui: 1 finished, 1 failed"]


def test_watch_without_notify_writes_nothing_to_the_terminal(
    capsys: pytest.CaptureFixture[str], terminal: list[str]
) -> None:
    assert main(["imagine", "a calm sea"]) == 0
    task_id = capsys.readouterr().out.strip()
    assert main(["--poll-interval", "1", "watch", task_id]) == 0
    assert terminal == []


# -- the dashboard ---------------------------------------------------------------------------


async def test_dashboard_notifies_the_desktop_when_not_focused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual import events
    from ui_fixtures import SIZE, make_app, make_env, poll, toasts, track

    from mjtui.ui.desktop_notifier import DesktopNotifier

    env = make_env(tmp_path)
    first = env.create("a lighthouse", run_s=5)
    second = env.create("a boxer\x1b\\ --fail gore", run_s=5)
    third = env.create("a pier", run_s=20)
    app = make_app(env, track(env, first, second, third))
    app.desktop_notifier = DesktopNotifier(app, NotifyChoice("osc777", "test"))
    app.desktop_notifier._batches.batcher.window = 0.05
    async with app.run_test(size=SIZE) as pilot:
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", written.append)
        app.post_message(events.AppBlur())
        await poll(app, pilot)
        await poll(app, pilot, advance=8)  # two jobs end in one poll: one notification
        await pilot.pause(0.2)
        notes = [w for w in written if w.startswith("\x1b]777;")]
        assert len(notes) == 1, written
        assert notes[0].startswith("\x1b]777;notify;mjtui: 1 finished, 1 failed;")
        assert "a lighthouse" in notes[0] and "a boxer\\x1b\\ --fail gore" in notes[0]
        assert notes[0].count("\x1b") == 2  # the hostile prompt ends nothing early
        # Focused: the toast says it, the desktop is left alone.
        app.post_message(events.AppFocus())
        await poll(app, pilot, advance=20)
        await pilot.pause(0.2)
        assert [t for t in toasts(app) if t[1] == "a pier"]
        assert len([w for w in written if w.startswith("\x1b]777;")]) == 1
        # The palette's test goes out even while focused.
        await app.run_action("test_notification")
        assert "Test notification" in written[-1]
