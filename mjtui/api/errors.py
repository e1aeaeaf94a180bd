"""One exception family for everything that can go wrong talking to apimart.

Every error carries a stable `kind` (for JSON output and the UI), the HTTP status when there
was one, the API's own code, and a message safe to show: the API's sentence where it gave one.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

MAX_MESSAGE_CHARS = 500


class ApimartError(Exception):
    """Base of all mjtui API errors."""

    kind: ClassVar[str] = "error"

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: str | int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code

    def to_dict(self) -> dict[str, Any]:
        """The `error` object of `mjtui status --json`."""
        return {"kind": self.kind, "http_status": self.http_status, "message": self.message}

    def __str__(self) -> str:
        return self.message


class InvalidTaskId(ApimartError):
    """A task ID we refuse to send (slashes, whitespace, control characters, absurd length)."""

    kind = "invalid_id"


class InsecureBaseUrl(ApimartError):
    """The token would not travel safely: plain http:// to a host that is not loopback, a
    base URL that is no plain https URL, or a key that no HTTP header can carry."""

    kind = "insecure_url"


class Unauthorized(ApimartError):
    """401: the key is missing or was rejected."""

    kind = "unauthorized"


class Forbidden(ApimartError):
    """403: the task belongs to another account."""

    kind = "forbidden"


class NotFound(ApimartError):
    """404: unknown task, or one older than the API's 3-day retention."""

    kind = "not_found"


class ValidationFailed(ApimartError):
    """400: the API refused the request and said why."""

    kind = "validation"


class RateLimited(ApimartError):
    """429: slow down; `retry_after` is the server's hint in seconds, when it gave one."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(ApimartError):
    """5xx: the API or its upstream failed."""

    kind = "server"


class BadResponse(ApimartError):
    """The API answered something we cannot read (other status, malformed or huge body)."""

    kind = "bad_response"


class NetworkError(ApimartError):
    """The request did not complete: no connection, reset, DNS."""

    kind = "network"


class RequestTimeout(NetworkError):
    """The API did not answer in time."""

    kind = "timeout"


class OutcomeUnknown(NetworkError):
    """A billed POST got no answer: it may or may not have started a job. Never resent."""

    kind = "outcome_unknown"


_BY_STATUS: dict[int, type[ApimartError]] = {
    400: ValidationFailed,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    422: ValidationFailed,
    429: RateLimited,
}

_DEFAULT_MESSAGES = {
    401: "the API key was rejected (401)",
    403: "this task belongs to another account (403)",
    404: "task not found: unknown, or expired after the API's 3 days (404)",
    429: "rate limited by the API (429)",
}


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds; HTTP dates and garbage are ignored (we fall back to backoff)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, min(seconds, 3600.0))


def _message_and_code(body: Any) -> tuple[str, str | int | None]:
    """Read the error sentence and code from either documented shape.

    Order from the API notes: error.message, message, description, fail_reason.
    """
    if not isinstance(body, dict):
        return "", None
    error = body.get("error")
    message = ""
    code: str | int | None = None
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        code = error.get("code")
    elif isinstance(error, str):
        message = error
    for key in ("message", "description", "fail_reason"):
        if not message and isinstance(body.get(key), str):
            message = body[key]
    if code is None and isinstance(body.get("code"), (int, str)):
        code = body["code"]
    return message, code


def _summarise_raw(raw: bytes, content_type: str) -> str:
    """A short description of a body that is not JSON (an HTML 502 page, say)."""
    if not raw:
        return "empty body"
    if "html" in content_type.lower() or raw.lstrip()[:1] == b"<":
        return f"non-JSON {content_type or 'body'} ({len(raw)} bytes)"
    text = raw[:120].decode("utf-8", "replace")
    return f"non-JSON body: {text!r}"


def error_from_response(
    status: int, raw: bytes, *, content_type: str = "", retry_after: str | None = None
) -> ApimartError:
    """Build the right ApimartError for a non-2xx answer. Never raises."""
    body: Any = None
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        body = None
    message, code = _message_and_code(body)
    if not message:
        message = _DEFAULT_MESSAGES.get(status) or f"HTTP {status}: " + _summarise_raw(
            raw, content_type
        )
    message = message[:MAX_MESSAGE_CHARS]
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else BadResponse
    if cls is RateLimited:
        return RateLimited(
            message, retry_after=parse_retry_after(retry_after), http_status=status, code=code
        )
    return cls(message, http_status=status, code=code)
