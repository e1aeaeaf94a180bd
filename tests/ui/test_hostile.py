"""Hostile data (issue 6): every string the API sends is shown literally everywhere.

Each hostile string is served, through an `httpx.MockTransport`, in every field of the task
JSON at once (prompt, action, fail reason, button labels and customIds) and as a label, an
origin and the session name, then checked in every place it appears: table cells, the detail
pane, the status line, toasts, the dialogs (confirm remove, label, actions menu, MODAL
prompt, lineage, diagnostics), the full-screen preview title, and the CLI (`status`, `status
--json`, `watch`).

What "literally" means, for every place:
- the app is still running (a `[@click=app.quit]` was not obeyed) and nothing on screen is a
  link or carries an `@click` action;
- the visible text holds the literal markup characters, or their printable form (escape
  sequences shown as `\\x1b`...);
- no raw ESC, BEL, NUL, C1 control, bidi control or lone surrogate reaches the rendered
  output (the compositor's lines, the screenshot SVG, CLI stdout);
- the 10,000-character string renders in bounded time and is cut with an ellipsis.

URLs that are not http(s) are never requested, opened or downloaded, and the preview says so.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from image_fixtures import png_bytes
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static, Tree
from ui_fixtures import (
    SIZE,
    TOKEN,
    _plain,
    cell,
    detail_text,
    make_app,
    make_env,
    poll,
    select,
    settle,
    status_text,
    toasts,
    track,
)

import mjtui.cli.run
from mjtui.api.client import ApimartClient
from mjtui.api.models import Task
from mjtui.cli import main
from mjtui.runtime import Backend
from mjtui.session import TrackedTask
from mjtui.text import printable
from mjtui.ui.app import STYLES as STYLES_DIR
from mjtui.ui.app import MjtuiApp
from mjtui.ui.dialogs.confirm import ConfirmDialog
from mjtui.ui.dialogs.label import LabelDialog
from mjtui.ui.dialogs.modal_input import ModalInputDialog

BASE_URL = "http://fake.test"
STYLES = sorted(STYLES_DIR.glob("*.tcss"))
LONG = "a long prompt, " * 666 + "END"  # 10,000 characters, no escapes

HOSTILE: dict[str, str] = {
    "click": "[@click=app.quit]x[/]",
    "link": "[link=file:///etc/passwd]y[/link]",
    "bold": "[b]bold[/b]",
    "ansi": "\x1b[31mred\x1b[0m",
    "osc52": "\x1b]52;c;aGVsbG8=\x07",
    "osc8": "\x1b]8;;https://evil.test/\x1b\\click me\x1b]8;;\x1b\\",
    "bidi": "\u202eevil\u202c",
    "nul": "a\x00b",
    "long": LONG,
    "zwj": "👩\u200d👩\u200d👧",
    "cjk": "日本語のプロンプト",
    "variable": "$accent",
    "c1": "8-bit \x9b31m CSI \x9d0;title\x9c",
    "surrogate": "half \ud83d an emoji",
}
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

NOT_HTTP = [
    "file:///etc/passwd",
    "javascript:alert(1)",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
    "ftp://x/grid.png",
]

# Task IDs: valid (no whitespace or control characters), one per role.
DONE, FAILED, CHILD, MODAL = (  # task IDs by the contract: task_ + 16-40 letters, digits
    "task_01KHOSTILEDONE0000", "task_01KHOSTILEFAILED00", "task_01KHOSTILECHILD000",
    "task_01KHOSTILEMODAL000")
# A customId the button catalogue does not know: shown as it is, by name.
UNKNOWN_BUTTON = "MJ::JOB::weird::1::"


def acts_on_terminal(char: str) -> bool:
    """What a terminal may obey (C0/C1 controls, bidi and other format controls, line and
    paragraph separators) or cannot be sent at all (lone surrogates). ZWJ and VS16 are fine."""
    category = unicodedata.category(char)
    return char != "\n" and (category in ("Cc", "Cs", "Zl", "Zp") or char in BIDI or (
        category == "Cf" and char not in "\u200d\ufe0f"))


def assert_clean(text: str, where: str = "") -> None:
    """No character a terminal would act on (newlines apart: they join rendered lines)."""
    bad = sorted({c for c in text if not c.isprintable() and acts_on_terminal(c)})
    assert not bad, f"raw control characters {bad!r} reach {where or 'the output'}"
    text.encode("utf-8")  # a lone surrogate would crash the terminal writer


def detail_rows(detail: str) -> dict[str, str]:
    """The first line of each `Key  value` row of the detail pane's grid."""
    rows: dict[str, str] = {}
    for line in detail.splitlines():
        for key in ("Label", "Action", "Made by", "Reason", "Parent", "Children", "Buttons"):
            if line.startswith(key + " ") and key not in rows:
                rows[key] = line[len(key):].strip()
    return rows


