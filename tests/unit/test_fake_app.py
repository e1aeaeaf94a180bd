"""In-process tests of the fake apimart server (httpx.ASGITransport + FakeClock)."""

from __future__ import annotations

import base64
import io
import json
import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fake_fixtures import GEN, OTHER_TOKEN, TOKEN, make_client, mj, png, submit, unified
from PIL import Image, ImageDraw

from mjtui.fake import DEMO_TOKEN, FakeApimart, FakeClock, Fault, seed_demo_jobs

TASK_ID_RE = re.compile(r"^task_01K[0-9A-HJKMNP-TV-Z]{23}$")
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
SINGLE_LABELS = ["Upscale (Subtle)", "Upscale (Creative)", "Vary (Subtle)", "Vary (Strong)",
                 "Vary (Region)", "Zoom Out 2x", "Zoom Out 1.5x", "Custom Zoom",
                 "⬅️", "➡️", "⬆️", "⬇️", "Animate (High motion)", "Animate (Low motion)", "🔄"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeApimart:
    return FakeApimart(tokens={TOKEN, OTHER_TOKEN}, clock=clock, seed=7, image_size=256)


@pytest.fixture
async def client(fake: FakeApimart) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(fake) as c:
        yield c


async def finished_grid(client: httpx.AsyncClient, clock: FakeClock, prompt: str = "a cat") -> str:
    task_id = await submit(client, prompt=prompt)
    clock.advance(14)
    return task_id


async def upscaled(client: httpx.AsyncClient, clock: FakeClock, index: int = 1) -> str:
    grid = await finished_grid(client, clock)
    task_id = await submit(client, f"{GEN}/upscale", task_id=grid, index=index)
    clock.advance(0.1)
    return task_id


def labels(view: dict) -> list[str]:
    return [b["label"] or b["emoji"] for b in view["buttons"]]


async def test_imagine_lifecycle_and_grid_buttons(client, clock, fake) -> None:
    resp = await client.post(GEN, json={"prompt": "a lighthouse", "speed": "fast"})
    body = resp.json()
    assert body["data"][0]["status"] == "submitted"
    task_id = body["data"][0]["task_id"]
    assert TASK_ID_RE.match(task_id)

    view = await mj(client, task_id)
    assert (view["status"], view["progress"], view["action"]) == ("SUBMITTED", "0%", "IMAGINE")
    assert view["buttons"] == [] and view["image_urls"] == [] and view["fail_reason"] == ""
    assert view["start_time"] == 0 and view["finish_time"] == 0
    assert view["submit_time"] == int(clock() * 1000) and view["mode"] == "FAST"
    assert (await unified(client, task_id))["status"] == "pending"

    seen = []
    for _ in range(6):
        clock.advance(2)
        view = await mj(client, task_id)
        if view["status"] == "IN_PROGRESS":
            seen.append(int(view["progress"].rstrip("%")))
            data = await unified(client, task_id)
            assert data["status"] == "processing" and data["progress"] == seen[-1]
    assert len(seen) == 6 and seen == sorted(seen) and seen[-1] > seen[0]
    assert all(0 <= p < 100 for p in seen)

    clock.advance(2)
    view = await mj(client, task_id)
    assert (view["status"], view["progress"]) == ("SUCCESS", "100%")
    assert len(view["image_urls"]) == 4
    assert view["grid_image_url"] == f"http://fake.apimart.test/fake-cdn/{task_id}/grid.png"
    assert labels(view) == ["U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"]
    h = fake.job(task_id).hash
    assert re.fullmatch(UUID_RE, h)
    ids = [b["customId"] for b in view["buttons"]]
    assert ids[0] == f"MJ::JOB::upsample::1::{h}" and ids[5] == f"MJ::JOB::variation::1::{h}"
    assert ids[4] == f"MJ::JOB::reroll::0::{h}::SOLO" and view["buttons"][4]["label"] == ""
    assert all(set(b) == {"customId", "label", "emoji", "style", "type"} for b in view["buttons"])
    assert 0 < view["submit_time"] < view["start_time"] < view["finish_time"]

    data = await unified(client, task_id)
    assert data["status"] == "completed" and data["progress"] == 100
    assert data["result"]["images"][0]["url"] == view["image_urls"]
    assert data["completed"] - data["created"] == data["actual_time"] == 14
    assert "error" not in data


async def test_pngs_decode_with_size_and_tiles_are_crops(client, clock) -> None:
    task_id = await submit(client, prompt="a lighthouse")
    view = await mj(client, task_id)
    assert (await client.get(f"/fake-cdn/{task_id}/grid.png")).status_code == 404  # not yet
    clock.advance(14)
    view = await mj(client, task_id)
    async with httpx.AsyncClient(transport=client._transport) as anon:  # no auth for the CDN
        grid_resp = await anon.get(view["grid_image_url"])
        tiles = [png((await anon.get(url)).content) for url in view["image_urls"]]
        assert (await anon.get(f"http://x/fake-cdn/{task_id}/7.png")).status_code == 404
        assert (await anon.get("http://x/fake-cdn/task_nope/grid.png")).status_code == 404
    assert grid_resp.headers["content-type"] == "image/png"
    grid = png(grid_resp.content)
    assert grid.size == (256, 256) and all(t.size == (128, 128) for t in tiles)
    assert grid.crop((128, 0, 256, 128)).tobytes() == tiles[1].convert("RGB").tobytes()
    assert len({t.tobytes() for t in tiles}) == 4


async def test_default_image_size_is_1024(clock) -> None:
    fake = FakeApimart(clock=clock, seed=1)
    async with make_client(fake) as client:
        task_id = await finished_grid(client, clock)
        assert png((await client.get(f"/fake-cdn/{task_id}/grid.png")).content).size == (1024,
                                                                                          1024)


async def test_upscale_by_index_and_by_custom_id(client, clock, fake) -> None:
    grid = await finished_grid(client, clock)
    up = await submit(client, f"{GEN}/upscale", task_id=grid, index=2)
    clock.advance(0.1)
    view = await mj(client, up)
    assert (view["status"], view["action"]) == ("SUCCESS", "UPSCALE")
    assert len(view["image_urls"]) == 1 and view["grid_image_url"] == ""
    assert labels(view) == SINGLE_LABELS
    h = fake.job(up).hash
    assert view["buttons"][0]["customId"] == f"MJ::JOB::upsample_v7_2x_subtle::1::{h}::SOLO"
    assert view["buttons"][7]["customId"] == f"MJ::CustomZoom::{h}"
    assert view["buttons"][8]["customId"] == f"MJ::JOB::pan_left::1::{h}::SOLO"
    tile = png((await client.get(view["image_urls"][0])).content)
    grid_png = png((await client.get(f"/fake-cdn/{grid}/grid.png")).content)
    assert tile.convert("RGB").tobytes() == grid_png.crop((128, 0, 256, 128)).tobytes()
    assert (await unified(client, up))["result"]["images"][0]["url"] == view["image_urls"][0]

    # custom_id wins over index
    u3 = (await mj(client, grid))["buttons"][2]["customId"]
    up3 = await submit(client, f"{GEN}/upscale", task_id=grid, index=1, custom_id=u3)
    assert fake.job(up3).button_id == u3 and fake.job(up3).tile == 2


async def test_hd_upscale_takes_run_seconds_and_drops_hd_and_pan(client, clock, fake) -> None:
    up = await upscaled(client, clock)
    hd_id = (await mj(client, up))["buttons"][1]["customId"]
    hd = await submit(client, f"{GEN}/upscale", task_id=up, custom_id=hd_id)
    clock.advance(1)
    assert (await mj(client, hd))["status"] == "SUBMITTED"
    clock.advance(13)
    view = await mj(client, hd)
    assert view["status"] == "SUCCESS"
    assert labels(view) == [x for x in SINGLE_LABELS
                            if not x.startswith("Upscale") and x not in "⬅️➡️⬆️⬇️"]
    assert png((await client.get(view["image_urls"][0])).content).size == (256, 256)


async def test_auto_matching_zoom_pan_reroll_variation(client, clock, fake) -> None:
    up = await upscaled(client, clock)
    h = fake.job(up).hash
    cases = [("zoom", {"zoom_ratio": 1.5}, f"MJ::Outpaint::75::1::{h}::SOLO", "ZOOM"),
             ("zoom", {"zoom_ratio": 2}, f"MJ::Outpaint::50::1::{h}::SOLO", "ZOOM"),
             ("zoom", {}, f"MJ::Outpaint::50::1::{h}::SOLO", "ZOOM"),
             ("pan", {"direction": "up"}, f"MJ::JOB::pan_up::1::{h}::SOLO", "PAN"),
             ("reroll", {}, f"MJ::JOB::reroll::0::{h}::SOLO", "REROLL"),
             ("low-variation", {"index": 1}, f"MJ::JOB::low_variation::1::{h}::SOLO",
              "LOW_VARIATION"),
             ("high-variation", {}, f"MJ::JOB::high_variation::1::{h}::SOLO", "HIGH_VARIATION"),
             ("variation", {}, f"MJ::JOB::low_variation::1::{h}::SOLO", "VARIATION")]
    for endpoint, extra, expected, action in cases:
        child = await submit(client, f"{GEN}/{endpoint}", task_id=up, **extra)
        job = fake.job(child)
        assert (job.button_id, job.action, job.parent_id) == (expected, action, up), endpoint
        assert job.prompt == fake.job(up).prompt
    clock.advance(14)
    view = await mj(client, child)
    assert view["status"] == "SUCCESS" and len(view["buttons"]) == 9  # variations are grids

    grid = fake.job(up).parent_id
    gh = fake.job(grid).hash
    v2 = await submit(client, f"{GEN}/variation", task_id=grid, index=2)
    assert fake.job(v2).button_id == f"MJ::JOB::variation::2::{gh}"
    rr = await submit(client, f"{GEN}/reroll", task_id=grid)
    assert fake.job(rr).button_id == f"MJ::JOB::reroll::0::{gh}::SOLO"
    strong = await submit(client, f"{GEN}/high-variation", task_id=grid, index=3)
    assert fake.job(strong).action == "HIGH_VARIATION" and fake.job(strong).button_id is None


@pytest.mark.parametrize("endpoint,body,status,description", [
    ("upscale", {"index": 5}, 400, "index must be between 1 and 4"),
    ("upscale", {"index": 0}, 400, "index must be between 1 and 4"),
    ("upscale", {"index": "1"}, 400, "index must be between 1 and 4"),
    ("upscale", {}, 400, "index or custom_id is required for upscale"),
    ("zoom", {}, 400, "This action requires an upscaled task."),
    ("pan", {"direction": "left"}, 400, "This action requires an upscaled task."),
    ("inpaint", {}, 400, "This action requires an upscaled task."),
    ("pan", {"direction": "sideways"}, 400, "direction must be one of left, right, up, down"),
    ("upscale", {"custom_id": "MJ::JOB::upsample::1::nope"}, 400, "is not a button of task"),
    ("upscale", {"custom_id": "V1"}, 400, "cannot be used with upscale"),
])
async def test_followup_validation(client, clock, endpoint, body, status, description) -> None:
    grid = await finished_grid(client, clock)
    if body.get("custom_id") == "V1":
        body = {"custom_id": (await mj(client, grid))["buttons"][5]["customId"]}
    resp = await client.post(f"{GEN}/{endpoint}", json={"task_id": grid, **body})
    assert resp.status_code == status
    assert resp.json()["code"] == 4 and description in resp.json()["description"]


async def test_more_400s(client, clock) -> None:
    running = await submit(client, prompt="slow one")
    cases = [(f"{GEN}/upscale", {"task_id": running, "index": 1},
              f"task {running} is not in SUCCESS state"),
             (f"{GEN}/reroll", {}, "task_id is required for reroll"),
             (GEN, {"prompt": "  "}, "prompt is required"),
             (GEN, {}, "prompt is required"),
             (GEN, {"prompt": "x", "speed": "warp"}, "speed must be one of relax, fast, turbo"),
             (f"{GEN}/blend", {"image_urls": ["http://a/1.png"]},
              "image_urls must contain 2 to 4 images for blend"),
             (f"{GEN}/modal", {"task_id": running}, f"task {running} is not in MODAL state")]
    for path, body, sentence in cases:
        resp = await client.post(path, json=body)
        assert resp.status_code == 400, path
        assert resp.json() == {"code": 4, "description": sentence}
    resp = await client.post(GEN, content=b"{not json", headers={"content-type": "text/plain"})
    assert resp.json() == {"code": 4, "description": "request body must be a JSON object"}


async def test_auth_401_403_404_and_expiry(fake, clock, client) -> None:
    task_id = await submit(client, prompt="mine")
    for token in (None, "sk-wrong"):
        async with make_client(fake, token) as bad:
            resp = await bad.get(f"/v1/midjourney/{task_id}")
            assert resp.status_code == 401
            assert resp.json()["error"]["code"] == "invalid_api_key"
            assert (await bad.post(GEN, json={"prompt": "x"})).status_code == 401
    async with make_client(fake, OTHER_TOKEN) as other:
        for path in (f"/v1/midjourney/{task_id}", f"/v1/tasks/{task_id}"):
            resp = await other.get(path)
            assert resp.status_code == 403
            assert resp.json()["error"]["type"] == "permission_error"
        clock.advance(14)
        resp = await other.post(f"{GEN}/upscale", json={"task_id": task_id, "index": 1})
        assert resp.status_code == 403
    resp = await client.get("/v1/midjourney/task_01KNOPE")
    assert resp.status_code == 404 and resp.json() == {"code": 3, "description": "task not found"}
    resp = await client.post(f"{GEN}/upscale", json={"task_id": "task_01KNOPE", "index": 1})
    assert resp.status_code == 404
    clock.advance(3 * 86400 - 100)
    assert (await client.get(f"/v1/tasks/{task_id}")).status_code == 200
    clock.advance(200)
    for path in (f"/v1/midjourney/{task_id}", f"/v1/tasks/{task_id}"):
        assert (await client.get(path)).status_code == 404
    assert (await client.get(f"/fake-cdn/{task_id}/grid.png")).status_code == 200  # CDN stays


async def test_inpaint_modal_same_id_succeeds(client, clock, fake) -> None:
    up = await upscaled(client, clock)
    resp = await client.post(f"{GEN}/inpaint", json={"task_id": up})
    assert resp.json()["data"][0]["status"] == "modal"
    task_id = resp.json()["data"][0]["task_id"]
    clock.advance(60)
    view = await mj(client, task_id)
    assert (view["status"], view["action"], view["buttons"]) == ("MODAL", "INPAINT", [])
    assert (await unified(client, task_id))["status"] == "pending"
    resp = await client.post(f"{GEN}/modal", json={"task_id": task_id, "prompt": "a red door",
                                                   "mask_url": "data:image/png;base64,AAAA"})
    assert resp.status_code == 400 and "not a readable PNG" in resp.json()["description"]
    resp = await client.post(f"{GEN}/modal", json={"task_id": task_id, "prompt": "a red door",
                                                   "mask_url": two_box_mask()})
    assert resp.json() == {"code": 200, "data": [{"status": "submitted", "task_id": task_id}]}
    seen = fake.job(task_id).mask
    assert (seen.width, seen.height) == (200, 100)
    assert seen.boxes == ((10, 10, 60, 40), (150, 50, 200, 100))
    assert seen.white_pixels == 50 * 30 + 50 * 50 and seen.bbox == (10, 10, 200, 100)
    assert (await mj(client, task_id))["status"] == "SUBMITTED"
    clock.advance(5)
    assert (await mj(client, task_id))["status"] == "IN_PROGRESS"
    clock.advance(10)
    view = await mj(client, task_id)
    assert (view["status"], view["action"], view["prompt"]) == ("SUCCESS", "MODAL", "a red door")
    assert len(view["image_urls"]) == 4 and len(view["buttons"]) == 9
    resp = await client.post(f"{GEN}/modal", json={"task_id": task_id})
    assert resp.status_code == 400 and "not in MODAL state" in resp.json()["description"]


def two_box_mask() -> str:
    """An RGBA PNG mask drawn by hand: two white boxes, one black area (kept), the rest clear."""
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 59, 39), fill=(255, 255, 255, 255))
    draw.rectangle((150, 50, 199, 99), fill=(255, 255, 255, 255))
    draw.rectangle((70, 10, 99, 39), fill=(0, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


async def test_modal_masks_are_checked_and_recorded(client, clock, fake) -> None:
    up = await upscaled(client, clock)
    resp = await client.post(f"{GEN}/inpaint", json={"task_id": up})
    task_id = resp.json()["data"][0]["task_id"]
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="JPEG")
    jpeg = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    for url, why in (("data:image/png;base64,!!!", "invalid base64"), (jpeg, "not a PNG"),
                     ("ftp://example.com/m.png", "http(s) URL or data:")):
        resp = await client.post(f"{GEN}/modal", json={"task_id": task_id, "mask_url": url})
        assert resp.status_code == 400 and why in resp.json()["description"], url
    assert (await mj(client, task_id))["status"] == "MODAL"  # nothing was taken
    resp = await client.post(f"{GEN}/modal", json={"task_id": task_id,
                                                   "mask_url": "https://example.com/m.png"})
    assert resp.status_code == 200 and fake.job(task_id).mask is None  # not fetched


async def test_custom_zoom_goes_modal_and_modal_times_out(client, clock, fake) -> None:
    up = await upscaled(client, clock)
    custom_zoom = f"MJ::CustomZoom::{fake.job(up).hash}"
    resp = await client.post(f"{GEN}/zoom", json={"task_id": up, "custom_id": custom_zoom})
    assert resp.json()["data"][0]["status"] == "modal"
    task_id = resp.json()["data"][0]["task_id"]
    clock.advance(29 * 60)
    assert (await mj(client, task_id))["status"] == "MODAL"
    clock.advance(61)
    view = await mj(client, task_id)
    assert view["status"] == "FAILURE"
    assert view["fail_reason"] == ("modal input not received within 30 minutes; "
                                   "cancelled and refunded")
    assert (await unified(client, task_id))["status"] == "cancelled"
    assert (await client.post(f"{GEN}/modal", json={"task_id": task_id})).status_code == 400


async def test_fail_and_stall_markers(client, clock) -> None:
    failing = await submit(client, prompt="a knight --fail gore")
    bare = await submit(client, prompt="Dragons at war --fail")
    stalling = await submit(client, prompt="a slow river --stall")
    clock.advance(2 + 4)
    assert (await mj(client, failing))["progress"] == "33%"
    clock.advance(1)
    view = await mj(client, failing)
    assert (view["status"], view["progress"]) == ("FAILURE", "40%")
    assert view["fail_reason"] == "Banned prompt detected: gore" and view["buttons"] == []
    assert (await mj(client, bare))["fail_reason"] == "Banned prompt detected: dragons"
    data = await unified(client, failing)
    assert data["status"] == "failed" and data["error"]["message"] == view["fail_reason"]
    assert "result" not in data and "completed" not in data
    clock.advance(10)
    assert (await mj(client, stalling))["progress"] == "85%"
    clock.advance(590)
    view = await mj(client, stalling)
    assert (view["status"], view["progress"]) == ("IN_PROGRESS", "85%")
    clock.advance(20)
    assert (await mj(client, stalling))["status"] == "SUCCESS"


async def test_structured_fields_blend_describe_edits_video_remix(client, clock, fake) -> None:
    task_id = await submit(client, prompt="a fox --ar 1:1", size="16:9", version="6.1",
                           stylize=250, raw=True, metadata={"mine": 1})
    assert fake.job(task_id).prompt == "a fox --ar 16:9 --v 6.1 --s 250 --raw"
    blend = await submit(client, f"{GEN}/blend", image_urls=["http://a/1.png", "http://a/2.png"])
    describe = await submit(client, f"{GEN}/describe", image_urls=["http://a/1.png"])
    edits = await submit(client, f"{GEN}/edits", prompt="make it blue",
                         image_urls=["http://a/1.png"])
    clock.advance(14)
    assert (await mj(client, blend))["action"] == "BLEND"
    desc = await mj(client, describe)
    assert desc["mode"] == "DESCRIBE" and desc["prompt"].startswith("1️⃣")
    assert desc["image_urls"] == [] and desc["grid_image_url"] == ""
    assert (await mj(client, edits))["action"] == "EDITS"
    up = await submit(client, f"{GEN}/upscale", task_id=task_id, index=4)
    clock.advance(0.1)
    view = await mj(client, up)
    assert view["buttons"][0]["customId"].startswith("MJ::JOB::upsample_v6r1_2x_subtle::")
    video = await submit(client, f"{GEN}/video", task_id=task_id, index=0, batch_size=2)
    clock.advance(14)
    view = await mj(client, video)
    assert view["action"] == "VIDEO" and len(view["video_urls"]) == 2
    assert (await client.get(view["video_url"])).headers["content-type"] == "video/mp4"
    resp = await client.post(f"{GEN}/remix-strong", json={"task_id": task_id, "index": 1})
    assert resp.json()["description"] == "This action requires a v8 or v8.1 task."
    v8 = await submit(client, prompt="a fox", version="8.1")
    clock.advance(14)
    assert (await mj(client, v8))["status"] == "SUCCESS"
    remix = await submit(client, f"{GEN}/remix-subtle", task_id=v8, index=2)
    assert fake.job(remix).parent_id == v8
    balance = (await client.get("/v1/balance")).json()
    assert balance["success"] is True and balance["remain_balance"] < 100


async def test_request_log(client, clock, fake) -> None:
    grid = await finished_grid(client, clock)
    await submit(client, f"{GEN}/upscale", task_id=grid, index=3)
    await client.get(f"/v1/tasks/{grid}", params={"language": "en"})
    ups = fake.requests_for(f"{GEN}/upscale")
    assert len(ups) == 1
    rec = ups[0]
    assert (rec.method, rec.status, rec.authorization_present) == ("POST", 200, True)
    assert rec.json_body == {"task_id": grid, "index": 3} and rec.time == clock()
    assert rec.fault is None and rec.monotonic <= time.monotonic()
    assert fake.requests[-1].query == {"language": "en"}
    assert [r.method for r in fake.requests_for("/v1/", "GET")] == ["GET"]
    assert TOKEN not in repr(fake.requests)


async def test_faults(client, fake) -> None:
    fake.faults.add(Fault("status", status=502, times=2, method="POST"))
    resp = await client.get("/v1/balance")
    assert resp.status_code == 200  # method filter: GET passes
    for _ in range(2):
        resp = await client.post(GEN, json={"prompt": "x"})
        assert resp.status_code == 502 and resp.headers["content-type"] == "text/html"
        assert resp.text == "<html><body><h1>502 Bad Gateway</h1></body></html>"
    assert (await client.post(GEN, json={"prompt": "x"})).status_code == 200
    assert len(fake.store.jobs) == 1 and fake.requests[-2].fault == "status"

    fake.faults.add(Fault("status", status=502, times=1, process=True))
    assert (await client.post(GEN, json={"prompt": "y"})).status_code == 502
    assert len(fake.store.jobs) == 2  # the job was created although the client saw 502

    fake.faults.add(Fault("rate_limit", retry_after=3, times=1))
    resp = await client.get("/v1/balance")
    assert resp.status_code == 429 and resp.headers["retry-after"] == "3"
    assert resp.json()["error"]["type"] == "rate_limit_error"

    fake.faults.add(Fault("slow", seconds=0.05, times=1))
    start = time.monotonic()
    assert (await client.get("/v1/balance")).status_code == 200
    assert time.monotonic() - start >= 0.05

    for kind in ("garbage", "truncated"):
        fake.faults.add(Fault(kind, times=1))
        resp = await client.get("/v1/balance")
        assert resp.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            resp.json()
    fake.faults.add(Fault("huge", size=300_000, times=1))
    assert len((await client.get("/v1/balance")).content) == 300_000
    fake.faults.add(Fault("trickle", chunk_size=8, delay=0.001, times=1))
    assert (await client.get("/v1/balance")).json()["success"] is True

    fault = fake.faults.add(Fault("status", status=503, path_prefix="/v1/tasks/"))
    assert (await client.get("/v1/balance")).status_code == 200
    assert (await client.get("/v1/tasks/x")).status_code == 503
    assert (await client.get("/v1/tasks/x")).status_code == 503  # times=None: until removed
    fake.faults.remove(fault)
    assert (await client.get("/v1/tasks/x")).status_code == 404
    with pytest.raises(ValueError):
        Fault("explode")


async def test_fault_control_routes_in_process(client, fake) -> None:
    resp = await client.post("/_fake/faults", json={"kind": "status", "status": 500,
                                                    "body": {"error": {"message": "boom"}}})
    assert resp.status_code == 200 and len(resp.json()["faults"]) == 1
    resp = await client.get("/v1/balance")
    assert resp.status_code == 500 and resp.json()["error"]["message"] == "boom"
    assert (await client.delete("/_fake/faults")).json() == {"faults": []}
    assert (await client.get("/v1/balance")).status_code == 200
    assert (await client.post("/_fake/faults", json={"kind": "nope"})).status_code == 400
    log = (await client.get("/_fake/requests")).json()["requests"]
    assert [r["status"] for r in log] == [500, 200]


async def test_seeded_ids_are_deterministic(clock) -> None:
    ids = []
    for _ in range(2):
        fake = FakeApimart(clock=clock, seed=42)
        async with make_client(fake) as client:
            ids.append(await submit(client, prompt="x"))
    assert ids[0] == ids[1]


async def test_demo_seed_has_every_state(clock) -> None:
    fake = FakeApimart(clock=clock, seed=3, image_size=128)
    jobs = seed_demo_jobs(fake)
    states = {j.label: fake.state(j.id) for j in jobs}
    assert sorted(s.status for s in states.values()) == [
        "FAILURE", "IN_PROGRESS", "IN_PROGRESS", "MODAL", "SUBMITTED", "SUCCESS", "SUCCESS",
        "SUCCESS", "SUCCESS"]
    by_action = {j.action: j for j in jobs}
    assert fake.job(by_action["UPSCALE"].id).parent_id == jobs[0].id
    assert by_action["INPAINT"].parent_id == by_action["UPSCALE"].id
    running = next(s for label, s in states.items() if label.startswith("running"))
    assert 35 <= running.progress <= 45
    async with make_client(fake, DEMO_TOKEN) as client:
        assert (await mj(client, by_action["UPSCALE"].id))["buttons"]
        clock.advance(150)
        statuses = [(await mj(client, j.id))["status"] for j in jobs]
        assert "SUBMITTED" not in statuses and statuses.count("SUCCESS") == 6
