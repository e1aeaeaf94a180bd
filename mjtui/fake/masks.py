"""What the fake sees in a Vary (Region) mask: decoded on its own, not with mjtui's builder.

A mask is a PNG where white marks what is repainted and transparent or black is kept; it
comes inline (``data:image/png;base64,...``) or as an http(s) URL, at most 12 MiB. The fake
decodes inline masks and records the white area (size, white fraction, rectangles), so a
test can check that what was drawn is what was sent.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass

from PIL import Image, ImageChops, UnidentifiedImageError

MAX_MASK_BYTES = 12 * 1024 * 1024
_DATA_PNG = "data:image/png;base64,"
_RUN = re.compile(rb"\xff+")

Box = tuple[int, int, int, int]  # left, top, right, bottom (right and bottom exclusive)


class MaskRejected(ValueError):
    """An inline mask the fake cannot use (the handler answers 400 with this text)."""


@dataclass(frozen=True)
class MaskSeen:
    """The white (repaint) area of a mask the fake received."""

    width: int
    height: int
    white_pixels: int
    boxes: tuple[Box, ...]  # maximal rectangles of rows with the same white runs

    @property
    def white_fraction(self) -> float:
        return self.white_pixels / (self.width * self.height)

    @property
    def bbox(self) -> Box | None:
        if not self.boxes:
            return None
        return (min(b[0] for b in self.boxes), min(b[1] for b in self.boxes),
                max(b[2] for b in self.boxes), max(b[3] for b in self.boxes))


def read_mask(url: str) -> MaskSeen | None:
    """Decode an inline PNG mask; None for an http(s) URL (the fake fetches nothing)."""
    if not url.startswith(_DATA_PNG):
        if url.startswith(("http://", "https://")):
            return None
        raise MaskRejected("mask_url must be an http(s) URL or data:image/png;base64,...")
    try:
        data = base64.b64decode(url[len(_DATA_PNG):], validate=True)
    except (binascii.Error, ValueError):
        raise MaskRejected("mask_url: invalid base64") from None
    if len(data) > MAX_MASK_BYTES:
        raise MaskRejected("mask_url: the mask is larger than 12 MiB")
    try:
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG":
            raise MaskRejected("mask_url: the mask is not a PNG")
        image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise MaskRejected("mask_url: the mask is not a readable PNG") from exc
    return summarise(image)


def summarise(image: Image.Image) -> MaskSeen:
    """White = opaque and light in every channel (at least half way)."""
    darkest = image.getchannel("R")
    for band in ("G", "B", "A"):
        darkest = ImageChops.darker(darkest, image.getchannel(band))
    white = darkest.point(lambda value: 255 if value >= 128 else 0)
    width, height = image.size
    rows = white.tobytes()
    boxes: list[Box] = []
    open_boxes: dict[tuple[int, int], int] = {}  # (left, right) run -> top row
    for y in range(height + 1):
        row = rows[y * width:(y + 1) * width] if y < height else b""
        runs = {(m.start(), m.end()) for m in _RUN.finditer(row)}
        for run, top in list(open_boxes.items()):
            if run not in runs:
                boxes.append((run[0], top, run[1], y))
                del open_boxes[run]
        for run in runs:
            open_boxes.setdefault(run, y)
    count = width * height - white.histogram()[0]
    return MaskSeen(width, height, count, tuple(sorted(boxes, key=lambda b: (b[1], b[0]))))
