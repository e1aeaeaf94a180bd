"""The headless CLI end to end against the fake apimart on a real loopback port.

Most commands run in-process (`mjtui.cli.main([...])` with capsys); exit codes, the no-TTY
path and the no-Textual promise are also checked in a subprocess. Instead of sleeping until
a job finishes, tests backdate the fake's job (`finish()`), so only `watch` waits for real.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import tomllib
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_fixtures import cli, fake_fixture, server_fixture  # noqa: F401 - fixtures

import mjtui.runtime
from mjtui.api.client import ApimartClient
from mjtui.api.models import Status
from mjtui.cli.arguments import split_command
from mjtui.fake import FakeApimart, Fault
from mjtui.session import SessionError, load_session, resolve_session_path

TOKEN = "sk-fake-token"
GEN = "/v1/midjourney/generations"
JSON_KEYS = {"id", "status", "progress", "action", "prompt", "fail_reason", "grid_image_url",
             "image_urls", "buttons"}
COMMON_OPTIONS = ("--base-url", "--session", "--poll-interval", "--demo")


run = cli  # `mjtui ARGV` in-process: (exit code, stdout, stderr)


def finish(fake: FakeApimart, task_id: str) -> None:
    """Fast-forward a job to its end state by backdating it (no sleeping)."""
    fake.job(task_id).submitted_at -= 120


def new_grid(capsys: pytest.CaptureFixture[str], fake: FakeApimart,
             prompt: str = "a lighthouse", *extra: str) -> str:
    code, out, _ = run(capsys, "imagine", prompt, *extra)
    assert code == 0
    task_id = out.strip()
    finish(fake, task_id)
    return task_id


def session_file(name: str | None = None) -> Path:
    return resolve_session_path(name)


def posts(fake: FakeApimart) -> list[tuple[str, dict[str, Any] | None]]:
    return [(r.path, r.json_body) for r in fake.requests if r.method == "POST"]


def env_for_subprocess(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APIMART_")}
    env.update(extra)
    return env


def mjtui_subprocess(*argv: str, env: dict[str, str], timeout: float = 30
                     ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mjtui", *argv], env=env, check=False,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


# -- status ------------------------------------------------------------------------------


def test_status_human_and_json(capsys, fake) -> None:
    task_id = new_grid(capsys, fake, "a lighthouse", "--ar", "3:2")
    code, out, err = run(capsys, "status", task_id)
    assert code == 0 and err == ""
    line, = out.splitlines()
    assert line.startswith(task_id)
    assert "DONE" in line and "100%" in line and "IMAGINE" in line
    assert "a lighthouse --ar 3:2" in line

    code, out, _ = run(capsys, "status", "--json", task_id)
    assert code == 0
    record = json.loads(out)
    assert JSON_KEYS <= set(record) and "error" not in record
    assert set(record) - JSON_KEYS <= {"label", "parent", "prompts", "video_urls"}
    job = fake.job(task_id)
    base = fake.requests[-1]  # the status GET
    assert base.path == f"/v1/midjourney/{task_id}"
    assert record["id"] == task_id and record["status"] == "SUCCESS"
    assert record["progress"] == 100 and record["action"] == "IMAGINE"
    assert record["prompt"] == "a lighthouse --ar 3:2" and record["fail_reason"] == ""
    assert record["grid_image_url"].endswith(f"/fake-cdn/{task_id}/grid.png")
    assert [u.rsplit("/", 1)[1] for u in record["image_urls"]] == [
        "0.png", "1.png", "2.png", "3.png"]
    assert record["buttons"][0] == {"custom_id": f"MJ::JOB::upsample::1::{job.hash}",
                                    "label": "U1"}
    assert record["buttons"][4] == {"custom_id": f"MJ::JOB::reroll::0::{job.hash}::SOLO",
                                    "label": "🔄"}
    assert [b["label"] for b in record["buttons"]] == [
        "U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"]
    assert all(set(b) == {"custom_id", "label"} for b in record["buttons"])


def test_status_json_error_for_an_unknown_task(capsys, fake) -> None:
    code, out, _ = run(capsys, "status", "--json", "task_01KNOSUCHTASK000")
    assert code == 1
    record = json.loads(out)
    assert record["id"] == "task_01KNOSUCHTASK000"
    assert record["error"] == {"kind": "not_found", "http_status": 404,
                               "message": "task not found"}
    assert "task_01KNOSUCHTASK000" not in load_session(session_file())  # not ours: not recorded


def test_status_of_a_forgotten_task_keeps_its_results(capsys, fake) -> None:
    task_id = new_grid(capsys, fake, "an old castle")
    assert run(capsys, "status", task_id)[0] == 0
    job = fake.store.jobs.pop(task_id)  # the API forgot it (3-day retention)
    try:
        code, out, _ = run(capsys, "status", "--json", task_id)
    finally:
        fake.store.add(job)
    assert code == 1
    record = json.loads(out)
    assert record["status"] == "EXPIRED" and record["error"]["kind"] == "not_found"
    assert record["prompt"] == "an old castle" and len(record["image_urls"]) == 4
    assert load_session(session_file()).get(task_id).task.status is Status.EXPIRED


def test_status_without_ids_lists_the_session(capsys, fake) -> None:
    code, out, err = run(capsys, "status")
    assert code == 0 and out == "" and "no tasks" in err
    first = new_grid(capsys, fake, "one")
    second = new_grid(capsys, fake, "two")
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == [first, second]
    code, out, _ = run(capsys, "status")
    assert [line.split()[0] for line in out.splitlines()] == [first, second]


def test_status_of_a_failed_task_exits_1(capsys, fake) -> None:
    task_id = new_grid(capsys, fake, "a boxer --fail bruised")
    code, out, _ = run(capsys, "status", task_id)
    assert code == 1
    assert "FAILED" in out and "Banned prompt detected: bruised" in out


def test_status_output_is_printable(capsys, fake) -> None:
    task_id = new_grid(capsys, fake, "evil \x1b]52;c;aGk=\x07 \u202etxt")
    code, out, _ = run(capsys, "status", task_id)
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]52;c;aGk=\\x07" in out and "\\u202e" in out
    code, out, _ = run(capsys, "status", "--json", task_id)
    assert "\x1b" not in out and json.loads(out)["prompt"].startswith("evil \x1b]52")


# -- watch and imagine -------------------------------------------------------------------


def test_imagine_prints_only_the_id_and_sends_the_exact_body(capsys, fake) -> None:
    code, out, err = run(capsys, "imagine", "a lighthouse", "--ar", "16:9", "--version", "7",
                         "--stylize", "100", "--chaos", "20", "--quality", "2", "--seed", "42",
                         "--no", "people", "--style", "raw", "--weird", "5", "--speed", "fast",
                         "--tile", "--image-url", "https://example.com/ref.png",
                         "--label", "my lighthouse")
    assert code == 0 and err == ""
    task_id = out.strip()
    assert out == task_id + "\n" and task_id.startswith("task_")
    assert posts(fake) == [(f"{GEN}/imagine", {
        "prompt": "a lighthouse", "size": "16:9", "version": "7", "stylize": 100,
        "chaos": 20, "quality": "2", "seed": 42, "negative_prompt": "people", "style": "raw",
        "weird": 5, "speed": "fast", "tile": True,
        "image_urls": ["https://example.com/ref.png"]})]
    tracked = load_session(session_file()).get(task_id)
    assert tracked is not None and tracked.origin == "imagine" and tracked.parent_id == ""
    assert tracked.label == "my lighthouse"


def test_imagine_minimal_body_and_empty_prompt(capsys, fake) -> None:
    assert run(capsys, "imagine", "just words")[0] == 0
    assert posts(fake) == [(f"{GEN}/imagine", {"prompt": "just words"})]
    code, out, err = run(capsys, "imagine", "   ")
    assert code == 2 and out == "" and "prompt is empty" in err
    assert len(posts(fake)) == 1


def test_imagine_watch_until_success(capsys, fake) -> None:
    code, out, _ = run(capsys, "imagine", "a koi pond", "--watch", "--poll-interval", "1")
    assert code == 0
    lines = out.splitlines()
    task_id = lines[0]
    assert task_id.startswith("task_") and len(lines) >= 3
    assert all(line.startswith(task_id + "  ") for line in lines[1:])
    assert "DONE" in lines[-1] and "100%" in lines[-1]
    assert not any("DONE" in line for line in lines[1:-1])
    assert len(set(lines[1:])) == len(lines) - 1  # a line per change, no repeats
    tracked = load_session(session_file()).get(task_id)
    assert tracked.task.status is Status.SUCCESS and len(tracked.task.buttons) == 9


def test_watch_exits_1_when_a_task_fails(capsys, fake) -> None:
    ok = run(capsys, "imagine", "a calm sea")[1].strip()
    bad = run(capsys, "imagine", "a boxer --fail gore")[1].strip()
    code, out, _ = run(capsys, "--poll-interval", "1", "watch", "--json", ok, bad)
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    last = {r["id"]: r for r in records}
    assert last[ok]["status"] == "SUCCESS"
    assert last[bad]["status"] == "FAILURE"
    assert last[bad]["fail_reason"] == "Banned prompt detected: gore"
    assert last[bad]["progress"] == 40
    session = load_session(session_file())
    assert session.get(bad).task.status is Status.FAILURE


def test_watch_success_exits_0_and_finished_tasks_are_printed(capsys, fake) -> None:
    task_id = run(capsys, "imagine", "a quiet forest")[1].strip()
    code, out, _ = run(capsys, "watch", task_id, "--poll-interval", "1")
    assert code == 0 and "DONE" in out.splitlines()[-1]
    # Already finished in the session: checked once, printed, same exit code.
    fake.requests.clear()
    code, out, _ = run(capsys, "watch", task_id)
    assert code == 0
    assert len(out.splitlines()) == 1 and "DONE" in out
    assert [r.path for r in fake.requests] == [f"/v1/midjourney/{task_id}"]
    failed = new_grid(capsys, fake, "x --fail nope")
    assert run(capsys, "status", failed)[0] == 1  # now a FAILURE in the session
    code, out, _ = run(capsys, "watch", failed)
    assert code == 1 and "FAILED" in out and "Banned prompt detected: nope" in out
    # The API forgot a task the session knows: EXPIRED, with the results kept.
    job = fake.store.jobs.pop(task_id)
    try:
        code, out, _ = run(capsys, "watch", "--json", task_id)
    finally:
        fake.store.add(job)
    assert code == 1
    record = json.loads(out)
    assert record["status"] == "EXPIRED" and record["prompt"] == "a quiet forest"
    assert len(record["image_urls"]) == 4
    # Unknown to both: EXPIRED, exit 1, and not added to the session.
    code, out, _ = run(capsys, "watch", "task_01KNEVERSEEN0000")
    assert code == 1 and "EXPIRED" in out
    assert "task_01KNEVERSEEN0000" not in load_session(session_file())


def test_watch_stops_at_modal(capsys, fake) -> None:
    grid = new_grid(capsys, fake, "a harbour")
    single = run(capsys, "action", grid, "U1")[1].strip()
    finish(fake, single)
    started = time.monotonic()
    code, out, err = run(capsys, "action", single, "vary-region", "--watch")
    assert time.monotonic() - started < 5
    assert code == 0
    region, line = out.splitlines()
    assert line.startswith(region) and "NEEDS INPUT" in line
    assert f"mjtui modal {region}" in err


def test_watch_invalid_id(capsys, fake) -> None:
    code, out, err = run(capsys, "watch", "task_01KOK00000000000000", "bad id")
    assert code == 2 and out == "" and "whitespace" in err
    assert fake.requests == []


# -- action and modal --------------------------------------------------------------------


def test_action_buttons_on_a_grid(capsys, fake) -> None:
    parent = new_grid(capsys, fake, "a lighthouse")
    h = fake.job(parent).hash
    cases = [
        ("U2", "upscale", f"MJ::JOB::upsample::2::{h}"),
        ("V1", "variation", f"MJ::JOB::variation::1::{h}"),
        ("reroll", "reroll", f"MJ::JOB::reroll::0::{h}::SOLO"),
        (f"MJ::JOB::variation::4::{h}", "variation", f"MJ::JOB::variation::4::{h}"),
    ]
    children = {}
    for name, endpoint, custom_id in cases:
        fake.requests.clear()
        code, out, err = run(capsys, "action", parent, name)
        assert code == 0, err
        child = out.strip()
        assert out == child + "\n" and child.startswith("task_") and child != parent
        assert [(r.method, r.path) for r in fake.requests] == [
            ("GET", f"/v1/midjourney/{parent}"), ("POST", f"{GEN}/{endpoint}")]
        assert fake.requests[1].json_body == {"task_id": parent, "custom_id": custom_id}
        assert fake.job(child).parent_id == parent
        children[name] = child
    session = load_session(session_file())
    for name, child in children.items():
        tracked = session.get(child)
        assert tracked.parent_id == parent and tracked.origin == name
    assert set(session.get(parent).used_buttons) == {c for _, _, c in cases}
    assert fake.job(children["U2"]).action == "UPSCALE"
    assert fake.job(children["reroll"]).action == "REROLL"


def test_action_buttons_on_an_upscaled_image_and_modal(capsys, fake) -> None:
    grid = new_grid(capsys, fake, "a harbour")
    single = run(capsys, "action", grid, "U3")[1].strip()
    finish(fake, single)
    h = fake.job(single).hash
    cases = [
        ("zoom-2x", "zoom", f"MJ::Outpaint::50::1::{h}::SOLO"),
        ("zoom-1.5x", "zoom", f"MJ::Outpaint::75::1::{h}::SOLO"),
        ("pan-left", "pan", f"MJ::JOB::pan_left::1::{h}::SOLO"),
        ("vary-subtle", "low-variation", f"MJ::JOB::low_variation::1::{h}::SOLO"),
        ("vary-strong", "high-variation", f"MJ::JOB::high_variation::1::{h}::SOLO"),
        ("upscale-subtle", "upscale", f"MJ::JOB::upsample_v7_2x_subtle::1::{h}::SOLO"),
        ("vary-region", "inpaint", f"MJ::Inpaint::1::{h}::SOLO"),
    ]
    made = {}
    for name, endpoint, custom_id in cases:
        fake.requests.clear()
        code, out, err = run(capsys, "action", single, name)
        assert code == 0, err
        made[name] = out.strip()
        assert posts(fake) == [(f"{GEN}/{endpoint}", {"task_id": single, "custom_id": custom_id})]

    region = made["vary-region"]
    session = load_session(session_file())
    assert session.get(region).task.status is Status.MODAL
    assert session.get(region).parent_id == single and session.get(region).origin == "vary-region"
    assert session.get(made["pan-left"]).origin == "pan-left"
    assert fake.state(region).status == "MODAL"

    fake.requests.clear()
    code, out, err = run(capsys, "modal", region, "--prompt", "a red boat",
                         "--mask-url", "https://example.com/mask.png")
    assert code == 0, err
    assert out == region + "\n"  # the same task runs on
    assert posts(fake) == [(f"{GEN}/modal", {"task_id": region, "prompt": "a red boat",
                                             "mask_url": "https://example.com/mask.png"})]
    assert fake.state(region).status in ("SUBMITTED", "IN_PROGRESS")
    assert load_session(session_file()).get(region).task.status is Status.SUBMITTED
    # A second answer is refused before any POST (no longer MODAL): exit 2 saying why.
    fake.requests.clear()
    code, out, err = run(capsys, "modal", region)
    assert code == 2 and "not MODAL" in err and posts(fake) == []


def test_action_refusals(capsys, fake) -> None:
    running = run(capsys, "imagine", "still running")[1].strip()
    fake.requests.clear()
    code, out, err = run(capsys, "action", running, "U1")
    assert code == 1 and out == ""
    assert "is still running" in err and running in err
    assert posts(fake) == []  # only the GET that found it running

    grid = new_grid(capsys, fake, "a grid")
    fake.requests.clear()
    code, out, err = run(capsys, "action", grid, "frobnicate")
    assert code == 2 and "unknown button 'frobnicate'" in err
    assert fake.requests == []  # refused before any request

    code, out, err = run(capsys, "action", grid, "zoom-2x")  # a grid has no zoom
    assert code == 2 and "does not offer zoom-2x" in err and "U1" in err
    assert posts(fake) == []

    code, out, err = run(capsys, "action", "bad/id", "U1")
    assert code == 2 and "contains '/'" in err

    code, out, err = run(capsys, "action", "task_01KNOSUCHTASK000", "U1")
    assert code == 1 and "task not found" in err


def test_action_api_refusal_exits_1(capsys, fake) -> None:
    grid = new_grid(capsys, fake, "a grid")
    fake.faults.add(Fault("status", status=400, method="POST", times=1,
                          body={"code": 4, "description": "index must be between 1 and 4"}))
    code, out, err = run(capsys, "action", grid, "U1")
    assert code == 1 and out == ""
    assert "index must be between 1 and 4" in err


# -- common options, help ----------------------------------------------------------------


def test_common_options_before_and_after_the_command(capsys, fake, isolated_dirs) -> None:
    first = new_grid(capsys, fake, "one")  # default session
    code, out, _ = run(capsys, "--session", "work", "imagine", "two")
    assert code == 0
    second = out.strip()
    code, out, _ = run(capsys, "imagine", "three", "--session", "work")
    third = out.strip()
    for argv in (["--session", "work", "status"], ["status", "--session", "work"],
                 ["--session", "work", "status", "--session", "work"]):
        code, out, _ = run(capsys, *argv)
        assert [line.split()[0] for line in out.splitlines()] == [second, third], argv
    code, out, _ = run(capsys, "status")
    assert [line.split()[0] for line in out.splitlines()] == [first]
    assert session_file("work") == isolated_dirs / "data" / "sessions" / "work.toml"
    assert session_file("work").exists()
    path = isolated_dirs / "elsewhere" / "s.toml"
    assert run(capsys, "status", second, "--session", str(path))[0] == 0
    assert second in load_session(path)


def test_split_command() -> None:
    assert split_command(["--session", "status", "status"]) == (
        ["--session", "status"], "status", [])
    assert split_command(["--demo", "--poll-interval", "2", "watch", "x"]) == (
        ["--demo", "--poll-interval", "2"], "watch", ["x"])
    assert split_command(["task_01K"]) == (["task_01K"], None, [])
    assert split_command(["--", "status"]) == (["--", "status"], None, [])


def test_help_documents_the_common_options(capsys) -> None:
    for argv in (["--help"], ["status", "--help"], ["imagine", "--help"], ["action", "--help"],
                 ["--demo", "watch", "--help"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0, argv
        for option in COMMON_OPTIONS:
            assert option in out, (argv, option)
        assert "APIMART_API_KEY" in out and "exit codes" in out
    out = run(capsys, "action", "--help")[1]
    for name in ("U1-U4", "V1-V4", "reroll", "vary-region", "zoom-1.5x", "pan-left",
                 "upscale-creative", "customId"):
        assert name in out


def test_usage_errors_exit_2(capsys) -> None:
    assert run(capsys, "status", "--frobnicate")[0] == 2
    assert run(capsys, "action", "task_x")[0] == 2  # BUTTON missing
    assert run(capsys, "watch")[0] == 2
    code, _, err = run(capsys, "--poll-interval", "abc", "status")
    assert code == 2 and err.startswith("usage: mjtui") and "invalid float value" in err
    code, _, err = run(capsys, "--json", "status")  # a command option before the command
    assert code == 2 and "mjtui: error: unrecognized arguments: --json" in err


def test_settings_warnings_are_shown(capsys, fake) -> None:
    code, _, err = run(capsys, "--poll-interval", "0.01", "status")
    assert code == 0 and "mjtui: warning: poll_interval 0.01 s is outside" in err


# -- exit codes and messages -------------------------------------------------------------


def test_no_token_exits_3_naming_the_variable(capsys, fake, monkeypatch) -> None:
    monkeypatch.delenv("APIMART_API_KEY")
    code, out, err = run(capsys, "status", "task_01KXXXXXXXXXXXXXXX")
    assert code == 3 and out == "" and "APIMART_API_KEY" in err
    assert fake.requests == []


def test_bad_token_exits_3(capsys, fake, monkeypatch) -> None:
    monkeypatch.setenv("APIMART_API_KEY", "sk-wrong")
    jobs = len(fake.store.jobs)
    for argv in (["status", "task_01KXXXXXXXXXXXXXXX"], ["imagine", "a cat"], ["action", "task_01KXXXXXXXXXXXXXXX", "U1"]):
        code, out, err = run(capsys, *argv)
        assert out == ""
        assert code == 3 and "rejected" in err and "sk-wrong" not in err, argv
    assert [r.status for r in fake.requests] == [401, 401, 401]
    assert len(fake.store.jobs) == jobs  # nothing was created


def test_plain_http_to_a_remote_host_exits_3(capsys, fake) -> None:
    code, _, err = run(capsys, "--base-url", "http://example.com", "status", "task_01KXXXXXXXXXXXXXXX")
    assert code == 3 and "in clear" in err
    code, _, err = run(capsys, "status", "--base-url", "ftp://example.com", "task_01KXXXXXXXXXXXXXXX")
    assert code == 3


def test_invalid_id_exits_2_with_the_reason(capsys, fake) -> None:
    for task_id, reason in (("a/b", "contains '/'"), ("x" * 200, "characters long"),
                            ("task\x1b[31m", "control character"), ("..", "not an ID")):
        code, out, err = run(capsys, "status", task_id)
        assert code == 2 and reason in err and out == ""
        assert "\x1b" not in err
    assert fake.requests == []


def test_post_timeout_says_outcome_unknown_and_posts_once(capsys, fake, monkeypatch) -> None:
    # The real deadline is a minute; shrink it for this run.
    monkeypatch.setattr(mjtui.runtime, "ApimartClient", partial(ApimartClient, deadline=0.3))
    fake.faults.add(Fault("slow", seconds=1.0, method="POST", times=1))
    started = time.monotonic()
    code, out, err = run(capsys, "imagine", "a cat in the rain")
    assert time.monotonic() - started < 1.0
    assert code == 1 and out == ""
    assert "outcome unknown, check before retrying" in err
    deadline = time.monotonic() + 5
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.05)  # the fake logs the POST once its own delay is over
    time.sleep(0.2)
    assert posts(fake) == [(f"{GEN}/imagine", {"prompt": "a cat in the rain"})]
    assert len(fake.requests) == 1


def test_server_errors_exit_1(capsys, fake) -> None:
    fake.faults.add(Fault("status", status=502, times=1))
    code, out, _ = run(capsys, "status", "--json", "task_01KANY00000000000")
    assert code == 1
    assert json.loads(out)["error"] == {"kind": "server", "http_status": 502,
                                        "message": "HTTP 502: non-JSON text/html (50 bytes)"}


# -- the session file --------------------------------------------------------------------


def test_session_file_holds_every_task_and_never_the_token(capsys, fake) -> None:
    grid = new_grid(capsys, fake, "a lighthouse")
    up = run(capsys, "action", grid, "U1")[1].strip()
    other = new_grid(capsys, fake, "another")
    fake.requests.clear()
    # Queried only (not made here): recorded too.
    foreign = fake.create_job(TOKEN, "IMAGINE", "made elsewhere", queue_s=0, run_s=0).id
    assert run(capsys, "status", foreign)[0] == 0
    path = session_file()
    raw = path.read_text(encoding="utf-8")
    assert TOKEN not in raw and "Bearer" not in raw
    data = tomllib.loads(raw)
    assert data["version"] == 1
    ids = [t["id"] for t in data["tasks"]]
    assert set(ids) == {grid, up, other, foreign}
    session = load_session(path)
    assert session.get(up).parent_id == grid and session.get(up).origin == "U1"
    assert session.get(foreign).task.prompt == "made elsewhere"
    for stray in path.parent.iterdir():
        assert TOKEN not in stray.read_text(encoding="utf-8", errors="replace")


# -- demo --------------------------------------------------------------------------------


def test_demo_status_lists_the_seeded_jobs(capsys, isolated_dirs) -> None:
    code, out, _ = run(capsys, "--demo", "status")
    assert code == 1  # the demo holds a failed job
    lines = out.splitlines()
    assert len(lines) == 9
    statuses = " ".join(lines)
    for status in ("DONE", "FAILED", "NEEDS INPUT", "RUNNING", "SUBMITTED"):
        assert status in statuses
    code, out, _ = run(capsys, "status", "--json", "--demo")
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 9 and all(JSON_KEYS <= set(r) for r in records)
    assert [r["id"] for r in records] == [line.split()[0] for line in lines]
    assert any(r["fail_reason"].startswith("Banned prompt") for r in records)
    assert any(len(r["prompts"]) == 4 for r in records)  # the finished describe
    assert any(len(r["video_urls"]) == 2 for r in records)  # the finished video
    demo = isolated_dirs / "data" / "sessions" / "demo.toml"
    assert demo.exists() and not session_file().exists()


def test_a_demo_killed_while_running_comes_back_with_the_same_jobs(tmp_path: Path) -> None:
    # The dashboard saves the session while it runs. A demo killed then (its terminal
    # closed, so no clean exit) came back with its jobs expired beside seven new ones.
    from mjtui.demo import prepare_demo
    from mjtui.fake import FakeApimart
    from mjtui.fake.demo import DEMO_TOKEN
    from mjtui.session import load_session, save_session

    path = tmp_path / "demo.toml"
    first = load_session(path)
    prepare_demo(FakeApimart(tokens={DEMO_TOKEN}), first)
    save_session(first)  # an autosave; then the process is killed
    fake = FakeApimart(tokens={DEMO_TOKEN})
    again = load_session(path)
    prepare_demo(fake, again)
    assert len(again) == 9 and set(again.tasks) <= set(fake.store.jobs)


# -- subprocesses: no TTY, exit codes, no Textual ----------------------------------------


def test_exit_codes_in_a_subprocess(server) -> None:
    base = server.base_url
    result = mjtui_subprocess("status", "task_01KXXXXXXXXXXXXXXX", env=env_for_subprocess())
    assert result.returncode == 3 and "APIMART_API_KEY" in result.stderr
    result = mjtui_subprocess("status", "task_01KXXXXXXXXXXXXXXX", env=env_for_subprocess(
        APIMART_API_KEY="sk-wrong", APIMART_BASE_URL=base))
    assert result.returncode == 3 and "rejected" in result.stderr
    result = mjtui_subprocess("status", "a/b", env=env_for_subprocess(
        APIMART_API_KEY=TOKEN, APIMART_BASE_URL=base))
    assert result.returncode == 2 and "contains '/'" in result.stderr
    result = mjtui_subprocess("imagine", "from a pipe", env=env_for_subprocess(
        APIMART_API_KEY=TOKEN, APIMART_BASE_URL=base))  # no TTY anywhere: works the same
    assert result.returncode == 0 and result.stdout.strip() in server.fake.store.jobs


def test_headless_commands_do_not_import_textual(isolated_dirs) -> None:
    code = ("import sys, mjtui.cli, mjtui.cli.run; mjtui.cli.main(['--demo','status']); "
            "print('textual' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], env=env_for_subprocess(), check=False,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert result.stdout.splitlines()[-1] == "False", result.stderr
    assert len(result.stdout.splitlines()) == 10  # the 9 demo jobs, then the answer


def test_info_never_shows_the_token(capsys, fake) -> None:
    code, out, _ = run(capsys, "info")
    assert code == 0
    assert TOKEN not in out and "set (from env APIMART_API_KEY)" in out
    assert fake.requests == []


def test_fake_server_command(isolated_dirs) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "mjtui", "fake-server", "--port", str(port),
                             "--token", "sk-cli-token", "--run-seconds", "1"],
                            env=env_for_subprocess(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/v1/balance"
        deadline = time.monotonic() + 15
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                anonymous = httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "fake-server did not start"
                time.sleep(0.1)
        assert anonymous.status_code == 401
        ok = httpx.get(url, headers={"Authorization": "Bearer sk-cli-token"}, timeout=2)
        assert ok.status_code == 200 and ok.json()["success"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_fake_server_refuses_a_public_host(capsys) -> None:
    code, _, err = run(capsys, "fake-server", "--host", "0.0.0.0", "--port", "1")
    assert code == 2 and "loopback" in err


def test_a_status_line_for_an_unknown_task_says_why() -> None:
    from mjtui.api.errors import NotFound
    from mjtui.api.models import Task
    from mjtui.cli.context import task_line

    line = task_line(Task(id="task_01KNEVERSEEN0000"), NotFound("task not found", http_status=404))
    assert "[not_found] task not found" in line
    cached = Task(id="task_01KSEEN", prompt="a red fox")  # a task we hold keeps its prompt
    assert task_line(cached, NotFound("task not found", http_status=404)).endswith("a red fox")


def test_a_session_that_cannot_be_saved_fails_an_otherwise_good_run(
        capsys, fake, monkeypatch) -> None:
    def refuse(session: object) -> None:
        raise SessionError("cannot write session file /x/default.toml: Read-only file system")

    monkeypatch.setattr("mjtui.cli.context.save_session", refuse)
    code, out, err = run(capsys, "imagine", "a harbour at night")
    assert code == 3  # the job started (its ID is printed) but the session does not know it
    assert out.strip() and "session not saved: cannot write session file" in err


def test_an_unknown_keymap_id_exits_3_for_every_command(capsys, fake, isolated_dirs) -> None:
    config = isolated_dirs / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[keymap]\nupscal = 'U'\n")
    jobs = len(fake.store.jobs)
    for argv in (["status", "task_01KXXXXXXXXXXXXXXX"], ["imagine", "a cat"], ["info"]):
        code, out, err = run(capsys, *argv)
        assert code == 3 and out == "", argv
        assert str(config) in err and "'upscal'" in err and "upscale" in err, argv
    assert fake.requests == [] and len(fake.store.jobs) == jobs
