"""Job store and state machine of the fake apimart server (pure Python, no I/O).

A job never changes in the background: its status is a pure function of
``now - submitted_at`` (or ``now - modal_answered_at``) and its fixed *plan*
(queue time, run time, outcome), computed on every read.  Tests drive time with
an injectable clock instead of sleeping.

Deterministic outcomes, chosen from the job's (effective) prompt:

* ``--fail`` anywhere in the prompt: the job runs, then ends ``FAILURE`` at
  40 % with ``fail_reason`` ``"Banned prompt detected: <word>"``.  ``<word>``
  is the word right after ``--fail`` (``--fail gore``), else the prompt's first
  word.
* ``--stall``: progress rises to 85 %, then stays ``IN_PROGRESS`` at 85 % for
  :data:`STALL_SECONDS` (10 min of fake time) before it succeeds.
* ``--cancel``: the job runs to 20 %, then the server cancels it: the MJ view says
  ``CANCEL`` (the midjourney-proxy spelling) with no reason, the unified view
  ``cancelled``.  ``FakeApimart.cancel`` (or ``POST /_fake/cancel``) cancels any job now.
* anything else succeeds after ``queue_seconds + run_seconds``.

Plain upscales (U1-U4) are local crops: they ignore the markers and succeed
within :data:`INSTANT_RUN` seconds.  Follow-ups inherit the parent's prompt,
so the markers carry over to variations, rerolls, zooms, ...
"""

from __future__ import annotations

import math
import random
import re
import uuid
from dataclasses import dataclass
from typing import Any

from .buttons import describe_buttons, grid_buttons, single_buttons
from .masks import MaskSeen

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RETENTION_SECONDS = 3 * 24 * 3600  # tasks older than this answer 404 (docs/api-notes.md#statuses)
MODAL_TIMEOUT = 30 * 60  # unanswered MODAL tasks are cancelled (docs/api-notes.md#modal)
MODAL_TIMEOUT_REASON = "modal input not received within 30 minutes; cancelled and refunded"
STALL_SECONDS = 600.0
STALL_PROGRESS = 85
FAIL_PROGRESS = 40
CANCEL_PROGRESS = 20
INSTANT_RUN = 0.05
MEDIA_TTL = 72 * 3600  # unified `expires_at` = finish + 72 h

_FAIL_RE = re.compile(r"--fail(?:\s+([^\s-][^\s]*))?")
_WORD_RE = re.compile(r"[A-Za-z0-9']+")

# Kinds of result a job produces.
GRID, SINGLE, DESCRIBE, VIDEO = "grid", "single", "describe", "video"


def outcome_for(prompt: str) -> tuple[str, str]:
    """Return ``(outcome, banned_word)`` for a prompt: success, fail or stall."""
    match = _FAIL_RE.search(prompt)
    if match:
        word = match.group(1)
        if not word:
            words = _WORD_RE.findall(prompt.replace("--fail", " "))
            word = words[0] if words else "prompt"
        return "fail", word.strip(",.;:").lower()
    if "--cancel" in prompt.split():
        return "cancel", ""
    if "--stall" in prompt:
        return "stall", ""
    return "success", ""


@dataclass(frozen=True)
class Snapshot:
    """The state of a job at one instant (what a GET shows)."""

    status: str  # NOT_START | SUBMITTED | IN_PROGRESS | MODAL | SUCCESS | FAILURE | CANCEL
    progress: int
    start_time: float | None
    finish_time: float | None
    fail_reason: str = ""
    cancelled: bool = False  # the MODAL timeout or a cancel: unified view says "cancelled"

    @property
    def done(self) -> bool:
        return self.status in ("SUCCESS", "FAILURE", "CANCEL")


