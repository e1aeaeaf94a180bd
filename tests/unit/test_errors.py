"""error_from_response: every status x both error bodies, non-JSON bodies, kinds, to_dict."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mjtui.api.errors import (
    MAX_MESSAGE_CHARS,
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
    error_from_response,
    parse_retry_after,
)

# (status, class, kind)
STATUSES: list[tuple[int, type[ApimartError], str]] = [
    (400, ValidationFailed, "validation"),
    (401, Unauthorized, "unauthorized"),
    (403, Forbidden, "forbidden"),
    (404, NotFound, "not_found"),
    (422, ValidationFailed, "validation"),
    (429, RateLimited, "rate_limited"),
    (500, ServerError, "server"),
    (502, ServerError, "server"),
    (503, ServerError, "server"),
    (504, ServerError, "server"),
    (599, ServerError, "server"),
    (418, BadResponse, "bad_response"),
    (413, BadResponse, "bad_response"),
    (302, BadResponse, "bad_response"),
]
STATUS_IDS = [str(s) for s, _, _ in STATUSES]


def openai_body(message: str, code: Any = "some_code") -> bytes:
    return json.dumps({"error": {"message": message, "type": "x_error", "code": code}}).encode()


def proxy_body(description: str, code: int = 4) -> bytes:
    return json.dumps({"code": code, "description": description}).encode()


@pytest.mark.parametrize(("status", "cls", "kind"), STATUSES, ids=STATUS_IDS)
def test_openai_shape(status: int, cls: type[ApimartError], kind: str) -> None:
    err = error_from_response(status, openai_body("the API's sentence", "invalid_thing"),
                              content_type="application/json")
    assert type(err) is cls
    assert err.kind == kind
    assert err.http_status == status
    assert err.code == "invalid_thing"
    assert err.message == "the API's sentence"
    assert str(err) == "the API's sentence"
    assert err.to_dict() == {"kind": kind, "http_status": status, "message": "the API's sentence"}


@pytest.mark.parametrize(("status", "cls", "kind"), STATUSES, ids=STATUS_IDS)
def test_proxy_shape(status: int, cls: type[ApimartError], kind: str) -> None:
    err = error_from_response(status, proxy_body("task_status_not_success", 4))
    assert type(err) is cls and err.kind == kind
    assert err.http_status == status
    assert err.code == 4
    assert err.message == "task_status_not_success"


@pytest.mark.parametrize(("status", "cls", "kind"), STATUSES, ids=STATUS_IDS)
@pytest.mark.parametrize("raw", [b"", b"   ", b"not json at all", b"\xff\xfe\x00garbage",
                                 b"[1, 2, 3]", b"\"a string\"", b"null", b"{\"code\": 5}"])
def test_bodies_without_a_message(status: int, cls: type[ApimartError], kind: str,
                                  raw: bytes) -> None:
    err = error_from_response(status, raw, content_type="text/plain")
    assert type(err) is cls and err.kind == kind and err.http_status == status
    assert err.message  # always something to show
    assert len(err.message) <= MAX_MESSAGE_CHARS


@pytest.mark.parametrize(
    ("status", "needle"),
    [(401, "rejected"), (403, "another account"), (404, "not found"), (429, "rate limited")],
)
def test_default_messages(status: int, needle: str) -> None:
    for raw in (b"", b"<html>x</html>", b"{}"):
        err = error_from_response(status, raw)
        assert needle in err.message and str(status) in err.message


def test_html_502_page() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad " \
           b"Gateway</h1></center><hr><center>nginx</center></body></html>"
    err = error_from_response(502, page, content_type="text/html; charset=utf-8")
    assert isinstance(err, ServerError) and err.kind == "server" and err.http_status == 502
    assert err.code is None
    assert err.message.startswith("HTTP 502: non-JSON text/html")
    assert f"({len(page)} bytes)" in err.message
    assert "<html>" not in err.message  # the page itself is not dumped on the user
    # Same page with no content type still counts as HTML.
    assert "non-JSON" in error_from_response(502, page).message


def test_empty_and_plain_text_bodies() -> None:
    assert error_from_response(503, b"").message == "HTTP 503: empty body"
    err = error_from_response(500, b"upstream exploded", content_type="text/plain")
    assert err.message == "HTTP 500: non-JSON body: 'upstream exploded'"
    long = error_from_response(500, b"x" * 10_000)
    assert len(long.message) < 200


def test_message_precedence() -> None:
    """error.message, then message, then description, then fail_reason
    (docs/api-notes.md#errors)."""
    full = {"error": {"message": "A", "code": "c1"}, "message": "B", "description": "C",
            "fail_reason": "D", "code": 9}
    assert error_from_response(400, json.dumps(full).encode()).message == "A"
    assert error_from_response(400, json.dumps(full).encode()).code == "c1"
    del full["error"]
    assert error_from_response(400, json.dumps(full).encode()).message == "B"
    assert error_from_response(400, json.dumps(full).encode()).code == 9
    del full["message"]
    assert error_from_response(400, json.dumps(full).encode()).message == "C"
    del full["description"]
    assert error_from_response(400, json.dumps(full).encode()).message == "D"
    # An empty error.message falls through to the next one; error.code still wins.
    body = {"error": {"message": "", "code": "e"}, "description": "desc", "code": 4}
    err = error_from_response(400, json.dumps(body).encode())
    assert (err.message, err.code) == ("desc", "e")
    # error as a plain string (seen in some gateways)
    assert error_from_response(400, b'{"error": "plain"}').message == "plain"
    # S21: {code:400, message} on an immediate submit rejection
    err = error_from_response(400, b'{"code": 400, "message": "prompt is required"}')
    assert (err.message, err.code) == ("prompt is required", 400)


def test_odd_json_values_do_not_crash() -> None:
    for body in ({"error": {"message": {"nested": True}}}, {"error": [1, 2]},
                 {"message": 5, "description": ["x"]}, {"code": {"x": 1}},
                 {"error": {"message": None, "code": None}}):
        err = error_from_response(400, json.dumps(body).encode())
        assert isinstance(err, ValidationFailed) and err.message


def test_message_capped() -> None:
    err = error_from_response(400, proxy_body("x" * 5000))
    assert len(err.message) == MAX_MESSAGE_CHARS


def test_429_with_and_without_retry_after() -> None:
    body = openai_body("Rate limit reached, please retry later", "rate_limit_exceeded")
    err = error_from_response(429, body, retry_after="7")
    assert isinstance(err, RateLimited) and err.retry_after == 7.0
    assert err.message == "Rate limit reached, please retry later"
    assert err.code == "rate_limit_exceeded" and err.http_status == 429
    assert err.to_dict() == {"kind": "rate_limited", "http_status": 429,
                             "message": "Rate limit reached, please retry later"}
    assert error_from_response(429, body).retry_after is None
    assert error_from_response(429, b"", retry_after="1.5").retry_after == 1.5
    assert error_from_response(429, b"", retry_after="Wed, 21 Oct 2015 07:28:00 GMT"
                               ).retry_after is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("0", 0.0), (" 12 ", 12.0), ("2.5", 2.5), ("-3", 0.0),
     ("999999", 3600.0), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", None)],
)
def test_parse_retry_after(raw: str | None, expected: float | None) -> None:
    assert parse_retry_after(raw) == expected


def test_kinds_and_hierarchy() -> None:
    kinds = {
        InvalidTaskId: "invalid_id", InsecureBaseUrl: "insecure_url",
        Unauthorized: "unauthorized", Forbidden: "forbidden", NotFound: "not_found",
        ValidationFailed: "validation", RateLimited: "rate_limited", ServerError: "server",
        BadResponse: "bad_response", NetworkError: "network", RequestTimeout: "timeout",
        OutcomeUnknown: "outcome_unknown", ApimartError: "error",
    }
    for cls, kind in kinds.items():
        assert cls.kind == kind
        assert issubclass(cls, ApimartError)
    assert len(set(kinds.values())) == len(kinds)  # every kind distinct
    assert issubclass(RequestTimeout, NetworkError) and issubclass(OutcomeUnknown, NetworkError)


def test_to_dict_of_a_transport_error() -> None:
    err = OutcomeUnknown("no answer: outcome unknown, check before retrying")
    assert err.to_dict() == {"kind": "outcome_unknown", "http_status": None,
                             "message": "no answer: outcome unknown, check before retrying"}
    assert err.code is None
    json.dumps(err.to_dict())
