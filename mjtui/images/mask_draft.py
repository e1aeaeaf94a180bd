"""The mask editor's state without Textual: a cursor rectangle on a grid of cells, the
rectangles added so far, inversion. Rectangles are kept as fractions of the image, so the
mask is built in the picture's pixels whatever the grid (see mask.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mjtui.images.mask import MaskError, Region, build_mask, cell_region, white_fraction


@dataclass(frozen=True)
class CellRect:
    """A rectangle of whole cells: left column, top row, width, height (all >= 1 wide)."""

    x: int
    y: int
    w: int
    h: int

    def contains(self, column: int, row: int) -> bool:
        return self.x <= column < self.x + self.w and self.y <= row < self.y + self.h


@dataclass(frozen=True)
class MaskDraft:
    """What the editor hands back to the dialog: rectangles (fractions), inversion, and the
    picture's pixel size when it was read (None: unknown, the default size is used)."""

    regions: tuple[Region, ...] = ()
    invert: bool = False
    size: tuple[int, int] | None = None

    def describe(self) -> str:
        """One line for the dialog: how many rectangles, how much is repainted."""
        if not self.regions:
            return "none drawn"
        count = len(self.regions)
        share = repaint_share(self.regions, self.invert)
        inverted = ", inverted" if self.invert else ""
        return f"{count} rectangle{'s' * (count != 1)}{inverted}: {share:.0%} repainted"


def repaint_share(regions: tuple[Region, ...], invert: bool,
                  size: tuple[int, int] = (200, 200)) -> float:
    """How much of the image the rectangles repaint (0-1), measured on a small mask."""
    if not regions:
        return 0.0
    try:
        return white_fraction(build_mask(regions, size, invert=invert))
    except MaskError:
        return 0.0


class MaskCursor:
    """The editor's model: a cursor rectangle on a (columns, rows) grid over the picture."""

    def __init__(self, grid: tuple[int, int], draft: MaskDraft | None = None) -> None:
        self.grid = (max(1, grid[0]), max(1, grid[1]))
        self.draft = draft or MaskDraft()
        columns, rows = self.grid
        self.cursor = CellRect(0, 0, max(1, columns // 4), max(1, rows // 4))

    # -- the grid ------------------------------------------------------------------------

    def set_grid(self, grid: tuple[int, int]) -> None:
        """A new grid (the pane resized, the picture appeared): keep the cursor inside."""
        if grid == self.grid:
            return
        old_columns, old_rows = self.grid
        self.grid = (max(1, grid[0]), max(1, grid[1]))
        columns, rows = self.grid
        c = self.cursor
        self.cursor = self._clamped(CellRect(c.x * columns // old_columns, c.y * rows // old_rows,
                                             max(1, c.w * columns // old_columns),
                                             max(1, c.h * rows // old_rows)))

    def _clamped(self, rect: CellRect) -> CellRect:
        columns, rows = self.grid
        w, h = min(max(1, rect.w), columns), min(max(1, rect.h), rows)
        return CellRect(min(max(0, rect.x), columns - w), min(max(0, rect.y), rows - h), w, h)

    def cells(self, region: Region) -> CellRect:
        """Where a rectangle (fractions) falls on the grid, at least one cell."""
        columns, rows = self.grid
        left, top = round(region.x * columns), round(region.y * rows)
        right, bottom = round((region.x + region.w) * columns), round((region.y + region.h) * rows)
        return self._clamped(CellRect(left, top, max(1, right - left), max(1, bottom - top)))

    # -- keys ----------------------------------------------------------------------------

    def move(self, dx: int, dy: int) -> None:
        c = self.cursor
        self.cursor = self._clamped(CellRect(c.x + dx, c.y + dy, c.w, c.h))

    def resize(self, dw: int, dh: int) -> None:
        """Grow or shrink from the bottom-right corner (the top-left corner stays)."""
        c = self.cursor
        columns, rows = self.grid
        w = min(max(1, c.w + dw), columns - c.x)
        h = min(max(1, c.h + dh), rows - c.y)
        self.cursor = CellRect(c.x, c.y, w, h)

    def add(self) -> Region:
        """Add the cursor's rectangle to the mask (as fractions of the image)."""
        c = self.cursor
        region = cell_region(c.x, c.y, c.w, c.h, self.grid)
        self.draft = replace(self.draft, regions=(*self.draft.regions, region))
        return region

    def remove_under_cursor(self) -> bool:
        """Remove the newest rectangle under the cursor's corner (else the newest one the
        cursor overlaps); False when there is none."""
        regions = self.draft.regions
        c = self.cursor
        for index in range(len(regions) - 1, -1, -1):
            if self.cells(regions[index]).contains(c.x, c.y):
                return self._drop(index)
        for index in range(len(regions) - 1, -1, -1):
            r = self.cells(regions[index])
            if r.x < c.x + c.w and c.x < r.x + r.w and r.y < c.y + c.h and c.y < r.y + r.h:
                return self._drop(index)
        return False

    def _drop(self, index: int) -> bool:
        regions = self.draft.regions
        self.draft = replace(self.draft, regions=regions[:index] + regions[index + 1:])
        return True

    def toggle_invert(self) -> None:
        self.draft = replace(self.draft, invert=not self.draft.invert)