@dataclass
class Job:
    """One task as the fake stores it; its plan never changes after creation
    except when ``/modal`` answers a MODAL task."""

    id: str
    owner: str
    action: str  # MJ action shown in the MJ view
    prompt: str
    kind: str  # GRID | SINGLE | DESCRIBE | VIDEO
    submitted_at: float
    hash: str
    queue_s: float
    run_s: float
    outcome: str = "success"
    fail_word: str = ""
    parent_id: str | None = None
    button_id: str | None = None  # the parent's customId this follow-up ran
    speed: str = "relax"
    metadata: dict[str, Any] | None = None
    version: str = "7"
    description: str = ""
    hd: bool = False  # an HD-upscale result: no further HD upscale and no pan
    image_key: str = ""  # id of the grid whose picture this job shows
    image_prompt: str = ""
    tile: int | None = None  # 0-based tile of image_key for SINGLE jobs
    scale: int = 1
    batch_size: int = 1
    awaits_modal: bool = False  # starts in MODAL (inpaint, custom zoom)
    modal_answered_at: float | None = None
    mask_url: str | None = None
    cancel_at: float | None = None  # the server cancels it then (``--cancel``, ``cancel()``)
    cancel_reason: str = ""
    mask: MaskSeen | None = None  # the white area of an inline mask (fake/masks.py)

    def state(self, now: float, stall_seconds: float = STALL_SECONDS) -> Snapshot:
        """Compute the status at ``now`` from the plan (no stored state)."""
        if self.cancel_at is not None and now >= self.cancel_at:
            return Snapshot("CANCEL", 0, None, self.cancel_at, self.cancel_reason, True)
        if self.awaits_modal and self.modal_answered_at is None:
            deadline = self.submitted_at + MODAL_TIMEOUT
            if now >= deadline:
                return Snapshot("FAILURE", 0, None, deadline, MODAL_TIMEOUT_REASON, True)
            return Snapshot("MODAL", 0, None, None)
        t0 = self.modal_answered_at if self.modal_answered_at is not None else self.submitted_at
        elapsed = now - t0
        if elapsed < self.queue_s:
            return Snapshot("SUBMITTED", 0, None, None)
        start = t0 + self.queue_s
        ran = elapsed - self.queue_s
        run = self.run_s
        if self.outcome == "fail":
            fail_at = run * FAIL_PROGRESS / 100
            if ran >= fail_at:
                reason = f"Banned prompt detected: {self.fail_word}"
                return Snapshot("FAILURE", FAIL_PROGRESS, start, start + fail_at, reason)
        elif self.outcome == "stall":
            stall_from = run * STALL_PROGRESS / 100
            if ran >= stall_from:
                ran = max(stall_from, ran - stall_seconds)
            if ran >= run:
                return Snapshot("SUCCESS", 100, start, start + run + stall_seconds)
        if ran >= run:
            return Snapshot("SUCCESS", 100, start, start + run)
        return Snapshot("IN_PROGRESS", min(99, int(ran / run * 100)), start, None)

    def expired(self, now: float) -> bool:
        return now - self.submitted_at > RETENTION_SECONDS


class JobStore:
    """All jobs by id, plus deterministic id/hash generation when seeded."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed) if seed is not None else random.Random()
        self.jobs: dict[str, Job] = {}

    def new_id(self) -> str:
        """A ``task_01K…`` id: 23 random upper-case Crockford base32 chars."""
        while True:
            tail = "".join(self._rng.choice(CROCKFORD) for _ in range(23))
            task_id = f"task_01K{tail}"
            if task_id not in self.jobs:
                return task_id

    def new_hash(self) -> str:
        """The per-job message hash (a UUID) used inside button customIds."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def add(self, job: Job) -> Job:
        self.jobs[job.id] = job
        return job

    def get(self, task_id: str) -> Job | None:
        return self.jobs.get(task_id)

    def choice(self, items: list[str]) -> str:
        return self._rng.choice(items)

    def create(self, *, owner: str, action: str, prompt: str, kind: str, now: float,
               queue_s: float, run_s: float, markers: bool = True, **fields: Any) -> Job:
        """Create and store a job; ``markers=False`` ignores --fail/--stall (plain upscale)."""
        outcome, word = outcome_for(prompt) if markers else ("success", "")
        job = Job(id=self.new_id(), owner=owner, action=action, prompt=prompt, kind=kind,
                  submitted_at=now, hash=self.new_hash(), queue_s=queue_s, run_s=run_s,
                  outcome=outcome, fail_word=word, **fields)
        if outcome == "cancel":
            job.outcome = "success"
            job.cancel_at = now + queue_s + run_s * CANCEL_PROGRESS / 100
        if not job.image_key:
            job.image_key, job.image_prompt = job.id, prompt
        return self.add(job)


# --- structured imagine fields -> prompt flags (docs/api-notes.md#imagine-fields) ------

_FLAG_FIELDS: list[tuple[str, str]] = [
    ("size", "ar"), ("quality", "q"), ("style", "style"), ("version", "v"),
    ("seed", "seed"), ("negative_prompt", "no"), ("stylize", "s"), ("chaos", "c"),
    ("weird", "w"), ("iw", "iw"), ("cw", "cw"), ("sw", "sw"), ("cref", "cref"),
    ("sref", "sref"), ("dref", "dref"), ("dw", "dw"), ("repeat", "repeat"),
    ("stop", "stop"),
]
_BOOL_FIELDS: list[tuple[str, str]] = [
    ("tile", "tile"), ("raw", "raw"), ("draft", "draft"), ("hd", "hd"),
]


