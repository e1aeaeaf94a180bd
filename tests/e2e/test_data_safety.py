"""Secrets and data safety (issue 6): the token never leaks, config files holding it must be
private, the session file survives SIGKILL at any moment, a corrupt file is kept and
reported, and two mjtui processes on one session never drop each other's tasks.

The token tests use a distinctive canary and search every output, file and screenshot for
it (and for its base64 forms, and for the word SECRET, which catches truncated copies).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from kill_helpers import run_and_kill
from ui_fixtures import (
    SIZE,
    make_app,
    make_env,
    poll,
    screen_text,
    settle,
    status_text,
    toast_text,
    toasts,
    track,
)

import mjtui.cli.run
import mjtui.runtime
from mjtui.api.client import ApimartClient, ImagineRequest
from mjtui.api.errors import ApimartError
from mjtui.api.models import Status, Task
from mjtui.cli import main
from mjtui.cli.arguments import parse_args
from mjtui.cli.launch import run_dashboard
from mjtui.config import ConfigError, Settings, load_settings
from mjtui.fake import FakeApimart, Fault, LoopbackFakeServer
from mjtui.paths import config_file
from mjtui.session import (
    SessionError,
    TrackedTask,
    load_session,
    resolve_session_path,
    save_session,
)
from mjtui.ui.screens.diagnostics import DiagnosticsScreen

CANARY = "sk-SECRET-canary-1234567890"
WRONG = "sk-SECRET-wrong-0987654321"  # a key the server rejects: must not be echoed either
GEN = "/v1/midjourney/generations"
KILL_SAVER = Path(__file__).resolve().parents[1] / "helpers" / "kill_saver.py"


# -- searching for the token ---------------------------------------------------------------


def needles(token: str) -> list[bytes]:
    """The token, and the part of its base64 (standard and URL-safe) that does not depend on
    what surrounds it, at each of the three alignments it can have inside a longer text."""
    raw = token.encode()
    found = {raw, b"SECRET"}  # SECRET: a truncated copy of either canary
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):
            encoded = encode(b"\0" * shift + raw)
            found.add(encoded[4 if shift else 0 : -4])
    return sorted(found)


NEEDLES = needles(CANARY) + needles(WRONG)


def assert_clean(blob: str | bytes, where: str) -> None:
    data = blob.encode("utf-8", "surrogateescape") if isinstance(blob, str) else blob
    for needle in NEEDLES:
        assert needle not in data, f"the token ({needle!r}) leaked into {where}"


def assert_tree_clean(root: Path) -> list[Path]:
    """Every file under `root` (sessions, .bak, .lock, temp files, cache, screenshots)."""
    files = [p for p in root.rglob("*") if p.is_file()]
    for path in files:
        assert_clean(path.read_bytes(), str(path))
    return files


def error_texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]


# -- the fake on a loopback port, accepting only the canary -------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackFakeServer]:
    fake = FakeApimart(tokens={CANARY}, queue_seconds=0.1, run_seconds=0.3)
    with LoopbackFakeServer(fake) as srv:
        yield srv


@pytest.fixture
def fake(server: LoopbackFakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeApimart:
    server.fake.requests.clear()
    server.fake.faults.clear()
    monkeypatch.setenv("APIMART_API_KEY", CANARY)
    monkeypatch.setenv("APIMART_BASE_URL", server.base_url)
    return server.fake


class Transcript:
    """Runs `mjtui ARGV` in-process and keeps everything it printed."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.lines: list[str] = []

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        self.lines.append(f"$ mjtui {' '.join(argv)} -> {code}\n{out}{err}")
        assert_clean(out + err, f"the output of `mjtui {' '.join(argv)}`")
        return code, out, err

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def finish(fake: FakeApimart, task_id: str) -> None:
    """Fast-forward a job to its end state by backdating it."""
    fake.job(task_id).submitted_at -= 120


