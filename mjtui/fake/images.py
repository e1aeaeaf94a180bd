"""Deterministic PNG pictures for the fake CDN, drawn with Pillow.

A grid is 2×2 tiles, each visibly different (own hue, gradient direction and
shape family) with a big seven-segment digit 1–4, so a human or a snapshot
test can tell the tiles apart.  The palette comes from the prompt (variations
of a prompt look related), the layout from the task id.  A tile image is an
exact crop of its grid (optionally scaled 2× for HD upscales).  Encoded bytes
are cached in memory, bounded by ``functools.lru_cache``.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw

# Seven-segment layout: a b c d e f g (top, top-right, bottom-right, bottom,
# bottom-left, top-left, middle).
_SEGMENTS = {1: "bc", 2: "abged", 3: "abgcd", 4: "fgbc"}


def _rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return int(r * 255), int(g * 255), int(b * 255)


def _digit(draw: ImageDraw.ImageDraw, n: int, cx: int, cy: int, height: int,
           fill: tuple[int, int, int], outline: tuple[int, int, int]) -> None:
    """Draw digit ``n`` as fat seven-segment bars centred on (cx, cy)."""
    w, t = height // 2, max(4, height // 7)
    x0, y0 = cx - w // 2, cy - height // 2
    if n == 1:  # only the right bars: centre them
        x0 -= w // 2 - t // 2
    ym = y0 + height // 2
    boxes = {
        "a": (x0, y0, x0 + w, y0 + t), "g": (x0, ym - t // 2, x0 + w, ym + t // 2),
        "d": (x0, y0 + height - t, x0 + w, y0 + height),
        "f": (x0, y0, x0 + t, ym), "b": (x0 + w - t, y0, x0 + w, ym),
        "e": (x0, ym, x0 + t, y0 + height), "c": (x0 + w - t, ym, x0 + w, y0 + height),
    }
    pad = max(2, t // 3)
    for seg in _SEGMENTS[n]:
        x1, y1, x2, y2 = boxes[seg]
        draw.rectangle((x1 - pad, y1 - pad, x2 + pad, y2 + pad), fill=outline)
    for seg in _SEGMENTS[n]:
        draw.rectangle(boxes[seg], fill=fill)


def _tile(rng: random.Random, n: int, hue: float, size: int) -> Image.Image:
    """One tile: a two-colour gradient, a few shapes of one family, digit ``n``."""
    hue = hue + (n - 1) * 0.25 + rng.uniform(-0.04, 0.04)
    c1 = _rgb(hue, 0.75, 0.95)
    c2 = _rgb(hue + 0.12, 0.85, 0.35)
    mask = Image.linear_gradient("L").resize((size, size))
    mask = mask.rotate(90 * ((n + rng.randrange(4)) % 4))
    img = Image.composite(Image.new("RGB", (size, size), c1),
                          Image.new("RGB", (size, size), c2), mask)
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(3, 6)):
        colour = _rgb(hue + rng.uniform(0.3, 0.7), rng.uniform(0.4, 0.9), rng.uniform(0.5, 1.0))
        x, y = rng.randrange(size), rng.randrange(size)
        r = rng.randint(size // 14, size // 5)
        box = (x - r, y - r, x + r, y + r)
        if n == 1:
            draw.ellipse(box, fill=colour)
        elif n == 2:
            draw.rectangle(box, fill=colour)
        elif n == 3:
            draw.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=colour)
        else:
            draw.ellipse(box, outline=colour, width=max(2, r // 4))
    _digit(draw, n, size // 2, size // 2, int(size * 0.45), (255, 255, 255), (20, 20, 20))
    border = max(1, size // 128)
    draw.rectangle((0, 0, size - 1, size - 1), outline=(0, 0, 0), width=border)
    return img


@lru_cache(maxsize=8)
def grid_image(task_id: str, prompt: str, size: int) -> Image.Image:
    """The full 2×2 grid picture (size × size pixels). Do not mutate the result."""
    palette = int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4], "big")
    layout = int.from_bytes(hashlib.sha256(task_id.encode()).digest()[:8], "big")
    rng = random.Random(layout)
    hue = (palette % 1000) / 1000
    half = size // 2
    grid = Image.new("RGB", (size, size))
    for n in range(1, 5):
        tile = _tile(rng, n, hue, half)
        grid.paste(tile, (((n - 1) % 2) * half, ((n - 1) // 2) * half))
    return grid


def _encode(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


@lru_cache(maxsize=64)
def grid_png(task_id: str, prompt: str, size: int) -> bytes:
    """PNG bytes of the grid of ``task_id``."""
    return _encode(grid_image(task_id, prompt, size))


@lru_cache(maxsize=64)
def tile_png(task_id: str, prompt: str, size: int, tile: int, scale: int = 1) -> bytes:
    """PNG bytes of tile ``tile`` (0–3) of the grid, a crop, optionally scaled."""
    half = size // 2
    x, y = (tile % 2) * half, (tile // 2) * half
    img = grid_image(task_id, prompt, size).crop((x, y, x + half, y + half))
    if scale != 1:
        img = img.resize((half * scale, half * scale), Image.Resampling.BICUBIC)
    return _encode(img)


def asset(kind: str, name: str, ext: str, *, key: str, prompt: str, size: int,
          tile: int | None, scale: int, batch: int) -> tuple[bytes, str] | None:
    """Bytes and content type of CDN file ``<name>.<ext>`` of a finished job, or None.

    Grids serve ``grid.png`` and tiles ``0.png``–``3.png``; a single serves ``0.png``
    (a crop of its source grid ``key``); a video serves ``video_<n>.mp4``.
    """
    if ext == "mp4":
        if kind == "video" and name.startswith("video_") and int(name[6:]) < batch:
            return FAKE_MP4, "video/mp4"
        return None
    if kind == "grid" and name == "grid":
        return grid_png(key, prompt, size), "image/png"
    if kind == "grid" and name.isdigit():
        return tile_png(key, prompt, size, int(name)), "image/png"
    if kind == "single" and name == "0" and tile is not None:
        return tile_png(key, prompt, size, tile, scale), "image/png"
    return None


_DESCRIBE_BITS = ["a misty harbour at dawn", "a neon-lit alley in the rain",
                  "a porcelain fox in a greenhouse", "an astronaut tending a bonsai",
                  "a brutalist library at noon", "a paper boat on a stormy sea"]


def describe_text(choice: Callable[[list[str]], str], image_url: str) -> str:
    """Four fake /describe suggestions, 1️⃣–4️⃣-prefixed, separated by blank lines."""
    name = image_url.rsplit("/", 1)[-1][:24]
    return "\n\n".join(f"{digit} {choice(_DESCRIBE_BITS)}, {name} --ar 1:1"
                        for digit in ("1️⃣", "2️⃣", "3️⃣", "4️⃣"))


# A tiny stand-in for a video file: an ISO-BMFF ``ftyp`` box, enough for sniffers.
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 16
