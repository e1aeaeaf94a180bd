"""The client's requests for every job kind, and the job service's guards on them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mjtui.api.client import ApimartClient, ImagineRequest
from mjtui.api.errors import OutcomeUnknown, RequestTimeout, ValidationFailed
from mjtui.api.models import Balance, Status, Submission, Task
from mjtui.api.requests import BlendRequest, DescribeRequest, VideoRequest
from mjtui.errors import JobRefused
from mjtui.jobs import Jobs
from mjtui.session import TrackedTask, load_session

TOKEN = "sk-test-token"
NEW_ID = "task_01KV52C0TEJSYZMCG0NCS4YWKK"
PARENT = "task_01KV52C0TEJSYZMCG0NCS4YWKP"
SUBMITTED = {"code": 200, "data": [{"status": "submitted", "task_id": NEW_ID}]}


class Recorder:
    """A MockTransport that records each request and answers `answer(request)`."""

    def __init__(self, answer: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda request: httpx.Response(200, json=SUBMITTED))

    def client(self) -> ApimartClient:
        def handler(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return self.answer(request)

        return ApimartClient(TOKEN, "http://fake.test", transport=httpx.MockTransport(handler))

    def last(self) -> tuple[str, dict[str, Any]]:
        request = self.requests[-1]
        return request.url.path, json.loads(request.content)


@pytest.mark.parametrize(("submission", "path", "body"), [
    # Built as mjtui.jobs builds them: `request.submission()`, edits as imagine's "edits".
    (DescribeRequest("https://x/a.png", speed="fast").submission(), "describe",
     {"image_urls": ["https://x/a.png"], "speed": "fast"}),
    (BlendRequest(("https://x/a.png", "https://x/b.png"), "portrait").submission(),
     "blend", {"image_urls": ["https://x/a.png", "https://x/b.png"], "dimensions": "PORTRAIT"}),
    (ImagineRequest("make it blue", image_urls=("https://x/a.png",), iw=1.5).submission("edits"),
     "edits", {"prompt": "make it blue", "image_urls": ["https://x/a.png"], "iw": 1.5}),
    (VideoRequest(task_id=PARENT, index=4, motion="high", batch_size=2).submission(),
     "video", {"task_id": PARENT, "index": 3, "motion": "high", "batch_size": 2}),
    (VideoRequest(image_url="https://x/a.png", prompt="waves", end_url="https://x/b.png",
                  speed="turbo").submission(),
     "video", {"image_urls": ["https://x/a.png"], "prompt": "waves",
               "end_url": "https://x/b.png", "speed": "turbo"}),
    (ImagineRequest("a cat", sref="https://x/s.png", cref="https://x/c.png", sw=200, cw=50,
                    repeat=3).submission(),
     "imagine", {"prompt": "a cat", "sref": "https://x/s.png", "cref": "https://x/c.png",
                 "sw": 200, "cw": 50, "repeat": 3}),
])
async def test_each_kind_posts_its_body(submission: Submission, path: str,
                                        body: dict[str, Any]) -> None:
    recorder = Recorder()
    async with recorder.client() as client:
        result = await client.submit(submission)
    assert result.task_id == NEW_ID
    assert recorder.last() == (f"/v1/midjourney/generations/{path}", body)


async def test_upload_is_multipart_and_returns_the_url() -> None:
    answer = {"url": "https://upload.test/f/image/a.png", "filename": "a.png",
              "content_type": "image/png", "bytes": 4, "created_at": 1743436800}
    recorder = Recorder(lambda request: httpx.Response(200, json=answer))
    async with recorder.client() as client:
        upload = await client.upload(b"\x89PNG", "a.png", "image/png")
    assert (upload.url, upload.size, upload.created_at) == (answer["url"], 4, 1743436800.0)
    request = recorder.requests[-1]
    assert request.url.path == "/v1/uploads/images"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="a.png"' in request.content
    assert b"Content-Type: image/png" in request.content and b"\x89PNG" in request.content
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_an_upload_without_answer_is_a_plain_timeout_not_unknown_outcome() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async with Recorder(hang).client() as client:
        with pytest.raises(RequestTimeout):
            await client.upload(b"GIF89a", "a.gif", "image/gif")
        with pytest.raises(OutcomeUnknown):
            await client.submit(DescribeRequest("https://x/a.png").submission())


async def test_balance_of_the_key_and_of_the_account() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/user/balance":
            return httpx.Response(200, json={"success": True, "remain_balance": -1,
                                             "used_balance": 9, "unlimited_quota": True})
        return httpx.Response(200, json={"success": True, "remain_balance": 10.5,
                                         "used_balance": 2.3, "unlimited_quota": False})

    async with Recorder(answer).client() as client:
        key = await client.balance()
        account = await client.balance(account=True)
    assert key == Balance(10.5, 2.3)
    assert account.to_json() == {"remain_balance": -1, "used_balance": 9.0, "unlimited": True}
    refusal = Recorder(lambda r: httpx.Response(200, json={"success": False,
                                                           "message": "Failed to get token info"}))
    async with refusal.client() as client:
        with pytest.raises(ValidationFailed, match="Failed to get token info"):
            await client.balance(account=True)


# -- the job service ---------------------------------------------------------------------


def jobs_with(tmp_path: Path, recorder: Recorder, **kw: Any) -> Jobs:
    return Jobs(recorder.client(), load_session(tmp_path / "s.toml"), **kw)


async def test_read_only_refuses_every_kind(tmp_path: Path) -> None:
    recorder = Recorder()
    jobs = jobs_with(tmp_path, recorder, read_only=True)
    for start in (lambda: jobs.describe(DescribeRequest("https://x/a.png")),
                  lambda: jobs.blend(BlendRequest(("https://x/a", "https://x/b"))),
                  lambda: jobs.edits(ImagineRequest("p", image_urls=("https://x/a",))),
                  lambda: jobs.video(VideoRequest(image_url="https://x/a.png"))):
        with pytest.raises(JobRefused) as refused:
            await start()
        assert refused.value.reason == "read_only"
    assert recorder.requests == []


async def test_an_unanswered_job_is_recorded_and_not_sent_again(tmp_path: Path) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    recorder = Recorder(hang)
    jobs = jobs_with(tmp_path, recorder)
    request = DescribeRequest("https://x/a.png")
    with pytest.raises(OutcomeUnknown):
        await jobs.describe(request)
    assert [u.endpoint for u in jobs.unknown_outcomes] == ["describe"]
    with pytest.raises(JobRefused) as refused:
        await jobs.describe(request)
    assert refused.value.reason == "unknown_outcome"
    assert len(recorder.requests) == 1
    recorder.answer = lambda r: httpx.Response(200, json=SUBMITTED)
    await jobs.describe(DescribeRequest("https://x/other.png"))  # another job is fine
    assert (await jobs.describe(request, again=True)).task_id == NEW_ID
    assert len(recorder.requests) == 3


async def test_a_video_of_a_tile_needs_a_finished_parent(tmp_path: Path) -> None:
    recorder = Recorder()
    jobs = jobs_with(tmp_path, recorder)
    request = VideoRequest(task_id=PARENT, index=2)
    with pytest.raises(JobRefused) as refused:
        await jobs.video(request)
    assert refused.value.reason == "unknown_task"
    jobs.session.add(TrackedTask(task=Task(id=PARENT, status=Status.IN_PROGRESS), added_at=0.0))
    with pytest.raises(JobRefused) as refused:
        await jobs.video(request)
    assert refused.value.reason == "not_ready"
    jobs.session.update_task(Task(id=PARENT, status=Status.SUCCESS), 1.0)
    assert (await jobs.video(request)).task_id == NEW_ID
    assert recorder.last()[1]["index"] == 1


async def test_a_finished_video_without_clips_reads_them_from_the_unified_view() -> None:
    mj_view = {"id": NEW_ID, "status": "SUCCESS", "action": "VIDEO", "video_urls": None}
    unified = {"code": 200, "data": {"id": NEW_ID, "status": "completed", "result": {
        "videos": [{"url": ["https://c/0.mp4", "https://c/1.mp4"]}]}}}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v1/tasks/"):
            return httpx.Response(200, json=unified)
        return httpx.Response(200, json=mj_view)

    recorder = Recorder(answer)
    async with recorder.client() as client:
        task = await client.get_task(NEW_ID)
        assert task.video_urls == ("https://c/0.mp4", "https://c/1.mp4")
        mj_view["action"], mj_view["prompt"] = "DESCRIBE", ""
        unified["data"]["result"] = {"description": "1️⃣ a\n2️⃣ b\n3️⃣ c\n4️⃣ d"}
        assert (await client.get_task(NEW_ID)).prompts == ("a", "b", "c", "d")
        mj_view["action"] = "IMAGINE"  # nothing missing: one request, no second view
        before = len(recorder.requests)
        await client.get_task(NEW_ID)
        assert len(recorder.requests) == before + 1
        mj_view["action"] = "VIDEO"
        recorder.answer = lambda r: (httpx.Response(500) if r.url.path.startswith("/v1/tasks/")
                                     else httpx.Response(200, json=mj_view))
        task = await client.get_task(NEW_ID)  # the unified view failed: as the MJ view had it
    assert task.status is Status.SUCCESS and task.video_urls == ()