def subprocess_env(**extra: str) -> dict[str, str]:
    """This environment (with the isolated MJTUI_*_DIR folders), minus any APIMART_ key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APIMART_")}
    env.update(extra)
    return env


# -- 1. the token never leaks -----------------------------------------------------------------


def test_no_cli_command_prints_or_stores_the_token(
    capsys, fake, server, monkeypatch, isolated_dirs
) -> None:
    run = Transcript(capsys)
    code, out, err = run("imagine", "a lighthouse at dusk", "--label", "tower")
    assert code == 0, err
    grid = out.strip()
    finish(fake, grid)
    for argv in (["status"], ["status", "--json", grid], ["watch", "--json", grid]):
        code, out, err = run(*argv)
        assert code == 0, (argv, err)
    assert "set (from env APIMART_API_KEY)" in run("info")[1]

    code, out, err = run("action", grid, "U1")
    assert code == 0, err
    single = out.strip()
    finish(fake, single)
    code, out, err = run("action", single, "vary-region")
    assert code == 0, err
    region = out.strip()
    code, out, err = run("modal", region, "--prompt", "a red boat")
    assert code == 0, err

    # Refusals and API errors.
    assert run("imagine", "a cat --fail")[0] == 0
    for argv in (["status", "bad/id"], ["modal", "bad/id"], ["action", grid, "frobnicate"]):
        assert run(*argv)[0] == 2, argv
    assert run("status", "task_01KNOSUCHTASK000")[0] == 1  # 404
    assert run("action", "task_01KNOSUCHTASK000", "U1")[0] == 1
    assert run("modal", grid)[0] == 2  # not in MODAL: refused before any POST
    fake.faults.add(Fault("status", status=500, times=2))
    assert run("status", grid)[0] == 1
    assert run("status", "--json", grid)[0] == 1
    fake.faults.add(Fault("status", status=500, method="POST", times=1,
                          body={"error": {"message": "upstream exploded"}}))
    assert run("imagine", "a dog")[0] == 1
    fake.faults.add(Fault("status", status=502, times=1))  # the HTML page
    assert run("status", grid)[0] == 1
    fake.faults.add(Fault("garbage", times=1))
    assert run("status", grid)[0] == 1

    # Timeouts, a GET and a billed POST, with the client's deadline shrunk for this run.
    monkeypatch.setattr(mjtui.runtime, "ApimartClient", partial(ApimartClient, deadline=0.3))
    fake.faults.add(Fault("slow", seconds=1.0, method="GET", times=1))
    code, _, err = run("status", grid)
    assert code == 1
    fake.faults.add(Fault("slow", seconds=1.0, method="POST", times=1))
    code, _, err = run("imagine", "a slow cat")
    assert code == 1 and "outcome unknown" in err
    deadline = time.monotonic() + 5  # let the fake finish its slow answers (it logs them then)
    while sum(r.fault == "slow" for r in fake.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    monkeypatch.setattr(mjtui.runtime, "ApimartClient", ApimartClient)

    # Nothing listens there: connection refused.
    monkeypatch.setenv("APIMART_BASE_URL", "http://127.0.0.1:9")
    code, out, err = run("status", grid)
    assert code == 1 and "cannot reach" in out
    monkeypatch.setenv("APIMART_BASE_URL", server.base_url)

    # A rejected key (401): exit 3, and neither key is shown.
    monkeypatch.setenv("APIMART_API_KEY", WRONG)
    for argv in (["status", "--json"], ["imagine", "a cat"], ["action", grid, "U2"],
                 ["watch", grid]):
        code, out, err = run(*argv)
        assert code == 3 and "rejected" in err, argv

    assert "SUCCESS" in run.text and "[server]" in run.text  # the transcript is real
    session = resolve_session_path(None)
    files = assert_tree_clean(isolated_dirs)
    names = {p.name for p in files}
    assert session.name in names and session.name + ".lock" in names
    assert not [n for n in names if n.endswith(".tmp")]
    assert {grid, single, region} <= set(load_session(session).tasks)


def test_cli_in_a_subprocess_never_prints_the_token(server, isolated_dirs) -> None:
    """The real process: interpreter warnings, tracebacks and all."""
    base = {"APIMART_BASE_URL": server.base_url}
    for key, argv, expected in (
        (CANARY, ["info"], 0),
        (CANARY, ["status", "task_01KNOSUCHTASK000"], 1),
        (WRONG, ["status", "task_01KNOSUCHTASK000"], 3),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "mjtui", *argv], env=subprocess_env(APIMART_API_KEY=key, **base),
            capture_output=True, stdin=subprocess.DEVNULL, timeout=30, check=False)
        assert result.returncode == expected, (argv, result.stderr)
        assert_clean(result.stdout + result.stderr, f"`mjtui {' '.join(argv)}` ({key[:12]})")
    assert_tree_clean(isolated_dirs)


@pytest.mark.parametrize("bad", [
    "sk-SECRET-canary\n1234567890",  # pasted across two lines
    "sk-SECRET-canary\r\n1234567890",
    "sk-SECRET-canary\u200b1234567890",  # a zero-width space from a web page
    "sk-SECRET-canary\u00a01234567890",
    "sk-SECRET-canary 1234567890",
    "sk-SECRÉT-canary-1234567890",
])
def test_a_key_that_cannot_be_sent_is_refused_without_quoting_it(
    bad, capsys, fake, monkeypatch, isolated_dirs
) -> None:
    """httpx/h11 refuse such a header with a message quoting it ("Illegal header value
    b'Bearer sk-...'") or a UnicodeEncodeError whose repr holds it: refuse it up front."""
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env={"APIMART_API_KEY": bad})
    for text in error_texts(caught.value):
        assert_clean(text, "the ConfigError")
    assert "env APIMART_API_KEY" in str(caught.value) and "copy it again" in str(caught.value)

    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("api_key = " + json.dumps(bad) + "\n", encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env={})
    assert str(path) in str(caught.value)
    assert_clean(str(caught.value), "the ConfigError")
    path.unlink()

    monkeypatch.setenv("APIMART_API_KEY", bad)
    code, out, err = Transcript(capsys)("status", "task_01KANY0000000000")
    assert code == 3 and out == "" and "character" in err
    assert fake.requests == []


