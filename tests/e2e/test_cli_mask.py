"""`mjtui modal ID --region ...` end to end against the fake on a loopback port: the mask
the fake decodes is the one asked for; bad options exit 2 before any request."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from cli_fixtures import cli, fake_fixture, server_fixture  # noqa: F401 - fixtures
from PIL import Image

from mjtui.api.models import Status
from mjtui.fake import FakeApimart
from mjtui.session import load_session, resolve_session_path, save_session

MODAL_PATH = "/v1/midjourney/generations/modal"


def done(fake: FakeApimart, task_id: str) -> str:
    fake.job(task_id).submitted_at -= 120  # backdated: finished, no sleeping
    return task_id


def region_task(capsys: pytest.CaptureFixture[str], fake: FakeApimart) -> str:
    """A Vary (Region) task waiting in MODAL, made through the CLI (its parent in the
    session: an upscaled 512x512 picture on the fake's 1024 grid)."""
    grid = done(fake, cli(capsys, "imagine", "a harbour")[1].strip())
    single = done(fake, cli(capsys, "action", grid, "U2")[1].strip())
    code, out, err = cli(capsys, "action", single, "vary-region")
    assert code == 0, err
    fake.requests.clear()
    return out.strip()


def requested(fake: FakeApimart) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests]


def test_regions_in_fractions_and_pixels_reach_the_fake(capsys, fake) -> None:
    task_id = region_task(capsys, fake)
    code, out, err = cli(capsys, "modal", task_id, "--region", "0.25,0.5,0.5,0.25",
                         "--region", "10,20,30,40px", "--prompt", "a red boat")
    assert code == 0, err
    assert out == task_id + "\n" and err == ""
    posts = [r for r in fake.requests if r.method == "POST"]
    assert [r.path for r in posts] == [MODAL_PATH]
    body = posts[0].json_body
    assert body["prompt"] == "a red boat" and body["mask_url"].startswith("data:image/png;base64,")
    seen = fake.job(task_id).mask
    assert (seen.width, seen.height) == (512, 512)  # the parent's picture size
    assert seen.boxes == ((10, 20, 40, 60), (128, 256, 384, 384))
    assert seen.white_pixels == 30 * 40 + 256 * 128
    assert load_session(resolve_session_path(None)).get(task_id).task.status is Status.SUBMITTED


def test_dry_run_writes_the_mask_and_posts_nothing(capsys, fake, tmp_path: Path) -> None:
    task_id = region_task(capsys, fake)
    out_path = tmp_path / "mask.png"
    code, out, err = cli(capsys, "modal", task_id, "--region", "0,0,0.5,1", "--dry-run",
                         "--mask-out", str(out_path), "--speed", "fast")
    assert code == 0, err
    assert all(method == "GET" for method, _ in requested(fake))
    assert fake.state(task_id).status == "MODAL"
    assert "nothing posted" in out and f"task_id: {task_id} (now MODAL)" in out
    assert "\n  speed: fast\n" in out
    assert "512x512 PNG" in out and "50.0% white" in out
    assert "region 0,0,0.5,1: pixels 0,0 to 256,512 (256x512)" in out
    assert "base64,iVBOR" not in out  # the mask itself is not printed
    mask = Image.open(out_path)
    assert mask.size == (512, 512) and mask.getchannel("A").getbbox() == (0, 0, 256, 512)


def forget(*task_ids: str) -> None:
    session = load_session(resolve_session_path(None))
    for task_id in task_ids:
        session.remove(task_id)
    save_session(session)


def test_parent_picture_asked_of_the_api_when_the_session_lost_it(capsys, fake) -> None:
    task_id = region_task(capsys, fake)
    parent = load_session(resolve_session_path(None)).get(task_id).parent_id
    forget(parent)
    code, _out, err = cli(capsys, "modal", task_id, "--region", "0.5,0.5,0.5,0.5")
    assert code == 0 and err == ""
    assert ("GET", f"/v1/midjourney/{parent}") in requested(fake)
    assert (fake.job(task_id).mask.width, fake.job(task_id).mask.height) == (512, 512)


