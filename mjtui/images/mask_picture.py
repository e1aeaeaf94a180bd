"""The picture a Vary (Region) mask is drawn over, and its size in pixels (no Textual).

A Vary (Region) task waits in MODAL with no image of its own: its mask covers the image it
was pressed on, the parent's upscaled picture. The mask is built at that picture's pixel
size when it can be read, else at the default size (docs/api-notes.md#vary-region-masks).
Used by `mjtui modal --region` and the dashboard's mask editor alike.
"""

from __future__ import annotations

from mjtui.errors import ImageError
from mjtui.images.cache import DiskCache, ImageLoader, decode_image
from mjtui.images.mask import DEFAULT_SIZE
from mjtui.session import Session


def parent_id(session: Session, task_id: str) -> str:
    """The task the MODAL task was made from, as the session recorded it ("" if unknown)."""
    tracked = session.get(task_id)
    return tracked.parent_id if tracked is not None else ""


def picture_url(session: Session, task_id: str) -> str:
    """The parent's upscaled picture as the session knows it ("" if it knows none)."""
    parent = session.get(parent_id(session, task_id))
    if parent is None:
        return ""
    return next((url for url in parent.task.image_urls if url), "")


def known_size(session: Session, task_id: str, cache: DiskCache) -> tuple[int, int] | None:
    """(width, height) of the picture when it is known here without a request: the session
    knows the parent's picture and the image cache holds it (None otherwise)."""
    url = picture_url(session, task_id)
    data = cache.get(url) if url else None
    if data is None:
        return None
    try:
        return decode_image(data).size
    except ImageError:
        return None


async def picture_size(loader: ImageLoader, url: str) -> tuple[tuple[int, int], str]:
    """(width, height) of the picture at `url` through the image cache, and "" or why the
    default size is used instead."""
    if not url:
        return DEFAULT_SIZE, "the picture is not known"
    try:
        image = await loader.load(url)
    except ImageError as exc:
        return DEFAULT_SIZE, f"the picture could not be read ({exc.message})"
    return image.size, ""
