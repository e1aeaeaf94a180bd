"""Reading a response body with a size cap, inflating gzip/deflate piece by piece.

httpx inflates each network read in one go, so a few KB of gzip bomb become gigabytes before
any cap can look at them; here raw bytes are inflated at most INFLATE_STEP at a time and the
cap is checked between pieces.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

import httpx

from mjtui.api.errors import BadResponse

# Only encodings `read_capped` inflates piece by piece (httpx would inflate a read at once).
ACCEPT_ENCODING = "gzip, deflate"
INFLATE_STEP = 64 * 1024  # most bytes one compressed piece may inflate to before the cap check


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body; BadResponse as soon as it is known to be over `max_bytes`."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BadResponse(
            f"response of {int(declared)} bytes is over the {max_bytes}-byte limit",
            http_status=response.status_code,
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in _body_pieces(response):
        size += len(chunk)
        if size > max_bytes:
            raise BadResponse(
                f"response is over the {max_bytes}-byte limit", http_status=response.status_code
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _body_pieces(response: httpx.Response) -> AsyncIterator[bytes]:
    """The decoded body in bounded pieces. httpx inflates each network read in one go (a few
    KB of gzip bomb become gigabytes), so raw bytes are inflated here, INFLATE_STEP at a time."""
    if response.is_stream_consumed:  # built in memory (httpx.MockTransport): already decoded
        yield response.content
        return
    inflater = _Inflater.for_encoding(response.headers.get("content-encoding", ""))
    async for raw in response.aiter_raw():
        if inflater is None:
            yield raw
        else:
            for piece in inflater.feed(raw):
                yield piece


class _Inflater:
    """gzip/deflate, inflated at most INFLATE_STEP bytes at a time."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._zlib = zlib.decompressobj(wbits)
        self._started = False

    @classmethod
    def for_encoding(cls, header: str) -> _Inflater | None:
        encoding = header.strip().lower()
        if encoding in ("", "identity"):
            return None
        if encoding in ("gzip", "x-gzip"):
            return cls(16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return cls(zlib.MAX_WBITS)
        raise BadResponse(f"the API answered an unsupported content encoding {header[:40]!r}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Inflate `data` (and output still pending) in pieces of at most INFLATE_STEP."""
        try:
            while True:
                try:
                    piece = self._zlib.decompress(data, INFLATE_STEP)
                except zlib.error:
                    if self._started or self._wbits != zlib.MAX_WBITS:
                        raise
                    # Some servers send "deflate" without the zlib header (httpx allows it).
                    self._wbits = -zlib.MAX_WBITS
                    self._zlib = zlib.decompressobj(self._wbits)
                    continue
                self._started = True
                data = self._zlib.unconsumed_tail
                if piece:
                    yield piece
                if not data and len(piece) < INFLATE_STEP:
                    return
        except zlib.error as exc:
            raise BadResponse(f"the API answered a corrupt compressed body: {exc}") from None
