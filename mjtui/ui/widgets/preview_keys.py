"""The preview side of the dashboard: what the preview pane shows, and the image keys
(tiles, full screen, open, copy, download). It owns whether tiles are shown."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any

from mjtui.api.addresses import is_fetchable_url
from mjtui.api.models import Task
from mjtui.images.cache import ImageLoader
from mjtui.paths import default_download_dir
from mjtui.prompt_flags import parse_prompt
from mjtui.session import TrackedTask
from mjtui.text import printable
from mjtui.ui.messages import DownloadProgress
from mjtui.ui.widgets.image_preview import ImagePreview
from mjtui.ui.widgets.kind_detail import clip_count, is_video

Notify = Callable[..., None]  # Textual's notify


def running_over_ssh(env: os._Environ[str] | dict[str, str] = os.environ) -> bool:
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))


def preview_urls(task: Task, tiles: bool) -> tuple[list[str], str]:
    """(urls, mode) to preview: the grid, its four tiles, or an upscaled single image."""
    urls = [u for u in task.image_urls if u]
    if task.grid_image_url and tiles and len(urls) >= 4:
        return urls[:4], "tiles"
    if task.grid_image_url:
        return [task.grid_image_url], "grid"
    if len(urls) >= 4 and tiles:
        return urls[:4], "tiles"
    if urls:
        return urls[:1], "single"
    return [], "none"


def primary_url(task: Task) -> str:
    """The task's picture: the grid, else the single image."""
    return task.grid_image_url or next(iter(task.image_urls), "")


def link_url(task: Task) -> str:
    """The one URL `o` and `c` act on: a video's first clip, else the picture."""
    return next(iter(task.video_urls), "") or primary_url(task)


def video_source(task: Task, parent: Task | None) -> str:
    """The picture a video was made from: its parent's, else an image URL leading its prompt."""
    if parent is not None and primary_url(parent):
        return primary_url(parent)
    return next(iter(parse_prompt(task.prompt).image_urls), "")


@dataclass
class PreviewKeys:
    """The preview pane's content and the keys that act on the selected task's pictures.

    It gets what it needs: the pane, the image loader and protocol, the download folder,
    and the app's notify / clipboard / browser / screen / worker calls; download progress
    goes out as `DownloadProgress` messages (`post`)."""

    preview: Callable[[], ImagePreview]
    loader: ImageLoader
    protocol: str
    download_dir: str
    _: KW_ONLY
    selected: Callable[[], TrackedTask | None]
    parent_of: Callable[[TrackedTask], TrackedTask | None]
    notify: Notify
    copy: Callable[[str], None]
    open_url: Callable[[str], None]
    push_screen: Callable[[Any], Any]
    run_worker: Callable[..., Any]
    post: Callable[[Any], Any]
    show_tiles: bool = field(default=False, init=False)

    def show(self, tracked: TrackedTask | None) -> None:
        """Show the task's pictures (the grid or its tiles), or say why there are none."""
        preview = self.preview()
        if tracked is None:
            preview.clear("")
            return
        if is_video(tracked.task):
            self._show_video_source(preview, tracked)
            return
        urls, mode = preview_urls(tracked.task, self.show_tiles)
        if not urls:
            status = tracked.task.status.value.lower().replace("_", " ")
            preview.clear(f"no image yet ({status})" if tracked.task.status.is_running or
                          tracked.task.status.value == "UNKNOWN" else "no image")
            return
        preview.show_images(tracked.id, urls, mode)

    def _show_video_source(self, preview: ImagePreview, tracked: TrackedTask) -> None:
        """A video shows the picture it was made from, marked ▶ with its number of clips."""
        task = tracked.task
        parent = self.parent_of(tracked)
        source = video_source(task, parent.task if parent else None)
        mark = f"▶ {clip_count(task)}" if task.video_urls else "▶ video"
        if source:
            preview.show_images(tracked.id, [source], "single", caption=mark)
        else:
            preview.clear(f"{mark} (its picture is not known here)")

    def toggle_tiles(self) -> None:
        self.show_tiles = not self.show_tiles
        self.show(self.selected())

    def _task(self) -> Task | None:
        """The selected task, if it has a picture or a clip for o, c, d to act on."""
        tracked = self.selected()
        return tracked.task if tracked is not None and link_url(tracked.task) else None

    def fullscreen(self) -> None:
        if (task := self._task()) is None or not primary_url(task):
            return
        from mjtui.ui.screens.fullscreen_preview import FullscreenPreview

        title = "grid" if task.grid_image_url else "image"
        self.push_screen(FullscreenPreview(self.loader, primary_url(task),
                                           protocol=self.protocol, title=f"{title} of {task.id}"))

    def copy_url(self) -> None:
        if (task := self._task()) is None:
            return
        url = link_url(task)
        self.copy(url)
        self.notify(f"copied {printable(url, limit=200)}", title="Copied (OSC 52)", markup=False)

    def open(self) -> None:
        if (task := self._task()) is None:
            return
        url = link_url(task)
        if not is_fetchable_url(url):
            self.notify(f"not an http(s) URL, not opened: {printable(url, limit=120)}",
                        severity="warning", markup=False)
            return
        if running_over_ssh():
            # A browser would open on the remote machine, where nobody sees it.
            self.copy(url)
            self.notify(f"over SSH: copied instead of opening\n{printable(url, limit=200)}",
                        title="Copied (OSC 52)", markup=False)
            return
        self.open_url(url)
        self.notify(f"opening {printable(url, limit=200)}", markup=False)

    def download(self) -> None:
        """Save the originals (the grid and its tiles) in the background; one at a time."""
        if (task := self._task()) is not None:
            self.run_worker(self._download(task), group="download", exclusive=True)

    async def _download(self, task: Task) -> None:
        from mjtui.images.cache import ImageError
        from mjtui.images.clips import download_clips
        from mjtui.images.save import download_originals, image_labels

        urls, labels = image_labels(task.grid_image_url, task.image_urls)
        folder = Path(self.download_dir or default_download_dir()).expanduser()

        def progress(done: int, total: int) -> None:
            percent = f" {done * 100 // total}%" if total else ""
            self.post(DownloadProgress(f"downloading{percent}"))

        try:
            if task.video_urls:  # a video: every clip (its picture is its parent's)
                saved = await download_clips(self.loader, task.video_urls, folder, progress,
                                             prefix=task.id)
            else:
                saved = await download_originals(self.loader, urls, folder, progress,
                                                 prefix=task.id, labels=labels)
        except (ImageError, OSError) as exc:
            self.notify(f"download failed: {printable(str(exc), limit=200)}", severity="error",
                        markup=False)
            return
        finally:
            self.post(DownloadProgress(""))
        self.notify(f"saved {len(saved)} file{'s' * (len(saved) != 1)} to {folder}",
                    title="Downloaded", markup=False)