async def test_the_client_never_quotes_a_bad_key(server) -> None:
    leaks = []
    for bad in ("sk-SECRET-canary\n1234567890", "sk-SECRET-canary\u200b1234567890"):
        try:
            client = ApimartClient(bad, server.base_url)
            async with client:
                await client.get_task("task_01KANY0000000000")
        except BaseException as exc:  # noqa: BLE001 - anything it raises is shown somewhere
            for text in error_texts(exc):
                try:
                    assert_clean(text, "the client's error")
                except AssertionError as leak:
                    leaks.append(str(leak))
    assert not leaks, leaks


def test_a_server_echoing_the_key_does_not_make_mjtui_print_it(capsys, fake) -> None:
    printed = []
    fake.faults.add(Fault("status", status=401, times=1, body={"error": {
        "message": f"Incorrect API key provided: {CANARY}", "code": "invalid_api_key"}}))
    fake.faults.add(Fault("status", status=500, times=1,
                          body=f"debug: Authorization: Bearer {CANARY}", content_type="text/plain"))
    for argv in (["status", "task_01KANY0000000000"], ["status", "--json", "task_01KANY0000000000"]):
        capsys.readouterr()
        main(argv)
        printed.append("".join(capsys.readouterr()))
    for text in printed:
        assert_clean(text, "the output")


