"""ApimartClient over httpx.MockTransport, the in-process fake and a real loopback socket."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest

from mjtui import __version__
from mjtui.api.addresses import (
    MAX_TASK_ID_CHARS,
    check_base_url,
    is_fetchable_url,
    validate_task_id,
)
from mjtui.api.client import (
    MAX_JSON_BYTES,
    OUTCOME_UNKNOWN,
    ApimartClient,
    ImagineRequest,
)
from mjtui.api.errors import (
    ApimartError,
    BadResponse,
    Forbidden,
    InsecureBaseUrl,
    InvalidTaskId,
    NetworkError,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RequestTimeout,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from mjtui.api.models import Status, Submission, SubmitResult
from mjtui.fake import FakeApimart, FakeClock, Fault, LoopbackFakeServer
from mjtui.runtime import USER_AGENT

TOKEN = "sk-test-token-123"
BASE = "https://api.apimart.test"
TID = "task_01KV52C0TEJSYZMCG0NCS4YWKK"
GEN = "/v1/midjourney/generations"
SUBMITTED = {"code": 200, "data": [{"status": "submitted", "task_id": "task_01KNEW"}]}


class Recorder:
    """A MockTransport handler that records requests and answers from a function."""

    def __init__(self, answer: Callable[[httpx.Request], Any] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda req: httpx.Response(200, json=SUBMITTED if
                                                            req.method == "POST" else
                                                            {"id": TID, "status": "SUCCESS"}))

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        result = self.answer(request)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, n: int = -1) -> Any:
        return json.loads(self.requests[n].content)


def follow_up(
    client: ApimartClient, endpoint: str, task_id: str, **fields: Any
) -> Coroutine[Any, Any, SubmitResult]:
    """A follow-up POST as the jobs service sends one (the body from the button catalogue)."""
    return client.submit(Submission(endpoint, {"task_id": task_id, **fields}))


def client_for(recorder: Recorder, **kw: Any) -> ApimartClient:
    kw.setdefault("user_agent", USER_AGENT)  # what the app sends (mjtui.runtime)
    return ApimartClient(TOKEN, BASE, transport=httpx.MockTransport(recorder), **kw)


# -- headers -----------------------------------------------------------------------------


async def test_user_agent_and_bearer_on_api_requests() -> None:
    rec = Recorder()
    async with client_for(rec) as client:
        await client.get_task(TID)
        await client.get_unified_task(TID)
        await follow_up(client, "reroll", TID)
    assert USER_AGENT == f"mjtui/{__version__}"
    for request in rec.requests:
        assert request.headers["user-agent"] == f"mjtui/{__version__}"
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/json"
    assert rec.requests[2].headers["content-type"] == "application/json"


async def test_download_sends_no_token() -> None:
    rec = Recorder(lambda req: httpx.Response(200, content=b"\x89PNG...",
                                              headers={"content-type": "image/png"}))
    async with client_for(rec) as client:
        data = await client.download("https://cdn.apimart.ai/mj_xxxx.png", 1_000_000)
        same_host = await client.download(f"{BASE}/fake-cdn/x/grid.png", 1_000_000)
    assert data == same_host == b"\x89PNG..."
    for request in rec.requests:
        assert "authorization" not in request.headers
        assert request.headers["user-agent"] == USER_AGENT
    assert str(rec.requests[0].url) == "https://cdn.apimart.ai/mj_xxxx.png"


async def test_download_refusals_and_errors() -> None:
    rec = Recorder(lambda req: httpx.Response(404, text="gone"))
    async with client_for(rec) as client:
        for url in ("file:///etc/passwd", "data:image/png;base64,AAAA", "javascript:alert(1)",
                    "ftp://x/y.png", "/relative.png", ""):
            with pytest.raises(BadResponse, match="non-http"):
                await client.download(url, 100)
        assert rec.requests == []
        with pytest.raises(NotFound):
            await client.download("https://cdn.example/x.png", 100)
    assert is_fetchable_url("https://x/y.png") and not is_fetchable_url("file:///x")


async def test_download_is_capped() -> None:
    rec = Recorder(lambda req: httpx.Response(200, content=b"x" * 5000))
    async with client_for(rec) as client:
        with pytest.raises(BadResponse, match="over the 1000-byte limit"):
            await client.download("https://cdn.example/big.png", 1000)
        assert await client.download("https://cdn.example/big.png", 5000) == b"x" * 5000


def test_repr_never_shows_the_token() -> None:
    client = ApimartClient(TOKEN, BASE)
    assert TOKEN not in repr(client) and BASE in repr(client)
    asyncio.run(client.aclose())


# -- task IDs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task_id", "reason"),
    [
        ("", "empty"),
        ("task/../x", "contains '/'"),
        ("a/b", "contains '/'"),
        ("a\\b", "contains '\\\\'"),
        ("task 1", "whitespace"),
        ("task\t1", "whitespace"),
        ("task\n", "whitespace"),
        ("\u3000task", "whitespace"),
        ("task\x00", "control"),
        ("task\x1b[31m", "control"),
        ("task\x7f", "control"),
        ("task\x9b", "control"),
        ("x" * (MAX_TASK_ID_CHARS + 1), "characters long"),
        ("..", "not an ID"),
        (".", "not an ID"),
    ],
)
async def test_invalid_task_ids_are_refused_before_any_request(task_id: str, reason: str) -> None:
    with pytest.raises(InvalidTaskId) as info:
        validate_task_id(task_id)
    assert reason in str(info.value)
    assert info.value.kind == "invalid_id"
    rec = Recorder()
    async with client_for(rec) as client:
        follow_ups = [("upscale", {"index": 1}), ("variation", {"index": 1}),
                      ("high-variation", {"index": 1}), ("low-variation", {"index": 1}),
                      ("reroll", {}), ("zoom", {"zoom_ratio": 2}), ("pan", {"direction": "left"}),
                      ("inpaint", {})]
        calls = [client.get_task(task_id), client.get_unified_task(task_id),
                 client.modal(task_id, "p"),
                 *(follow_up(client, endpoint, task_id, **fields) for endpoint, fields in follow_ups)]
        for call in calls:
            with pytest.raises(InvalidTaskId):
                await call
    assert rec.requests == []


def test_valid_ids_pass_unchanged() -> None:
    for task_id in (TID, "x" * MAX_TASK_ID_CHARS, "task%41", "a?b#c", "tâsk", "...", "a.b"):
        assert validate_task_id(task_id) == task_id
    with pytest.raises(InvalidTaskId):
        validate_task_id(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("task_id", "raw_path"),
    [
        (TID, f"/v1/midjourney/{TID}"),
        ("task%41", "/v1/midjourney/task%2541"),
        ("a?b#c", "/v1/midjourney/a%3Fb%23c"),
        ("tâsk", "/v1/midjourney/t%C3%A2sk"),
        ("...", "/v1/midjourney/..."),
        ("a;b=c&d", "/v1/midjourney/a%3Bb%3Dc%26d"),
    ],
)
async def test_odd_but_valid_ids_are_path_escaped(task_id: str, raw_path: str) -> None:
    rec = Recorder(lambda req: httpx.Response(200, json={"status": "SUCCESS"}))
    async with client_for(rec) as client:
        task = await client.get_task(task_id)
        await client.get_unified_task(task_id)
    assert rec.requests[0].url.raw_path.decode() == raw_path
    assert rec.requests[0].url.query == b""
    assert rec.requests[1].url.raw_path.decode() == raw_path.replace("/v1/midjourney/",
                                                                     "/v1/tasks/")
    assert task.id == task_id  # the view had no id: the one we asked for


async def test_odd_id_reaches_the_fake_intact() -> None:
    """Through the ASGI fake: the escaped path decodes back to the exact ID (404, not a
    different route or a query string)."""
    fake = FakeApimart(tokens={TOKEN})
    async with ApimartClient(TOKEN, BASE, transport=httpx.ASGITransport(app=fake)) as client:
        for task_id in ("task%41", "a?b#c"):
            with pytest.raises(NotFound):
                await client.get_task(task_id)
    assert [r.path for r in fake.requests] == ["/v1/midjourney/task%41",
                                               "/v1/midjourney/a?b#c"]
    assert all(r.query == {} for r in fake.requests)


async def test_submit_refuses_an_unusable_task_id_in_the_answer() -> None:
    rec = Recorder(lambda req: httpx.Response(200, json={"code": 200, "data": [
        {"status": "submitted", "task_id": "../../etc"}]}))
    async with client_for(rec) as client:
        with pytest.raises(BadResponse, match="task ID"):
            await client.submit(ImagineRequest("a cat").submission())
    assert len(rec.requests) == 1


# -- base URL ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.apimart.ai", "https://api.apimart.ai"),
        ("https://api.apimart.ai/", "https://api.apimart.ai"),
        ("  https://proxy.example/api/  ", "https://proxy.example/api"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://127.5.6.7", "http://127.5.6.7"),
        ("http://localhost:9/", "http://localhost:9"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_base_url_accepted(url: str, expected: str) -> None:
    assert check_base_url(url) == expected
    client = ApimartClient(TOKEN, url)
    assert client.base_url == expected
    asyncio.run(client.aclose())


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("http://example.com", "in clear"),
        ("http://api.apimart.ai", "in clear"),
        ("http://10.0.0.1:8765", "in clear"),
        ("http://localhost.evil.example", "in clear"),
        ("http://127.0.0.1.nip.io", "in clear"),
        ("ftp://api.apimart.ai", "http(s)"),
        ("file:///etc/passwd", "http(s)"),
        ("api.apimart.ai", "http(s)"),
        ("https://", "http(s)"),
        ("", "http(s)"),
    ],
)
def test_base_url_refused(url: str, needle: str) -> None:
    with pytest.raises(InsecureBaseUrl, match=needle.replace("(", r"\(").replace(")", r"\)")):
        check_base_url(url)
    with pytest.raises(InsecureBaseUrl) as info:
        ApimartClient(TOKEN, url)
    assert info.value.kind == "insecure_url"


# -- error mapping -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "headers", "cls", "message"),
    [
        (400, {"code": 4, "description": "task task_x is not in SUCCESS state"}, {},
         ValidationFailed, "task task_x is not in SUCCESS state"),
        (401, {"error": {"message": "Invalid API key provided", "code": "invalid_api_key"}}, {},
         Unauthorized, "Invalid API key provided"),
        (403, {"error": {"message": "You do not have permission"}}, {}, Forbidden,
         "You do not have permission"),
        (404, {"code": 3, "description": "task not found"}, {}, NotFound, "task not found"),
        (429, {"error": {"message": "slow down"}}, {"retry-after": "3"}, RateLimited,
         "slow down"),
        (500, {"error": {"message": "upload failed"}}, {}, ServerError, "upload failed"),
        (502, {"code": 9, "description": "Service rejected"}, {}, ServerError,
         "Service rejected"),
        (503, None, {}, ServerError, "HTTP 503: empty body"),
        (418, None, {}, BadResponse, "HTTP 418: empty body"),
    ],
)
async def test_errors_are_mapped(status: int, body: Any, headers: dict[str, str],
                                 cls: type[ApimartError], message: str) -> None:
    content = b"" if body is None else json.dumps(body).encode()
    rec = Recorder(lambda req: httpx.Response(status, content=content, headers=headers))
    async with client_for(rec) as client:
        for call in (lambda: client.get_task(TID),
                     lambda: follow_up(client, "upscale", TID, index=1)):
            with pytest.raises(cls) as info:
                if status in (502, 503, 504) and body is None:
                    try:
                        await call()
                    except OutcomeUnknown:  # a bare gateway page on a POST: job may exist
                        raise cls(message, http_status=status) from None
                else:
                    await call()
            assert info.value.http_status == status and info.value.message == message
            if cls is RateLimited:
                assert info.value.retry_after == 3.0  # type: ignore[attr-defined]
    assert len(rec.requests) == 2  # never retried


async def test_a_gateway_page_on_a_post_is_an_unknown_outcome() -> None:
    page = b"<html><body><h1>504 Gateway Time-out</h1></body></html>"
    rec = Recorder(lambda req: httpx.Response(504, content=page,
                                              headers={"content-type": "text/html"}))
    async with client_for(rec) as client:
        with pytest.raises(OutcomeUnknown, match="outcome unknown, check before retrying"):
            await follow_up(client, "upscale", TID, index=1)
        with pytest.raises(ServerError):  # the same page on a GET is a plain server error
            await client.get_task(TID)
    assert len(rec.requests) == 2  # the POST was not resent


async def test_html_502_page() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    rec = Recorder(lambda req: httpx.Response(502, content=page,
                                              headers={"content-type": "text/html"}))
    async with client_for(rec) as client:
        with pytest.raises(ServerError, match="HTTP 502: non-JSON text/html"):
            await client.get_task(TID)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b'{"id": "task_', "malformed JSON"),
        (b"<html>ok</html>", "malformed JSON"),
        (b"", "malformed JSON"),
        (b"\xff\xfe", "malformed JSON"),
        (b"[1, 2]", "not an object"),
        (b'"task_x"', "not an object"),
        (b"null", "not an object"),
    ],
)
async def test_unreadable_success_bodies(content: bytes, needle: str) -> None:
    rec = Recorder(lambda req: httpx.Response(200, content=content))
    async with client_for(rec) as client:
        with pytest.raises(BadResponse, match=needle) as info:
            await client.get_task(TID)
        assert info.value.http_status == 200
        with pytest.raises(BadResponse):
            await follow_up(client, "reroll", TID)


async def test_non_finite_json_numbers_do_not_crash_parsing() -> None:
    body = b'{"id": "task_x", "status": "IN_PROGRESS", "progress": NaN, "submit_time": ' \
           b'Infinity, "finish_time": -Infinity}'
    rec = Recorder(lambda req: httpx.Response(200, content=body))
    async with client_for(rec) as client:
        task = await client.get_task("task_x")
    assert task.status is Status.IN_PROGRESS and task.progress == 0
    assert task.submit_time is None and task.finish_time is None


async def test_submit_answer_without_task_id() -> None:
    rec = Recorder(lambda req: httpx.Response(200, json={"code": 200, "data": []}))
    async with client_for(rec) as client:
        with pytest.raises(BadResponse, match="no task ID"):
            await client.submit(ImagineRequest("a cat").submission())


async def test_oversize_json_body_is_capped() -> None:
    big = b'{"padding":"' + b"a" * MAX_JSON_BYTES + b'"}'
    rec = Recorder(lambda req: httpx.Response(200, content=big))
    async with client_for(rec) as client:
        with pytest.raises(BadResponse, match="over the"):
            await client.get_task(TID)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the stream is counted
        for _ in range(MAX_JSON_BYTES // 65536 + 2):
            yield b"a" * 65536

    rec = Recorder(lambda req: httpx.Response(200, content=chunks()))
    async with client_for(rec) as client:
        with pytest.raises(BadResponse, match="over the"):
            await client.get_task(TID)


async def test_compression_bomb_is_capped() -> None:
    bomb = gzip.compress(b"\x00" * (MAX_JSON_BYTES + 1024))
    assert len(bomb) < 100_000
    rec = Recorder(lambda req: httpx.Response(200, content=bomb,
                                              headers={"content-encoding": "gzip"}))
    async with client_for(rec) as client:
        with pytest.raises(BadResponse, match="over the"):
            await client.get_task(TID)


async def test_huge_fault_from_the_fake() -> None:
    fake = FakeApimart(tokens={TOKEN})
    fake.faults.add(Fault("huge", size=MAX_JSON_BYTES + 10))
    async with ApimartClient(TOKEN, BASE, transport=httpx.ASGITransport(app=fake)) as client:
        with pytest.raises(BadResponse, match="over the"):
            await client.get_task(TID)


# -- timeouts and network failures -------------------------------------------------------


def raising(exc: Exception) -> Callable[[httpx.Request], Any]:
    def answer(request: httpx.Request) -> Any:
        raise exc
    return answer


async def test_get_read_timeout_is_a_request_timeout() -> None:
    rec = Recorder(raising(httpx.ReadTimeout("timed out")))
    async with client_for(rec) as client:
        with pytest.raises(RequestTimeout) as info:
            await client.get_task(TID)
    assert info.value.kind == "timeout"
    assert OUTCOME_UNKNOWN not in str(info.value)


async def test_post_read_timeout_is_outcome_unknown_and_sent_once() -> None:
    rec = Recorder(raising(httpx.ReadTimeout("timed out")))
    async with client_for(rec) as client:
        with pytest.raises(OutcomeUnknown) as info:
            await client.submit(ImagineRequest("a cat").submission())
    assert "outcome unknown, check before retrying" in str(info.value)
    assert info.value.kind == "outcome_unknown"
    assert len(rec.requests) == 1


@pytest.mark.parametrize("exc", [httpx.ReadError("reset"), httpx.RemoteProtocolError("eof"),
                                 httpx.WriteTimeout("slow write")])
async def test_post_broken_midway_is_outcome_unknown(exc: Exception) -> None:
    rec = Recorder(raising(exc))
    async with client_for(rec) as client:
        with pytest.raises(OutcomeUnknown, match="outcome unknown, check before retrying"):
            await follow_up(client, "upscale", TID, index=2)
        with pytest.raises(NetworkError) as info:  # a GET is just a network error
            await client.get_task(TID)
        assert not isinstance(info.value, OutcomeUnknown)
    assert len(rec.requests) == 2


@pytest.mark.parametrize("exc", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"),
                                 httpx.PoolTimeout("pool")])
async def test_connect_failure_on_post_is_a_network_error(exc: Exception) -> None:
    rec = Recorder(raising(exc))
    async with client_for(rec) as client:
        with pytest.raises(NetworkError) as info:
            await client.submit(ImagineRequest("a cat").submission())
    assert type(info.value) is NetworkError  # nothing reached the server: not unknown
    assert "cannot reach api.apimart.test" in str(info.value)
    assert len(rec.requests) == 1


async def test_overall_deadline_caps_a_slow_answer() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=SUBMITTED)

    rec = Recorder(slow)
    async with client_for(rec, deadline=0.2) as client:
        started = time.monotonic()
        with pytest.raises(RequestTimeout):
            await client.get_task(TID)
        with pytest.raises(OutcomeUnknown, match="outcome unknown, check before retrying"):
            await follow_up(client, "reroll", TID)
        assert time.monotonic() - started < 2
    assert [r.method for r in rec.requests] == ["GET", "POST"]


async def test_deadline_caps_a_trickling_body() -> None:
    async def drip() -> AsyncIterator[bytes]:
        for _ in range(100):
            await asyncio.sleep(0.05)
            yield b" "

    rec = Recorder(lambda req: httpx.Response(200, content=drip()))
    async with client_for(rec, deadline=0.3) as client:
        started = time.monotonic()
        with pytest.raises(RequestTimeout):
            await client.get_task(TID)
        assert time.monotonic() - started < 2


async def test_post_timeout_on_a_real_socket_sends_one_request() -> None:
    fake = FakeApimart(tokens={TOKEN})
    with LoopbackFakeServer(fake) as server:
        fake.faults.add(Fault("slow", seconds=0.8, method="POST"))
        timeout = httpx.Timeout(connect=2.0, read=0.2, write=2.0, pool=2.0)
        async with ApimartClient(TOKEN, server.base_url, timeout=timeout) as client:
            with pytest.raises(OutcomeUnknown, match="outcome unknown, check before retrying"):
                await client.submit(ImagineRequest("a cat").submission())
            for _ in range(100):  # the fake logs the request once its delay is over
                if fake.requests:
                    break
                await asyncio.sleep(0.05)
        posts = fake.requests_for(GEN, "POST")
        assert len(posts) == 1 and posts[0].json_body == {"prompt": "a cat"}
        assert len(fake.store.jobs) == 1  # the job exists: hence "check before retrying"


async def test_connection_refused_on_a_real_socket() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before we connect: nothing listens
    async with ApimartClient(TOKEN, f"http://127.0.0.1:{port}") as client:
        with pytest.raises(NetworkError, match="cannot reach") as info:
            await client.submit(ImagineRequest("a cat").submission())
        assert type(info.value) is NetworkError
        with pytest.raises(NetworkError, match="cannot reach"):
            await client.get_task(TID)


# -- bodies of every call ----------------------------------------------------------------


def test_imagine_body_structured_fields_and_no_nones() -> None:
    request = ImagineRequest("a lighthouse", size="16:9", version="7", stylize=100, chaos=0,
                             quality="2", seed=42, negative_prompt="people", style="raw",
                             weird=250, speed="fast", tile=True, niji=None, raw=None,
                             draft=False, image_urls=("https://x/a.png",),
                             extra={"metadata": {"k": "v"}})
    assert request.to_body() == {
        "prompt": "a lighthouse", "size": "16:9", "version": "7", "stylize": 100, "chaos": 0,
        "quality": "2", "seed": 42, "negative_prompt": "people", "style": "raw",
        "weird": 250, "speed": "fast", "tile": True, "draft": False,
        "image_urls": ["https://x/a.png"], "metadata": {"k": "v"},
    }
    assert ImagineRequest("just a prompt").to_body() == {"prompt": "just a prompt"}


async def test_every_call_hits_its_endpoint_with_its_body() -> None:
    rec = Recorder()
    cid = "MJ::JOB::upsample::2::abc"
    async with client_for(rec) as client:
        result = await client.submit(ImagineRequest("a cat", size="16:9", version="7").submission())
        assert result.task_id == "task_01KNEW" and result.status is Status.SUBMITTED
        await follow_up(client, "upscale", TID, index=2)
        await follow_up(client, "upscale", TID, custom_id=cid)
        await follow_up(client, "variation", TID, index=3)
        await follow_up(client, "high-variation", TID, index=1)
        await follow_up(client, "low-variation", TID, index=1, speed="fast")
        await follow_up(client, "reroll", TID)
        await follow_up(client, "zoom", TID, zoom_ratio=1.5)
        await follow_up(client, "zoom", TID)
        await follow_up(client, "pan", TID, direction="left")
        await follow_up(client, "pan", TID, custom_id="MJ::JOB::pan_up::1::abc::SOLO")
        await follow_up(client, "inpaint", TID, index=1)
        await client.modal(TID, "new prompt", "https://x/mask.png")
        await client.modal(TID)
        await client.submit(Submission("upscale", {"task_id": TID, "custom_id": cid}))
        await client.get_task(TID)
        await client.get_unified_task(TID)
    expected = [
        ("POST", f"{GEN}/imagine", {"prompt": "a cat", "size": "16:9", "version": "7"}),
        ("POST", f"{GEN}/upscale", {"task_id": TID, "index": 2}),
        ("POST", f"{GEN}/upscale", {"task_id": TID, "custom_id": cid}),
        ("POST", f"{GEN}/variation", {"task_id": TID, "index": 3}),
        ("POST", f"{GEN}/high-variation", {"task_id": TID, "index": 1}),
        ("POST", f"{GEN}/low-variation", {"task_id": TID, "index": 1, "speed": "fast"}),
        ("POST", f"{GEN}/reroll", {"task_id": TID}),
        ("POST", f"{GEN}/zoom", {"task_id": TID, "zoom_ratio": 1.5}),
        ("POST", f"{GEN}/zoom", {"task_id": TID}),
        ("POST", f"{GEN}/pan", {"task_id": TID, "direction": "left"}),
        ("POST", f"{GEN}/pan", {"task_id": TID, "custom_id": "MJ::JOB::pan_up::1::abc::SOLO"}),
        ("POST", f"{GEN}/inpaint", {"task_id": TID, "index": 1}),
        ("POST", f"{GEN}/modal", {"task_id": TID, "prompt": "new prompt",
                                  "mask_url": "https://x/mask.png"}),
        ("POST", f"{GEN}/modal", {"task_id": TID}),
        ("POST", f"{GEN}/upscale", {"task_id": TID, "custom_id": cid}),
        ("GET", f"/v1/midjourney/{TID}", None),
        ("GET", f"/v1/tasks/{TID}", None),
    ]
    seen = [(r.method, r.url.path, json.loads(r.content) if r.content else None)
            for r in rec.requests]
    assert seen == expected
    assert all(str(r.url).startswith(BASE + "/") for r in rec.requests)


# -- against the in-process fake ---------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake_client(clock: FakeClock) -> AsyncIterator[tuple[FakeApimart, ApimartClient]]:
    fake = FakeApimart(tokens={TOKEN}, clock=clock, seed=3, image_size=64)
    async with ApimartClient(TOKEN, "http://fake.test",
                             transport=httpx.ASGITransport(app=fake)) as client:
        yield fake, client


async def test_full_flow_against_the_fake(fake_client, clock) -> None:
    fake, client = fake_client
    request = ImagineRequest("a lighthouse", size="3:2", version="7")
    submitted = await client.submit(request.submission())
    assert submitted.status is Status.SUBMITTED
    assert fake.requests[-1].json_body == {"prompt": "a lighthouse", "size": "3:2",
                                           "version": "7"}
    task = await client.get_task(submitted.task_id)
    assert task.status is Status.SUBMITTED and task.progress == 0
    clock.advance(2 + 6)
    task = await client.get_task(submitted.task_id)
    assert task.status is Status.IN_PROGRESS and 0 < task.progress < 100
    clock.advance(20)
    task = await client.get_task(submitted.task_id)
    unified = await client.get_unified_task(submitted.task_id)
    assert task.status is unified.status is Status.SUCCESS
    assert task.prompt == "a lighthouse --ar 3:2 --v 7"
    assert len(task.image_urls) == 4 and task.grid_image_url and len(task.buttons) == 9
    assert unified.image_urls == task.image_urls and unified.buttons == ()
    assert task.submit_time is not None and abs(task.submit_time - clock.now + 28) < 1

    png = await client.download(task.grid_image_url, 10_000_000)
    assert png.startswith(b"\x89PNG")
    cdn = fake.requests_for("/fake-cdn/")
    assert len(cdn) == 1 and not cdn[0].authorization_present
    api = [r for r in fake.requests if r.path.startswith("/v1/")]
    assert api and all(r.authorization_present for r in api)

    u2 = next(b for b in task.buttons if b.label == "U2")
    up = await follow_up(client, "upscale", task.id, custom_id=u2.custom_id)
    clock.advance(1)
    single = await client.get_task(up.task_id)
    assert single.status is Status.SUCCESS and single.action == "UPSCALE"
    assert len(single.image_urls) == 1

    region = await follow_up(client, "inpaint", up.task_id)
    assert region.status is Status.MODAL
    assert (await client.get_task(region.task_id)).status is Status.MODAL
    answered = await client.modal(region.task_id, "a red boat", "https://x/mask.png")
    assert answered.task_id == region.task_id and answered.status is Status.SUBMITTED
    assert fake.requests[-1].json_body == {"task_id": region.task_id, "prompt": "a red boat",
                                           "mask_url": "https://x/mask.png"}
    clock.advance(30)
    done = await client.get_task(region.task_id)
    assert done.status is Status.SUCCESS and done.prompt == "a red boat"


async def test_fake_errors_through_the_client(fake_client, clock) -> None:
    fake, client = fake_client
    with pytest.raises(NotFound, match="task not found") as info:
        await client.get_task("task_01KUNKNOWN")
    assert info.value.code == 3
    parent = await client.submit(ImagineRequest("a cat").submission())
    with pytest.raises(ValidationFailed, match="not in SUCCESS state") as vinfo:
        await follow_up(client, "upscale", parent.task_id, index=1)
    assert vinfo.value.code == 4
    fake.faults.add(Fault("rate_limit", retry_after=2, times=1))
    with pytest.raises(RateLimited) as rinfo:
        await client.get_task(parent.task_id)
    assert rinfo.value.retry_after == 2.0
    fake.faults.add(Fault("status", status=502, times=1))
    with pytest.raises(ServerError, match="HTTP 502"):
        await client.get_task(parent.task_id)
    fake.faults.add(Fault("garbage", times=1))
    with pytest.raises(BadResponse, match="malformed JSON"):
        await client.get_task(parent.task_id)
    other = FakeApimart(tokens={"sk-other"}, clock=clock)
    other.store = fake.store
    async with ApimartClient("sk-other", "http://fake.test",
                             transport=httpx.ASGITransport(app=other)) as stranger:
        with pytest.raises(Forbidden):
            await stranger.get_task(parent.task_id)
    async with ApimartClient("sk-wrong", "http://fake.test",
                             transport=httpx.ASGITransport(app=fake)) as wrong:
        with pytest.raises(Unauthorized, match="Invalid API key"):
            await wrong.get_task(parent.task_id)
    async with ApimartClient("", "http://fake.test",
                             transport=httpx.ASGITransport(app=fake)) as anonymous:
        with pytest.raises(Unauthorized):
            await anonymous.get_task(parent.task_id)
    assert not fake.requests[-1].authorization_present
