"""Local image files as job inputs: checked, uploaded once, and remembered.

An `IMAGE` argument is an http(s) URL (used as given) or a local file. A file must be a
JPEG, PNG, WebP or GIF (judged by its first bytes, not its name) of at most 20 MB, the
upload service's limits (docs/api-notes.md#uploads). Its content is uploaded once: the URL
the service answers is kept in `<data dir>/uploads.json` by the content's SHA-256 (and the
API's address) and reused while it is valid (72 hours, less a margin so a job never starts
on a URL about to expire), by every command and the dashboard. The cache file is written
atomically under a lock; if it cannot be read or written, the upload happens anyway. No
Textual here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mjtui.api.client import ApimartClient
from mjtui.errors import EXIT_USAGE, MjtuiError
from mjtui.paths import data_dir
from mjtui.session import atomic_files

MAX_BYTES = 20 * 1024 * 1024
URL_LIFETIME = 72 * 3600
REUSE_MARGIN = 3600  # a URL this close to expiry is not reused: the job may start late
CACHE_VERSION = 1
MAX_ENTRIES = 1000  # the oldest beyond this are dropped (they expire anyway)
_TYPES = (  # (magic test, content type, extension)
    (lambda head: head.startswith(b"\xff\xd8\xff"), "image/jpeg", "jpg"),
    (lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"), "image/png", "png"),
    (lambda head: head[:6] in (b"GIF87a", b"GIF89a"), "image/gif", "gif"),
    (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP", "image/webp", "webp"),
)


class ImageRejected(MjtuiError):
    """A local IMAGE that cannot be used; the message says why (a usage error)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True, slots=True)
class LocalImage:
    """A checked local file: its bytes, what it is, and its content hash."""

    path: Path
    content: bytes
    content_type: str
    digest: str

    @property
    def filename(self) -> str:
        return self.path.name or "image"


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def content_type_of(head: bytes) -> str | None:
    """The image type the first bytes announce, if it is one the service takes."""
    return next((kind for test, kind, _ in _TYPES if test(head)), None)


def check_local_image(argument: str) -> LocalImage:
    """Read and check a local image file; ImageRejected says what is wrong with it."""
    path = Path(argument).expanduser()
    try:
        if not path.is_file():
            why = "is a folder" if path.is_dir() else "does not exist"
            raise ImageRejected(f"{argument}: {why} (IMAGE is an http(s) URL or an image file)")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ImageRejected(f"{argument}: {size / 1e6:.1f} MB is over the 20 MB upload limit")
        content = path.read_bytes()
    except OSError as exc:
        raise ImageRejected(f"{argument}: cannot read it ({exc.strerror or exc})") from None
    if len(content) > MAX_BYTES:  # it grew since stat
        raise ImageRejected(f"{argument}: over the 20 MB upload limit")
    kind = content_type_of(content[:16])
    if kind is None:
        raise ImageRejected(f"{argument}: not a JPEG, PNG, WebP or GIF image "
                            "(the upload service takes only those)")
    return LocalImage(path, content, kind, hashlib.sha256(content).hexdigest())


class UploadCache:
    """key (content SHA-256 and API address) -> (URL, when uploaded), in one small JSON file."""

    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.path = path or data_dir() / "uploads.json"
        self.clock = clock

    def lookup(self, key: str) -> str | None:
        """A still-valid URL for this content, or None."""
        entry = self._read().get(key)
        if entry is None or self.clock() - entry[1] >= URL_LIFETIME - REUSE_MARGIN:
            return None
        return entry[0]

    def store(self, key: str, url: str) -> None:
        """Remember an upload; a cache that cannot be written is not an error."""
        with contextlib.suppress(OSError):  # a lock timeout is an OSError too
            atomic_files.make_dirs(self.path.parent)
            with atomic_files.file_lock(self.path):
                entries = self._read()
                now = self.clock()
                entries[key] = (url, now)
                fresh = {k: v for k, v in entries.items() if now - v[1] < URL_LIFETIME}
                newest = sorted(fresh.items(), key=lambda item: item[1][1])[-MAX_ENTRIES:]
                payload = {"version": CACHE_VERSION,
                           "uploads": {k: {"url": u, "uploaded_at": t} for k, (u, t) in newest}}
                atomic_files.atomic_write(self.path, json.dumps(payload, indent=1).encode())

    def _read(self) -> dict[str, tuple[str, float]]:
        """The entries on disk; a missing or damaged file reads as empty."""
        try:
            data: Any = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        uploads = data.get("uploads") if isinstance(data, dict) else None
        if not isinstance(uploads, dict) or data.get("version") != CACHE_VERSION:
            return {}
        entries = {}
        for key, entry in uploads.items():
            if isinstance(entry, dict) and isinstance(entry.get("url"), str) \
                    and is_url(entry["url"]) and isinstance(entry.get("uploaded_at"), int | float):
                entries[key] = (entry["url"], float(entry["uploaded_at"]))
        return entries


class ImageInputs:
    """Turns IMAGE arguments into URLs for a request: local files uploaded once."""

    def __init__(self, client: ApimartClient, cache: UploadCache | None = None) -> None:
        self.client = client
        self.cache = cache or UploadCache()
        self.uploaded: list[str] = []  # URLs this instance uploaded (not reused ones)

    @staticmethod
    def check(arguments: list[str]) -> list[LocalImage | str]:
        """Every argument checked before anything is sent: URLs kept, files read."""
        return [a if is_url(a) else check_local_image(a) for a in arguments]

    async def url_for(self, item: LocalImage | str) -> str:
        """The URL of a checked argument, uploading a file whose content has no valid URL."""
        if isinstance(item, str):
            return item
        # Per API address too: a URL from the demo's fake means nothing to the real API.
        key = f"{item.digest} {self.client.base_url}"
        cached = self.cache.lookup(key)
        if cached is not None:
            return cached
        upload = await self.client.upload(item.content, item.filename, item.content_type)
        self.cache.store(key, upload.url)
        self.uploaded.append(upload.url)
        return upload.url

    async def urls(self, arguments: list[str]) -> list[str]:
        """Check every argument first, then upload what needs it, in order."""
        return [await self.url_for(item) for item in self.check(arguments)]