async def test_client_and_settings_reprs_and_errors_hide_the_token(server, isolated_dirs) -> None:
    settings = load_settings({"base_url": server.base_url}, env={"APIMART_API_KEY": CANARY})
    assert settings.token == CANARY
    texts = [repr(settings), str(settings), repr(Settings(token=CANARY))]
    client = ApimartClient(CANARY, server.base_url)
    texts += [repr(client), str(client), repr(mjtui.runtime.Backend(client))]
    await client.aclose()
    fake = server.fake
    fake.faults.clear()
    cases: list[tuple[str, str, Fault | None, Any]] = [
        (CANARY, server.base_url, None, lambda c: c.get_task("task_01KNOSUCHTASK000")),
        (WRONG, server.base_url, None, lambda c: c.get_task("task_01KANY0000000000")),
        (WRONG, server.base_url, None, lambda c: c.submit(ImagineRequest("a cat").submission())),
        (CANARY, "http://127.0.0.1:9", None, lambda c: c.get_task("task_01KANY0000000000")),
        (CANARY, server.base_url, None, lambda c: c.get_task("bad/id")),
        (CANARY, server.base_url, Fault("status", status=500, times=1),
         lambda c: c.get_task("task_01KANY0000000000")),
        (CANARY, server.base_url, Fault("garbage", times=1), lambda c: c.get_task("task_01KANY0000000000")),
        (CANARY, server.base_url, Fault("slow", seconds=0.4, times=1),
         lambda c: c.get_task("task_01KANY0000000000")),
        (CANARY, server.base_url, Fault("slow", seconds=0.4, times=1),
         lambda c: c.submit(ImagineRequest("a slow cat").submission())),
    ]
    kinds = []
    for key, base, fault, call in cases:
        if fault is not None:
            fake.faults.add(fault)
        async with ApimartClient(key, base, deadline=0.15) as each:
            with pytest.raises(ApimartError) as caught:
                await call(each)
        kinds.append(caught.value.kind)
        texts += error_texts(caught.value) + [json.dumps(caught.value.to_dict())]
    assert kinds == ["not_found", "unauthorized", "unauthorized", "network", "invalid_id",
                     "server", "bad_response", "timeout", "outcome_unknown"]
    for text in texts:
        assert_clean(text, "a repr or error message")
    await asyncio.sleep(0.4)  # the fake's slow answers finish before the next test


# -- image downloads carry no token ----------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    """A loopback HTTP server that records each request's path and headers."""

    seen: list[tuple[str, dict[str, str]]]
    other: str = ""

    def do_GET(self) -> None:
        self.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        if self.path == "/img.png":
            body, kind, status = b"\x89PNG\r\n\x1a\nnot really", "image/png", 200
        elif self.path.startswith("/v1/midjourney/task_redirect"):
            self.send_response(302)
            self.send_header("Location", self.other + "/stolen")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        elif self.path == "/hop":
            self.send_response(302)
            self.send_header("Location", "/img.png")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        elif self.path.startswith("/v1/midjourney/"):
            task_id = self.path.rsplit("/", 1)[1]
            body = json.dumps({"id": task_id, "status": "SUCCESS", "progress": "100%"}).encode()
            kind, status = "application/json", 200
        else:
            body, kind, status = b"no", "text/plain", 404
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def recorders() -> Iterator[tuple[ThreadingHTTPServer, ThreadingHTTPServer]]:
    servers = []
    for _ in range(2):
        handler = type("R", (Recorder,), {"seen": []})
        srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    servers[0].RequestHandlerClass.other = f"http://127.0.0.1:{servers[1].server_port}"
    yield servers[0], servers[1]
    for srv in servers:
        srv.shutdown()
        srv.server_close()


async def test_image_downloads_send_no_authorization(recorders, server) -> None:
    api, other = recorders
    base = f"http://127.0.0.1:{api.server_port}"
    async with ApimartClient(CANARY, base) as client:
        assert (await client.get_task("task_ok")).status is Status.SUCCESS
        assert (await client.download(f"{base}/img.png", 1_000_000)).startswith(b"\x89PNG")
        assert (await client.download(f"{base}/hop", 1_000_000)).startswith(b"\x89PNG")
        with pytest.raises(ApimartError):  # the API must not redirect; the token stays home
            await client.get_task("task_redirect")
    seen = dict(api.RequestHandlerClass.seen)
    assert seen["/v1/midjourney/task_ok"]["authorization"] == f"Bearer {CANARY}"  # sanity
    for path in ("/img.png", "/hop"):
        assert "authorization" not in seen[path], path
        assert_clean(json.dumps(seen[path]), f"the headers of GET {path}")
    assert other.RequestHandlerClass.seen == []  # the API's redirect was not followed

    # The fake's CDN too (it records whether an Authorization header came).
    fake = server.fake
    job = fake.create_job(CANARY, "IMAGINE", "a fox", queue_s=0, run_s=0)
    async with ApimartClient(CANARY, server.base_url) as client:
        task = await client.get_task(job.id)
        fake.requests.clear()
        for url in (task.grid_image_url, *task.image_urls):
            await client.download(url, 20_000_000)
    cdn = [r for r in fake.requests if r.path.startswith("/fake-cdn/")]
    assert len(cdn) == 1 + len(task.image_urls) == 5
    assert not any(r.authorization_present for r in cdn)


