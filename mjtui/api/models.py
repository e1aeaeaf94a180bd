"""Immutable task data, parsed once from either apimart task view.

The MJ view (`GET /v1/midjourney/{id}`) and the unified view (`GET /v1/tasks/{id}`) disagree
on case, progress type, image layout and timestamps; everything downstream sees one `Task`.
Parsing is lenient: missing or unknown fields never raise, odd values fall back to defaults.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, replace
from typing import Any

from mjtui.api.errors import ApimartError, Forbidden, NotFound


class Status(enum.StrEnum):
    """Task status. The first six come from the API; EXPIRED and FORBIDDEN are ours."""

    NOT_START = "NOT_START"
    SUBMITTED = "SUBMITTED"
    IN_PROGRESS = "IN_PROGRESS"
    MODAL = "MODAL"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    EXPIRED = "EXPIRED"  # the API answered 404: older than 3 days, or never ours
    FORBIDDEN = "FORBIDDEN"  # the API answered 403: someone else's task
    UNKNOWN = "UNKNOWN"  # tracked, but never seen yet

    @property
    def is_final(self) -> bool:
        """True when polling this task can stop."""
        return self in FINAL_STATUSES

    @property
    def is_running(self) -> bool:
        return self in (Status.NOT_START, Status.SUBMITTED, Status.IN_PROGRESS)


FINAL_STATUSES = frozenset({Status.SUCCESS, Status.FAILURE, Status.EXPIRED, Status.FORBIDDEN})


def status_after_error(error: ApimartError) -> Status | None:
    """The final status a task query's error gives the task: a 404 means the task expired
    (the API keeps tasks 3 days: docs/api-notes.md#statuses), a 403 that it is another
    account's. None for every other error: it says nothing about the task."""
    if isinstance(error, NotFound):
        return Status.EXPIRED
    if isinstance(error, Forbidden):
        return Status.FORBIDDEN
    return None

_UNIFIED_STATUS = {
    "pending": Status.SUBMITTED,
    "processing": Status.IN_PROGRESS,
    "completed": Status.SUCCESS,
    "failed": Status.FAILURE,
    "cancelled": Status.FAILURE,
    "canceled": Status.FAILURE,
    "cancel": Status.FAILURE,  # midjourney-proxy's spelling (docs/api-notes.md#statuses)
}
CANCELLED = "cancelled"  # the reason of a cancelled task that gives none


def parse_status(value: Any) -> Status:
    """Map any spelling the API uses (either view, either case) to a Status."""
    text = str(value or "").strip()
    try:
        return Status(text.upper())
    except ValueError:
        pass
    return _UNIFIED_STATUS.get(text.lower(), Status.UNKNOWN)


_PERCENT = re.compile(r"-?\d+(?:\.\d+)?")


def parse_progress(value: Any) -> int:
    """Progress as an integer 0-100 from "45%", "45", 45 or 45.5; anything else is 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        match = _PERCENT.search(str(value or ""))
        if not match:
            return 0
        number = float(match.group())
    if not math.isfinite(number):  # JSON NaN/Infinity: int() would raise
        return 0
    return max(0, min(100, int(number)))


def parse_timestamp(value: Any) -> float | None:
    """Epoch seconds from epoch seconds or milliseconds; 0, garbage and None give None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number) or number <= 0:
        return None
    return number / 1000.0 if number > 1e11 else number


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _is_cancel(value: Any) -> bool:
    """CANCEL, CANCELLED, CANCELED in any case: final, reported as a failure."""
    return _text(value).strip().lower() in ("cancel", "cancelled", "canceled")


def _field(data: dict[str, Any], *names: str) -> Any:
    """The first of `names` (snake_case, then its camelCase twin) that holds a value."""
    for name in names:
        value = data.get(name)
        if value not in (None, "", [], 0):  # 0: an unset epoch time
            return value
    return None


# A describe suggestion's prefix: a keycap digit (1️⃣ is a digit, U+FE0F, then U+20E3).
_KEYCAP = re.compile(r"^\s*\d\ufe0f?\u20e3\s*")


def describe_prompts(text: str) -> tuple[str, ...]:
    """A describe result's suggestions, one per non-empty line, without their 1️⃣-4️⃣
    prefixes. A literal backslash-n (some answers escape twice) splits too."""
    lines = text.replace("\\n", "\n").splitlines()
    return tuple(p for p in (_KEYCAP.sub("", line).strip() for line in lines) if p)


