"""One place in the preview pane, and which image widget each protocol gets.

The image classes: ours for Kitty graphics (kitty_image.py: uploads reused and freed) and
Sixel (sixel_image.py: sent once per change), textual-image's for half-cell and unicode.
"""

from __future__ import annotations

from typing import Any

from PIL import Image
from textual.app import ComposeResult
from textual.containers import Container
from textual.content import Content
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Static

from mjtui.text import printable
from mjtui.ui.preview import image_widget_class
from mjtui.ui.widgets.one_frame import OneFramePerResize

# What a place for a picture says while its picture loads, and with pictures turned off.
LOADING = "loading…"
PREVIEWS_OFF = "previews off (--images none)"


class PreviewSlot(Container):
    """One place for an image: the image widget, or a message while loading or on failure."""

    def __init__(self, image_class: type[Widget], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._image_class = image_class
        self.source: tuple[str, int] | None = None  # (url, tile) being shown or loaded
        self._message: str | None = None  # the text the message Static holds

    def compose(self) -> ComposeResult:
        yield self._image_class(classes="preview-image")
        yield Static("", classes="preview-message")

    @property
    def image_widget(self) -> Any:
        return self.query_one(".preview-image")

    def _torn_down(self) -> bool:
        """True once the slot's parts are gone: a load that ends while the app closes (or
        the pane is removed) has nowhere to show its result, and must not raise."""
        try:
            self.query_one(".preview-message")
            self.query_one(".preview-image")
        except NoMatches:
            return True
        return False

    def show_message(self, text: str) -> None:
        if self._torn_down():
            return
        self.remove_class("-ready")
        # Static.update lays the whole screen out again. Moving the cursor between tasks
        # without images asks for the same message each time: then there is nothing to do.
        if text != self._message:
            self._message = text
            # Never parsed as markup: a failure's reason may quote a URL or a server's words.
            self.query_one(".preview-message", Static).update(Content(printable(text)))
        if self.image_widget.image is not None:
            self.image_widget.image = None  # frees a TGP upload in the terminal

    def show_image(self, image: Image.Image, cells: tuple[int, int]) -> None:
        if self._torn_down():
            return
        widget = self.image_widget
        # A definite size in cells: `auto` sizes hit textual-image's 0-row first layout.
        widget.styles.width, widget.styles.height = cells
        if hasattr(widget, "upload_family"):  # Kitty: a rescaled copy replaces the old upload
            widget.upload_family = self.source
        if widget.image is not image:
            widget.image = image
        self.add_class("-ready")


_classes: dict[str, type[Widget]] = {}


def preview_image_class(protocol: str) -> type[Widget]:
    """The image widget for a protocol: ours for Kitty graphics and Sixel, textual-image's
    (drawn once per resize) for half-cell and unicode.

    Imported here, not at the top: textual-image must be imported by `mjtui.ui.preview` first
    (after the terminal probe), which `image_widget_class` makes sure of.
    """
    base: Any = image_widget_class(protocol)
    if protocol == "tgp":
        from mjtui.ui.widgets.kitty_image import KittyImage

        return KittyImage
    if protocol == "sixel":
        from mjtui.ui.widgets.sixel_image import SixelImage

        return SixelImage
    if protocol not in _classes:
        name = f"{base.__name__}Picture"
        _classes[protocol] = type(name, (OneFramePerResize, base), {},
                                  Renderable=base._Renderable)
    return _classes[protocol]
