"""`mjtui modal ID --region X,Y,W,H ...`: the mask side of the command (no Textual).

Options are checked before anything is sent: `--region` with `--mask-url`, a malformed,
empty or (in fractions) outside region all exit 2 with nothing requested. Pixel regions are
checked against the picture's size: before any request when that size is known here (the
session knows the parent's picture and the image cache holds it), else once it is read,
still before the answer is posted. The mask is built at the parent's picture size
(docs/api-notes.md#vary-region-masks).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from mjtui.api.errors import ApimartError, Unauthorized
from mjtui.api.models import Task
from mjtui.cli.context import Context
from mjtui.errors import EXIT_USAGE
from mjtui.images.cache import DiskCache, ImageLoader
from mjtui.images.mask import (
    MaskError,
    Region,
    build_mask,
    check_region,
    data_url,
    encode_png,
    parse_region,
    region_box,
    white_fraction,
)
from mjtui.images.mask_picture import parent_id, picture_size, picture_url
from mjtui.session.atomic_files import atomic_write
from mjtui.text import printable

_ANY_SIZE = (sys.maxsize, sys.maxsize)  # pixel regions before the picture's size is known


@dataclass(frozen=True)
class PreparedMask:
    """A mask ready to send, and what it was made of (for `--dry-run`)."""

    url: str
    png_bytes: int
    size: tuple[int, int]
    regions: tuple[Region, ...]
    boxes: tuple[tuple[int, int, int, int], ...]
    white: float


def option_problem(args: argparse.Namespace) -> str:
    """Why `modal`'s mask options cannot be used as given ("" when they can); nothing
    has been requested yet."""
    texts = list(getattr(args, "region", None) or [])
    if texts and getattr(args, "mask_url", None):
        return "--region and --mask-url cannot be used together: give one mask"
    if getattr(args, "mask_out", None) and not texts:
        return "--mask-out writes the mask built from --region: give at least one --region"
    return regions_problem(texts, _ANY_SIZE)


def regions_problem(texts: list[str], size: tuple[int, int]) -> str:
    """Why `--region` cannot be used on a picture of `size` pixels ("" when it can):
    pixel regions are checked against `size`, fractions against the whole image."""
    try:
        for text in texts:
            region = parse_region(text)
            check_region(region, size if region.unit == "px" else (1, 1))
    except MaskError as exc:
        return f"--region: {exc.message}"
    return ""


async def prepare_mask(ctx: Context, task_id: str,
                       size: tuple[int, int] | None = None) -> PreparedMask | int:
    """Build the mask of `--region` at the picture's size (exit code 2 if it cannot be);
    `size`: the picture's, when already known (`known_size`), else it is read here."""
    regions = tuple(parse_region(text) for text in ctx.args.region)
    if size is None:
        url = picture_url(ctx.session, task_id) or await _parent_picture(ctx, task_id)
        size, why = await picture_size(ImageLoader(ctx.client, DiskCache()), url)
        if why:
            ctx.error(f"warning: {why}: the mask is built at {size[0]}x{size[1]} "
                      "(the server resizes it to the image)")
    try:
        boxes = tuple(region_box(region, size) for region in regions)
        mask = build_mask(regions, size)
        png = encode_png(mask)
    except MaskError as exc:
        ctx.error(f"--region: {exc.message}")
        return EXIT_USAGE
    if ctx.args.mask_out:
        try:
            atomic_write(Path(ctx.args.mask_out).expanduser(), png)
        except OSError as exc:
            ctx.error(f"--mask-out: cannot write {ctx.args.mask_out}: {exc.strerror or exc}")
            return EXIT_USAGE
    return PreparedMask(data_url(png), len(png), size, regions, boxes, white_fraction(mask))


async def _parent_picture(ctx: Context, task_id: str) -> str:
    """The parent's picture asked of the API, when the session knows the parent but not its
    picture ("" when there is no parent to ask about, or the API cannot say)."""
    parent = parent_id(ctx.session, task_id)
    if not parent:
        return ""
    try:
        task = await ctx.client.get_task(parent)
    except Unauthorized:
        raise
    except ApimartError:
        return ""
    ctx.remember(task)
    return next((url for url in task.image_urls if url), "")


def dry_run_lines(task: Task, prompt: str | None, mask_url: str | None,
                  prepared: PreparedMask | None, speed: str | None = None) -> list[str]:
    """What `--dry-run` prints: the request that would be posted, the mask described."""
    shown_prompt = printable(prompt, limit=200) if prompt else "(none: the parent's prompt is used)"
    lines = ["dry run: nothing posted; would send POST /v1/midjourney/generations/modal",
             f"  task_id: {printable(task.id)} (now {task.status.value})",
             f"  prompt: {shown_prompt}"]
    if speed:
        lines.append(f"  speed: {speed}")
    if prepared is None:
        lines.append(f"  mask_url: {printable(mask_url, limit=200) if mask_url else '(none)'}")
        return lines
    width, height = prepared.size
    lines.append(f"  mask_url: data:image/png;base64,... ({len(prepared.url)} characters)")
    lines.append(f"  mask: {width}x{height} PNG, {prepared.png_bytes} bytes, "
                 f"{prepared.white:.1%} white (repainted)")
    for region, (left, top, right, bottom) in zip(prepared.regions, prepared.boxes, strict=True):
        lines.append(f"  region {region}: pixels {left},{top} to {right},{bottom} "
                     f"({right - left}x{bottom - top})")
    return lines
