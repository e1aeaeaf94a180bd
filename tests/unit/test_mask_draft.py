"""mjtui.mask_draft: the mask editor's cursor, rectangles and inversion (no Textual)."""

from __future__ import annotations

from mjtui.images.mask import Region
from mjtui.images.mask_draft import CellRect, MaskCursor, MaskDraft, repaint_share


def test_cursor_moves_and_resizes_within_the_grid() -> None:
    cursor = MaskCursor((40, 20))
    assert cursor.cursor == CellRect(0, 0, 10, 5)
    cursor.move(-3, -3)
    assert cursor.cursor == CellRect(0, 0, 10, 5)  # stays inside
    cursor.move(100, 100)
    assert cursor.cursor == CellRect(30, 15, 10, 5)
    cursor.resize(5, 5)  # no room past the edge
    assert cursor.cursor == CellRect(30, 15, 10, 5)
    cursor.resize(-20, -2)
    assert cursor.cursor == CellRect(30, 15, 1, 3)
    cursor.move(-10, -15)
    cursor.resize(4, 0)
    assert cursor.cursor == CellRect(20, 0, 5, 3)


def test_added_rectangles_are_fractions_and_come_back_as_cells() -> None:
    cursor = MaskCursor((40, 20))
    cursor.move(10, 5)
    assert cursor.add() == Region(0.25, 0.25, 0.25, 0.25)
    assert cursor.cells(cursor.draft.regions[0]) == CellRect(10, 5, 10, 5)
    cursor.set_grid((80, 40))  # the pane doubled: the cursor scales, the rectangle stays
    assert cursor.cursor == CellRect(20, 10, 20, 10)
    assert cursor.cells(cursor.draft.regions[0]) == CellRect(20, 10, 20, 10)


def test_remove_takes_the_newest_rectangle_under_the_corner() -> None:
    cursor = MaskCursor((10, 10))  # cursor 2x2
    cursor.add()
    cursor.move(1, 1)
    cursor.add()
    assert len(cursor.draft.regions) == 2
    assert cursor.remove_under_cursor()  # the second (newest at 1,1)
    assert cursor.draft.regions == (Region(0, 0, 0.2, 0.2),)
    cursor.move(5, 5)
    assert not cursor.remove_under_cursor()  # nothing there
    cursor.move(-6, -6)
    cursor.move(1, 1)  # corner at (1,1): inside the first rectangle
    assert cursor.remove_under_cursor() and cursor.draft.regions == ()


def test_inversion_and_share() -> None:
    cursor = MaskCursor((4, 4))  # cursor 1x1
    cursor.resize(1, 1)
    cursor.add()
    assert cursor.draft.describe() == "1 rectangle: 25% repainted"
    cursor.toggle_invert()
    assert cursor.draft.describe() == "1 rectangle, inverted: 75% repainted"
    assert MaskDraft().describe() == "none drawn"
    assert repaint_share((Region(0, 0, 1, 1),), invert=True) == 0.0
