"""The full-screen picture (`f`): one image or tile over the whole terminal."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from mjtui.images.cache import ImageLoader
from mjtui.text import printable
from mjtui.ui.screens.quiet_background import OpaqueOnTop
from mjtui.ui.widgets.image_preview import ImagePreview


class FullscreenPreview(OpaqueOnTop, ModalScreen[None]):
    """One image (or one tile) over the whole terminal; Escape returns."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Back")]

    def __init__(
        self,
        loader: ImageLoader | None,
        url: str,
        *,
        tile: int = 0,
        protocol: str | None = None,
        title: str = "",
    ) -> None:
        super().__init__()
        self._loader, self._url, self._tile = loader, url, tile
        self._protocol, self._title = protocol, title

    def compose(self) -> ComposeResult:
        label = self._title or (f"tile {self._tile}" if self._tile else "image")
        # The title names the task: its ID is API text, shown literally (never markup).
        title = Content.assemble(printable(label, limit=200), ("  (esc to go back)", "dim"))
        yield Static(title, id="fullscreen-title")
        yield ImagePreview(self._loader, protocol=self._protocol, id="fullscreen-preview")

    def on_mount(self) -> None:
        self.query_one(ImagePreview).show_images(self._url, [self._url], "single", tile=self._tile)
