"""A new job of any kind from the dashboard's form: its local images uploaded, then started.

The form fills a request (imagine, edits, describe, blend or video) whose image fields may
hold local paths as typed; `start_new_job` checks every file first (type, size), then that
jobs may start at all, uploads what needs it (once per content, the shared cache), and
starts the job through the jobs service, once, with its guards. No Textual here.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Literal

from mjtui.api.client import ImagineRequest
from mjtui.api.models import SubmitResult
from mjtui.api.requests import BlendRequest, DescribeRequest, VideoRequest
from mjtui.images.uploads import ImageInputs
from mjtui.jobs import Jobs

Kind = Literal["imagine", "edits", "describe", "blend", "video"]
KINDS: tuple[Kind, ...] = ("imagine", "describe", "blend", "edits", "video")
JobRequest = ImagineRequest | DescribeRequest | BlendRequest | VideoRequest


def image_arguments(request: JobRequest) -> list[str]:
    """The request's image fields, in a fixed order (URLs or local paths as typed)."""
    if isinstance(request, ImagineRequest):
        return [*request.image_urls, *(x for x in (request.sref, request.cref) if x)]
    if isinstance(request, DescribeRequest):
        return [request.image_url]
    if isinstance(request, BlendRequest):
        return list(request.image_urls)
    return [x for x in (request.image_url, request.end_url) if x]


def with_urls(request: JobRequest, urls: list[str]) -> JobRequest:
    """The request with its image fields replaced by `urls` (same order as above)."""
    found = iter(urls)
    if isinstance(request, ImagineRequest):
        images = tuple(next(found) for _ in request.image_urls)
        sref = next(found) if request.sref else None
        cref = next(found) if request.cref else None
        return replace(request, image_urls=images, sref=sref, cref=cref)
    if isinstance(request, DescribeRequest):
        return replace(request, image_url=next(found))
    if isinstance(request, BlendRequest):
        return replace(request, image_urls=tuple(found))
    image = next(found) if request.image_url else None
    end = next(found) if request.end_url else None
    return replace(request, image_url=image, end_url=end)


async def start_new_job(jobs: Jobs, inputs: ImageInputs, kind: Kind, request: JobRequest, *,
                        again: bool = False) -> SubmitResult:
    """Check the images, then read-only, upload, start. Raises ImageRejected (a file that
    cannot be used), JobRefused (a guard) or ApimartError (an upload or the POST failed);
    nothing is posted to a job endpoint before every image has its URL."""
    checked = await asyncio.to_thread(inputs.check, image_arguments(request))  # reads files
    jobs.check_writable()
    urls = [await inputs.url_for(item) for item in checked]
    ready = with_urls(request, urls)
    if kind == "edits" and isinstance(ready, ImagineRequest):
        return await jobs.edits(ready, again=again)
    if isinstance(ready, ImagineRequest):
        return await jobs.imagine(ready, again=again)
    if isinstance(ready, DescribeRequest):
        return await jobs.describe(ready, again=again)
    if isinstance(ready, BlendRequest):
        return await jobs.blend(ready, again=again)
    return await jobs.video(ready, again=again)