def _id_text(value: Any) -> str:
    """An ID-like field: a string or a number; lists, objects and booleans are not IDs."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _url_list(value: Any) -> tuple[str, ...]:
    """URLs from a string, a list of strings, or a list of `{"url": ...}` objects."""
    if isinstance(value, str):
        return (value,) if value else ()
    if not isinstance(value, list):
        return ()
    urls: list[str] = []
    for item in value:
        if isinstance(item, dict):
            urls.extend(_url_list(item.get("url")))
        elif isinstance(item, str) and item:
            urls.append(item)
    return tuple(urls)


@dataclass(frozen=True, slots=True)
class Button:
    """A follow-up button a finished task offers (`buttons[]` of the MJ view)."""

    custom_id: str
    label: str = ""
    emoji: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Button | None:
        if not isinstance(data, dict):
            return None
        custom_id = _id_text(data.get("customId") or data.get("custom_id"))
        if not custom_id:
            return None
        return cls(custom_id, _text(data.get("label")), _text(data.get("emoji")))


@dataclass(frozen=True, slots=True)
class Task:
    """What we know of one task at one moment."""

    id: str
    status: Status = Status.UNKNOWN
    progress: int = 0
    action: str = ""
    prompt: str = ""
    fail_reason: str = ""
    grid_image_url: str = ""
    image_urls: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    submit_time: float | None = None
    start_time: float | None = None
    finish_time: float | None = None
    description: str = ""
    video_urls: tuple[str, ...] = ()

    @classmethod
    def from_mj_view(cls, data: dict[str, Any], task_id: str = "") -> Task:
        """Parse `GET /v1/midjourney/{id}` (not wrapped in `{code, data}`). The camelCase
        twins (`failReason`, `imageUrls`, `submitTime`...) read as the snake_case fields."""
        status = parse_status(data.get("status"))
        progress = parse_progress(data.get("progress"))
        if status is Status.SUCCESS:
            progress = 100
        buttons = tuple(
            b for b in (Button.from_json(x) for x in _as_list(data.get("buttons"))) if b
        )
        fail_reason = _text(_field(data, "fail_reason", "failReason"))
        if not fail_reason and _is_cancel(data.get("status")):
            fail_reason = CANCELLED
        properties = data.get("properties") if isinstance(data.get("properties"), dict) else {}
        prompt = _field(data, "prompt") or _field(properties, "finalPrompt", "final_prompt")
        videos = _url_list(_field(data, "video_urls", "videoUrls")) or _url_list(
            _field(data, "video_url", "videoUrl"))
        return cls(
            id=_id_text(data.get("id")) or task_id,
            status=status,
            progress=progress,
            action=_text(data.get("action")).upper(),
            prompt=_text(prompt),
            fail_reason=fail_reason,
            grid_image_url=_text(_field(data, "grid_image_url", "gridImageUrl")),
            image_urls=_url_list(_field(data, "image_urls", "imageUrls"))
            or _url_list(_field(data, "imageUrl")),
            buttons=buttons,
            submit_time=parse_timestamp(_field(data, "submit_time", "submitTime", "created")),
            start_time=parse_timestamp(_field(data, "start_time", "startTime")),
            finish_time=parse_timestamp(_field(data, "finish_time", "finishTime", "completed")),
            description=_text(data.get("description")),
            video_urls=videos,
        )

    @classmethod
    def from_unified_view(cls, data: dict[str, Any], task_id: str = "") -> Task:
        """Parse `GET /v1/tasks/{id}`, wrapped (`{code, data}`) or already unwrapped."""
        if isinstance(data.get("data"), dict):
            data = data["data"]
        status = parse_status(data.get("status"))
        result = data.get("result") if isinstance(data.get("result"), dict) else {}
        urls = _url_list(result.get("images"))
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        fail_reason = _text(error.get("message")) or _text(_field(data, "fail_reason",
                                                                  "failReason"))
        if not fail_reason and _is_cancel(data.get("status")):
            fail_reason = CANCELLED
        return cls(
            id=_id_text(data.get("id")) or task_id,
            status=status,
            progress=100 if status is Status.SUCCESS else parse_progress(data.get("progress")),
            action=_text(data.get("action")).upper(),
            prompt=_text(data.get("prompt")),
            fail_reason=fail_reason,
            image_urls=urls,
            submit_time=parse_timestamp(data.get("created")),
            finish_time=parse_timestamp(data.get("completed")),
            description=_text(result.get("description") or data.get("description")),
            video_urls=_url_list(result.get("videos")),
        )

    def with_status(self, status: Status, reason: str = "") -> Task:
        """A copy with a client-side status (EXPIRED, FORBIDDEN) that keeps the cached results."""
        return replace(self, status=status, fail_reason=reason or self.fail_reason)

    @property
    def prompts(self) -> tuple[str, ...]:
        """A describe's suggested prompts (empty for every other kind of task). The unified
        view names no action: there, text whose every line starts with a keycap counts."""
        if self.action not in ("DESCRIBE", ""):
            return ()
        for text in (self.prompt, self.description):
            lines = [line for line in text.replace("\\n", "\n").splitlines() if line.strip()]
            if lines and (self.action or all(_KEYCAP.match(line) for line in lines)):
                return describe_prompts(text)
        return ()

    @property
    def lacks_results(self) -> bool:
        """A finished video without clips, or describe without prompts: the unified view
        may have them."""
        if self.status is not Status.SUCCESS:
            return False
        return (self.action == "VIDEO" and not self.video_urls) or (
            self.action == "DESCRIBE" and not self.prompts)

def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """What a POST answered: the new task's ID and its first status."""

    task_id: str
    status: Status

    @classmethod
    def from_json(cls, data: Any) -> SubmitResult | None:
        """Find the task ID in any of the shapes seen: data[0], data, or top level."""
        candidates: list[Any] = []
        if isinstance(data, dict):
            inner = data.get("data")
            if isinstance(inner, list):
                candidates.extend(inner)
            elif isinstance(inner, dict):
                candidates.append(inner)
            candidates.append(data)
        for item in candidates:
            if not isinstance(item, dict):
                continue
            task_id = _id_text(item.get("task_id") or item.get("id") or item.get("result"))
            if task_id:
                return cls(task_id, parse_status(item.get("status") or "SUBMITTED"))
        return None


