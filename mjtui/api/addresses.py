"""What may be put in a URL or fetched: task IDs, the API base URL, image URLs."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from mjtui.api.errors import InsecureBaseUrl, InvalidTaskId

MAX_TASK_ID_CHARS = 128


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
    """The base URL without a trailing slash; refuses what would leak the token."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InsecureBaseUrl(f"base URL {url!r} must be an http(s) URL with a host")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureBaseUrl(
            f"plain http:// to {parts.hostname} would send your API key in clear; "
            "use https:// or a loopback address"
        )
    return url.strip().rstrip("/")


def is_fetchable_url(url: str) -> bool:
    """Only http(s) URLs are ever fetched or opened (never file:, data:, javascript:...)."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[oops/x.png": not a URL we can fetch
        return False