def plain(value: Any) -> str:
    """The plain text of a Content, a rich Text or a str."""
    return value if isinstance(value, str) else str(getattr(value, "plain", value))


def shown(value: str, limit: int = 24) -> str:
    """A distinctive prefix of how `value` must look on screen (printable form)."""
    return printable(value)[:limit]


class _Body(httpx.AsyncByteStream):
    """A response body that is streamed, not pre-read (the client reads raw, capped)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data


def respond(status: int, body: bytes, content_type: str = "application/json") -> httpx.Response:
    return httpx.Response(status, stream=_Body(body), headers={
        "content-type": content_type, "content-length": str(len(body))})


class HostileApi:
    """Serves task JSON verbatim and logs every URL it is asked for."""

    def __init__(self) -> None:
        self.tasks: dict[str, dict[str, Any]] = {}
        self.seen: list[str] = []
        self.image = b""
        self.new_ids: list[str] = []  # what POSTs answer, in order

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.seen.append(url)
        path = request.url.path
        if request.method == "GET" and path.startswith("/v1/midjourney/"):
            task_id = unquote(path.rsplit("/", 1)[-1])
            if task_id in self.tasks:
                # ensure_ascii: a lone surrogate travels as `\ud83d`, as a real server may send.
                return respond(200, json.dumps(self.tasks[task_id], ensure_ascii=True).encode())
            return respond(404, b'{"code": 3, "description": "task not found"}')
        if request.method == "POST" and "/generations" in path:
            new_id = self.new_ids.pop(0)
            body = {"code": 200, "data": [{"task_id": new_id, "status": "SUBMITTED"}]}
            return respond(200, json.dumps(body, ensure_ascii=True).encode())
        if request.method == "GET" and self.image:
            return respond(200, self.image, "image/png")
        return respond(404, b'{"code": 3, "description": "not here"}')

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def non_api(self) -> list[str]:
        return [u for u in self.seen if "/v1/" not in u]


def task_json(task_id: str, text: str, status: str = "SUCCESS", **extra: Any) -> dict[str, Any]:
    """A task whose every text field is `text`."""
    data: dict[str, Any] = {
        "id": task_id,
        "status": status,
        "progress": "100%" if status == "SUCCESS" else "40%",
        "action": text,
        "prompt": text,
        "fail_reason": text if status == "FAILURE" else "",
        "submit_time": 1_767_225_500_000,
        "buttons": [
            {"customId": "MJ::JOB::upsample::1::abc", "label": text},
            {"customId": "MJ::JOB::reroll::0::abc::SOLO", "label": "", "emoji": text},
            {"customId": UNKNOWN_BUTTON + text[:100], "label": ""},
        ] if status == "SUCCESS" else [],
    }
    data.update(extra)
    return data


def hostile_app(tmp_path: Path, text: str) -> tuple[MjtuiApp, HostileApi]:
    """The dashboard on a MockTransport that serves `text` in every field."""
    env = make_env(tmp_path)
    api = HostileApi()
    api.tasks[DONE] = task_json(DONE, text)
    api.tasks[FAILED] = task_json(FAILED, text, "FAILURE")
    api.tasks[CHILD] = task_json(CHILD, text, "IN_PROGRESS")
    api.tasks[MODAL] = task_json(MODAL, text, "MODAL")
    session = env.session()
    for n, (task_id, label, parent, origin) in enumerate([
        (DONE, "", "", "added"), (FAILED, text, "", "added"), (CHILD, "", DONE, text),
        (MODAL, "", "", "added"),
    ]):
        session.add(TrackedTask(task=Task(id=task_id), label=label, parent_id=parent,
                                origin=origin, added_at=env.clock() - 100 + n))
    session.name = text
    app = make_app(env, session)
    app.backend.client.http._transport = api.transport()
    return app, api


def assert_screen_inert(app: App[Any], where: str) -> str:
    """The screen as text: clean, and no segment is a link or an action."""
    assert app.is_running and app.return_code is None, f"the app quit ({where})"
    lines = []
    for strip in app.screen._compositor.render_strips():
        lines.append(strip.text)
        for segment in strip:
            if segment.style is not None:
                assert not segment.style.link, f"a link on screen ({where})"
                assert "@click" not in (segment.style.meta or {}), f"an action ({where})"
    text = "\n".join(lines)
    assert_clean(text, where)
    return text


def assert_literal(haystack: str, text: str, where: str, *, limit: int = 24,
                   upper: bool = False) -> None:
    """The printable form of `text` (its start: long text is cut) is in `haystack`."""
    expected = shown(text.upper() if upper else text, limit)
    flat = haystack.replace("\n", "")
    assert expected in flat, f"{expected!r} not shown literally in {where}: {haystack[:300]!r}"


class DialogHost(App[None]):
    """A bare app with mjtui's dialog styles: renders dialogs the dashboard built."""

    CSS_PATH = STYLES


