"""Every job kind's command end to end against the fake apimart on a loopback port:
describe, blend, edits, video, upload, balance, imagine's image options, CANCEL.

Jobs are finished by backdating them in the fake (no sleeping); only `--watch` polls.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import cli, fake_fixture, server_fixture  # noqa: F401 - fixtures
from PIL import Image

from mjtui.fake import FakeApimart, Fault
from mjtui.session import load_session, resolve_session_path

GEN = "/v1/midjourney/generations"
UPLOAD = "/v1/uploads/images"
URL = "https://example.com/a.png"


def picture(folder: Path, name: str = "a.png", fmt: str = "PNG",
            colour: tuple[int, int, int] = (10, 20, 30)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format=fmt)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return str(path)


def posts(fake: FakeApimart, path: str = "") -> list[dict[str, Any] | None]:
    return [r.json_body for r in fake.requests if r.method == "POST" and r.path.startswith(path)]


def finish(fake: FakeApimart, task_id: str) -> None:
    fake.job(task_id).submitted_at -= 120


def tracked(task_id: str) -> Any:
    return load_session(resolve_session_path(None)).get(task_id)


# -- describe ------------------------------------------------------------------------------


def test_describe_prints_the_id_then_with_watch_the_four_prompts(capsys, fake, tmp_path) -> None:
    code, out, _ = cli(capsys, "describe", URL)
    assert code == 0 and out.strip() in fake.store.jobs
    assert posts(fake, GEN) == [{"image_urls": [URL]}]
    assert tracked(out.strip()).origin == "describe"
    code, out, err = cli(capsys, "describe", picture(tmp_path), "--watch", "--poll-interval", "1",
                         "--speed", "fast")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 5 and lines[0] in fake.store.jobs
    assert all(line and not line.startswith(("1", "2", "3", "4")) for line in lines[1:])
    assert "DONE" in err  # progress went to stderr
    assert posts(fake, GEN)[-1]["speed"] == "fast"
    code, out, _ = cli(capsys, "status", "--json", lines[0])
    assert json.loads(out)["prompts"] == lines[1:]


def test_describe_watch_json(capsys, fake) -> None:
    code, out, _ = cli(capsys, "describe", URL, "--watch", "--json", "--poll-interval", "1")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and records[0] == {"task_id": records[-1]["task_id"]}
    assert len(records[-1]["prompts"]) == 4


def test_describe_again_is_refused_before_any_request(capsys, fake) -> None:
    """A describe's 🔄 has no documented endpoint: exit 2 with the reason, nothing sent (it
    used to be guessed as an upscale, which the API refuses after a billed attempt)."""
    code, out, _ = cli(capsys, "describe", URL)
    describe = out.strip()
    finish(fake, describe)
    cli(capsys, "status", describe)
    assert "MJ::Picread::Retry" in [b.custom_id for b in tracked(describe).task.buttons]
    fake.requests.clear()
    for name in ("describe-again", "MJ::Picread::Retry"):
        code, out, err = cli(capsys, "action", describe, name)
        assert (code, out) == (2, "")
        assert "Describe again: a describe's 🔄 has no apimart endpoint" in err
        assert "`mjtui describe IMAGE`" in err
    assert posts(fake) == [] and fake.requests == []  # no POST, not even the task's GET


# -- blend, edits --------------------------------------------------------------------------


def test_blend(capsys, fake, tmp_path) -> None:
    code, out, _ = cli(capsys, "blend", URL, picture(tmp_path), "--dimensions", "landscape",
                       "--json", "--speed", "turbo")
    assert code == 0 and json.loads(out)["task_id"] in fake.store.jobs
    body = posts(fake, GEN)[-1]
    assert body["dimensions"] == "LANDSCAPE" and body["speed"] == "turbo"
    assert body["image_urls"][0] == URL and "/fake-cdn/uploads/" in body["image_urls"][1]
    for images in ([URL], [URL] * 5):
        code, _, err = cli(capsys, "blend", *images)
        assert code == 2 and "2 to 4 images" in err
    code, _, _ = cli(capsys, "blend", URL, URL, "--dimensions", "round")
    assert code == 2
    assert len(posts(fake, GEN)) == 1


def test_edits_takes_the_imagine_fields(capsys, fake) -> None:
    code, out, _ = cli(capsys, "edits", URL, "make it blue", "--ar", "16:9", "--stylize", "50",
                       "--speed", "fast", "--cref", "https://example.com/c.png")
    assert code == 0
    assert posts(fake, GEN) == [{"prompt": "make it blue", "size": "16:9", "stylize": 50,
                                 "speed": "fast", "image_urls": [URL],
                                 "cref": "https://example.com/c.png"}]
    finish(fake, out.strip())
    code, status, _ = cli(capsys, "status", "--json", out.strip())
    assert json.loads(status)["action"] == "EDITS" and len(json.loads(status)["image_urls"]) == 4
    code, _, err = cli(capsys, "edits", URL, "x", "--stylize", "5000")
    assert code == 2 and "--stylize" in err and len(posts(fake, GEN)) == 1


# -- video ---------------------------------------------------------------------------------


def test_video_from_a_task_tile_counts_from_one(capsys, fake) -> None:
    code, out, _ = cli(capsys, "imagine", "a harbour")
    grid = out.strip()
    code, _, err = cli(capsys, "video", "--task", grid)  # not finished yet
    assert code == 1 and "finished" in err and not posts(fake, f"{GEN}/video")
    finish(fake, grid)
    code, out, _ = cli(capsys, "video", "--task", grid, "--index", "4", "--motion", "high",
                       "--batch-size", "2", "--prompt", "waves roll in")
    assert code == 0
    assert posts(fake, f"{GEN}/video") == [{"task_id": grid, "index": 3, "motion": "high",
                                             "batch_size": 2, "prompt": "waves roll in"}]
    video = out.strip()
    assert tracked(video).parent_id == grid
    finish(fake, video)
    code, out, _ = cli(capsys, "status", "--json", video)
    record = json.loads(out)
    assert code == 0 and len(record["video_urls"]) == 2 and record["action"] == "VIDEO"


def test_video_from_images(capsys, fake, tmp_path) -> None:
    start, end = picture(tmp_path, "start.png"), picture(tmp_path, "end.webp", "WEBP")
    code, _, _ = cli(capsys, "video", start, "--end", end, "--watch", "--poll-interval", "1",
                     "--speed", "fast")
    assert code == 0
    body = posts(fake, f"{GEN}/video")[0]
    assert body["speed"] == "fast"
    assert body["image_urls"][0].endswith(".png") and body["end_url"].endswith(".webp")
    assert len(posts(fake, UPLOAD)) == 2


@pytest.mark.parametrize(("argv", "why"), [
    (["video"], "either IMAGE or --task"),
    (["video", URL, "--task", "task_01KXXXXXXXXXXXXXXXXX"], "either IMAGE or --task"),
    (["video", URL, "--index", "2"], "--index"),
    (["video", "--task", "task_01KXXXXXXXXXXXXXXXXX", "--index", "5"], "invalid choice"),
    (["video", "--task", "not-a-task"], "task"),
    (["video", URL, "--batch-size", "3"], "invalid choice"),
    (["video", URL, "--motion", "wild"], "invalid choice"),
    (["video", URL, "--speed", "ludicrous"], "invalid choice"),
])
def test_video_usage_errors_send_nothing(capsys, fake, argv, why) -> None:
    code, _, err = cli(capsys, *argv)
    assert code == 2 and why in err
    assert not posts(fake)


def pressed(capsys: pytest.CaptureFixture[str], fake: FakeApimart, *argv: str) -> str:
    """The task a command started, finished (backdated in the fake)."""
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    finish(fake, out.strip())
    return out.strip()


def finished_grid(capsys: pytest.CaptureFixture[str], fake: FakeApimart) -> list[str]:
    return ["action", pressed(capsys, fake, "imagine", "a harbour"), "V1"]


def waiting_in_modal(capsys: pytest.CaptureFixture[str], fake: FakeApimart) -> list[str]:
    single = pressed(capsys, fake, "action", pressed(capsys, fake, "imagine", "a harbour"), "U2")
    code, out, err = cli(capsys, "action", single, "vary-region")
    assert code == 0 and fake.state(out.strip()).status == "MODAL", err
    return ["modal", out.strip(), "--prompt", "a red boat"]


@pytest.mark.parametrize("argv", [["imagine", "a cat"], ["describe", URL], ["blend", URL, URL],
                                  ["edits", URL, "make it red"], ["video", URL],
                                  finished_grid, waiting_in_modal])
def test_every_submitting_command_prints_json_and_takes_a_speed(capsys, fake, argv) -> None:
    argv = argv(capsys, fake) if callable(argv) else argv
    code, out, err = cli(capsys, *argv, "--json", "--speed", "turbo", "--label", "mine")
    [record] = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and set(record) == {"task_id"} and record["task_id"] in fake.store.jobs, err
    assert posts(fake, GEN)[-1]["speed"] == "turbo"
    # The fake runs what it was asked to (a video always runs fast: docs/api-notes.md#video).
    assert fake.job(record["task_id"]).speed == ("fast" if argv[0] == "video" else "turbo")
    assert tracked(record["task_id"]).label == "mine"


# -- local images and uploads --------------------------------------------------------------


def test_upload_prints_the_url_once_per_content(capsys, fake, tmp_path) -> None:
    path = picture(tmp_path)
    code, out, _ = cli(capsys, "upload", path)
    assert code == 0 and "/fake-cdn/uploads/" in out
    code, again, _ = cli(capsys, "upload", path)
    assert code == 0 and again == out
    # The same content under another name, then used by describe and imagine: no upload.
    copy = tmp_path / "copy.png"
    copy.write_bytes(Path(path).read_bytes())
    assert cli(capsys, "describe", str(copy))[0] == 0
    assert cli(capsys, "imagine", "a cat", "--image", str(copy), "--sref", path)[0] == 0
    assert len(posts(fake, UPLOAD)) == 1
    assert posts(fake, GEN)[-1]["image_urls"] == [out.strip()]
    assert posts(fake, GEN)[-1]["sref"] == out.strip()


def test_bad_local_images_exit_2_with_the_reason(capsys, fake, tmp_path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("hello")
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)
    bmp = picture(tmp_path, "a.bmp", "BMP")
    for argv, why in ((["upload", str(text)], "not a JPEG, PNG, WebP or GIF"),
                      (["upload", str(huge)], "20 MB"),
                      (["describe", bmp], "not a JPEG"),
                      (["blend", URL, str(tmp_path / "missing.png")], "does not exist"),
                      (["imagine", "a cat", "--image", str(text)], "not a JPEG"),
                      (["upload", URL], "local file")):
        code, _, err = cli(capsys, *argv)
        assert code == 2 and why in err, (argv, err)
    assert not posts(fake)


def test_a_failed_upload_exits_1_and_starts_nothing(capsys, fake, tmp_path) -> None:
    fake.faults.add(Fault("status", status=500, path_prefix=UPLOAD, times=1,
                          body={"error": {"message": "upload failed"}}))
    code, _, err = cli(capsys, "describe", picture(tmp_path))
    assert code == 1 and "upload failed" in err
    assert not posts(fake, GEN)


def test_read_only_refuses_before_uploading(capsys, fake, tmp_path) -> None:
    for argv in (["describe", picture(tmp_path)], ["blend", URL, URL], ["video", URL],
                 ["edits", URL, "x"], ["imagine", "a cat", "--image", picture(tmp_path)]):
        code, _, err = cli(capsys, "--read-only", *argv)
        assert code == 2 and "read-only" in err
    assert not posts(fake)


# -- imagine's new options -----------------------------------------------------------------


def test_imagine_image_prompts_references_and_fields(capsys, fake, tmp_path) -> None:
    local = picture(tmp_path)
    code, out, _ = cli(capsys, "imagine", "a cat", "--image", URL, "--image", local,
                       "--sref", URL, "--cref", local, "--style", "raw", "--weird", "100",
                       "--tile", "--niji", "--iw", "1.5", "--sw", "200", "--cw", "40",
                       "--repeat", "3", "--draft", "--json", "--speed", "relax")
    assert code == 0 and set(json.loads(out)) == {"task_id"}
    body = posts(fake, GEN)[-1]
    uploaded = body["image_urls"][1]
    assert "/fake-cdn/uploads/" in uploaded and body["cref"] == uploaded
    assert {k: v for k, v in body.items() if k not in ("image_urls", "cref")} == {
        "prompt": "a cat", "style": "raw", "weird": 100, "tile": True, "niji": True,
        "iw": 1.5, "sw": 200, "cw": 40, "repeat": 3, "draft": True, "sref": URL,
        "speed": "relax"}


@pytest.mark.parametrize(("option", "value"), [("--iw", "3.5"), ("--sw", "1001"),
                                               ("--cw", "101"), ("--repeat", "41"),
                                               ("--repeat", "1"), ("--weird", "3001")])
def test_imagine_field_limits(capsys, fake, option, value) -> None:
    code, _, err = cli(capsys, "imagine", "a cat", option, value)
    assert code == 2 and option in err and not posts(fake)


# -- balance -------------------------------------------------------------------------------


def test_balance_human_json_and_account(capsys, fake) -> None:
    code, out, _ = cli(capsys, "balance")
    assert code == 0 and out.startswith("key") and "remaining" in out and "used" in out
    code, out, _ = cli(capsys, "balance", "--json")
    before = json.loads(out)
    assert code == 0 and set(before) == {"remain_balance", "used_balance", "unlimited"}
    assert cli(capsys, "imagine", "a balance test")[0] == 0
    code, out, _ = cli(capsys, "balance", "--json", "--account")
    after = json.loads(out)
    assert after["remain_balance"] < before["remain_balance"]  # charged as the job started
    assert set(after["account"]) == {"remain_balance", "used_balance", "unlimited"}
    code, out, _ = cli(capsys, "balance", "--account")
    assert [line.split()[0] for line in out.splitlines()] == ["key", "account"]
    paths = [r.path for r in fake.requests if r.method == "GET"]
    assert "/v1/user/balance" in paths and "/v1/balance" in paths


def test_balance_unlimited_and_refused(capsys, fake) -> None:
    fake.faults.add(Fault("status", status=200, path_prefix="/v1/balance", times=2, body={
        "success": True, "remain_balance": -1, "used_balance": 3, "unlimited_quota": True}))
    code, out, _ = cli(capsys, "balance", "--json")
    assert json.loads(out) == {"remain_balance": -1, "used_balance": 3.0, "unlimited": True}
    code, out, _ = cli(capsys, "balance")
    assert "unlimited" in out
    fake.faults.add(Fault("status", status=200, path_prefix="/v1/balance", times=1,
                          body={"success": False, "message": "Failed to get token info"}))
    code, _, err = cli(capsys, "balance")
    assert code == 1 and "Failed to get token info" in err


def test_balance_with_a_wrong_key_exits_3(capsys, fake, monkeypatch) -> None:
    monkeypatch.setenv("APIMART_API_KEY", "sk-wrong")
    assert cli(capsys, "balance")[0] == 3


# -- CANCEL, outcome unknown ------------------------------------------------------------------


def test_a_cancelled_task_ends_watch_and_fails_status(capsys, fake) -> None:
    code, out, _ = cli(capsys, "imagine", "a bird --cancel", "--watch", "--poll-interval", "1")
    task_id = out.splitlines()[0]
    assert code == 1 and "FAILED" in out.splitlines()[-1] and "cancelled" in out
    code, out, _ = cli(capsys, "status", "--json", task_id)
    record = json.loads(out)
    assert code == 1 and (record["status"], record["fail_reason"]) == ("FAILURE", "cancelled")
    code, out, _ = cli(capsys, "imagine", "a fish")
    fake.cancel(out.strip(), "cancelled by the operator")
    code, out, _ = cli(capsys, "watch", out.strip())
    assert code == 1 and "cancelled by the operator" in out


def test_an_unanswered_submission_is_not_resent(capsys, fake) -> None:
    fake.faults.add(Fault("status", status=502, path_prefix=f"{GEN}/describe", times=1,
                          process=True))
    code, out, err = cli(capsys, "describe", URL)
    assert code == 1 and "outcome unknown" in err and out == ""
    assert len(posts(fake, GEN)) == 1  # sent once, never again by itself