# -- the dashboard: screenshots, diagnostics, toasts ---------------------------------------------


async def test_dashboard_screenshots_never_show_the_token(tmp_path: Path, isolated_dirs) -> None:
    env = make_env(tmp_path, token=CANARY, token_source="env APIMART_API_KEY")
    env.token = CANARY
    env.fake.tokens = {CANARY}
    done = env.create("a lighthouse", queue_s=0, run_s=0)
    failing = env.create("a cat --fail", queue_s=0, run_s=0)
    running = env.create("a slow fox")
    foreign = env.fake.create_job("sk-someone-else", "IMAGINE", "theirs").id
    app = make_app(env, track(env, done, failing, running, foreign, "task_01KNOSUCHTASK000"))
    shots: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        env.fake.faults.add(Fault("status", status=500, times=3))
        await poll(app, pilot, advance=30)
        env.fake.faults.add(Fault("garbage", times=2))
        await poll(app, pilot, advance=60)
        env.fake.tokens = {"sk-rotated"}  # the key is revoked: 401 everywhere
        app.tracker.refresh()
        await poll(app, pilot, advance=600)
        await settle(pilot)
        shots += [app.export_screenshot(), screen_text(app), toast_text(app), status_text(app)]
        assert app.tracker.health.state == "auth_failed"
        assert "API key rejected" in shots[3] and "FAILED" in shots[1] and "EXPIRED" in shots[1]
        app.save_screenshot(filename="dashboard.svg", path=str(tmp_path))
        app.dashboard.action_diagnostics()
        await pilot.pause()
        assert isinstance(app.screen, DiagnosticsScreen)
        facts = {(section, key): value for section, key, value in app.screen.facts}
        assert facts[("api", "API key")] == "set (from env APIMART_API_KEY)"
        shots += [app.export_screenshot(), screen_text(app), repr(app.screen.facts)]
        app.save_screenshot(filename="diagnostics.svg", path=str(tmp_path))
        await pilot.press("c")  # copy the report (OSC 52)
        shots.append(app.clipboard)
        await pilot.press("escape")
        await pilot.pause()
        await app.action_quit()
    assert "sk-rotated" not in "".join(shots)
    assert "Diagnostics" in shots[5]
    for n, text in enumerate(shots):
        assert_clean(text, f"dashboard capture #{n}")
    files = assert_tree_clean(tmp_path)
    assert {"dashboard.svg", "diagnostics.svg", "test.toml"} <= {p.name for p in files}


# -- 2. a config file holding the key must be private ---------------------------------------


def write_config(text: str, mode: int) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606, 0o744])
def test_a_config_file_with_the_key_readable_by_others_is_refused(
    mode, capsys, fake, monkeypatch, isolated_dirs
) -> None:
    monkeypatch.delenv("APIMART_API_KEY")  # the key comes from the file alone
    path = write_config(f'api_key = "{CANARY}"\npoll_interval = 2\n', mode)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env={})
    message = str(caught.value)
    assert str(path) in message and f"chmod 600 {path}" in message
    assert caught.value.path == path
    for text in error_texts(caught.value):
        assert_clean(text, "the ConfigError")
    for argv in (["status"], ["status", "task_01KANY0000000000"], ["imagine", "a cat"], ["info"]):
        code, out, err = Transcript(capsys)(*argv)
        assert code == 3 and out == "" and str(path) in err and "chmod 600" in err, argv
    assert fake.requests == []  # refused before anything was sent
    code = run_dashboard(parse_args([]))
    err = capsys.readouterr().err
    assert code == 3 and str(path) in err
    assert_clean(err, "the dashboard launcher's message")


