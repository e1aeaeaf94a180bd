"""Vary (Region) masks: rectangles in fractions or pixels, built into a PNG (no Textual).

A mask is a PNG the size of the image: white where the image is repainted, transparent
where it is kept (docs/api-notes.md#vary-region-masks). Regions are written
`X,Y,W,H` in fractions of the image (0-1, origin top left) or `X,Y,W,Hpx` in pixels. A
region that is empty or reaches outside the image is refused with a `MaskError` saying
which, before any mask is built.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw

from mjtui.errors import MaskError

DEFAULT_SIZE = (1024, 1024)  # when the image's pixel size is not known
MAX_MASK_BYTES = 12 * 1024 * 1024  # the API's limit on a mask
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
_EPSILON = 1e-9  # 0.1 + 0.9 must count as reaching 1, not past it
_NUMBER = r"\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*"
_REGION = re.compile(rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}(px)?\s*$", re.IGNORECASE)

__all__ = ["DEFAULT_SIZE", "MaskError", "Region", "build_mask", "cell_region", "check_region",
           "data_url", "encode_png", "mask_png", "parse_region", "parse_regions", "region_box",
           "white_fraction"]

Unit = Literal["fraction", "px"]
Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels (right/bottom exclusive)


@dataclass(frozen=True)
class Region:
    """One rectangle: top-left corner and size, in fractions of the image or in pixels."""

    x: float
    y: float
    w: float
    h: float
    unit: Unit = "fraction"

    def __str__(self) -> str:
        if self.unit == "px":
            return f"{self.x:g},{self.y:g},{self.w:g},{self.h:g}px"
        return f"{self.x:g},{self.y:g},{self.w:g},{self.h:g}"


def parse_region(text: str) -> Region:
    """`X,Y,W,H` (fractions 0-1) or `X,Y,W,Hpx` (whole pixels); MaskError if malformed."""
    match = _REGION.match(text)
    if match is None:
        raise MaskError(f"region {text!r} is not X,Y,W,H (fractions 0-1) or X,Y,W,Hpx")
    numbers = [float(match.group(n)) for n in range(1, 5)]
    if not all(math.isfinite(n) for n in numbers):
        raise MaskError(f"region {text!r} has a number that is not finite")
    if match.group(5):
        if not all(n.is_integer() for n in numbers):
            raise MaskError(f"region {text!r}: pixel regions take whole numbers")
        return Region(*numbers, unit="px")
    return Region(*numbers)


def check_region(region: Region, size: tuple[int, int]) -> None:
    """MaskError if the region is empty or reaches outside an image of `size` pixels."""
    if region.w <= 0 or region.h <= 0:
        raise MaskError(f"region {region} is empty (width and height must be above 0)")
    if region.x < 0 or region.y < 0:
        raise MaskError(f"region {region} starts outside the image (negative X or Y)")
    if region.unit == "px":
        width, height = size
        if region.x + region.w > width or region.y + region.h > height:
            raise MaskError(f"region {region} reaches outside the image ({width}x{height} "
                            "pixels): X+W and Y+H must stay within it")
    elif region.x + region.w > 1 + _EPSILON or region.y + region.h > 1 + _EPSILON:
        raise MaskError(f"region {region} reaches outside the image: X+W and Y+H must be "
                        "at most 1")


def region_box(region: Region, size: tuple[int, int]) -> Box:
    """The region in pixels of an image of `size` (checked first); never thinner than 1 px."""
    check_region(region, size)
    width, height = size
    if region.unit == "px":
        left, top = int(region.x), int(region.y)
        return left, top, left + int(region.w), top + int(region.h)
    left, top = _edge(region.x, width), _edge(region.y, height)
    right = max(_edge(region.x + region.w, width), min(width, left + 1))
    bottom = max(_edge(region.y + region.h, height), min(height, top + 1))
    return left, top, right, bottom


def _edge(fraction: float, length: int) -> int:
    return min(length, max(0, round(fraction * length)))


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    if width <= 0 or height <= 0:
        raise MaskError(f"the image size {width}x{height} is not usable for a mask")
    return width, height


def build_mask(regions: Sequence[Region], size: tuple[int, int] = DEFAULT_SIZE, *,
               invert: bool = False) -> Image.Image:
    """The mask as an RGBA image: white inside the regions (outside them if `invert`),
    transparent elsewhere. MaskError for a bad region, or when nothing would be repainted."""
    width, height = check_size(size)
    boxes = [region_box(region, (width, height)) for region in regions]
    if not boxes:
        raise MaskError("no region: give at least one rectangle to repaint")
    mask = Image.new("RGBA", (width, height), WHITE if invert else CLEAR)
    draw = ImageDraw.Draw(mask)
    for left, top, right, bottom in boxes:
        # ImageDraw's rectangle includes its far corner: right/bottom are exclusive here.
        draw.rectangle((left, top, right - 1, bottom - 1), fill=CLEAR if invert else WHITE)
    if mask.getchannel("A").getbbox() is None:
        raise MaskError("the regions leave nothing to repaint (inverted over the whole image)")
    return mask


def mask_png(regions: Sequence[Region], size: tuple[int, int] = DEFAULT_SIZE, *,
             invert: bool = False) -> bytes:
    """The mask encoded as PNG; MaskError if it would pass the API's size limit."""
    return encode_png(build_mask(regions, size, invert=invert))


def encode_png(mask: Image.Image) -> bytes:
    """A built mask as PNG bytes; MaskError if they would pass the API's size limit."""
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    if len(data) > MAX_MASK_BYTES:
        raise MaskError(f"the mask PNG is {len(data)} bytes, over the {MAX_MASK_BYTES}-byte limit")
    return data


def white_fraction(mask: Image.Image) -> float:
    """How much of a built mask is repainted (0-1)."""
    total = mask.width * mask.height
    return (total - mask.getchannel("A").histogram()[0]) / total


def data_url(png: bytes) -> str:
    """A PNG as the inline `data:image/png;base64,...` form the API takes as a mask URL."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def parse_regions(texts: Iterable[str], size: tuple[int, int]) -> list[Region]:
    """Parse and check each `--region`-style text against an image of `size` pixels."""
    regions = [parse_region(text) for text in texts]
    for region in regions:
        check_region(region, size)
    return regions


def cell_region(left: int, top: int, width: int, height: int,
                grid: tuple[int, int]) -> Region:
    """A rectangle of cells on a `grid` of (columns, rows) covering the image, as fractions."""
    columns, rows = grid
    if columns <= 0 or rows <= 0:
        raise MaskError("no grid to draw on")
    return Region(left / columns, top / rows, width / columns, height / rows)
