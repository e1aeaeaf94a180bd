"""``POST /v1/uploads/images`` of the fake: multipart in, a CDN URL out (valid 72 h).

Like the real service it takes JPEG, PNG, WebP and GIF up to 20 MB in the form field
``file``: 400 for a missing field or another format (decided by decoding the bytes with
Pillow, not by the declared type), 413 for a file too large. Uploaded bytes are served
back from ``/fake-cdn/uploads/<name>`` without auth, like the real upload host.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from PIL import Image, UnidentifiedImageError

from .faults import Request, Response, json_response

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_TTL = 72 * 3600
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "WEBP": ("image/webp", "webp"), "GIF": ("image/gif", "gif")}


@dataclass(frozen=True)
class StoredUpload:
    content: bytes
    content_type: str
    created_at: float


def _error(status: int, message: str, kind: str) -> Response:
    return json_response({"error": {"message": message, "type": kind}}, status)


def form_file(req: Request) -> tuple[str, bytes] | None:
    """(filename, bytes) of the multipart field ``file``, or None when there is none."""
    if not req.content_type.lower().startswith("multipart/form-data"):
        return None
    head = f"Content-Type: {req.content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + req.body)
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return str(part.get_filename() or "upload"), payload if isinstance(payload, bytes) else b""
    return None


def image_format(content: bytes) -> str | None:
    """The Pillow format name if the bytes decode as an image, else None."""
    try:
        with Image.open(io.BytesIO(content)) as img:
            return str(img.format)
    except (UnidentifiedImageError, OSError, ValueError):
        return None


class UploadStore:
    """The fake's uploaded images by name (content hash plus extension)."""

    def __init__(self, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self.max_bytes = max_bytes
        self.files: dict[str, StoredUpload] = {}

    def handle(self, req: Request, now: float) -> Response:
        if len(req.body) > self.max_bytes + 64 * 1024:  # the form's own bytes aside
            return _error(413, "file too large: the limit is 20 MB", "file_too_large")
        found = form_file(req)
        if found is None:
            return _error(400, "missing file field 'file'", "invalid_request_error")
        filename, content = found
        if len(content) > self.max_bytes:
            return _error(413, "file too large: the limit is 20 MB", "file_too_large")
        kind = FORMATS.get(image_format(content) or "")
        if kind is None:
            return _error(400, "unsupported file format: use JPEG, PNG, WebP or GIF",
                          "invalid_request_error")
        content_type, ext = kind
        name = f"{hashlib.sha256(content).hexdigest()[:24]}.{ext}"
        self.files[name] = StoredUpload(content, content_type, now)
        return json_response({"url": f"{req.base_url}/fake-cdn/uploads/{name}",
                              "filename": filename, "content_type": content_type,
                              "bytes": len(content), "created_at": int(now)})

    def serve(self, name: str, now: float) -> Response | None:
        stored = self.files.get(name)
        if stored is None or now - stored.created_at > UPLOAD_TTL:
            return None
        return Response(200, stored.content, stored.content_type)