@pytest.mark.parametrize("mode", [0o600, 0o400, 0o700])
def test_an_owner_only_config_file_is_accepted(
    mode, capsys, fake, monkeypatch, isolated_dirs
) -> None:
    monkeypatch.delenv("APIMART_API_KEY")
    path = write_config(f'api_key = "{CANARY}"\n', mode)
    settings = load_settings({}, env={})
    assert settings.token == CANARY and settings.token_source == f"config file {path}"
    code, out, _ = Transcript(capsys)("info")
    assert code == 0 and f"set (from config file {path})" in out
    code, out, _ = Transcript(capsys)("status", "task_01KNOSUCHTASK000")
    assert code == 1 and out.startswith("task_01KNOSUCHTASK000")
    assert [r.status for r in fake.requests] == [404]  # the file's key was sent and accepted


def test_a_symlinked_config_is_judged_by_its_target(isolated_dirs) -> None:
    target = isolated_dirs / "elsewhere.toml"
    target.write_text(f'api_key = "{CANARY}"\n', encoding="utf-8")
    target.chmod(0o644)
    link = config_file()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_settings({}, env={})
    target.chmod(0o600)
    assert load_settings({}, env={}).token == CANARY


def test_a_readable_config_without_the_key_is_fine(isolated_dirs) -> None:
    write_config("poll_interval = 2\n", 0o644)
    assert load_settings({}, env={"APIMART_API_KEY": CANARY}).poll_interval == 2


# -- 3. SIGKILL while saving ---------------------------------------------------------------------


def tmp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_sigkill_at_random_moments_never_breaks_or_loses_the_session(tmp_path: Path) -> None:
    path = tmp_path / "sessions" / "killed.toml"
    rng = random.Random(int(os.environ.get("MJTUI_KILL_SEED", "6")))
    saved: set[str] = set()
    started = time.monotonic()
    rounds = leftovers = 0
    while rounds < 30 and (rounds < 20 or time.monotonic() - started < 12):
        rounds += 1
        complete = run_and_kill([sys.executable, str(KILL_SAVER), str(path), "--tag",
                                 f"r{rounds:02d}"], rng.uniform(0.005, 0.080), subprocess_env())
        saved.update(complete)
        session = load_session(path)  # parses: no SessionError
        missing = saved - set(session.tasks)
        assert not missing, f"round {rounds}: saved then lost {sorted(missing)[:5]}"
        assert not session.warnings, session.warnings
        stale = tmp_files(path.parent)
        assert len(stale) <= 1, stale  # at most the killed save's own temp file
        leftovers += bool(stale)
    assert rounds >= 20 and len(saved) > rounds  # the kills landed among many saves
    # The next save removes what a killed save left behind.
    session = load_session(path)
    session.add(TrackedTask(task=Task(id="task_after")))
    assert save_session(session)
    assert tmp_files(path.parent) == []
    assert not path.with_name(path.name + ".bak").exists()
    assert saved | {"task_after"} <= set(load_session(path).tasks)
    print(f"{rounds} kills, {len(saved)} saves survived, {leftovers} left a temp file")


def test_a_save_removes_only_its_own_stale_temp_files(tmp_path: Path) -> None:
    """`a.toml`'s save must not delete the temp file of a save of `a.toml.x.toml` in flight
    (a different file, under a different lock), though the glob `.a.toml.*.tmp` matches it."""
    folder = tmp_path / "sessions"
    folder.mkdir()
    mine = folder / ".a.toml.k1ll3d_x.tmp"  # left by a killed save of a.toml
    theirs = folder / ".a.toml.x.toml.inflight.tmp"  # another session's save, in progress
    for path in (mine, theirs):
        path.write_bytes(b"partial")
    session = load_session(folder / "a.toml")
    session.add(TrackedTask(task=Task(id="task_a")))
    assert save_session(session)
    assert not mine.exists() and theirs.exists()


