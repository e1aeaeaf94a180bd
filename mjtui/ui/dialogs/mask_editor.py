"""The Vary (Region) mask editor: rectangles drawn with keys over the task's picture.

The picture is the parent's upscaled image in the preview widget the dashboard uses (any
protocol; with `--images none` or no picture, only the grid of cells is drawn). Rectangles
are outlined on the cell grid by small edge widgets laid over the picture, so a key press
repaints only the cells an outline left or reached; nothing repaints while idle. The mask
itself is computed later in the picture's pixels from the rectangles' fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Offset
from textual.geometry import Region as Area
from textual.screen import ModalScreen
from textual.widgets import Static

from mjtui.images.cache import ImageLoader
from mjtui.images.mask import DEFAULT_SIZE
from mjtui.images.mask_draft import CellRect, MaskCursor, MaskDraft
from mjtui.images.mask_picture import picture_size
from mjtui.images.scale import fit_cells
from mjtui.text import printable
from mjtui.ui.preview import cell_geometry
from mjtui.ui.screens.quiet_background import OpaqueOnTop
from mjtui.ui.widgets.image_preview import ImagePreview
from mjtui.ui.widgets.preview_slot import PreviewSlot

EDGES_AHEAD = 4 * 8  # outline pieces for the cursor and seven rectangles
HELP = ("arrows/hjkl move · shift+arrows/HJKL resize · space/enter add · x remove · "
        "i invert · esc back to the dialog")

# arrow key, its vi twin, and the step in cells (shift: the same keys resize)
_DIRECTIONS = (("up", "k", 0, -1), ("down", "j", 0, 1), ("left", "h", -1, 0),
               ("right", "l", 1, 0))


@dataclass(frozen=True)
class MaskPicture:
    """The picture a mask is drawn over: where it is, how it is fetched and shown."""

    url: str
    loader: ImageLoader | None
    protocol: str


class MaskEdge(Static):
    """One side of a rectangle's outline, placed over the picture (absolute position)."""

    placed: tuple[Area, str, bool] | None = None  # where and what it last drew, inverted or not


class MaskGrid(Static):
    """The grid of cells drawn where the picture would be, while no picture shows."""


# Box characters: the cursor in single lines, the rectangles added in double lines.
# Order: top-left, horizontal, top-right, vertical, bottom-left, bottom-right, one row
# (left, right), one column (top, bottom), one cell.
CURSOR_BOX = "┌─┐│└┘├┤┬┴▣"
ADDED_BOX = "╔═╗║╚╝╠╣╦╩▩"


def outline(rect: CellRect, box: str = CURSOR_BOX) -> list[tuple[Area, str]]:
    """The outline of a rectangle of cells as (area, text) pieces: top, bottom, sides."""
    tl, hz, tr, vt, bl, br, row_l, row_r, col_t, col_b, one = box
    x, y, w, h = rect.x, rect.y, rect.w, rect.h
    if w == 1 and h == 1:
        return [(Area(x, y, 1, 1), one)]
    if h == 1:
        return [(Area(x, y, w, 1), row_l + hz * (w - 2) + row_r)]
    if w == 1:
        return [(Area(x, y, 1, h), "\n".join(col_t + vt * (h - 2) + col_b))]
    side = "\n".join(vt * (h - 2))
    pieces = [(Area(x, y, w, 1), tl + hz * (w - 2) + tr),
              (Area(x, y + h - 1, w, 1), bl + hz * (w - 2) + br)]
    if h > 2:
        pieces += [(Area(x, y + 1, 1, h - 2), side), (Area(x + w - 1, y + 1, 1, h - 2), side)]
    return pieces


