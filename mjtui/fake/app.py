"""``FakeApimart``: a pure-ASGI fake of the apimart Midjourney HTTP API.

Usable in-process (``httpx.ASGITransport(app=fake)``) and on a loopback port
(uvicorn, see :mod:`mjtui.fake.server`).  A tiny router maps (method, regex)
to handlers; handlers return a :class:`~mjtui.fake.faults.Response` that the
fault layer may rewrite before it goes on the wire.  Job state is computed on
read from the injectable ``clock`` (see :mod:`mjtui.fake.jobs`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

from . import images
from .buttons import (
    ENDPOINT_FAMILIES,
    ButtonError,
    button_effect,
    check_index,
    parse_followup,
    pick_button,
    version_of,
)
from .faults import (
    FaultSet,
    Receive,
    RecordedRequest,
    Request,
    Response,
    Send,
    control,
    deliver,
    json_response,
    read_request,
)
from .jobs import (
    DESCRIBE,
    GRID,
    INSTANT_RUN,
    SINGLE,
    VIDEO,
    Job,
    JobStore,
    Snapshot,
    apply_structured_fields,
    buttons_for,
    mj_view,
    outcome_for,
    unified_view,
)

UNAUTHORIZED = {"error": {"message": "Invalid API key provided",
                          "type": "authentication_error", "code": "invalid_api_key"}}
FORBIDDEN = {"error": {"message": "You do not have permission to access this task",
                       "type": "permission_error", "code": "forbidden"}}
NOT_FOUND = {"code": 3, "description": "task not found"}
INITIAL_BALANCE = 100.0


class ApiError(Exception):
    """Raised by handlers to answer an error response."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload)
        self.response = json_response(payload, status)


def bad(description: str) -> ApiError:
    """HTTP 400 in the mj-proxy shape the reroll doc tabulates: code 4 = validation."""
    return ApiError(400, {"code": 4, "description": description})


