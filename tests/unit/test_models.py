"""Task / Status / Button / SubmitResult parsing, on fixtures shaped like the API's
documented answers (docs/api-notes.md#the-two-task-views)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from mjtui.api.models import (
    FINAL_STATUSES,
    Button,
    Status,
    SubmitResult,
    Task,
    parse_progress,
    parse_status,
    parse_timestamp,
)

TASK_ID = "task_01KV52C0TEJSYZMCG0NCS4YWKK"
HASH = "abc123def456"

# The Midjourney view, as documented (not wrapped in {code, data}).
MJ_VIEW: dict[str, Any] = {
    "id": TASK_ID,
    "status": "SUCCESS",
    "action": "IMAGINE",
    "progress": "100%",
    "grid_image_url": "https://cdn.apimart.ai/mj_xxxx.png",
    "image_urls": [f"https://cdn.apimart.ai/mj_xxxx_{n}.png" for n in range(4)],
    "buttons": [
        {"customId": f"MJ::JOB::upsample::1::{HASH}", "label": "U1"},
        {"customId": f"MJ::JOB::variation::1::{HASH}", "label": "V1"},
    ],
    "prompt": "a beautiful sunset over mountains",
}

# The unified view, as documented (wrapped).
UNIFIED_VIEW: dict[str, Any] = {
    "code": 200,
    "data": {
        "id": TASK_ID,
        "status": "completed",
        "progress": 100,
        "result": {
            "images": [
                {"url": ["https://upload.apimart.ai/f/image/x_0.png"], "expires_at": 1763174708}
            ]
        },
        "created": 1763088289,
        "completed": 1763088308,
        "estimated_time": 60,
        "actual_time": 19,
    },
}


# -- status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NOT_START", Status.NOT_START),
        ("SUBMITTED", Status.SUBMITTED),
        ("submitted", Status.SUBMITTED),  # submit answers are lower case
        ("IN_PROGRESS", Status.IN_PROGRESS),
        ("in_progress", Status.IN_PROGRESS),
        ("MODAL", Status.MODAL),
        ("modal", Status.MODAL),
        ("SUCCESS", Status.SUCCESS),
        ("Success", Status.SUCCESS),
        ("FAILURE", Status.FAILURE),
        (" FAILURE ", Status.FAILURE),
        ("pending", Status.SUBMITTED),
        ("processing", Status.IN_PROGRESS),
        ("completed", Status.SUCCESS),
        ("COMPLETED", Status.SUCCESS),
        ("failed", Status.FAILURE),
        ("cancelled", Status.FAILURE),
        ("canceled", Status.FAILURE),
        ("", Status.UNKNOWN),
        (None, Status.UNKNOWN),
        ("exploded", Status.UNKNOWN),
        (42, Status.UNKNOWN),
        (["SUCCESS"], Status.UNKNOWN),
    ],
)
def test_parse_status_any_view_any_case(raw: Any, expected: Status) -> None:
    assert parse_status(raw) is expected


def test_final_and_running_statuses() -> None:
    assert FINAL_STATUSES == {Status.SUCCESS, Status.FAILURE, Status.EXPIRED, Status.FORBIDDEN}
    assert all(s.is_final for s in FINAL_STATUSES)
    assert not Status.MODAL.is_final and not Status.MODAL.is_running
    assert not Status.UNKNOWN.is_final
    assert {s for s in Status if s.is_running} == {
        Status.NOT_START, Status.SUBMITTED, Status.IN_PROGRESS,
    }


# -- progress and timestamps -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("45%", 45), ("45", 45), (45, 45), (45.7, 45), ("45.5%", 45), (" 7 % ", 7),
        ("100%", 100), ("0%", 0), (0, 0), ("150%", 100), (150, 100), ("-5%", 0), (-5, 0),
        (None, 0), ("", 0), ("abc", 0), (True, 0), (False, 0), ([45], 45), ({"p": 1}, 1),
        (float("nan"), 0), (float("inf"), 0), (float("-inf"), 0), ("NaN%", 0),
    ],
)
def test_parse_progress(raw: Any, expected: int) -> None:
    assert parse_progress(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1763088289, 1763088289.0),  # seconds (unified view)
        (1763088289000, 1763088289.0),  # milliseconds (MJ view)
        ("1763088289000", 1763088289.0),
        ("1763088289", 1763088289.0),
        (1763088289.5, 1763088289.5),
        (0, None), (-1, None), (None, None), ("", None), ("soon", None), (True, None),
        ([1], None), ({}, None), (float("nan"), None), (float("inf"), None), ("inf", None),
    ],
)
def test_parse_timestamp_seconds_or_milliseconds(raw: Any, expected: float | None) -> None:
    assert parse_timestamp(raw) == expected


# -- MJ view -----------------------------------------------------------------------------


def test_mj_view_doc_example() -> None:
    task = Task.from_mj_view(MJ_VIEW)
    assert task.id == TASK_ID
    assert task.status is Status.SUCCESS
    assert task.progress == 100
    assert task.action == "IMAGINE"
    assert task.prompt == "a beautiful sunset over mountains"
    assert task.grid_image_url == "https://cdn.apimart.ai/mj_xxxx.png"
    assert task.image_urls == tuple(f"https://cdn.apimart.ai/mj_xxxx_{n}.png" for n in range(4))
    assert task.buttons == (
        Button(f"MJ::JOB::upsample::1::{HASH}", "U1"),
        Button(f"MJ::JOB::variation::1::{HASH}", "V1"),
    )
    assert task.fail_reason == ""


def test_mj_view_running_progress_string_and_lower_case() -> None:
    task = Task.from_mj_view({"id": TASK_ID, "status": "in_progress", "progress": "45%",
                              "action": "imagine"})
    assert task.status is Status.IN_PROGRESS
    assert task.progress == 45
    assert task.action == "IMAGINE"


def test_mj_view_success_forces_progress_100() -> None:
    task = Task.from_mj_view({"id": TASK_ID, "status": "SUCCESS", "progress": "99%"})
    assert task.progress == 100


def test_mj_view_failure_reason_both_spellings() -> None:
    snake = Task.from_mj_view({"id": TASK_ID, "status": "FAILURE", "progress": "40%",
                               "fail_reason": "Banned prompt detected: gore"})
    camel = Task.from_mj_view({"id": TASK_ID, "status": "FAILURE", "failReason": "boom"})
    assert snake.status is Status.FAILURE and snake.progress == 40
    assert snake.fail_reason == "Banned prompt detected: gore"
    assert camel.fail_reason == "boom"


def test_mj_view_timestamps_in_milliseconds() -> None:
    task = Task.from_mj_view({"id": TASK_ID, "status": "SUCCESS", "submit_time": 1763088289000,
                              "start_time": 1763088290000, "finish_time": 1763088308000})
    assert (task.submit_time, task.start_time, task.finish_time) == (
        1763088289.0, 1763088290.0, 1763088308.0,
    )
    zero = Task.from_mj_view({"id": TASK_ID, "submit_time": 0, "start_time": 0})
    assert zero.submit_time is None and zero.start_time is None
    alt = Task.from_mj_view({"id": TASK_ID, "created": 1763088289, "completed": 1763088308})
    assert (alt.submit_time, alt.finish_time) == (1763088289.0, 1763088308.0)


def test_mj_view_buttons_lenient() -> None:
    task = Task.from_mj_view({
        "id": TASK_ID,
        "buttons": [
            {"customId": "MJ::JOB::reroll::0::h::SOLO", "label": "", "emoji": "🔄",
             "style": 2, "type": 2},
            {"custom_id": "MJ::JOB::upsample::2::h", "label": "U2"},
            {"label": "no id"},
            {"customId": ""},
            {"customId": {"nested": 1}},
            {"customId": ["MJ::JOB::upsample::3::h"]},
            "MJ::JOB::upsample::4::h",
            None,
            7,
        ],
    })
    assert task.buttons == (
        Button("MJ::JOB::reroll::0::h::SOLO", "", "🔄"),
        Button("MJ::JOB::upsample::2::h", "U2"),
    )


def test_mj_view_describe_and_single_image() -> None:
    describe = Task.from_mj_view({"id": TASK_ID, "status": "SUCCESS", "action": "DESCRIBE",
                                  "prompt": "1️⃣ a\n\n2️⃣ b", "description": "1️⃣ a\n\n2️⃣ b"})
    assert describe.description == "1️⃣ a\n\n2️⃣ b" and describe.image_urls == ()
    single = Task.from_mj_view({"id": TASK_ID, "status": "SUCCESS", "action": "UPSCALE",
                                "image_urls": ["https://x/0.png"],
                                "buttons": [{"customId": "MJ::Inpaint::1::h::SOLO"}]})
    assert single.image_urls == ("https://x/0.png",)


def test_mj_view_image_urls_string_or_objects() -> None:
    assert Task.from_mj_view({"image_urls": "https://x/a.png"}).image_urls == ("https://x/a.png",)
    mixed = Task.from_mj_view({"image_urls": ["https://x/a.png", "", None, 5,
                                              {"url": "https://x/b.png"}]})
    assert mixed.image_urls == ("https://x/a.png", "https://x/b.png")


def test_mj_view_id_falls_back_to_requested_id() -> None:
    assert Task.from_mj_view({}, TASK_ID).id == TASK_ID
    assert Task.from_mj_view({"id": None}, TASK_ID).id == TASK_ID
    assert Task.from_mj_view({"id": "other"}, TASK_ID).id == "other"


GARBAGE_VALUES: list[Any] = [None, "", 0, -1, 3.5, True, [], {}, [None], {"x": [1]}, "x" * 5000,
                             float("nan"), float("inf"), "NaN", "\x1b[31m"]


@pytest.mark.parametrize("value", GARBAGE_VALUES, ids=range(len(GARBAGE_VALUES)))
def test_mj_view_garbage_fields_never_raise(value: Any) -> None:
    keys = ["id", "status", "action", "progress", "prompt", "fail_reason", "failReason",
            "grid_image_url", "image_urls", "buttons", "submit_time", "start_time",
            "finish_time", "created", "completed", "description", "mode", "video_url"]
    task = Task.from_mj_view({k: value for k in keys} | {"unknown_field": value}, TASK_ID)
    assert isinstance(task, Task)
    if not (isinstance(value, str) and value):  # a list/object/bool is no ID: keep ours
        assert task.id in (TASK_ID, "-1", "0")
    assert 0 <= task.progress <= 100
    assert isinstance(task.status, Status)
    assert all(isinstance(u, str) and u for u in task.image_urls)
    for stamp in (task.submit_time, task.start_time, task.finish_time):
        assert stamp is None or stamp > 0
    json.dumps(dataclasses.asdict(task))  # everything stays plain data


def test_mj_view_empty_dict() -> None:
    task = Task.from_mj_view({})
    assert task == Task(id="")


# -- unified view ------------------------------------------------------------------------


def test_unified_view_doc_example_wrapped() -> None:
    task = Task.from_unified_view(UNIFIED_VIEW)
    assert task.id == TASK_ID
    assert task.status is Status.SUCCESS
    assert task.progress == 100
    assert task.image_urls == ("https://upload.apimart.ai/f/image/x_0.png",)
    assert task.submit_time == 1763088289.0
    assert task.finish_time == 1763088308.0
    assert task.buttons == ()  # the unified view has none
    assert Task.from_unified_view(UNIFIED_VIEW["data"]) == task  # already unwrapped


def test_unified_view_url_as_string_and_as_list() -> None:
    as_string = {"id": TASK_ID, "status": "completed", "progress": 100,
                 "result": {"images": [{"url": "https://u/0.png", "expires_at": 1}]}}
    as_list = {"id": TASK_ID, "status": "completed", "progress": 100,
               "result": {"images": [{"url": [f"https://u/{n}.png" for n in range(4)]}]}}
    four_entries = {"id": TASK_ID, "status": "completed",
                    "result": {"images": [{"url": f"https://u/{n}.png"} for n in range(4)]}}
    assert Task.from_unified_view(as_string).image_urls == ("https://u/0.png",)
    assert Task.from_unified_view(as_list).image_urls == tuple(
        f"https://u/{n}.png" for n in range(4))
    assert Task.from_unified_view(four_entries).image_urls == tuple(
        f"https://u/{n}.png" for n in range(4))


def test_unified_view_running_integer_progress() -> None:
    pending = Task.from_unified_view({"code": 200, "data": {"id": TASK_ID, "status": "pending",
                                                            "progress": 0}})
    running = Task.from_unified_view({"id": TASK_ID, "status": "processing", "progress": 45})
    assert pending.status is Status.SUBMITTED and pending.progress == 0
    assert running.status is Status.IN_PROGRESS and running.progress == 45


def test_unified_view_failed_error_message() -> None:
    task = Task.from_unified_view({"code": 200, "data": {
        "id": TASK_ID, "status": "failed", "progress": 40,
        "error": {"code": 24, "message": "Banned prompt detected: gore", "type": "task_failed"},
    }})
    assert task.status is Status.FAILURE
    assert task.fail_reason == "Banned prompt detected: gore"
    assert task.progress == 40


def test_unified_view_cancelled() -> None:
    task = Task.from_unified_view({"id": TASK_ID, "status": "cancelled", "progress": 0})
    assert task.status is Status.FAILURE
    assert task.fail_reason == "cancelled"
    with_message = Task.from_unified_view({"id": TASK_ID, "status": "cancelled",
                                           "error": {"message": "modal timed out"}})
    assert with_message.fail_reason == "modal timed out"


@pytest.mark.parametrize("value", GARBAGE_VALUES, ids=range(len(GARBAGE_VALUES)))
def test_unified_view_garbage_never_raises(value: Any) -> None:
    keys = ["id", "status", "progress", "result", "error", "created", "completed", "action",
            "prompt", "estimated_time", "actual_time"]
    task = Task.from_unified_view({"code": 200, "data": {k: value for k in keys}}, TASK_ID)
    assert isinstance(task, Task) and 0 <= task.progress <= 100
    nested = Task.from_unified_view({"data": {"id": TASK_ID, "status": "completed", "result": {
        "images": value, "videos": value}, "error": {"message": value}}})
    assert nested.status is Status.SUCCESS
    assert all(isinstance(u, str) and u for u in nested.image_urls)
    odd_images = Task.from_unified_view({"result": {"images": [value, {"url": value}]}}, "t")
    assert all(isinstance(u, str) and u for u in odd_images.image_urls)


def test_unified_view_data_not_a_dict() -> None:
    task = Task.from_unified_view({"code": 200, "data": ["x"]}, TASK_ID)
    assert task.id == TASK_ID and task.status is Status.UNKNOWN


# -- Task helpers ------------------------------------------------------------------------


def test_task_is_immutable_and_with_status_keeps_results() -> None:
    task = Task.from_mj_view(MJ_VIEW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.status = Status.FAILURE  # type: ignore[misc]
    expired = task.with_status(Status.EXPIRED, "task not found")
    assert expired.status is Status.EXPIRED and expired.fail_reason == "task not found"
    assert expired.image_urls == task.image_urls and expired.buttons == task.buttons
    assert task.status is Status.SUCCESS  # the original is untouched
    kept = Task(id="t", fail_reason="old").with_status(Status.FORBIDDEN)
    assert kept.fail_reason == "old"


def test_button_from_json() -> None:
    assert Button.from_json({"customId": "MJ::x", "label": "L", "emoji": "🔍"}) == Button(
        "MJ::x", "L", "🔍")
    assert Button.from_json({"custom_id": "MJ::y"}) == Button("MJ::y")
    assert Button.from_json({"customId": "MJ::z", "label": None}) == Button("MJ::z")
    for bad in (None, "MJ::x", [], {}, {"customId": ""}, {"customId": None},
                {"customId": {"a": 1}}, {"customId": ["MJ::x"]}):
        assert Button.from_json(bad) is None


# -- SubmitResult ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"code": 200, "data": [{"status": "submitted", "task_id": TASK_ID}]},
         SubmitResult(TASK_ID, Status.SUBMITTED)),
        ({"code": 200, "data": [{"status": "modal", "task_id": TASK_ID}]},
         SubmitResult(TASK_ID, Status.MODAL)),
        ({"code": 200, "data": {"status": "submitted", "task_id": TASK_ID}},
         SubmitResult(TASK_ID, Status.SUBMITTED)),
        ({"task_id": TASK_ID, "status": "modal", "model": "midjourney"},  # a flat inpaint answer
         SubmitResult(TASK_ID, Status.MODAL)),
        ({"task_id": TASK_ID}, SubmitResult(TASK_ID, Status.SUBMITTED)),
        ({"id": TASK_ID}, SubmitResult(TASK_ID, Status.SUBMITTED)),
        ({"code": 1, "result": TASK_ID}, SubmitResult(TASK_ID, Status.SUBMITTED)),  # mj-proxy
        ({"code": 200, "data": [None, {"task_id": TASK_ID}]},
         SubmitResult(TASK_ID, Status.SUBMITTED)),
        ({"code": 200, "data": [{"task_id": 12345}]}, SubmitResult("12345", Status.SUBMITTED)),
    ],
)
def test_submit_result_shapes(body: Any, expected: SubmitResult) -> None:
    assert SubmitResult.from_json(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        None, [], "task_x", 5, {}, {"code": 200, "data": []}, {"code": 200, "data": [{}]},
        {"code": 200, "data": [{"status": "submitted"}]}, {"code": 400, "message": "bad"},
        {"task_id": ""}, {"task_id": None},
        {"result": {"nested": "object"}}, {"task_id": ["task_x"]}, {"data": [{"task_id": {}}]},
    ],
)
def test_submit_result_without_an_id(body: Any) -> None:
    assert SubmitResult.from_json(body) is None
