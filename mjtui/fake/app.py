"""``FakeApimart``: a pure-ASGI fake of the apimart Midjourney HTTP API.

Usable in-process (``httpx.ASGITransport(app=fake)``) and on a loopback port
(uvicorn, see :mod:`mjtui.fake.server`).  A tiny router maps (method, regex)
to handlers (the POST ones live in :mod:`mjtui.fake.submit`); handlers return
a :class:`~mjtui.fake.faults.Response` that the fault layer may rewrite before
it goes on the wire.  Job state is computed on read from the injectable
``clock`` (see :mod:`mjtui.fake.jobs`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

from . import images
from .buttons import ENDPOINT_FAMILIES, ButtonError, version_of
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
from .jobs import GRID, Job, JobStore, Snapshot, mj_view, unified_view
from .submit import ApiError, SubmitHandlers, bad
from .uploads import UploadStore

UNAUTHORIZED = {"error": {"message": "Invalid API key provided",
                          "type": "authentication_error", "code": "invalid_api_key"}}
INITIAL_BALANCE = 100.0
JOB_PRICE = 0.05  # per job (a video: per clip); charged when it starts, refunded if it fails


class FakeApimart(SubmitHandlers):
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
        self.uploads = UploadStore()
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
            ("POST", r"^/v1/uploads/images$", self.post_upload),
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

    def cancel(self, task_id: str, reason: str = "") -> None:
        """Cancel a job now, as the server would: it reads CANCEL from then on."""
        job = self.job(task_id)
        job.cancel_at, job.cancel_reason = self.clock(), reason

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
        if req.path == "/_fake/cancel" and req.method == "POST":
            body = req.json if isinstance(req.json, dict) else {}
            if str(body.get("task_id")) not in self.store.jobs:
                return json_response({"error": {"message": "no such task"}}, 404)
            self.cancel(str(body["task_id"]), str(body.get("reason") or ""))
            return json_response({"cancelled": body["task_id"]})
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

    # --- reads --------------------------------------------------------------------------

    def get_mj(self, req: Request, task_id: str) -> Response:
        """``GET /v1/midjourney/{id}``: MJ-style view, not wrapped
        (docs/api-notes.md#the-two-task-views)."""
        job = self.owned_job(task_id, req.token)
        return json_response(mj_view(job, job.state(self.clock(), self.stall_seconds),
                                     req.base_url))

    def get_unified(self, req: Request, task_id: str) -> Response:
        """``GET /v1/tasks/{id}[?language=]``: ``{code, data}``; language is ignored."""
        job = self.owned_job(task_id, req.token)
        data = unified_view(job, job.state(self.clock(), self.stall_seconds), req.base_url)
        return json_response({"code": 200, "data": data})

    def get_balance(self, req: Request) -> Response:
        """``GET /v1/balance`` (and the account's, the same here): a job of this key costs
        JOB_PRICE per image set or clip from the moment it starts; a failed or cancelled
        one is refunded, and one waiting in MODAL is charged when it is answered."""
        now = self.clock()
        used = JOB_PRICE * sum(
            j.batch_size if j.kind == "video" else 1 for j in self.store.jobs.values()
            if j.owner == req.token
            and j.state(now, self.stall_seconds).status not in ("FAILURE", "CANCEL", "MODAL"))
        return json_response({"success": True, "remain_balance": round(INITIAL_BALANCE - used, 4),
                              "used_balance": round(used, 4), "unlimited_quota": False})

    def post_upload(self, req: Request) -> Response:
        """``POST /v1/uploads/images``: see :mod:`mjtui.fake.uploads`."""
        return self.uploads.handle(req, self.clock())

    def _cdn(self, req: Request) -> Response:
        """``/fake-cdn/<id>/{grid,0..3}.png`` of SUCCESS jobs, and uploaded images; no
        auth, like a CDN."""
        if req.path.startswith("/fake-cdn/uploads/") and req.method in ("GET", "HEAD"):
            found = self.uploads.serve(req.path.rsplit("/", 1)[-1], self.clock())
            return found or Response(404, b"Not Found", "text/plain")
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
