"""The request bodies of the job kinds beyond imagine: describe, blend, video.

Each request is plain data that knows its endpoint and JSON body (`submission()`); the
client posts it and the jobs service guards it. The field rules are in docs/api-notes.md
(#endpoints and the sections on each kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mjtui.api.models import Submission

SPEEDS = ("relax", "fast", "turbo")
DIMENSIONS = ("square", "portrait", "landscape")
MOTIONS = ("low", "high")
BATCH_SIZES = (1, 2, 4)


def _put(body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """`body` with the fields that are set (None is left out: the API's default applies)."""
    body.update({key: value for key, value in fields.items() if value is not None})
    return body


@dataclass(frozen=True, slots=True)
class DescribeRequest:
    """Four prompts suggested for one image."""

    image_url: str
    speed: str | None = None

    def submission(self) -> Submission:
        return Submission("describe", _put({"image_urls": [self.image_url]}, speed=self.speed))


@dataclass(frozen=True, slots=True)
class BlendRequest:
    """2-4 images blended into a grid; `dimensions` square, portrait or landscape."""

    image_urls: tuple[str, ...]
    dimensions: str | None = None
    speed: str | None = None

    def submission(self) -> Submission:
        dimensions = self.dimensions.upper() if self.dimensions else None
        body = {"image_urls": list(self.image_urls)}
        return Submission("blend", _put(body, dimensions=dimensions, speed=self.speed))


@dataclass(frozen=True, slots=True)
class VideoRequest:
    """A short clip from an image URL, or from tile `index` (1-4) of a finished task."""

    image_url: str | None = None
    task_id: str | None = None
    index: int | None = None  # 1-4 as people count; the API takes 0-3
    prompt: str | None = None
    motion: str | None = None
    batch_size: int | None = None
    end_url: str | None = None
    speed: str | None = None

    def submission(self) -> Submission:
        body: dict[str, Any] = {}
        if self.task_id is not None:
            body["task_id"] = self.task_id
            body["index"] = (self.index or 1) - 1
        elif self.image_url is not None:
            body["image_urls"] = [self.image_url]
        return Submission("video", _put(
            body, prompt=self.prompt or None, motion=self.motion, batch_size=self.batch_size,
            end_url=self.end_url, speed=self.speed))
