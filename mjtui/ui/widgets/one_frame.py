"""A base for picture widgets that draws each new size in one frame (shared by the preview
slot's textual-image classes and the Kitty widget)."""

from __future__ import annotations

from typing import Any

from textual.widget import Widget


class OneFramePerResize(Widget):
    """For a picture widget (a leaf): a new size is drawn in one frame, not two.

    Textual lays a widget out at its new size and draws it, and the `virtual_size` it sets
    while doing so asks for a second layout and a second full repaint of the same cells: a
    full-screen picture went out twice each time it was shown (bench/README.md). A
    picture has no children and no scrolling: the first frame already has the new size.
    """

    def _size_updated(self, size: Any, virtual_size: Any, container_size: Any,
                      layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)
