"""Every job kind in the task models: CANCEL is final, describe prompts, video clips from
both views, camelCase twins, and the session keeping what it needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mjtui.api.models import Status, Task, describe_prompts, parse_status
from mjtui.session import TrackedTask, load_session, save_session

TASK_ID = "task_01KV52C0TEJSYZMCG0NCS4YWKK"
DESCRIBE_TEXT = ("1️⃣ a misty harbour at dawn --ar 1:1\n\n2️⃣ a neon alley in the rain\n\n"
                 "3️⃣ a porcelain fox --ar 3:2\n\n4️⃣ an astronaut tending a bonsai")
PROMPTS = ("a misty harbour at dawn --ar 1:1", "a neon alley in the rain",
           "a porcelain fox --ar 3:2", "an astronaut tending a bonsai")


@pytest.mark.parametrize("word", ["CANCEL", "CANCELLED", "CANCELED", "cancel", "Cancelled"])
def test_every_cancel_spelling_is_a_final_failure(word: str) -> None:
    assert parse_status(word) is Status.FAILURE
    task = Task.from_mj_view({"id": TASK_ID, "status": word})
    assert task.status.is_final
    assert task.fail_reason == "cancelled"


def test_cancel_keeps_its_own_reason_in_either_spelling() -> None:
    snake = Task.from_mj_view({"id": TASK_ID, "status": "CANCEL", "fail_reason": "by admin"})
    camel = Task.from_mj_view({"id": TASK_ID, "status": "CANCEL", "failReason": "timeout"})
    unified = Task.from_unified_view({"data": {"id": TASK_ID, "status": "cancelled",
                                               "error": {"message": "refunded"}}})
    assert (snake.fail_reason, camel.fail_reason, unified.fail_reason) == (
        "by admin", "timeout", "refunded")


def test_describe_prompts_lose_their_keycaps() -> None:
    task = Task.from_mj_view({"id": TASK_ID, "status": "SUCCESS", "action": "DESCRIBE",
                              "prompt": DESCRIBE_TEXT, "description": DESCRIBE_TEXT})
    assert task.prompts == PROMPTS
    # Keycaps without the variation selector, and a twice-escaped newline, read the same.
    assert describe_prompts("1\u20e3 one\\n2\u20e3 two") == ("one", "two")
    # Only a describe has prompts; an imagine's prompt is never split.
    assert Task(id=TASK_ID, action="IMAGINE", prompt=DESCRIBE_TEXT).prompts == ()


def test_describe_prompts_from_the_unified_view() -> None:
    data = {"id": TASK_ID, "status": "completed", "action": "DESCRIBE",
            "result": {"images": [], "description": DESCRIBE_TEXT}}
    assert Task.from_unified_view({"code": 200, "data": data}).prompts == PROMPTS


def test_video_urls_from_both_views() -> None:
    mj = Task.from_mj_view({"id": TASK_ID, "status": "SUCCESS", "action": "VIDEO",
                            "video_url": "https://c/v0.mp4",
                            "video_urls": ["https://c/v0.mp4", "https://c/v1.mp4"]})
    assert mj.video_urls == ("https://c/v0.mp4", "https://c/v1.mp4")
    only_first = Task.from_mj_view({"id": TASK_ID, "status": "SUCCESS", "videoUrl": "https://c/a.mp4"})
    assert only_first.video_urls == ("https://c/a.mp4",)
    unified = Task.from_unified_view({"code": 200, "data": {
        "id": TASK_ID, "status": "completed",
        "result": {"videos": [{"url": ["https://c/1.mp4", "https://c/2.mp4"], "expires_at": 1},
                              {"url": "https://c/3.mp4"}]}}})
    assert unified.video_urls == ("https://c/1.mp4", "https://c/2.mp4", "https://c/3.mp4")


def test_camel_case_twins_and_final_prompt() -> None:
    data: dict[str, Any] = {
        "id": TASK_ID, "status": "SUCCESS", "prompt": None,
        "properties": {"finalPrompt": "a cat --v 7"},
        "submitTime": 1767225600000, "startTime": 1767225601000, "finishTime": 1767225650000,
        "imageUrls": ["https://c/0.png"], "gridImageUrl": "https://c/g.png",
        "videoUrls": None, "buttons": None,
    }
    task = Task.from_mj_view(data)
    assert task.prompt == "a cat --v 7"
    assert (task.submit_time, task.start_time, task.finish_time) == (
        1767225600.0, 1767225601.0, 1767225650.0)
    assert task.image_urls == ("https://c/0.png",)
    assert task.grid_image_url == "https://c/g.png"
    assert task.video_urls == ()
    assert Task.from_mj_view({"id": TASK_ID, "imageUrl": "https://c/1.png"}).image_urls == (
        "https://c/1.png",)
    # The snake_case field wins when both are there.
    both = Task.from_mj_view({"id": TASK_ID, "prompt": "mine", "properties": {"finalPrompt": "x"}})
    assert both.prompt == "mine"


def test_session_keeps_clips_and_describe_text(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    session = load_session(path)
    video = Task(id=TASK_ID, status=Status.SUCCESS, action="VIDEO",
                 video_urls=("https://c/v0.mp4", "https://c/v1.mp4"))
    describe = Task(id="task_01KV52C0TEJSYZMCG0NCS4YWKL", status=Status.SUCCESS,
                    action="DESCRIBE", prompt=DESCRIBE_TEXT)
    session.add(TrackedTask(task=video, added_at=1.0))
    session.add(TrackedTask(task=describe, added_at=2.0))
    assert save_session(session)
    loaded = load_session(path)
    assert loaded.get(TASK_ID).task.video_urls == video.video_urls
    assert loaded.get(describe.id).task.prompts == PROMPTS
    assert loaded.warnings == []


def test_a_session_written_before_video_urls_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(f"version = 1\n[[tasks]]\nid = '{TASK_ID}'\n[tasks.state]\n"
                    "status = 'SUCCESS'\nimage_urls = ['https://c/0.png']\n", encoding="utf-8")
    loaded = load_session(path)
    assert loaded.warnings == []
    assert loaded.get(TASK_ID).task.video_urls == ()
    assert loaded.get(TASK_ID).task.image_urls == ("https://c/0.png",)