class FakeApimart:
    """The fake server: an ASGI callable holding jobs, faults and a request log.

    ``tokens``: accepted API keys; ``clock``: "now" in epoch seconds (inject a
    ``FakeClock`` in tests); ``queue_seconds``/``run_seconds``: SUBMITTED and
    IN_PROGRESS durations of engine jobs; ``seed``: deterministic ids and
    hashes; ``image_size``: grid edge in pixels; ``stall_seconds``: how long a
    ``--stall`` job sits at 85 %.
    """

    def __init__(self, tokens: set[str] | None = None, clock: Callable[[], float] = time.time,
                 queue_seconds: float = 2.0, run_seconds: float = 12.0,
                 seed: int | None = None, image_size: int = 1024,
                 stall_seconds: float = 600.0) -> None:
        self.tokens: set[str] = set(tokens) if tokens is not None else {"sk-fake-token"}
        self.clock, self.image_size, self.stall_seconds = clock, image_size, stall_seconds
        self.queue_seconds, self.run_seconds = queue_seconds, run_seconds
        self.store = JobStore(seed)
        self.faults = FaultSet()
        self.requests: list[RecordedRequest] = []
        gen, follow = r"^/v1/midjourney/generations", "|".join(ENDPOINT_FAMILIES)
        table: list[tuple[str, str, Callable[..., Response]]] = [
            ("POST", gen + r"(?:/imagine)?$", self.submit_imagine),
            ("POST", gen + r"/(?P<endpoint>blend|describe|edits)$", self.submit_image_based),
            ("POST", gen + rf"/(?P<endpoint>{follow})$", self.submit_followup),
            ("POST", gen + r"/video$", self.submit_video),
            ("POST", gen + r"/(?P<endpoint>remix-strong|remix-subtle)$", self.submit_remix),
            ("POST", gen + r"/modal$", self.submit_modal),
            ("GET", r"^/v1/midjourney/(?P<task_id>[^/]+)$", self.get_mj),
            ("GET", r"^/v1/tasks/(?P<task_id>[^/]+)$", self.get_unified),
            ("GET", r"^/(?:v1/)?(?:user/)?balance$", self.get_balance),
        ]
        self._routes = [(m, re.compile(p), h) for m, p, h in table]

    # --- public helpers ---------------------------------------------------------------

    def requests_for(self, path_prefix: str, method: str | None = None) -> list[RecordedRequest]:
        """Logged requests whose path starts with ``path_prefix`` (and method matches)."""
        return [r for r in self.requests if r.path.startswith(path_prefix)
                and (method is None or r.method == method.upper())]

    def job(self, task_id: str) -> Job:
        """The stored job (KeyError when unknown), for tests and the demo."""
        return self.store.jobs[task_id]

    def state(self, task_id: str) -> Snapshot:
        """The job's state at the fake's current time."""
        return self.job(task_id).state(self.clock(), self.stall_seconds)

    def create_job(self, owner: str, action: str, prompt: str, kind: str = GRID, *,
                   submitted_at: float | None = None, queue_s: float | None = None,
                   run_s: float | None = None, **fields: Any) -> Job:
        """Create a job directly (no HTTP); the demo backdates ``submitted_at``."""
        fields.setdefault("version", version_of(prompt))
        return self.store.create(
            owner=owner, action=action, prompt=prompt, kind=kind,
            now=self.clock() if submitted_at is None else submitted_at,
            queue_s=self.queue_seconds if queue_s is None else queue_s,
            run_s=self.run_seconds if run_s is None else run_s, **fields)

    # --- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        arrived, mono = self.clock(), time.monotonic()
        req = await read_request(scope, receive)
        fault = self.faults.take(req.method, req.path)
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.seconds)
        if fault is not None and fault.replaces:
            if fault.process:
                self._dispatch(req)
            resp = fault.response()
        else:
            resp = self._dispatch(req)
        if not req.path.startswith("/_fake/"):
            self.requests.append(RecordedRequest(
                arrived, mono, req.method, req.path, req.query,
                req.json if isinstance(req.json, dict) else None, resp.status,
                req.auth_present, fault.kind if fault else None))
        # httpx's ASGITransport omits asgi.spec_version; real servers (uvicorn) set it.
        in_process = "spec_version" not in scope.get("asgi", {})
        await deliver(send, resp, fault, in_process=in_process)

    def _dispatch(self, req: Request) -> Response:
        if req.path.startswith("/fake-cdn/"):
            return self._cdn(req)
        if req.path.startswith("/_fake/"):
            return control(self.faults, self.requests, req)
        if req.token is None or req.token not in self.tokens:
            return json_response(UNAUTHORIZED, 401)
        for method, pattern, handler in self._routes:
            match = pattern.match(req.path)
            if match and method == req.method:
                try:
                    return handler(req, **match.groupdict())
                except ApiError as err:
                    return err.response
                except ButtonError as err:
                    return bad(str(err)).response
        return json_response({"error": {"message": f"Invalid URL ({req.method} {req.path})",
                                        "type": "invalid_request_error", "code": "not_found"}},
                             404)

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
        speed = body.get("speed") or "relax"
        if speed not in ("relax", "fast", "turbo"):
            raise bad("speed must be one of relax, fast, turbo")
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise bad("metadata must be an object")
        return self.create_job(req.token or "", action, prompt, kind, speed=speed,
                               metadata=metadata, **fields)

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

    # --- submit handlers ----------------------------------------------------------------

    def submit_imagine(self, req: Request) -> Response:
        """``POST /generations[/imagine]``: body fields become prompt flags (§3.1)."""
        body = self._body(req)
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise bad("prompt is required")
        self._urls(body, 0, 10, "image_urls must be a list of image URLs")
        full = apply_structured_fields(prompt, body)
        return self._submitted(self._new(req, body, "IMAGINE", full, GRID,
                                         description=f"/imagine {full}"))

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
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise bad("prompt is required")
        self._urls(body, 1, 10, "image_urls is required for edits")
        full = apply_structured_fields(prompt, body)
        return self._submitted(self._new(req, body, "EDITS", full, GRID,
                                         description=f"/edits {full}"))

    def submit_followup(self, req: Request, endpoint: str) -> Response:
        """U/V/🔄/vary/zoom/pan/inpaint on a SUCCESS parent (§2, §2.1)."""
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
            body = {**body, "speed": "fast"}  # video is fixed FAST (doc §2 row 15)
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
        prompt, mask = body.get("prompt"), body.get("mask_url")
        if prompt is not None and not isinstance(prompt, str) or \
                mask is not None and not isinstance(mask, str):
            raise bad("prompt and mask_url must be strings")
        job.prompt = prompt.strip() if prompt and prompt.strip() else job.prompt
        job.mask_url, job.action = mask, "MODAL"
        job.outcome, job.fail_word = outcome_for(job.prompt)
        job.modal_answered_at = self.clock()
        return json_response({"code": 200, "data": [{"status": "submitted", "task_id": job.id}]})

    # --- reads --------------------------------------------------------------------------

    def get_mj(self, req: Request, task_id: str) -> Response:
        """``GET /v1/midjourney/{id}``: MJ-style view, not wrapped (doc §4.2)."""
        job = self.owned_job(task_id, req.token)
        return json_response(mj_view(job, job.state(self.clock(), self.stall_seconds),
                                     req.base_url))

    def get_unified(self, req: Request, task_id: str) -> Response:
        """``GET /v1/tasks/{id}[?language=]``: ``{code, data}``; language is ignored."""
        job = self.owned_job(task_id, req.token)
        data = unified_view(job, job.state(self.clock(), self.stall_seconds), req.base_url)
        return json_response({"code": 200, "data": data})

    def get_balance(self, req: Request) -> Response:
        """``GET /v1/balance``: each successful job of this key costs 0.05."""
        now = self.clock()
        used = 0.05 * sum(1 for j in self.store.jobs.values() if j.owner == req.token
                          and j.state(now, self.stall_seconds).status == "SUCCESS")
        return json_response({"code": 200, "data": {
            "remain_balance": round(INITIAL_BALANCE - used, 4), "used_balance": round(used, 4),
            "unlimited_quota": False}})

    def _cdn(self, req: Request) -> Response:
        """``/fake-cdn/<id>/{grid,0..3}.png`` of SUCCESS jobs; no auth, like a CDN."""
        m = re.match(r"^/fake-cdn/([^/]+)/(grid|[0-3]|video_\d+)\.(png|mp4)$", req.path)
        job = self.store.get(m.group(1)) if m else None
        asset = None
        if m and job and job.state(self.clock(), self.stall_seconds).status == "SUCCESS":
            asset = images.asset(job.kind, m.group(2), m.group(3), key=job.image_key,
                                 prompt=job.image_prompt, size=self.image_size,
                                 tile=job.tile, scale=job.scale, batch=job.batch_size)
        if asset is None or req.method not in ("GET", "HEAD"):
            return Response(404, b"Not Found", "text/plain")
        return Response(200, asset[0], asset[1])
