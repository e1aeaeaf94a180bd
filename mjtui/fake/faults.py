"""Wire layer of the fake apimart server: requests in, responses out, faults between.

``read_request`` turns an ASGI scope into a :class:`Request`; handlers answer a
:class:`Response`; ``deliver`` puts it on the wire, mangled by a fault if one
applies; :class:`RecordedRequest` is the request-log entry (never the token).

Fault injection:

Tests add faults from Python (``fake.faults.add(Fault("status", status=502))``)
or, for an out-of-process server, over HTTP (``POST /_fake/faults`` with the
same fields as JSON; ``DELETE /_fake/faults`` clears them).  A fault applies to
requests whose path starts with ``path_prefix`` (and whose method matches
``method`` when given), for ``times`` requests (``None``: until removed).
``/_fake/`` control routes are never faulted.

Kinds:

* ``status``: answer ``status`` with ``body`` (default: an nginx-like HTML page,
  ``text/html``).
* ``rate_limit``: 429, OpenAI-style error body, optional ``Retry-After``.
* ``slow``: sleep ``seconds`` before answering normally.
* ``garbage``: 200 with malformed JSON (``{"id": "task_``).
* ``truncated``: the normal answer, but Content-Length announces more bytes
  than are sent.  On a real socket the client sees a connection closed
  mid-body; in-process (ASGITransport) it sees a truncated JSON.
* ``huge``: 200 with a JSON body of ``size`` bytes.
* ``trickle``: the normal answer sent ``chunk_size`` bytes at a time with
  ``delay`` seconds between chunks.

``process=True`` on a replacing fault (status, rate_limit, garbage, huge) still
runs the real handler first, so e.g. the job IS created although the client
gets a 502: the "unknown outcome" case of a submit.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
KINDS = ("status", "rate_limit", "slow", "garbage", "truncated", "huge", "trickle")
GARBAGE_BODY = b'{"id": "task_'
_ids = itertools.count(1)


@dataclass
class Response:
    """A complete HTTP answer before it goes on the wire (faults rewrite it)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode())


@dataclass
class Request:
    """What handlers need from one HTTP request (``json`` is ``...`` for non-JSON)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    base_url: str
    token: str | None
    auth_present: bool
    body: bytes = b""  # the raw body (multipart uploads read it)
    content_type: str = ""


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it; the token text itself is never stored."""

    time: float  # the fake's clock at arrival
    monotonic: float  # time.monotonic() at arrival, for real-time backoff checks
    method: str
    path: str
    query: dict[str, str]
    json_body: dict[str, Any] | None
    status: int
    authorization_present: bool
    fault: str | None = None  # the fault kind applied, if any


@dataclass
class Fault:
    """One injected misbehaviour; see the module docstring for the kinds."""

    kind: str
    path_prefix: str = "/v1/"
    times: int | None = None
    method: str | None = None
    status: int = 502
    body: str | dict[str, Any] | None = None
    content_type: str | None = None
    retry_after: float | None = None
    seconds: float = 1.0
    size: int = 5_000_000
    chunk_size: int = 16
    delay: float = 0.05
    process: bool = False
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """Build a fault from a JSON object, ignoring unknown and server-side keys."""
        names = {f.name for f in fields(cls)} - {"id", "hits"}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path_prefix)

    @property
    def replaces(self) -> bool:
        """True when the fault answers instead of the real handler."""
        return self.kind in ("status", "rate_limit", "garbage", "huge")

    def response(self) -> Response:
        """The replacement answer of a replacing fault."""
        if self.kind == "status":
            return self._status_response()
        if self.kind == "rate_limit":
            body = self.body or {"error": {"message": "Rate limit reached, please retry later",
                                           "type": "rate_limit_error",
                                           "code": "rate_limit_exceeded"}}
            resp = _body_response(429, body, self.content_type)
            if self.retry_after is not None:
                value = self.retry_after
                text = str(int(value)) if float(value).is_integer() else str(value)
                resp.headers.append(("retry-after", text))
            return resp
        if self.kind == "garbage":
            return Response(200, GARBAGE_BODY if self.body is None else _to_bytes(self.body))
        if self.kind == "huge":
            head, tail = b'{"padding":"', b'"}'
            pad = max(0, self.size - len(head) - len(tail))
            return Response(200, head + b"a" * pad + tail)
        raise ValueError(f"fault kind {self.kind!r} does not replace the response")

    def _status_response(self) -> Response:
        if self.body is None:
            try:
                phrase = HTTPStatus(self.status).phrase
            except ValueError:
                phrase = "Error"
            html = f"<html><body><h1>{self.status} {phrase}</h1></body></html>"
            return Response(self.status, html.encode(), self.content_type or "text/html")
        return _body_response(self.status, self.body, self.content_type)


