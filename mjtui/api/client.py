"""ApimartClient: the only place that speaks HTTP to apimart.

One `httpx.AsyncClient` (keep-alive pool) per client serves task queries, submissions and
image downloads. The bearer token is attached per request to API paths only, so it never
travels to an image CDN. Every failure becomes an `ApimartError`; a billed POST that got no
answer becomes `OutcomeUnknown` and is never resent.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Self
from urllib.parse import quote, urlsplit

import httpx

from mjtui.api.addresses import (
    DEFAULT_BASE_URL,
    api_key_problem,
    check_base_url,
    is_fetchable_url,
    validate_task_id,
)
from mjtui.api.body import ACCEPT_ENCODING, read_capped
from mjtui.api.errors import (
    ApimartError,
    BadResponse,
    InsecureBaseUrl,
    InvalidTaskId,
    NetworkError,
    OutcomeUnknown,
    RequestTimeout,
    ValidationFailed,
    error_from_response,
)
from mjtui.api.models import Balance, Submission, SubmitResult, Task, Upload
from mjtui.api.pool import build_transport

DEFAULT_USER_AGENT = "mjtui"  # the app passes its version (mjtui.runtime.USER_AGENT)
MAX_JSON_BYTES = 4 * 1024 * 1024  # a task JSON is a few KB; anything near this is hostile
UPLOAD_PATH = "/v1/uploads/images"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=30.0)
# A slow-drip response resets httpx's per-read timeout forever; this caps the whole exchange.
DEFAULT_DEADLINE = 60.0
OUTCOME_UNKNOWN = "outcome unknown, check before retrying"
GATEWAY_STATUSES = (502, 503, 504)


@dataclass(frozen=True, slots=True)
class ImagineRequest:
    """An imagine submission: the prompt plus its structured fields
    (docs/api-notes.md#imagine-fields)."""

    prompt: str
    size: str | None = None  # aspect ratio, --ar
    version: str | None = None
    stylize: int | None = None
    chaos: int | None = None
    quality: str | None = None
    seed: int | None = None
    negative_prompt: str | None = None
    style: str | None = None
    weird: int | None = None
    speed: str | None = None
    tile: bool | None = None
    niji: bool | None = None
    raw: bool | None = None
    draft: bool | None = None
    image_urls: tuple[str, ...] = ()
    iw: float | None = None  # image prompt weight, --iw
    sw: int | None = None  # style reference weight, --sw
    cw: int | None = None  # character reference weight, --cw
    repeat: int | None = None  # run the job this many times, --repeat
    sref: str | None = None  # style reference image URL
    cref: str | None = None  # character reference image URL
    extra: dict[str, Any] = field(default_factory=dict)

    def to_body(self) -> dict[str, Any]:
        body = {k: v for k, v in asdict(self).items() if v not in (None, (), {}) and k != "extra"}
        if self.image_urls:
            body["image_urls"] = list(self.image_urls)
        body.update(self.extra)
        return body

    def submission(self, endpoint: str = "imagine") -> Submission:
        """The POST: `imagine`, or `edits` (the same fields plus the image to rewrite)."""
        return Submission(endpoint, self.to_body())


class ApimartClient:
    """Async client for the apimart Midjourney API. Use as `async with ApimartClient(...)`."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_connections: int = 10,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        # An injected transport (the in-process fake) never touches the network.
        self.base_url = base_url.rstrip("/") if transport else check_base_url(base_url)
        problem = api_key_problem(token)
        if problem:  # a header can't carry it, and the library's complaint would quote it
            raise InsecureBaseUrl(problem)
        self._token = token
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}
        self.deadline = deadline
        self.max_connections = max_connections
        # Keep idle connections for 60 s (httpx: 5 s; Go: 90 s). The pool grows to the peak
        # number of polls in flight, reached whenever the event loop is held up; with 30 s
        # the connections only those peaks use closed between them and were opened again.
        # A server that closes sooner is safe: a GET on a connection it closed is sent
        # again on a new one (see pool.py).
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=60.0,
        )
        self.http = httpx.AsyncClient(
            transport=transport or build_transport(limits),
            timeout=timeout,
            limits=limits,
            headers={
                "User-Agent": user_agent,
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            follow_redirects=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    def __repr__(self) -> str:  # never shows the token
        return f"ApimartClient(base_url={self.base_url!r})"

    # -- queries -------------------------------------------------------------------------

    async def get_task(self, task_id: str) -> Task:
        """The MJ view of a task (with buttons): `GET /v1/midjourney/{id}`."""
        path = f"/v1/midjourney/{quote(validate_task_id(task_id), safe='')}"
        # The ID we asked for is the ID we file it under, whatever `id` the body claims.
        task = Task.from_mj_view(await self._request_json("GET", path), task_id)
        task = task if task.id == task_id else replace(task, id=task_id)
        return await self._completed(task) if task.lacks_results else task

    async def _completed(self, task: Task) -> Task:
        """A finished video or describe whose MJ view holds no clips or prompts, with those
        of the unified view (one more free GET, once: the session keeps them). If that view
        cannot be read, the task is as the MJ view had it."""
        try:
            unified = await self.get_unified_task(task.id)
        except ApimartError:
            return task
        return replace(task, video_urls=task.video_urls or unified.video_urls,
                       description=task.description or unified.description or unified.prompt)

    async def get_unified_task(self, task_id: str) -> Task:
        """The unified view (no buttons): `GET /v1/tasks/{id}`."""
        path = f"/v1/tasks/{quote(validate_task_id(task_id), safe='')}"
        task = Task.from_unified_view(await self._request_json("GET", path), task_id)
        return task if task.id == task_id else replace(task, id=task_id)

    async def balance(self, *, account: bool = False) -> Balance:
        """This key's balance (`GET /v1/balance`), or the whole account's with `account`
        (`GET /v1/user/balance`). Free, so the tracker uses it as a health check when
        nothing is being polled. A refusal answered as 200 raises ValidationFailed with the
        API's own sentence."""
        data = await self._request_json("GET", "/v1/user/balance" if account else "/v1/balance")
        balance = Balance.from_json(data)
        if balance is None:
            message, code = data.get("message") or data.get("msg"), data.get("code")
            text = message if isinstance(message, str) and message else "no balance in the answer"
            code = code if isinstance(code, str | int) and not isinstance(code, bool) else None
            raise self._scrubbed(ValidationFailed(text[:200], http_status=200, code=code))
        return balance

    # -- submissions ---------------------------------------------------------------------

    async def upload(self, content: bytes, filename: str, content_type: str) -> Upload:
        """Upload an image (multipart, field `file`) and return where it now lives. Free
        and creates no job, so a timeout here is an ordinary error, safe to try again."""
        files = {"file": (filename, content, content_type)}
        data = await self._request_json("POST", UPLOAD_PATH, files=files)
        upload = Upload.from_json(data)
        if upload is None:
            raise BadResponse("the API took the upload but sent no URL back", http_status=200)
        return upload

    async def submit(self, submission: Submission) -> SubmitResult:
        """POST one billed request. Sent once; an unanswered one raises OutcomeUnknown."""
        task_id = submission.body.get("task_id")
        if task_id is not None:
            validate_task_id(task_id)
        data = await self._request_json("POST", submission.path, json_body=submission.body)
        result = SubmitResult.from_json(data)
        if result is None:
            # Some gateways answer 200 with an error body: show their sentence, not ours.
            refused = error_from_response(400, json.dumps(data).encode())
            if data.get("code") not in (None, 200, "200") and refused.message:
                raise ValidationFailed(refused.message, http_status=200, code=data.get("code"))
            raise BadResponse("the API accepted the request but sent no task ID", http_status=200)
        try:
            validate_task_id(result.task_id)
        except InvalidTaskId as exc:  # the server's fault, not a usage error of ours
            raise BadResponse(
                f"the API answered an unusable task ID: {exc.message}", http_status=200
            ) from None
        return result

    async def modal(
        self, task_id: str, prompt: str | None = None, mask_url: str | None = None, **kw: Any
    ) -> SubmitResult:
        """Answer a MODAL task; the same task ID then runs to its result."""
        return await self._follow_up("modal", task_id, prompt=prompt, mask_url=mask_url, **kw)

    async def _follow_up(self, endpoint: str, task_id: str, **fields: Any) -> SubmitResult:
        body = {"task_id": task_id, **{k: v for k, v in fields.items() if v is not None}}
        return await self.submit(Submission(endpoint, body))

    # -- images --------------------------------------------------------------------------

    async def download(self, url: str, max_bytes: int) -> bytes:
        """Fetch an image URL (no token sent), refusing non-http(s) URLs and oversize bodies."""
        if not is_fetchable_url(url):
            raise BadResponse(f"refusing to fetch a non-http(s) URL: {url[:80]!r}")
        status, headers, raw = await self._exchange("GET", url, None, {}, max_bytes)
        if not 200 <= status < 300:
            raise error_from_response(status, raw, content_type=headers.get("content-type", ""))
        return raw

    # -- plumbing ------------------------------------------------------------------------

    async def _request_json(
        self, method: str, path: str, json_body: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        try:
            return await self._request_json_unscrubbed(method, path, json_body, files)
        except ApimartError as exc:
            raise self._scrubbed(exc) from None

    def _scrubbed(self, exc: ApimartError) -> ApimartError:
        """The error with our own key cut out: servers and libraries may quote it back."""
        if self._token and self._token in exc.message:
            exc.message = exc.message.replace(self._token, "sk-…(redacted)")
            exc.args = (exc.message,)
        return exc

    async def _request_json_unscrubbed(
        self, method: str, path: str, json_body: dict[str, Any] | None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        status, headers, raw = await self._exchange(
            method, self.base_url + path, json_body, self._auth, MAX_JSON_BYTES, files=files
        )
        if not 200 <= status < 300:
            error = error_from_response(
                status,
                raw,
                content_type=headers.get("content-type", ""),
                retry_after=headers.get("retry-after"),
            )
            if files is None and method == "POST" and status in GATEWAY_STATUSES \
                    and error.code is None:
                # A proxy's own 502/503/504 page, not the API's answer: the job behind it may
                # have started all the same.
                raise OutcomeUnknown(
                    f"a gateway answered {status} ({error.message}): {OUTCOME_UNKNOWN}",
                    http_status=status,
                )
            raise error
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadResponse(
                f"the API answered {status} with malformed JSON ({len(raw)} bytes)",
                http_status=status,
            ) from None
        if not isinstance(data, dict):
            raise BadResponse("the API answered JSON that is not an object", http_status=status)
        return data

    async def _exchange(
        self,
        method: str,
        url: str,
        json_body: dict[str, Any] | None,
        headers: dict[str, str],
        max_bytes: int,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> tuple[int, httpx.Headers, bytes]:
        """One request with a body cap and an overall deadline, mapped to ApimartError. A
        POST is billed (its lost answer is OutcomeUnknown) unless it is an upload (`files`)."""
        billed = method == "POST" and files is None
        try:
            async with asyncio.timeout(self.deadline):
                request = self.http.build_request(method, url, json=json_body, files=files,
                                                  headers=headers)
                # Image CDNs redirect; the API never should (and the token must not follow).
                response = await self.http.send(
                    request, stream=True, follow_redirects=not headers
                )
                try:
                    raw = await read_capped(response, max_bytes)
                finally:
                    await response.aclose()
        except ApimartError:
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing reached the server: safe to say so, even for a POST.
            raise NetworkError(f"cannot reach {_host(url)}: {_reason(exc)}") from None
        except (TimeoutError, httpx.TimeoutException):
            if billed:
                raise OutcomeUnknown(f"no answer from {_host(url)} in time: {OUTCOME_UNKNOWN}") from None
            raise RequestTimeout(f"no answer from {_host(url)} in time") from None
        except httpx.HTTPError as exc:
            if billed:
                raise OutcomeUnknown(
                    f"connection to {_host(url)} broke ({_reason(exc)}): {OUTCOME_UNKNOWN}"
                ) from None
            raise NetworkError(f"connection to {_host(url)} broke: {_reason(exc)}") from None
        return response.status_code, response.headers, raw


def _host(url: str) -> str:
    return urlsplit(url).netloc or url[:60]


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