# -- 4. a corrupt session file is kept and reported ------------------------------------------------


CORRUPT = [
    (b"# mjtui session\nversion = 1\n\xff\xfe\x00\x01 garbage\n", 3),  # not UTF-8
    (b'version = 1\n\n[[tasks]]\nid = "task_a"\nlabel = "cut off in the midd', 5),  # truncated
    (b"\x00\x01\x02\x03binary junk", 1),
    (b'version = 1\n[view]\nfilter = "x"\n[view]\nsort = "y"\n', 4),  # duplicate table
]


@pytest.mark.parametrize(("raw", "line"), CORRUPT)
def test_a_corrupt_session_is_kept_and_reported(raw, line, capsys, fake, isolated_dirs) -> None:
    path = resolve_session_path(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    before = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(SessionError) as caught:
        load_session(path)
    assert caught.value.path == path and caught.value.line == line
    message = str(caught.value)
    assert str(path) in message and f"line {line}" in message
    run = Transcript(capsys)
    for argv in (["status"], ["status", "--json", "task_01KANY0000000000"], ["imagine", "a cat"],
                 ["watch", "task_01KANY0000000000"]):
        code, out, err = run(*argv)
        assert code == 3 and out == "" and message in err, (argv, err)
    assert fake.requests == []  # nothing billed that could not be recorded
    code = run_dashboard(parse_args(["task_01KANY0000000000"]))
    err = capsys.readouterr().err
    assert code == 3 and message in err and "left untouched" in err
    assert path.read_bytes() == raw
    assert sorted(p.name for p in path.parent.iterdir()) == before  # no .bak, no temp


def corrupt_after_load(path: Path, monkeypatch: pytest.MonkeyPatch, raw: bytes) -> None:
    """The CLI opens the session fine; then someone else breaks the file under it."""
    real = mjtui.cli.run.open_session

    def opened(settings: Settings) -> Any:
        session = real(settings)
        path.write_bytes(raw)
        return session

    monkeypatch.setattr(mjtui.cli.run, "open_session", opened)


def test_a_session_broken_while_open_is_not_overwritten_by_a_save(
    capsys, fake, monkeypatch, isolated_dirs, tmp_path
) -> None:
    raw = CORRUPT[1][0]
    run = Transcript(capsys)
    code, out, _ = run("imagine", "first")
    assert code == 0
    path = resolve_session_path(None)
    # The CLI: its saves fail, loudly, and leave the file alone.
    corrupt_after_load(path, monkeypatch, raw)
    code, out, err = run("imagine", "second")
    assert out.strip().startswith("task_")  # the job started: its ID is still printed
    assert "session not saved" in err and str(path) in err and "line 5" in err
    assert path.read_bytes() == raw
    monkeypatch.setattr(mjtui.cli.run, "open_session", mjtui.runtime.open_session)

    # In-process save_session.
    path.write_text('version = 1\n[[tasks]]\nid = "task_a"\n', encoding="utf-8")
    session = load_session(path)
    session.add(TrackedTask(task=Task(id="task_b")))
    path.write_bytes(raw)
    with pytest.raises(SessionError, match="line 5"):
        save_session(session)
    assert path.read_bytes() == raw and session.dirty  # still to be saved once fixed
    assert not path.with_name(path.name + ".bak").exists()


async def test_the_dashboard_does_not_overwrite_a_session_broken_under_it(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    session = track(env, env.create("a fox"))
    assert save_session(session)
    app = make_app(env, session)
    raw = CORRUPT[0][0]
    async with app.run_test(size=SIZE) as pilot:
        session.set_label(next(iter(session.tasks)), "renamed")  # a change to save
        env.session_path.write_bytes(raw)
        assert app.save() is False
        await settle(pilot)
        errors = [(t, m) for t, m, s in toasts(app) if s == "error"]
        assert errors and errors[0][0] == "Save failed"
        assert str(env.session_path) in errors[0][1] and "line 3" in errors[0][1]
        await app.action_quit()
    assert env.session_path.read_bytes() == raw  # quitting (another save) left it too
    assert sorted(p.name for p in env.session_path.parent.iterdir()) == ["test.toml",
                                                                         "test.toml.lock"]


# -- 5. two processes on one session ------------------------------------------------------------


def start(path: Path, *args: str) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        [sys.executable, str(KILL_SAVER), str(path), *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=subprocess_env())
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line == b"READY\n", child.communicate()[1].decode()
    return child


def finish_child(child: subprocess.Popen[bytes]) -> list[str]:
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err.decode()
    return out.decode().split()


def test_two_processes_adding_tasks_keep_all_of_them(tmp_path: Path) -> None:
    path = tmp_path / "shared.toml"
    gate = tmp_path / "go"
    n = 120
    children = [start(path, "--tag", tag, "--count", str(n), "--gate", str(gate))
                for tag in ("a", "b")]
    gate.touch()
    printed = [finish_child(child) for child in children]
    expected = {f"task_{tag}_{i:06d}" for tag in ("a", "b") for i in range(n)}
    assert set(printed[0]) | set(printed[1]) == expected
    session = load_session(path)
    assert set(session.tasks) == expected and not session.warnings
    # Each writer's own tasks stay in its order.
    order = list(session.tasks)
    for tag in ("a", "b"):
        mine = [t for t in order if t.startswith(f"task_{tag}_")]
        assert mine == sorted(mine)


def test_a_removal_is_not_undone_by_another_process_saving(tmp_path: Path) -> None:
    path = tmp_path / "shared.toml"
    gate, final = tmp_path / "go", tmp_path / "final"
    seed = load_session(path)
    old = [f"task_old_{i:03d}" for i in range(40)]
    for task_id in old:
        seed.add(TrackedTask(task=Task(id=task_id, status=Status.IN_PROGRESS, progress=1)))
    assert save_session(seed)
    # Both load the full session first; then one removes the old tasks one save at a time,
    # while the other keeps adding tasks and refreshing the old ones' state, as a poller
    # would, and saves once more after the remover is done.
    remover = start(path, "--remove", "task_old_", "--gate", str(gate))
    keeper = start(path, "--tag", "new", "--count", "80", "--poll", "task_old_",
                   "--gate", str(gate), "--final", str(final))
    gate.touch()
    removed = finish_child(remover)
    final.touch()
    added = finish_child(keeper)
    assert removed == old and added[-1] == "FINAL"
    session = load_session(path)
    assert set(session.tasks) == {f"task_new_{i:06d}" for i in range(80)} | {"task_new_final"}


def test_merge_rules_in_one_process(tmp_path: Path) -> None:
    """The same rules, deterministic: two Session objects on one file."""
    path = tmp_path / "s.toml"
    first = load_session(path)
    for task_id in ("task_x", "task_y"):
        first.add(TrackedTask(task=Task(id=task_id), label="orig"))
    assert save_session(first)
    second = load_session(path)
    assert first.remove("task_x") and save_session(first)
    second.update_task(Task(id="task_x", status=Status.SUCCESS, progress=100), time.time())
    second.set_label("task_x", "renamed here")  # an edit does not undo the other's removal
    second.set_label("task_y", "theirs")
    second.mark_button_used("task_y", "MJ::JOB::upsample::1::h")
    second.add(TrackedTask(task=Task(id="task_z")))
    assert save_session(second)
    assert list(second.tasks) == ["task_y", "task_z"]  # x stays removed
    first.mark_button_used("task_y", "MJ::JOB::upsample::2::h")
    assert save_session(first)
    result = load_session(path)
    assert list(result.tasks) == ["task_y", "task_z"]
    assert result.get("task_y").label == "theirs"
    assert set(result.get("task_y").used_buttons) == {"MJ::JOB::upsample::1::h",
                                                       "MJ::JOB::upsample::2::h"}
