"""The fake's POST /generations handlers (imagine, blend, follow-ups, video, remix, modal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import images
from .buttons import button_effect, check_index, parse_followup, pick_button
from .faults import Request, Response, json_response
from .jobs import (
    DESCRIBE,
    GRID,
    INSTANT_RUN,
    SINGLE,
    VIDEO,
    Job,
    JobStore,
    apply_structured_fields,
    buttons_for,
    outcome_for,
)
from .masks import MaskRejected, read_mask

FORBIDDEN = {"error": {"message": "You do not have permission to access this task",
                       "type": "permission_error", "code": "forbidden"}}
NOT_FOUND = {"code": 3, "description": "task not found"}


class ApiError(Exception):
    """Raised by handlers to answer an error response."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload)
        self.response = json_response(payload, status)


def bad(description: str) -> ApiError:
    """HTTP 400 in the mj-proxy shape the reroll doc tabulates: code 4 = validation."""
    return ApiError(400, {"code": 4, "description": description})


class SubmitHandlers:
    """Mixin for ``FakeApimart``: the submit handlers and the checks every handler shares.

    Handlers raise :class:`ApiError` (or ``ButtonError``); the router turns them into
    responses.
    """

    store: JobStore
    clock: Callable[[], float]
    run_seconds: float
    stall_seconds: float
    create_job: Callable[..., Job]

    # --- shared handler pieces ----------------------------------------------------------

    def owned_job(self, task_id: str, token: str | None) -> Job:
        """The job, or 404 (unknown/expired after 3 days) / 403 (another key's)."""
        job = self.store.get(task_id)
        if job is None or job.expired(self.clock()):
            raise ApiError(404, NOT_FOUND)
        if job.owner != token:
            raise ApiError(403, FORBIDDEN)
        return job

    @staticmethod
    def _body(req: Request) -> dict[str, Any]:
        if req.json is None:
            return {}
        if not isinstance(req.json, dict):
            raise bad("request body must be a JSON object")
        return req.json

    def _new(self, req: Request, body: dict[str, Any], action: str, prompt: str, kind: str,
             **fields: Any) -> Job:
        speed = self._speed(body) or "relax"
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise bad("metadata must be an object")
        return self.create_job(req.token or "", action, prompt, kind, speed=speed,
                               metadata=metadata, **fields)

    @staticmethod
    def _speed(body: dict[str, Any]) -> str | None:
        """The body's speed (None when not given), or 400 for one the API does not take."""
        speed = body.get("speed") or None
        if speed is not None and speed not in ("relax", "fast", "turbo"):
            raise bad("speed must be one of relax, fast, turbo")
        return speed

    @staticmethod
    def _submitted(job: Job) -> Response:
        status = "modal" if job.awaits_modal and job.modal_answered_at is None else "submitted"
        return json_response({"code": 200, "data": [{"status": status, "task_id": job.id}]})

    @staticmethod
    def _urls(body: dict[str, Any], lo: int, hi: int, message: str) -> list[str]:
        urls = body.get("image_urls") or []
        if not isinstance(urls, list) or not all(isinstance(u, str) and u for u in urls) \
                or not lo <= len(urls) <= hi:
            raise bad(message)
        return urls

    @staticmethod
    def _task_id(body: dict[str, Any], endpoint: str) -> str:
        task_id = body.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise bad(f"task_id is required for {endpoint}")
        return task_id

    def _success_parent(self, req: Request, task_id: str) -> Job:
        parent = self.owned_job(task_id, req.token)
        if parent.state(self.clock(), self.stall_seconds).status != "SUCCESS":
            raise bad(f"task {task_id} is not in SUCCESS state")
        return parent

    def _prompted(self, req: Request, body: dict[str, Any], action: str, min_urls: int,
                  urls_message: str) -> Response:
        """A grid job from a required prompt (its structured fields appended as flags) and
        `min_urls` to 10 reference images: imagine and edits."""
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise bad("prompt is required")
        self._urls(body, min_urls, 10, urls_message)
        full = apply_structured_fields(prompt, body)
        return self._submitted(self._new(req, body, action, full, GRID,
                                         description=f"/{action.lower()} {full}"))

    # --- submit handlers ----------------------------------------------------------------

    def submit_imagine(self, req: Request) -> Response:
        """``POST /generations[/imagine]``: body fields become prompt flags
        (docs/api-notes.md#imagine-fields)."""
        return self._prompted(req, self._body(req), "IMAGINE", 0,
                              "image_urls must be a list of image URLs")

    def submit_image_based(self, req: Request, endpoint: str) -> Response:
        """Blend (2–4 images, no prompt), describe (1 image → 4 prompts), edits."""
        body = self._body(req)
        if endpoint == "blend":
            urls = self._urls(body, 2, 4, "image_urls must contain 2 to 4 images for blend")
            dims = body.get("dimensions") or "SQUARE"
            if dims not in ("SQUARE", "PORTRAIT", "LANDSCAPE"):
                raise bad("dimensions must be one of SQUARE, PORTRAIT, LANDSCAPE")
            return self._submitted(self._new(req, body, "BLEND", "", GRID,
                                             description=f"/blend {len(urls)} images"))
        if endpoint == "describe":
            urls = self._urls(body, 1, 10, "image_urls is required for describe")
            text = images.describe_text(self.store.choice, urls[0])
            job = self._new(req, body, "DESCRIBE", text, DESCRIBE, description=text,
                            queue_s=0.0, run_s=min(2.0, self.run_seconds), markers=False)
            return self._submitted(job)
        return self._prompted(req, body, "EDITS", 1, "image_urls is required for edits")

    def submit_followup(self, req: Request, endpoint: str) -> Response:
        """U/V/🔄/vary/zoom/pan/inpaint on a SUCCESS parent (docs/api-notes.md#endpoints)."""
        body = self._body(req)
        task_id = self._task_id(body, endpoint)
        args = parse_followup(endpoint, body)
        parent = self._success_parent(req, task_id)
        custom_id, parsed = pick_button(endpoint, args, parent.id, parent.kind, parent.hash,
                                        parent.hd, buttons_for(parent))
        action, kind, modal = button_effect(endpoint, parsed.family)
        fields: dict[str, Any] = {
            "parent_id": parent.id, "awaits_modal": modal, "button_id": custom_id,
            "description": f"/{endpoint} {parent.id} {custom_id or f'tile {parsed.number}'}"}
        if parsed.family == "upsample":  # a local crop: instant, ignores the markers
            fields.update(image_key=parent.image_key, image_prompt=parent.image_prompt,
                          tile=parsed.number - 1, queue_s=0.0, run_s=INSTANT_RUN, markers=False)
        elif parsed.family == "upsample_hd":
            fields.update(image_key=parent.image_key, image_prompt=parent.image_prompt,
                          tile=parent.tile, scale=2, hd=True)
        elif parsed.family == "animate":
            body = {**body, "speed": "fast"}  # video always runs fast (docs/api-notes.md#video)
        return self._submitted(self._new(req, body, action, parent.prompt, kind, **fields))

    def submit_video(self, req: Request) -> Response:
        """Image → video from ``image_urls[0]`` or a SUCCESS ``task_id`` (+ index 0–3)."""
        body = self._body(req)
        if body.get("batch_size", 1) not in (1, 2, 4):
            raise bad("batch_size must be 1, 2 or 4")
        if body.get("motion", "low") not in ("low", "high"):
            raise bad("motion must be low or high")
        prompt, parent_id = body.get("prompt") or "", None
        if body.get("task_id") is not None:
            check_index(body.get("index"), 0, 3)
            parent = self._success_parent(req, self._task_id(body, "video"))
            if parent.kind not in (GRID, SINGLE):
                raise bad(f"task {parent.id} has no image to animate")
            prompt, parent_id = prompt or parent.prompt, parent.id
        else:
            self._urls(body, 1, 2, "image_urls or task_id is required for video")
        job = self._new(req, {**body, "speed": "fast"}, "VIDEO", prompt, VIDEO,
                        parent_id=parent_id, batch_size=body.get("batch_size", 1),
                        description=f"/video motion={body.get('motion', 'low')}")
        return self._submitted(job)

    def submit_remix(self, req: Request, endpoint: str) -> Response:
        """v8/v8.1 remix (strong/subtle): a new grid, prompt optional (inherited)."""
        body = self._body(req)
        task_id = self._task_id(body, endpoint)
        if check_index(body.get("index")) is None:
            raise bad("index must be between 1 and 4")
        parent = self._success_parent(req, task_id)
        if not parent.version.startswith("8"):
            raise bad("This action requires a v8 or v8.1 task.")
        prompt = body.get("prompt") or parent.prompt
        # No REMIX action is documented; the fake reports VARIATION.
        return self._submitted(self._new(req, body, "VARIATION", prompt, GRID,
                                         parent_id=parent.id, description=f"/{endpoint}"))

    def submit_modal(self, req: Request) -> Response:
        """Answer a MODAL task: the SAME id goes SUBMITTED → IN_PROGRESS → SUCCESS."""
        body = self._body(req)
        task_id = self._task_id(body, "modal")
        job = self.owned_job(task_id, req.token)
        if job.state(self.clock(), self.stall_seconds).status != "MODAL":
            raise bad(f"task {task_id} is not in MODAL state")
        prompt, mask, speed = body.get("prompt"), body.get("mask_url"), self._speed(body)
        if prompt is not None and not isinstance(prompt, str) or \
                mask is not None and not isinstance(mask, str):
            raise bad("prompt and mask_url must be strings")
        try:
            seen = read_mask(mask) if mask else None
        except MaskRejected as exc:
            raise bad(str(exc)) from None
        job.prompt = prompt.strip() if prompt and prompt.strip() else job.prompt
        job.mask_url, job.mask, job.action = mask, seen, "MODAL"
        job.speed = speed or job.speed  # the answer runs at its own speed when it names one
        job.outcome, job.fail_word = outcome_for(job.prompt)
        job.modal_answered_at = self.clock()
        return json_response({"code": 200, "data": [{"status": "submitted", "task_id": job.id}]})