def _amount(value: Any) -> float | None:
    """A balance figure from a number or a numeric string; anything else is None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class Balance:
    """What `GET /v1/balance` says about this API key (docs/api-notes.md#balance). The unit
    is the account's own (USD, CNY or tokens): show the numbers as given, never with an
    invented currency sign."""

    remaining: float | None  # None when the quota is unlimited or the figure is missing
    used: float | None
    unlimited: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Balance | None:
        """The documented top-level shape or one wrapped in `data`; None for a refusal
        (`"success": false`) or an answer that holds no balance at all."""
        if not isinstance(data, dict) or data.get("success") is False:
            return None
        inner = data.get("data")
        body = inner if isinstance(inner, dict) else data
        if body.get("success") is False:
            return None
        remaining, used = _amount(body.get("remain_balance")), _amount(body.get("used_balance"))
        unlimited = body.get("unlimited_quota") is True
        if remaining is None and used is None and not unlimited:
            return None
        return cls(None if unlimited else remaining, used, unlimited)

    def to_json(self) -> dict[str, Any]:
        """The API's own numbers: `remain_balance` is -1 when the quota is unlimited."""
        remaining = -1 if self.unlimited else self.remaining
        return {"remain_balance": remaining, "used_balance": self.used,
                "unlimited": self.unlimited}


@dataclass(frozen=True, slots=True)
class Upload:
    """What `POST /v1/uploads/images` answered: the image's URL (valid for 72 hours)."""

    url: str
    size: int | None = None
    created_at: float | None = None

    @classmethod
    def from_json(cls, data: Any) -> Upload | None:
        """The documented top-level shape, or one wrapped in `data`; None without a URL."""
        if not isinstance(data, dict):
            return None
        body = data.get("data") if isinstance(data.get("data"), dict) else data
        url = body.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return None
        size = body.get("bytes")
        size = size if isinstance(size, int) and not isinstance(size, bool) else None
        return cls(url, size, parse_timestamp(body.get("created_at")))

ENDPOINT_PREFIX = "/v1/midjourney/generations"


@dataclass(frozen=True, slots=True)
class Submission:
    """One POST that starts a job (imagine, a button press): the endpoint and the JSON body."""

    endpoint: str
    body: dict[str, Any]

    @property
    def path(self) -> str:
        return f"{ENDPOINT_PREFIX}/{self.endpoint}"
