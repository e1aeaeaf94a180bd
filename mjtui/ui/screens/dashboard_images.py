"""Dashboard image keys: the preview pane, tiles, full screen, open, copy, download."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.widget import Widget

from mjtui.api.addresses import is_fetchable_url
from mjtui.api.models import Task
from mjtui.paths import default_download_dir
from mjtui.prompt_flags import parse_prompt
from mjtui.session import TrackedTask
from mjtui.text import printable
from mjtui.ui.widgets.kind_detail import clip_count, is_video

if TYPE_CHECKING:
    from mjtui.ui.screens.dashboard import DashboardScreen
    from mjtui.ui.widgets.image_preview import ImagePreview


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


class ImageActions:
    """Mixin for DashboardScreen: the preview and the keys that act on images."""

    show_tiles: bool = False
    download_status: str = ""

    def compose_preview(self: DashboardScreen) -> Iterator[Widget]:
        from mjtui.ui.widgets.image_preview import ImagePreview

        yield ImagePreview(protocol=self.mjtui.image_protocol, loader=self.mjtui.image_loader,
                           max_width=self.mjtui.settings.preview_width, id="preview")

    def show_preview(self: DashboardScreen, tracked: TrackedTask | None) -> None:
        from mjtui.ui.widgets.image_preview import ImagePreview

        preview = self.query_one("#preview", ImagePreview)
        if tracked is None:
            preview.clear("")
            return
        if is_video(tracked.task):
            self.show_video_source(preview, tracked)
            return
        urls, mode = preview_urls(tracked.task, self.show_tiles)
        if not urls:
            status = tracked.task.status.value.lower().replace("_", " ")
            preview.clear(f"no image yet ({status})" if tracked.task.status.is_running or
                          tracked.task.status.value == "UNKNOWN" else "no image")
            return
        preview.show_images(tracked.id, urls, mode)

    def show_video_source(self: DashboardScreen, preview: ImagePreview,
                          tracked: TrackedTask) -> None:
        """A video shows the picture it was made from, marked ▶ with its number of clips."""
        task = tracked.task
        parent = self.mjtui.session.get(tracked.parent_id) if tracked.parent_id else None
        source = video_source(task, parent.task if parent else None)
        mark = f"▶ {clip_count(task)}" if task.video_urls else "▶ video"
        if source:
            preview.show_images(tracked.id, [source], "single", caption=mark)
        else:
            preview.clear(f"{mark} (its picture is not known here)")

    def image_task(self: DashboardScreen) -> Task | None:
        """The selected task, if it has a picture or a clip for o, c, d to act on."""
        tracked = self.selected
        if tracked is None or not link_url(tracked.task):
            return None
        return tracked.task

    def action_toggle_tiles(self: DashboardScreen) -> None:
        self.show_tiles = not self.show_tiles
        self.show_selected()

    def action_fullscreen(self: DashboardScreen) -> None:
        from mjtui.ui.widgets.image_preview import FullscreenPreview

        task = self.image_task()
        if task is None or not primary_url(task):
            return
        title = "grid" if task.grid_image_url else "image"
        self.app.push_screen(FullscreenPreview(
            self.mjtui.image_loader, primary_url(task), protocol=self.mjtui.image_protocol,
            title=f"{title} of {task.id}"))

    def action_copy_url(self: DashboardScreen) -> None:
        task = self.image_task()
        if task is None:
            return
        url = link_url(task)
        self.app.copy_to_clipboard(url)
        self.notify(f"copied {printable(url, limit=200)}", title="Copied (OSC 52)", markup=False)

    def action_open_url(self: DashboardScreen) -> None:
        task = self.image_task()
        if task is None:
            return
        url = link_url(task)
        if not is_fetchable_url(url):
            self.notify(f"not an http(s) URL, not opened: {printable(url, limit=120)}",
                        severity="warning", markup=False)
            return
        if running_over_ssh():
            # A browser would open on the remote machine, where nobody sees it.
            self.app.copy_to_clipboard(url)
            self.notify(f"over SSH: copied instead of opening\n{printable(url, limit=200)}",
                        title="Copied (OSC 52)", markup=False)
            return
        self.app.open_url(url)
        self.notify(f"opening {printable(url, limit=200)}", markup=False)

    @work(group="download", exclusive=True)
    async def action_download(self: DashboardScreen) -> None:
        from mjtui.images.cache import ImageError
        from mjtui.images.clips import download_clips
        from mjtui.images.save import download_originals, image_labels

        task = self.image_task()
        if task is None:
            return
        urls, labels = image_labels(task.grid_image_url, task.image_urls)
        folder = Path(self.mjtui.settings.download_dir or default_download_dir()).expanduser()

        def progress(done: int, total: int) -> None:
            percent = f" {done * 100 // total}%" if total else ""
            self.download_status = f"downloading{percent}"
            self._status_dirty = True

        try:
            if task.video_urls:  # a video: every clip (its picture is its parent's)
                saved = await download_clips(self.mjtui.image_loader, task.video_urls, folder,
                                             progress, prefix=task.id)
            else:
                saved = await download_originals(self.mjtui.image_loader, urls, folder,
                                                 progress, prefix=task.id, labels=labels)
        except (ImageError, OSError) as exc:
            self.notify(f"download failed: {printable(str(exc), limit=200)}", severity="error",
                        markup=False)
            return
        finally:
            self.download_status = ""
            self._status_dirty = True
        self.notify(f"saved {len(saved)} file{'s' * (len(saved) != 1)} to {folder}",
                    title="Downloaded", markup=False)
