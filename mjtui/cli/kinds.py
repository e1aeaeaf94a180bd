"""The commands that start new jobs: imagine (with image prompts and references), edits,
describe, blend, video.

Each checks its arguments, then its local images (exit 2 with the reason), then read-only,
uploads what needs uploading, and starts its job through the jobs service, once. Nothing
here imports Textual; API text is printed through `printable`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from mjtui.api.client import ImagineRequest
from mjtui.api.errors import ApimartError, Unauthorized
from mjtui.api.models import Status, SubmitResult
from mjtui.api.requests import BlendRequest, DescribeRequest, VideoRequest
from mjtui.cli.context import Context
from mjtui.cli.query import watch_ids
from mjtui.cli.submit import announce, current_task, submit_safely, submitted
from mjtui.errors import EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE, JobRefused
from mjtui.images.uploads import ImageInputs, ImageRejected
from mjtui.imagine_fields import check_request
from mjtui.text import printable

_FLAGS = {"size": "--ar", "negative_prompt": "--no"}


async def image_urls(ctx: Context, arguments: list[str]) -> list[str] | int:
    """The IMAGE arguments as URLs: every file checked first (exit 2 with the reason), then
    read-only (exit 2), then the uploads (exit 1 if one fails). Nothing is sent on a 2."""
    inputs = ImageInputs(ctx.client)
    try:
        checked = inputs.check(arguments)
        ctx.jobs.check_writable()
    except (ImageRejected, JobRefused) as exc:
        ctx.error(str(exc))
        return EXIT_USAGE
    try:
        return [await inputs.url_for(item) for item in checked]
    except Unauthorized:
        raise
    except ApimartError as exc:
        ctx.error(f"upload failed: {exc}")
        return EXIT_TASK_FAILED


async def _start(ctx: Context, start: Callable[[], Awaitable[SubmitResult]], origin: str,
                 parent: str = "") -> int:
    result = await submit_safely(ctx, start)
    if isinstance(result, int):
        return result
    return await submitted(ctx, result, parent=parent, origin=origin)


def _imagine_request(ctx: Context) -> ImagineRequest | None:
    """imagine's (and edits') request from the options, or None after saying what is wrong."""
    a = ctx.args
    request = ImagineRequest(
        prompt=a.prompt, size=a.size, version=a.version, stylize=a.stylize, chaos=a.chaos,
        quality=a.quality, seed=a.seed, negative_prompt=a.negative_prompt, style=a.style,
        weird=a.weird, speed=a.speed, tile=a.tile, niji=a.niji, raw=a.raw, draft=a.draft,
        iw=a.iw, sw=a.sw, cw=a.cw, repeat=a.repeat,
    )
    request, errors = check_request(request)
    for name, why in errors.items():  # the API would refuse it (or take it wrongly)
        ctx.error(why if name == "prompt" else f"{_FLAGS.get(name, '--' + name)}: {why}")
    return None if errors else request


async def _with_images(ctx: Context, request: ImagineRequest,
                       first: list[str]) -> ImagineRequest | int:
    """The request with its image prompts, --sref and --cref as URLs (`first` leads)."""
    a = ctx.args
    refs = [ref for ref in (a.sref, a.cref) if ref]
    urls = await image_urls(ctx, [*first, *a.image_urls, *refs])
    if isinstance(urls, int):
        return urls
    images, found = urls[:len(urls) - len(refs)], iter(urls[len(urls) - len(refs):])
    return replace(request, image_urls=tuple(images), sref=next(found) if a.sref else None,
                   cref=next(found) if a.cref else None)


async def run_imagine(ctx: Context) -> int:
    request = _imagine_request(ctx)
    if request is None:
        return EXIT_USAGE
    ready = await _with_images(ctx, request, [])
    if isinstance(ready, int):
        return ready
    return await _start(ctx, lambda: ctx.jobs.imagine(ready), "imagine")


async def run_edits(ctx: Context) -> int:
    request = _imagine_request(ctx)
    if request is None:
        return EXIT_USAGE
    ready = await _with_images(ctx, request, [ctx.args.image])
    if isinstance(ready, int):
        return ready
    return await _start(ctx, lambda: ctx.jobs.edits(ready), "edits")


async def run_describe(ctx: Context) -> int:
    urls = await image_urls(ctx, [ctx.args.image])
    if isinstance(urls, int):
        return urls
    request = DescribeRequest(urls[0], speed=ctx.args.speed)
    result = await submit_safely(ctx, lambda: ctx.jobs.describe(request))
    if isinstance(result, int):
        return result
    announce(ctx, result, parent="", origin="describe")
    if not ctx.args.watch:
        return EXIT_OK
    # Progress goes to stderr: stdout is the task ID, then the four prompts.
    out, ctx.out = ctx.out, sys.stderr
    try:
        code = await watch_ids(ctx, [result.task_id])
    finally:
        ctx.out = out
    tracked = ctx.session.get(result.task_id)
    prompts = tracked.task.prompts if tracked else ()
    if ctx.args.json:
        ctx.print(json.dumps({"task_id": result.task_id, "prompts": list(prompts)},
                             ensure_ascii=True))
    else:
        for prompt in prompts:
            ctx.print(printable(prompt))
    return code


async def run_blend(ctx: Context) -> int:
    images = ctx.args.blend_images
    if not 2 <= len(images) <= 4:
        ctx.error(f"blend takes 2 to 4 images, not {len(images)}")
        return EXIT_USAGE
    urls = await image_urls(ctx, images)
    if isinstance(urls, int):
        return urls
    request = BlendRequest(tuple(urls), ctx.args.dimensions, ctx.args.speed)
    return await _start(ctx, lambda: ctx.jobs.blend(request), "blend")


async def run_video(ctx: Context) -> int:
    a = ctx.args
    if (a.image is None) == (a.task is None):
        ctx.error("give either IMAGE or --task ID (one of them)")
        return EXIT_USAGE
    if a.index is not None and a.task is None:
        ctx.error("--index picks a tile of --task ID; an IMAGE has no tiles")
        return EXIT_USAGE
    urls = await image_urls(ctx, [x for x in (a.image, a.end) if x])
    if isinstance(urls, int):
        return urls
    end = urls[-1] if a.end else None
    fields: dict[str, Any] = {"prompt": a.prompt, "motion": a.motion, "batch_size": a.batch_size,
                              "end_url": end, "speed": a.speed}
    if a.task is None:
        request = VideoRequest(image_url=urls[0], **fields)
    else:  # animate only what the API says is finished now
        parent = await current_task(ctx, a.task)
        if isinstance(parent, int):
            return parent
        if parent.status is not Status.SUCCESS:
            ctx.error(f"task {a.task} is {parent.status.value}: only a finished task's image "
                      "can be animated")
            return EXIT_TASK_FAILED
        request = VideoRequest(task_id=a.task, index=a.index or 1, **fields)
    return await _start(ctx, lambda: ctx.jobs.video(request), "video", parent=a.task or "")