def test_unknown_picture_size_falls_back_to_1024(capsys, fake) -> None:
    task_id = region_task(capsys, fake)
    forget(task_id)  # a MODAL task from elsewhere: its parent is not known
    code, _out, err = cli(capsys, "modal", task_id, "--region", "0.5,0.5,0.5,0.5")
    assert code == 0, err
    assert "1024x1024" in err and "not known" in err
    seen = fake.job(task_id).mask
    assert (seen.width, seen.height) == (1024, 1024) and seen.boxes == ((512, 512, 1024, 1024),)


@pytest.mark.parametrize(("argv", "why"), [
    (["--region", "0.1,0.1,0,0.5"], "empty"),
    (["--region", "0.6,0,0.5,0.5"], "outside"),
    (["--region", "0,0,0.5,0.5", "--region", "nonsense"], "not X,Y,W,H"),
    (["--region", "0,0,1,1", "--mask-url", "https://example.com/m.png"], "--mask-url"),
    (["--mask-out", "m.png"], "--mask-out"),
])
def test_bad_options_exit_2_before_any_request(capsys, fake, argv, why) -> None:
    task_id = "task_01KKJB9SJAF9J0DBXNTMRGPSGJ"
    code, out, err = cli(capsys, "modal", task_id, *argv)
    assert code == 2 and out == "" and why in err
    assert fake.requests == []


def test_pixel_region_past_the_picture_exits_2_before_the_post(capsys, fake) -> None:
    task_id = region_task(capsys, fake)
    code, _out, err = cli(capsys, "modal", task_id, "--region", "400,0,200,100px")
    assert code == 2 and "outside the image (512x512" in err
    assert not [r for r in fake.requests if r.method == "POST"]
    assert fake.state(task_id).status == "MODAL"


def test_pixel_region_past_a_picture_known_here_exits_2_before_any_request(capsys, fake) -> None:
    """The session knows the parent's picture and the image cache holds it (a dry run read
    it): its size is known without asking the API, so nothing is requested at all."""
    task_id = region_task(capsys, fake)
    assert cli(capsys, "modal", task_id, "--region", "0,0,1,1", "--dry-run")[0] == 0
    fake.requests.clear()
    code, out, err = cli(capsys, "modal", task_id, "--region", "0,0,0.5,0.5",
                         "--region", "412,0,200,10px")
    assert code == 2 and out == "" and "outside the image (512x512" in err
    assert fake.requests == []
    # Inside the picture the same command goes on: the task read, the answer posted (the
    # cached picture gives the mask its size, not fetched again).
    code, _out, err = cli(capsys, "modal", task_id, "--region", "312,0,200,10px")
    assert code == 0, err
    assert requested(fake) == [("GET", f"/v1/midjourney/{task_id}"), ("POST", MODAL_PATH)]
    assert fake.job(task_id).mask.boxes == ((312, 0, 512, 10),)


def test_mask_decodes_to_what_was_asked(capsys, fake, tmp_path: Path) -> None:
    """The data: URL posted is the PNG --mask-out wrote (same bytes)."""
    task_id = region_task(capsys, fake)
    out_path = tmp_path / "sent.png"
    code, _, err = cli(capsys, "modal", task_id, "--region", "0,0,1,0.5", "--mask-out",
                       str(out_path))
    assert code == 0, err
    sent = next(r for r in fake.requests if r.method == "POST").json_body["mask_url"]
    assert base64.b64decode(sent.split(",", 1)[1]) == out_path.read_bytes()
    assert Image.open(io.BytesIO(out_path.read_bytes())).getchannel("A").getbbox() == (
        0, 0, 512, 256)


def test_a_task_not_in_modal_is_refused_before_its_picture_is_fetched(capsys, fake) -> None:
    task_id = region_task(capsys, fake)
    assert cli(capsys, "modal", task_id, "--region", "0,0,1,1")[0] == 0
    fake.requests.clear()
    code, out, err = cli(capsys, "modal", task_id, "--region", "0,0,0.5,0.5")
    assert code == 2 and "not MODAL" in err and out == ""
    assert requested(fake) == [("GET", f"/v1/midjourney/{task_id}")]
