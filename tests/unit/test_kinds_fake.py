"""The fake API's every job kind: describe, blend, edits, video, uploads, balance, CANCEL."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import pytest
from fake_fixtures import GEN, TOKEN, make_client, mj, submit, unified
from PIL import Image

from mjtui.api.models import Status, Task
from mjtui.fake import FakeApimart, FakeClock
from mjtui.fake.demo import seed_demo_jobs

IMAGE = "https://example.com/a.png"


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeApimart:
    return FakeApimart(tokens={TOKEN}, clock=clock, seed=11, image_size=256)


@pytest.fixture
async def client(fake: FakeApimart) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(fake) as c:
        yield c


async def test_describe_answers_four_keycap_prompts(client, clock) -> None:
    task_id = await submit(client, f"{GEN}/describe", image_urls=[IMAGE])
    clock.advance(3)
    view = await mj(client, task_id)
    assert (view["status"], view["action"]) == ("SUCCESS", "DESCRIBE")
    lines = [line for line in view["prompt"].splitlines() if line]
    assert [line[:3] for line in lines] == ["1️⃣", "2️⃣", "3️⃣", "4️⃣"]
    assert len(Task.from_mj_view(view).prompts) == 4
    assert len(Task.from_unified_view(await unified(client, task_id)).prompts) == 4


async def test_blend_and_edits_end_in_grids(client, clock) -> None:
    blend = await submit(client, f"{GEN}/blend", image_urls=[IMAGE, IMAGE, IMAGE],
                         dimensions="LANDSCAPE")
    edits = await submit(client, f"{GEN}/edits", prompt="make it blue", image_urls=[IMAGE])
    clock.advance(14)
    for task_id, action in ((blend, "BLEND"), (edits, "EDITS")):
        task = Task.from_mj_view(await mj(client, task_id))
        assert (task.status, task.action, len(task.image_urls)) == (Status.SUCCESS, action, 4)
        assert any(b.label == "U1" for b in task.buttons)
    bad = await client.post(f"{GEN}/blend", json={"image_urls": [IMAGE]})
    assert bad.status_code == 400


async def test_video_clips_in_both_views(client, clock) -> None:
    task_id = await submit(client, f"{GEN}/video", image_urls=[IMAGE], batch_size=4)
    clock.advance(14)
    mj_task = Task.from_mj_view(await mj(client, task_id))
    unified_task = Task.from_unified_view({"data": await unified(client, task_id)})
    assert len(mj_task.video_urls) == 4 and mj_task.video_urls == unified_task.video_urls
    clip = await client.get(mj_task.video_urls[3])
    assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"


@pytest.mark.parametrize(("fmt", "content_type"), [
    ("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif")])
async def test_upload_takes_the_four_formats_and_serves_them(client, fmt, content_type) -> None:
    content = image_bytes(fmt)
    # The declared type does not matter: the bytes decide.
    resp = await client.post("/v1/uploads/images",
                             files={"file": ("pic.bin", content, "application/octet-stream")})
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert (answer["content_type"], answer["bytes"], answer["filename"]) == (
        content_type, len(content), "pic.bin")
    served = await client.get(answer["url"])
    assert served.content == content and served.headers["content-type"] == content_type


async def test_upload_refusals(client, fake) -> None:
    no_field = await client.post("/v1/uploads/images", files={"image": ("a.png", b"x", "image/png")})
    assert no_field.status_code == 400 and "file" in no_field.json()["error"]["message"]
    text = await client.post("/v1/uploads/images", files={"file": ("a.png", b"hello", "image/png")})
    assert text.status_code == 400 and "format" in text.json()["error"]["message"]
    bmp = await client.post("/v1/uploads/images", files={"file": ("a.bmp", image_bytes("BMP"))})
    assert bmp.status_code == 400
    fake.uploads.max_bytes = 100
    big = await client.post("/v1/uploads/images", files={"file": ("a.png", image_bytes("PNG") * 3)})
    assert big.status_code == 413
    assert (await client.post("/v1/uploads/images", json={"file": "x"})).status_code == 400


async def test_balance_goes_down_as_jobs_start_and_back_up_on_failure(client, clock) -> None:
    async def remaining(path: str = "/v1/balance") -> float:
        answer = (await client.get(path)).json()
        assert answer["success"] is True and answer["unlimited_quota"] is False
        return float(answer["remain_balance"])

    start = await remaining()
    await submit(client, prompt="a cat")
    after_one = await remaining()
    assert after_one < start  # charged at once, while it is still queued
    await submit(client, f"{GEN}/video", image_urls=[IMAGE], batch_size=2)
    after_video = await remaining()
    assert after_video == pytest.approx(after_one - 2 * (start - after_one))  # per clip
    await submit(client, prompt="a boxer --fail gore")
    assert await remaining() < after_video
    clock.advance(14)
    assert await remaining() == pytest.approx(after_video)  # the failed job was refunded
    assert await remaining("/v1/user/balance") == pytest.approx(after_video)


async def test_cancel_marker_and_injection(client, clock, fake) -> None:
    marked = await submit(client, prompt="a cat --cancel")
    other = await submit(client, prompt="a dog")
    clock.advance(2.5)
    assert (await mj(client, marked))["status"] == "IN_PROGRESS"  # cancelled at 20 %
    clock.advance(5)
    view = await mj(client, marked)
    assert (view["status"], view["fail_reason"]) == ("CANCEL", "")
    task = Task.from_mj_view(view)
    assert (task.status, task.fail_reason) == (Status.FAILURE, "cancelled")
    assert (await unified(client, marked))["status"] == "cancelled"
    fake.cancel(other, "cancelled by the operator")
    view = await mj(client, other)
    assert (view["status"], view["fail_reason"]) == ("CANCEL", "cancelled by the operator")
    third = await submit(client, prompt="a bird")
    resp = await client.post("/_fake/cancel", json={"task_id": third})
    assert resp.status_code == 200 and (await mj(client, third))["status"] == "CANCEL"
    assert (await client.post("/_fake/cancel", json={"task_id": "nope"})).status_code == 404


def test_demo_has_a_finished_describe_and_a_finished_video(clock) -> None:
    fake = FakeApimart(clock=clock)
    jobs = seed_demo_jobs(fake)
    finished = {fake.job(j.id).action for j in jobs if fake.state(j.id).status == "SUCCESS"}
    assert {"DESCRIBE", "VIDEO"} <= finished