async def render_dialogs(dialogs: list[Screen[Any]], text: str) -> None:
    """Push each dialog the dashboard built on a bare app; check what it shows."""
    host = DialogHost()
    async with host.run_test(size=SIZE) as pilot:
        for dialog in dialogs:
            host.push_screen(dialog)
            await pilot.pause()
            where = type(dialog).__name__
            if isinstance(dialog, ConfirmDialog):
                body = plain(dialog.query_one("#body", Static).content)
                assert_literal(body, text, f"{where} body")
            else:
                value = dialog.query_one("#label, #prompt", Input).value
                assert_clean(value, f"{where} prefill")
                assert_literal(value, text, f"{where} prefill")
            assert_screen_inert(host, where)
            host.pop_screen()
        await pilot.pause()
        assert host.is_running and host.return_code is None


# -- the dashboard, each hostile string in every place ------------------------------------------


@pytest.mark.parametrize("key", list(HOSTILE))
async def test_dashboard_shows_hostile_text_literally(tmp_path: Path, key: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Table, detail pane, status line, toasts and the dialogs built from one task."""
    text = HOSTILE[key]
    app, api = hostile_app(tmp_path, text)
    dialogs: list[Screen[Any]] = []

    async def capture(screen: Screen[Any], *args: Any, **kwargs: Any) -> None:
        dialogs.append(screen)  # answered "cancel"; rendered below, on a bare app

    monkeypatch.setattr(app, "push_screen_wait", capture)
    started = time.monotonic()
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await settle(pilot)
        dashboard = app.dashboard

        # The table: name (prompt or label) and action cells.
        for task_id in (DONE, FAILED, CHILD, MODAL):
            name = cell(app, task_id, "name")
            assert_clean(name, f"name cell of {task_id}")
            assert_literal(name, text, f"name cell of {task_id}")
            assert len(name) <= 200
            action = cell(app, task_id, "action")
            assert_clean(action, "action cell")
            # Nine columns wide: a prefix of the printable form, cut with … (never mid-escape).
            assert action and printable(text.upper()).startswith(action.rstrip("…")), action

        # The detail pane of each task: prompt, action, label, reason, origin, parent,
        # children, buttons.
        for task_id in (DONE, FAILED, CHILD, MODAL):
            select(app, task_id)
            await pilot.pause()
            detail = detail_text(app)
            assert_clean(detail, f"detail of {task_id}")
            assert_literal(detail, text, f"detail prompt of {task_id}")
            assert_literal(detail, text, f"detail action of {task_id}", upper=True)
            if text is LONG:
                assert "…" in detail and len(detail) < 6000, len(detail)
            rows = detail_rows(detail)
            if task_id == DONE:
                assert rows["Buttons"].startswith("U1 · reroll · ")
                assert_literal(rows["Buttons"], UNKNOWN_BUTTON + text, "detail buttons", limit=40)
                assert_literal(rows["Children"], text, "detail children (origin)", limit=20)
            if task_id == FAILED:
                assert_literal(rows["Label"], text, "detail label")
                assert_literal(rows["Reason"], text, "detail reason")
            if task_id == CHILD:
                assert_literal(rows["Parent"], text, "detail parent name", limit=20)
                assert_literal(rows["Made by"], text, "detail origin")
            assert_screen_inert(app, f"detail of {task_id}")

        # The status line: the session name.
        dashboard.status_line.redraw()
        line = status_text(app)
        assert_clean(line, "status line")
        assert_literal(line, text, "status line", limit=20)

        # The first answers at start: one summary toast, with each name and the reason.
        messages = {title: message for title, message, _ in toasts(app)}
        summary = messages["Since the session was last open"]
        assert_clean(summary, "summary toast")
        lines = summary.splitlines()[1:]
        done = next(line for line in lines if line.startswith("finished: "))
        failed = next(line for line in lines if line.startswith("failed: "))
        name, reason = failed.removeprefix("failed: ").split(" · ", 1)
        assert_literal(done.removeprefix("finished: "), text, "summary name", limit=20)
        assert_literal(name, text, "summary failed name", limit=20)
        assert_literal(reason, text, "summary failed reason")
        assert len(name) <= 60 and len(reason) <= 200
        svg = app.export_screenshot()
        assert_clean(svg.replace("\n", ""), "screenshot")

        # The dialogs built from a task: confirm remove, label prefill, MODAL prompt prefill.
        for task_id, key_name in ((DONE, "delete"), (FAILED, "l"), (MODAL, "m")):
            select(app, task_id)
            await pilot.press(key_name)
        await settle(pilot)
        assert [type(d) for d in dialogs] == [ConfirmDialog, LabelDialog, ModalInputDialog]
        assert app.is_running and app.return_code is None
        assert set(app.session.tasks) == {DONE, FAILED, CHILD, MODAL}
    assert time.monotonic() - started < 30  # bounded, even for 10,000 characters
    await render_dialogs(dialogs, text)
    assert not api.non_api()


# -- dialogs that show many tasks at once: every hostile string in one app ---------------------


async def test_lineage_actions_menu_and_diagnostics_show_every_string_literally(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lineage titles, actions-menu rows (button labels and customIds) and diagnostics values
    (session name, warnings), each with all the hostile strings; `c` copies a clean report."""
    env = make_env(tmp_path)
    api = HostileApi()
    root = "task_root"
    api.tasks[root] = task_json(root, "root", buttons=[
        {"customId": f"{UNKNOWN_BUTTON}{n}::{text[:60]}", "label": text if n % 2 else ""}
        for n, text in enumerate(HOSTILE.values())
    ])
    session = env.session()
    session.add(TrackedTask(task=Task(id=root), origin="added", added_at=env.clock() - 200))
    for n, text in enumerate(HOSTILE.values()):
        api.tasks[f"task_h{n}"] = task_json(f"task_h{n}", text)
        session.add(TrackedTask(task=Task(id=f"task_h{n}"), parent_id=root, origin=text,
                                added_at=env.clock() - 100 + n))
    session.name = HOSTILE["click"]
    session.warnings.extend(HOSTILE.values())
    app = make_app(env, session)
    app.backend.client.http._transport = api.transport()
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await settle(pilot)

        await pilot.press("L")
        await pilot.pause()
        tree = app.screen.query_one("#lineage", Tree)
        labels = "\n".join(str(tree.get_node_at_line(n).label)
                           for n in range(tree.last_line + 1))
        assert_clean(labels, "lineage tree")
        for text in HOSTILE.values():
            assert_literal(labels, text, "lineage tree", limit=20)
        assert_screen_inert(app, "lineage")
        await pilot.press("escape")
        await pilot.pause()

        select(app, root)
        await pilot.press("x")
        await pilot.pause()
        options = app.screen.query_one("#actions", OptionList)
        rows = "\n".join(plain(options.get_option_at_index(n).prompt)
                         for n in range(options.option_count))
        assert options.option_count == len(HOSTILE)
        assert_clean(rows, "actions menu rows")
        for n, text in enumerate(HOSTILE.values()):
            if n % 2:  # the label, in brackets after our title
                assert_literal(rows, text, "actions menu label", limit=20)
            else:  # no label: named by its customId
                assert_literal(rows, f"{UNKNOWN_BUTTON}{n}::{text}", "actions menu row",
                               limit=30)
        assert_screen_inert(app, "actions menu")
        await pilot.press("escape")
        await pilot.pause()

        app.dashboard.action_diagnostics()
        await pilot.pause()
        facts = "\n".join(_plain(s.content, width=400)
                          for s in app.screen.query(".help-group").results(Static))
        assert_clean(facts, "diagnostics")
        for text in HOSTILE.values():
            assert_literal(facts, text, "diagnostics", limit=20)
        assert_screen_inert(app, "diagnostics")
        await pilot.press("c")
        await pilot.pause()
        assert len(copied) == 1
        assert_clean(copied[0], "copied diagnostics report")
        assert shown(HOSTILE["osc52"]) in copied[0]
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.return_code is None
    assert not api.non_api()


# -- hostile task IDs ---------------------------------------------------------------------------

# Valid IDs (no whitespace, slash or control character) that are still markup or bidi.
HOSTILE_IDS = ["[@click=app.quit]x", "[b]bold", "$accent", "\u202eevil\u202c", "日本語",
               "👩\u200d👩\u200d👧", "[link=https:evil.test]y"]
FULLSCREEN_IDS = HOSTILE_IDS[:4]  # markup and bidi: the title used to be parsed as markup


async def test_hostile_task_ids_show_literally(tmp_path: Path) -> None:
    """IDs in the table, the detail pane, the lineage tree and the full-screen title."""
    env = make_env(tmp_path)
    api = HostileApi()
    api.image = png_bytes()
    for task_id in HOSTILE_IDS:
        api.tasks[task_id] = task_json(task_id, "a fox", grid_image_url="http://cdn.test/g.png")
    app = make_app(env, track(env, *HOSTILE_IDS))
    app.backend.client.http._transport = api.transport()
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await settle(pilot)
        for task_id in HOSTILE_IDS:
            select(app, task_id)
            await pilot.pause()
            id_cell = cell(app, task_id, "id")
            assert_clean(id_cell, "ID cell")
            assert printable(task_id).endswith(id_cell.lstrip("…")), id_cell
            detail = detail_text(app)
            assert_clean(detail, "detail")
            assert_literal(detail, task_id, "detail ID")
            assert_screen_inert(app, f"detail of {task_id!r}")
            if task_id not in FULLSCREEN_IDS:
                continue
            # The full-screen preview's title names the task.
            await pilot.press("f")
            await pilot.pause()
            title = plain(app.screen.query_one("#fullscreen-title", Static).content)
            assert_literal(title, f"grid of {task_id}", "full-screen title")
            assert "esc to go back" in title
            assert_screen_inert(app, "full-screen preview")
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("L")
        await pilot.pause()
        assert_screen_inert(app, "lineage of hostile IDs")
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.return_code is None


async def test_submitted_toast_shows_button_and_new_id_literally(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    api = HostileApi()
    hostile_button = UNKNOWN_BUTTON + HOSTILE["ansi"]
    api.tasks[DONE] = task_json(DONE, "a fox", buttons=[{"customId": hostile_button}])
    api.new_ids = ["task_\u202enew\u202c"]
    app = make_app(env, track(env, DONE))
    app.backend.client.http._transport = api.transport()
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await settle(pilot)
        select(app, DONE)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")  # the only row: the hostile button
        await settle(pilot)
        submitted = [m for t, m, _ in toasts(app) if t == "Submitted"]
        assert len(submitted) == 1
        assert_clean(submitted[0], "Submitted toast")
        assert_screen_inert(app, "Submitted toast")


async def test_removed_toast_shows_id_literally(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    api = HostileApi()
    task_id = "task_\u202eevil\u202c"
    api.tasks[task_id] = task_json(task_id, "a fox")
    app = make_app(env, track(env, task_id))
    app.backend.client.http._transport = api.transport()
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await settle(pilot)
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert task_id not in app.session
        removed = [m for _, m, _ in toasts(app) if m.startswith("removed")]
        assert len(removed) == 1
        assert_clean(removed[0], "removed toast")


# -- URLs that are not http(s) ------------------------------------------------------------------


class SendLog:
    """Wraps the client's `send`: every URL the app tries to fetch, whatever the scheme."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.urls: list[str] = []
        self._send = http.send
        http.send = self  # type: ignore[method-assign]

    async def __call__(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        self.urls.append(str(request.url))
        return await self._send(request, **kwargs)

    def images(self) -> list[str]:
        return [u for u in self.urls if "/v1/" not in u]


def url_app(tmp_path: Path, url: str) -> tuple[MjtuiApp, HostileApi, SendLog]:
    env = make_env(tmp_path, download_dir=str(tmp_path / "downloads"))
    api = HostileApi()
    api.image = png_bytes()
    api.tasks[DONE] = task_json(DONE, "a fox", grid_image_url=url, image_urls=[url] * 4)
    app = make_app(env, track(env, DONE), image_protocol="halfcell")
    app.backend.client.http._transport = api.transport()
    return app, api, SendLog(app.backend.client.http)


def preview_messages(screen: Screen[Any]) -> list[str]:
    """What the visible preview slots say (their image is not shown)."""
    return [plain(message.content) for message in screen.query(".preview-message").results(Static)
            if message.parent is not None and message.parent.display
            and message.parent.parent is not None and message.parent.parent.display
            and message.region.width > 0]


async def wait_for(pilot: Any, condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


@pytest.mark.parametrize("url", NOT_HTTP)
async def test_non_http_urls_are_never_fetched_opened_or_downloaded(
        tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        monkeypatch.delenv(name, raising=False)
    app, api, sent = url_app(tmp_path, url)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda u, **kw: opened.append(u))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await settle(pilot)
        select(app, DONE)
        refused = "image unavailable: not http(s)"
        await wait_for(pilot, lambda: preview_messages(app.dashboard) == [refused])
        await pilot.press("t")  # four tiles, each refused
        await wait_for(pilot, lambda: preview_messages(app.dashboard) == [refused] * 4)
        assert_screen_inert(app, "tiles")
        await pilot.press("t")
        await pilot.press("o")
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: preview_messages(app.screen) == [refused])
        assert_screen_inert(app, "full-screen preview")
        await pilot.press("escape")
        await settle(pilot)
        messages = "\n".join(m for _, m, _ in toasts(app))
        assert "not an http(s) URL, not opened" in messages
        assert "download failed: not http(s)" in messages
        assert_clean(messages, "toasts")
        assert_screen_inert(app, "dashboard")
        assert app.is_running and app.return_code is None
    assert not opened
    assert not sent.images() and not api.non_api(), sent.urls
    assert not (tmp_path / "downloads").exists() or not any((tmp_path / "downloads").iterdir())


async def test_http_url_control_is_fetched_opened_and_downloaded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same steps with an https URL do fetch, open and save: the checks above can fail."""
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        monkeypatch.delenv(name, raising=False)
    url = "https://cdn.test/grid.png"
    app, _, sent = url_app(tmp_path, url)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda u, **kw: opened.append(u))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await settle(pilot)
        select(app, DONE)
        await wait_for(pilot, lambda: url in sent.images())
        await pilot.press("o")
        await pilot.press("d")
        await settle(pilot)
        assert any(t == "Downloaded" for t, _, _ in toasts(app)), toasts(app)
    assert opened == [url]
    assert any((tmp_path / "downloads").iterdir())


async def test_malformed_http_url_is_refused_not_fatal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, sent = url_app(tmp_path, "http://[oops/grid.png")
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda u, **kw: opened.append(u))
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await settle(pilot)
        select(app, DONE)
        await pilot.press("o")
        await pilot.press("d")
        await settle(pilot)
        assert app.is_running and app.return_code is None
        messages = "\n".join(m for _, m, _ in toasts(app))
        assert "not opened" in messages and "download failed" in messages
    assert not opened and not sent.images()


# -- CLI ----------------------------------------------------------------------------------------


@pytest.fixture
def cli_api(monkeypatch: pytest.MonkeyPatch) -> HostileApi:
    """The headless commands talk to a HostileApi instead of the network."""
    api = HostileApi()
    monkeypatch.setenv("APIMART_API_KEY", TOKEN)
    monkeypatch.setenv("APIMART_BASE_URL", "https://api.test")
    monkeypatch.setattr(mjtui.cli.run, "make_backend", lambda settings: Backend(
        ApimartClient(TOKEN, BASE_URL, transport=api.transport())))
    return api


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    started = time.monotonic()
    code = main(list(argv))
    assert time.monotonic() - started < 10
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("key", list(HOSTILE))
def test_cli_prints_hostile_text_literally(key: str, cli_api: HostileApi,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`status`, `status --json` and `watch`: stdout and stderr carry no raw control
    character, show the markup literally, and cut the 10,000-character prompt."""
    text = HOSTILE[key]
    cli_api.tasks[DONE] = task_json(DONE, text)
    cli_api.tasks[FAILED] = task_json(FAILED, text, "FAILURE")

    for command in ("status", "watch"):
        code, out, err = run_cli(capsys, command, DONE, FAILED)
        assert code == 1  # one task failed
        assert_clean(out, f"{command} stdout")
        assert_clean(err, f"{command} stderr")
        lines = out.splitlines()
        assert len(lines) == 2, lines
        for line in lines:
            assert len(line) < 200
            assert_literal(line, text, f"{command} line", limit=20)
        assert "DONE" in lines[0] and "FAILED" in lines[1]  # the words people read

    code, out, err = run_cli(capsys, "status", "--json", DONE, FAILED)
    assert out.isascii()  # every control character is a JSON escape
    assert_clean(out, "status --json")
    records = [json.loads(line) for line in out.splitlines()]
    # The JSON carries the exact text: it is data, for a program to read.
    assert [r["prompt"] for r in records] == [text, text]
    assert records[1]["fail_reason"] == text
    assert records[0]["buttons"][0]["label"] == text


def test_cli_prints_a_hostile_new_task_id_literally(cli_api: HostileApi,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`imagine` prints the ID the API answered; a valid ID may still hold bidi controls."""
    cli_api.new_ids = ["task_\u202eevil\u202c"]
    code, out, err = run_cli(capsys, "imagine", "a fox")
    assert code == 0, err
    assert_clean(out, "imagine stdout")
    assert out.strip() == printable("task_\u202eevil\u202c")


def test_printable_escapes_a_lone_surrogate() -> None:
    """Half an emoji (`"\\ud83d"` in the JSON) cannot be encoded for any terminal: shown."""
    assert printable("half \ud83d") == "half \\ud83d"
    printable("\ud83d\ude00 \udfff").encode("utf-8")


def test_printable_bounds_the_long_string() -> None:
    """10,000 characters of escapes: cut to the limit, fast, never mid-escape."""
    started = time.monotonic()
    for _ in range(10):
        cut = printable("\x1b[31m" * 2000, limit=200)
    assert time.monotonic() - started < 1
    assert len(cut) <= 200 and cut.endswith("…") and "\x1b" not in cut
    assert not re.search(r"\\(x[0-9a-f]?)?$", cut[:-1])  # no escape cut in half
