"""What may be put in a request or fetched: task IDs, the API base URL, the API key,
image URLs.

Two rules for task IDs: `validate_task_id` is the client's safety net (nothing that could
leave the URL path is sent), `check_task_id` / `find_task_ids` the contract for what a person
types or pastes: `task_` followed by 16-40 ASCII letters and digits, nothing else.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from mjtui.api.errors import InsecureBaseUrl, InvalidTaskId

DEFAULT_BASE_URL = "https://api.apimart.ai"  # docs/api-notes.md#basics
MAX_TASK_ID_CHARS = 128
TASK_ID_RULE = "a task ID is task_ followed by 16-40 letters and digits"
_TASK_ID = re.compile(r"task_[A-Za-z0-9]{16,40}")
# An ID inside other text: not glued to more letters, digits or underscores on either side.
_TASK_ID_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_])task_[A-Za-z0-9]{16,40}(?![A-Za-z0-9_])")
# What separates the pieces of a paste; quotes and brackets are wrapping, not content.
_PIECES = re.compile(r"[\s,;]+")
_WRAPPING = "\"'`()[]{}<>:"


def is_task_id(text: str) -> bool:
    """True if `text` is exactly one task ID by the contract."""
    return isinstance(text, str) and _TASK_ID.fullmatch(text) is not None


def check_task_id(text: str) -> str:
    """A task ID typed by a person (a command-line argument): returned as is, or
    InvalidTaskId saying why (the safety reason first, when there is one)."""
    validate_task_id(text)
    if not is_task_id(text):
        raise InvalidTaskId(f"{text!r} is not a task ID: {TASK_ID_RULE}")
    return text


def find_task_ids(text: str) -> list[str]:
    """Every task ID anywhere in `text` (quotes, commas, JSON, URLs, log lines), each once,
    in order. A longer run (`task_` + 41 letters) or one glued to `_` is no ID at all."""
    return list(dict.fromkeys(_TASK_ID_IN_TEXT.findall(text)))


def split_task_ids(text: str) -> tuple[list[str], list[str], list[str]]:
    """(the task IDs in `text`, each once; the pieces that held none, each once; the IDs
    given more than once).

    Pieces are split on white space, commas and semicolons, quotes and brackets trimmed;
    a piece holding an ID (a URL, `id=task_...`) is used, not ignored."""
    ignored: list[str] = []
    for piece in _PIECES.split(text):
        piece = piece.strip(_WRAPPING)
        if piece and not _TASK_ID_IN_TEXT.search(piece) and piece not in ignored:
            ignored.append(piece)
    every = _TASK_ID_IN_TEXT.findall(text)
    repeated = [i for i in dict.fromkeys(every) if every.count(i) > 1]
    return list(dict.fromkeys(every)), ignored, repeated


def validate_task_id(task_id: str) -> str:
    """Return the ID if it is safe to put in a URL path, else raise InvalidTaskId with why."""
    if not isinstance(task_id, str) or not task_id:
        raise InvalidTaskId("task ID is empty")
    if len(task_id) > MAX_TASK_ID_CHARS:
        raise InvalidTaskId(f"task ID is {len(task_id)} characters long (at most {MAX_TASK_ID_CHARS})")
    if task_id in (".", ".."):
        raise InvalidTaskId(f"task ID {task_id!r} is not an ID")
    for char in task_id:
        if char in "/\\":
            raise InvalidTaskId(f"task ID {task_id!r} contains {char!r}")
        if char.isspace():
            raise InvalidTaskId(f"task ID {task_id!r} contains whitespace")
        if ord(char) < 32 or 127 <= ord(char) < 160:
            raise InvalidTaskId(f"task ID {task_id!r} contains a control character")
    return task_id


def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8, ::1 and IPv4-mapped loopback: where plain http is safe."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def check_base_url(url: str) -> str:
    """The API base URL without a trailing slash, or InsecureBaseUrl saying why not.

    https:// anywhere; plain http:// only to loopback, because the key travels in every
    request's Authorization header. The message never quotes a user name or password."""
    text = url.strip()
    if any(ord(c) < 33 or c == "\x7f" for c in text):
        raise InsecureBaseUrl("base URL must not contain spaces or control characters")
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise InsecureBaseUrl("base URL is not a valid URL (check the host and port)") from None
    if parts.username is not None or parts.password is not None:
        raise InsecureBaseUrl("base URL must not contain a user name or password")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise InsecureBaseUrl(
            f"base URL must look like https://host (an http(s) URL with a host), not {text[:80]!r}"
        )
    if parts.query or parts.fragment:
        raise InsecureBaseUrl(f"base URL must not have a query or fragment: {text[:80]!r}")
    if scheme == "http" and not is_loopback_host(host):
        raise InsecureBaseUrl(
            f"plain http:// to {host} would send your API key in clear; "
            "use https:// or a loopback address"
        )
    return text.rstrip("/")


def api_key_problem(token: str) -> str:
    """Why this API key cannot be sent as an HTTP header ("" if it can), without quoting it.

    A key is printable ASCII. One with a line break, NUL or non-ASCII character inside (a key
    pasted across two lines, a zero-width space from a web page) makes httpx/h11 fail with a
    message that quotes the whole `Authorization` header, so it is refused up front."""
    for position, char in enumerate(token, 1):
        if "!" <= char <= "~":
            continue
        if char in "\r\n":
            what = "a line break"
        elif char.isspace():
            what = "a space" if char == " " else f"a blank (U+{ord(char):04X})"
        elif ord(char) < 32 or ord(char) == 127:
            what = f"a control character (U+{ord(char):04X})"
        else:
            what = f"a non-ASCII character (U+{ord(char):04X})"
        return (
            f"the API key has {what} at character {position}; a key is printable ASCII "
            "without spaces: copy it again"
        )
    return ""


def is_fetchable_url(url: str) -> bool:
    """Only http(s) URLs are ever fetched or opened (never file:, data:, javascript:...)."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[oops/x.png": not a URL we can fetch
        return False