def _to_bytes(body: str | dict[str, Any]) -> bytes:
    return json.dumps(body).encode() if isinstance(body, dict) else body.encode()


def _body_response(status: int, body: str | dict[str, Any], ctype: str | None) -> Response:
    default = "application/json" if isinstance(body, dict) else "text/plain"
    return Response(status, _to_bytes(body), ctype or default)


class FaultSet:
    """The active faults, first match wins; ``take`` consumes one use."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self._faults.append(fault)
        return fault

    def remove(self, fault: Fault | int) -> None:
        fid = fault if isinstance(fault, int) else fault.id
        self._faults = [f for f in self._faults if f.id != fid]

    def clear(self) -> None:
        self._faults.clear()

    def __iter__(self) -> Iterator[Fault]:
        return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first fault matching this request and count the hit."""
        if path.startswith("/_fake/"):
            return None
        for fault in self._faults:
            if fault.matches(method, path):
                fault.hits += 1
                if fault.times is not None and fault.hits >= fault.times:
                    self.remove(fault)
                return fault
        return None


def control(faults: FaultSet, requests: list[RecordedRequest], req: Request) -> Response:
    """``/_fake/faults`` (GET/POST/DELETE) and ``/_fake/requests`` (GET/DELETE), no auth."""
    if req.path == "/_fake/faults":
        if req.method == "POST":
            items = req.json if isinstance(req.json, list) else \
                req.json.get("faults", [req.json]) if isinstance(req.json, dict) else []
            try:
                for item in items:
                    faults.add(Fault.from_json(item))
            except (TypeError, ValueError, AttributeError) as exc:
                return json_response({"error": {"message": str(exc)}}, 400)
        elif req.method == "DELETE":
            faults.clear()
        return json_response({"faults": [f.to_json() for f in faults]})
    if req.path == "/_fake/requests":
        if req.method == "DELETE":
            requests.clear()
        return json_response({"requests": [asdict(r) for r in requests]})
    return Response(404, b"Not Found", "text/plain")


def _start(resp: Response, length: int) -> dict[str, Any]:
    headers = [(b"content-type", resp.content_type.encode()),
               (b"content-length", str(length).encode())]
    headers += [(k.encode(), v.encode()) for k, v in resp.headers]
    return {"type": "http.response.start", "status": resp.status, "headers": headers}


async def deliver(send: Send, resp: Response, fault: Fault | None = None, *,
                  in_process: bool = False) -> None:
    """Put ``resp`` on the wire, mangled as ``fault`` (truncated/trickle/huge) asks.

    ``in_process``: the peer is httpx's ASGITransport, which needs a completed
    response; a real server (uvicorn) instead closes the socket when the app
    returns mid-body, which is what a truncated response looks like.
    """
    body = resp.body
    if fault is not None and fault.kind == "truncated":
        await send(_start(resp, len(body) + 64))
        cut = body[:max(1, len(body) // 2)]
        await send({"type": "http.response.body", "body": cut, "more_body": not in_process})
        return  # uvicorn logs "returned without completing response" and closes
    await send(_start(resp, len(body)))
    if fault is not None and fault.kind in ("trickle", "huge"):
        step = fault.chunk_size if fault.kind == "trickle" else 65536
        for pos in range(0, len(body), step):
            more = pos + step < len(body)
            await send({"type": "http.response.body", "body": body[pos:pos + step],
                        "more_body": more})
            if more and fault.kind == "trickle":
                await asyncio.sleep(fault.delay)
        if body:
            return
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def read_request(scope: dict[str, Any], receive: Receive) -> Request:
    """Collect the body and the bits of the scope the handlers need."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    auth = headers.get("authorization", "")
    scheme_word, _, token = auth.partition(" ")
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    body, parsed = b"".join(chunks), None
    content_type = headers.get("content-type", "")
    if body.strip() and not content_type.lower().startswith("multipart/"):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = ...  # Ellipsis: a body that is not JSON (handlers answer 400)
    return Request(method=scope["method"].upper(), path=scope["path"],
                   query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))),
                   json=parsed, base_url=f"{scope.get('scheme', 'http')}://{host}",
                   token=token.strip() or None if scheme_word.lower() == "bearer" else None,
                   auth_present=bool(auth), body=body, content_type=content_type)