class MaskEditor(OpaqueOnTop, ModalScreen[MaskDraft]):
    """Draw the rectangles to repaint; escape returns them (kept) to the MODAL dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(f"{arrow},{vi}", f"move({dx},{dy})", "Move", show=False)
          for arrow, vi, dx, dy in _DIRECTIONS),
        *(Binding(f"shift+{arrow},{vi.upper()}", f"resize({dx},{dy})", "Resize", show=False)
          for arrow, vi, dx, dy in _DIRECTIONS),
        Binding("space,enter", "add", "Add", show=False),
        Binding("x", "remove", "Remove", show=False),
        Binding("i", "invert", "Invert", show=False),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self, picture: MaskPicture, draft: MaskDraft | None = None, *,
                 title: str = "") -> None:
        super().__init__()
        self.picture = picture
        self.model = MaskCursor((4, 4), draft)
        self.size_note = ""  # why the picture's size is not known, when it is not
        self._title = title
        self._grid: Area | None = None
        self._edges: list[MaskEdge] = []

    def compose(self) -> ComposeResult:
        heading = Content.assemble("Vary (Region) mask", " · ", printable(self._title, limit=80))
        yield Static(heading, id="mask-title")
        yield ImagePreview(self.picture.loader, protocol=self.picture.protocol,
                           id="mask-picture")
        yield Static(Content(HELP), id="mask-help")
        yield Static("", id="mask-status")
        yield MaskGrid("", classes="mask-grid")  # first on the layer: under the outlines
        # Edges made up front, hidden, each kept to one kind (changing an edge's classes, or
        # mounting one, repainted the whole picture); the cursor's last, so it is on top.
        self._edges = [self._new_edge("-region") for _ in range(EDGES_AHEAD)]
        self._cursor_edges = [self._new_edge("-cursor") for _ in range(4)]
        yield from self._edges
        yield from self._cursor_edges

    @staticmethod
    def _new_edge(kind: str) -> MaskEdge:
        edge = MaskEdge("", classes=f"mask-edge {kind}")
        edge.styles.width = edge.styles.height = 0  # unused: no cells (see _place)
        return edge

    def on_mount(self) -> None:
        preview = self.query_one("#mask-picture", ImagePreview)
        if self.picture.url:
            preview.show_images(self.picture.url, [self.picture.url], "single")
        else:
            preview.clear("picture not known: draw on the grid")
        # After each layout: the picture may have appeared or the pane changed size.
        self.screen_layout_refresh_signal.subscribe(self, self._layout_changed)
        self._read_size()
        self.call_after_refresh(self._layout_changed)

    @work(group="mask-size", exclusive=True)
    async def _read_size(self) -> None:
        if self.model.draft.size is None and self.picture.loader is not None:
            size, why = await picture_size(self.picture.loader, self.picture.url)
            self.model.draft = replace(self.model.draft, size=None if why else size)
            self.size_note = why
        self._layout_changed()
        if self._grid is not None:
            self._show_status()  # the size is in the status line

    # -- where the grid is ---------------------------------------------------------------

    def grid_area(self) -> Area:
        """The cells the picture covers: the picture widget once it shows, else the box the
        picture would take in the pane (its aspect, or square when unknown)."""
        return self._grid_and_picture()[0]

    def _grid_and_picture(self) -> tuple[Area, bool]:
        preview = self.query_one("#mask-picture", ImagePreview)
        for slot in preview.query("#preview-main").results(PreviewSlot):
            image = slot.image_widget
            if slot.has_class("-ready") and image.region.area:
                return image.region, True
        pane = preview.content_region
        width, height = self.model.draft.size or DEFAULT_SIZE
        cells_w, cells_h = fit_cells(width, height, pane.width, pane.height,
                                     cell_geometry(self.picture.protocol)[0])
        left = pane.x + (pane.width - cells_w) // 2
        top = pane.y + (pane.height - cells_h) // 2
        return Area(left, top, max(1, cells_w), max(1, cells_h)), False

    def _layout_changed(self, _screen: object = None) -> None:
        if not self.is_mounted:
            return
        area, shown = self._grid_and_picture()
        grid = self.query_one(MaskGrid)
        if area != self._grid or grid.display == shown:
            self._grid = area
            self.model.set_grid((area.width, area.height))
            grid.display = not shown
            if not shown:
                grid.styles.offset = (area.x, area.y)
                grid.styles.width, grid.styles.height = area.width, area.height
                grid.update(Content("\n".join(["·" * area.width] * area.height)))
            self._redraw()

    # -- drawing -------------------------------------------------------------------------

    def _redraw(self) -> None:
        """Place the outlines: the rectangles added, then the cursor on top."""
        if self._grid is None:
            return
        pieces: list[tuple[Area, str]] = []
        for region in self.model.draft.regions:
            pieces += outline(self.model.cells(region), ADDED_BOX)
        while len(self._edges) < len(pieces):  # more rectangles than edges made ahead
            edge = self._new_edge("-region")
            self._edges.append(edge)
            self.mount(edge, before=self._cursor_edges[0])
        self._place(self._edges, pieces)
        self._place(self._cursor_edges, outline(self.model.cursor))
        self._show_status()

    def _place(self, edges: list[MaskEdge], pieces: list[tuple[Area, str]]) -> None:
        """Show `pieces` on `edges`, touching only the edges that change (the others are
        not sent again), and hide the rest."""
        origin = self._grid.offset if self._grid else Offset()
        inverted = self.model.draft.invert
        # Unused edges shrink to no cells rather than being hidden: showing or hiding a
        # widget renumbers every widget's place in the compositor, which repaints them all
        # (the whole picture, 100 KB in half-cell) for one rectangle added.
        for edge, (area, text) in zip(edges, pieces, strict=False):
            placed = (area.translate(origin), text, inverted)
            if edge.placed != placed:
                edge.placed = placed
                edge.styles.offset = placed[0].offset
                edge.styles.width, edge.styles.height = area.width, area.height
                edge.set_class(inverted, "-inverted")
                edge.update(Content(text))
        for edge in edges[len(pieces):]:
            if edge.placed is not None:
                edge.placed = None
                edge.styles.width = edge.styles.height = 0

    def _show_status(self, note: str = "") -> None:
        c, (columns, rows) = self.model.cursor, self.model.grid
        where = f"cursor {c.x},{c.y} {c.w}x{c.h} of {columns}x{rows}"
        size = self.model.draft.size
        pixels = f"{size[0]}x{size[1]} px" if size else "size unknown: 1024x1024"
        text = " · ".join(part for part in (note, self.model.draft.describe(), where, pixels)
                          if part)
        self.query_one("#mask-status", Static).update(Content(text))

    # -- keys ----------------------------------------------------------------------------

    def action_move(self, dx: int, dy: int) -> None:
        self.model.move(dx, dy)
        self._redraw()

    def action_resize(self, dw: int, dh: int) -> None:
        self.model.resize(dw, dh)
        self._redraw()

    def action_add(self) -> None:
        self.model.add()
        self._redraw()

    def action_remove(self) -> None:
        if self.model.remove_under_cursor():
            self._redraw()
        else:  # said in the status line: a toast would cover (and cut) the picture
            self._show_status("no rectangle under the cursor")

    def action_invert(self) -> None:
        self.model.toggle_invert()
        self._redraw()

    def action_back(self) -> None:
        self.dismiss(self.model.draft)
