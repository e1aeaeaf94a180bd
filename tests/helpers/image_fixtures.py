"""Shared helpers for the image tests; importing this module makes textual-image test-safe.

At import time (before anything imports `textual_image.renderable`): the cell size is seeded
to 10x20 and `sys.__stdin__` is set to None, so textual-image can never query the terminal,
even under `pytest -s` in a real terminal (textual-image's own tests/conftest.py does the
same).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from textual_image._terminal import CellSize, get_cell_size  # importing _terminal never probes

from mjtui.api.client import ApimartClient
from mjtui.images.cache import DiskCache, ImageLoader

get_cell_size._result = CellSize(10, 20)  # type: ignore[attr-defined]
sys.__stdin__ = None  # type: ignore[misc]

TILE_COLOURS = ((220, 40, 40), (40, 200, 60), (40, 80, 220), (230, 200, 40))


def png_bytes(
    size: tuple[int, int] = (64, 64), colour: tuple[int, int, int] = (200, 90, 30)
) -> bytes:
    """A small, real PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def grid_image(size: int = 64) -> Image.Image:
    """A 2x2 grid whose quadrants are TILE_COLOURS in row-major order."""
    grid = Image.new("RGB", (size, size))
    half = size // 2
    for n, colour in enumerate(TILE_COLOURS):
        grid.paste(
            colour, ((n % 2) * half, (n // 2) * half, (n % 2 + 1) * half, (n // 2 + 1) * half)
        )
    return grid


def grid_png(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    grid_image(size).save(buffer, format="PNG")
    return buffer.getvalue()


def bomb_png(side: int = 20_000) -> bytes:
    """A PNG declaring side x side pixels that compresses to a few kilobytes."""
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG")
    return buffer.getvalue()


class FakeCdn:
    """A MockTransport CDN: path -> body (bytes) or status (int); counts requests per path."""

    def __init__(self, routes: dict[str, bytes | int]) -> None:
        self.routes = routes
        self.hits: dict[str, int] = {}
        self.seen_headers: list[httpx.Headers] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode("ascii").split("?", 1)[0]
        self.hits[path] = self.hits.get(path, 0) + 1
        self.seen_headers.append(request.headers)
        body = self.routes.get(path, 404)
        if isinstance(body, int):
            return httpx.Response(
                body, content=b"<html>nope</html>", headers={"content-type": "text/html"}
            )
        return httpx.Response(200, content=body, headers={"content-type": "image/png"})

    def total(self) -> int:
        return sum(self.hits.values())


def make_loader(
    tmp_path: Path,
    routes: dict[str, bytes | int] | Callable[[httpx.Request], httpx.Response],
    **kwargs: Any,
) -> tuple[ImageLoader, FakeCdn | None]:
    """An ImageLoader over a MockTransport, caching under tmp_path/cache."""
    handler = FakeCdn(routes) if isinstance(routes, dict) else routes
    client = ApimartClient(
        token="t", base_url="http://127.0.0.1:1", transport=httpx.MockTransport(handler)
    )
    cache = DiskCache(tmp_path / "cache", limit_bytes=kwargs.pop("limit_bytes", 50_000_000))
    loader = ImageLoader(client, cache, **kwargs)
    return loader, handler if isinstance(handler, FakeCdn) else None


CDN = "https://cdn.example.com"
