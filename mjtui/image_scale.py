"""Crop and scale decoded images to a pane of terminal cells (pure Pillow, no I/O, no Textual)."""

from __future__ import annotations

from PIL import Image


def crop_tile(grid: Image.Image, index: int) -> Image.Image:
    """Tile 1-4 of a 2x2 grid, row-major: 1 top-left, 2 top-right, 3 bottom-left, 4 bottom-right."""
    if index not in (1, 2, 3, 4):
        raise ValueError(f"tile index must be 1-4, not {index}")
    half_w, half_h = grid.width // 2, grid.height // 2
    col, row = (index - 1) % 2, (index - 1) // 2
    return grid.crop((col * half_w, row * half_h, (col + 1) * half_w, (row + 1) * half_h))


def pane_pixels(cells_w: int, cells_h: int, cell_size: tuple[int, int]) -> tuple[int, int]:
    """Pixels of a pane of cells, given the pixels per cell (10x20 for Sixel, 1x2 half-cell)."""
    return max(0, cells_w) * cell_size[0], max(0, cells_h) * cell_size[1]


def fit_cells(
    src_w: int, src_h: int, box_w: int, box_h: int, cell_size: tuple[int, int]
) -> tuple[int, int]:
    """The largest cells (w, h) within the box that keep the source's aspect on screen."""
    if min(src_w, src_h, box_w, box_h) <= 0:
        return 0, 0
    cell_w, cell_h = cell_size
    scale = min(box_w * cell_w / src_w, box_h * cell_h / src_h)
    width = min(box_w, max(1, round(src_w * scale / cell_w)))
    height = min(box_h, max(1, round(src_h * scale / cell_h)))
    return width, height


def resize_to(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resample to an exact size: integer box reduce first, then Lanczos (see bench/README.md)."""
    if image.size == size:
        return image.copy()
    factor = min(image.width // max(1, size[0]), image.height // max(1, size[1]))
    source = image.reduce(factor) if factor >= 2 else image
    return source.resize(size, Image.Resampling.LANCZOS)


def scale_to_fit(image: Image.Image, max_w: int, max_h: int) -> Image.Image:
    """Scale to fit within max_w x max_h pixels keeping aspect (never upscales)."""
    scale = min(max_w / image.width, max_h / image.height, 1.0)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return resize_to(image, size)


def scale_for_cells(
    image: Image.Image,
    box_cells: tuple[int, int],
    cell_size: tuple[int, int],
    cell_resolution: tuple[int, int],
) -> Image.Image:
    """Scale for a box of cells: aspect from the real cell size, pixels at the protocol's.

    The result is exactly `cells x cell_resolution`, so the renderer's own resize is a copy.
    """
    cells_w, cells_h = fit_cells(image.width, image.height, *box_cells, cell_size)
    return resize_to(image, pane_pixels(max(1, cells_w), max(1, cells_h), cell_resolution))