def apply_structured_fields(prompt: str, body: dict[str, Any]) -> str:
    """Append body fields as MJ flags; body values override hand-written flags."""
    out = prompt.strip()
    niji = body.get("niji") is True
    for key, flag in _FLAG_FIELDS:
        value = body.get(key)
        if value is None or value == "":
            continue
        if key == "version" and niji:
            flag = "niji"
        out = re.sub(rf"\s*--{flag}(\s+[^\s-]\S*)?(?=\s|$)", "", out)
        out += f" --{flag} {value}"
    if niji and not body.get("version"):
        out = re.sub(r"\s*--niji(\s+\d\S*)?(?=\s|$)", "", out) + " --niji"
    for key, flag in _BOOL_FIELDS:
        if body.get(key) is True and f"--{flag}" not in out.split():
            out += f" --{flag}"
    if body.get("hd") is True and not re.search(r"--(v|version)\s", out):
        out += " --v 8.1"  # hd without a version means v8.1
    extra = body.get("extra")
    if isinstance(extra, str) and extra.strip():
        out += " " + extra.strip()
    return out.strip()


# --- the two task views (docs/api-notes.md#the-two-task-views) -------------------------


def buttons_for(job: Job) -> list[dict[str, Any]]:
    """The buttons a SUCCESS job offers (docs/api-notes.md#buttons)."""
    if job.kind == GRID:
        return grid_buttons(job.hash)
    if job.kind == SINGLE:
        return single_buttons(job.hash, job.version, job.hd)
    if job.kind == DESCRIBE:
        return describe_buttons(job.hash)
    return []


def image_urls(job: Job, base_url: str) -> list[str]:
    """Absolute CDN URLs: 4 tiles for a grid, 1 image for a single."""
    if job.kind == GRID:
        return [f"{base_url}/fake-cdn/{job.id}/{n}.png" for n in range(4)]
    if job.kind == SINGLE:
        return [f"{base_url}/fake-cdn/{job.id}/0.png"]
    return []


def video_urls(job: Job, base_url: str) -> list[str]:
    return [f"{base_url}/fake-cdn/{job.id}/video_{n}.mp4" for n in range(job.batch_size)]


def _ms(seconds: float | None) -> int:
    return int(seconds * 1000) if seconds is not None else 0


def mj_view(job: Job, snap: Snapshot, base_url: str) -> dict[str, Any]:
    """``GET /v1/midjourney/{id}``: MJ style, upper-case status, buttons, epoch-ms times."""
    ok = snap.status == "SUCCESS"
    view: dict[str, Any] = {
        "id": job.id, "status": snap.status, "action": job.action,
        "progress": f"{snap.progress}%", "prompt": job.prompt,
        "fail_reason": snap.fail_reason if snap.status in ("FAILURE", "CANCEL") else "",
        "grid_image_url": f"{base_url}/fake-cdn/{job.id}/grid.png" if ok and job.kind == GRID
        else "",
        "image_urls": image_urls(job, base_url) if ok else [],
        "buttons": buttons_for(job) if ok else [],
        "submit_time": _ms(job.submitted_at), "start_time": _ms(snap.start_time),
        "finish_time": _ms(snap.finish_time), "description": job.description,
        "mode": "DESCRIBE" if job.kind == DESCRIBE else job.speed.upper(),
    }
    if job.kind == VIDEO and ok:
        view["video_urls"] = video_urls(job, base_url)
        view["video_url"] = view["video_urls"][0]
    return view


def unified_view(job: Job, snap: Snapshot, base_url: str) -> dict[str, Any]:
    """``GET /v1/tasks/{id}`` ``data``: lower-case status, int progress, result/error.

    MODAL is undocumented in this view; the fake shows it as ``pending``
    (waiting for input) and the 30-minute MODAL timeout as ``cancelled``.
    """
    status = {"NOT_START": "pending", "SUBMITTED": "pending", "MODAL": "pending",
              "IN_PROGRESS": "processing", "SUCCESS": "completed",
              "FAILURE": "failed", "CANCEL": "cancelled"}[snap.status]
    if snap.cancelled:
        status = "cancelled"
    data: dict[str, Any] = {
        "id": job.id, "status": status, "progress": snap.progress,
        "created": int(job.submitted_at), "estimated_time": math.ceil(job.queue_s + job.run_s),
    }
    if status == "completed" and snap.finish_time is not None:
        data["completed"] = int(snap.finish_time)
        data["actual_time"] = round(snap.finish_time - job.submitted_at)
        expires = int(snap.finish_time) + MEDIA_TTL
        if job.kind == VIDEO:
            data["result"] = {"videos": [{"url": video_urls(job, base_url),
                                          "expires_at": expires}]}
        elif job.kind == DESCRIBE:
            data["result"] = {"images": [], "description": job.prompt}
        else:
            urls = image_urls(job, base_url)
            url: list[str] | str = urls if job.kind == GRID else urls[0]
            data["result"] = {"images": [{"url": url, "expires_at": expires}]}
    if status == "cancelled" and snap.fail_reason:
        data["error"] = {"code": 9, "message": snap.fail_reason, "type": "task_cancelled"}
    if status == "failed":
        code = 24 if snap.fail_reason.startswith("Banned") else 9  # mj-proxy ReturnCode values
        data["error"] = {"code": code, "message": snap.fail_reason, "type": "task_failed"}
    return data
