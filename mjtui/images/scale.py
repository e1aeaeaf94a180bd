"""Crop and scale decoded images to a pane of terminal cells (pure Pillow, no I/O, no Textual)."""

from __future__ import annotations

from PIL import Image, ImageChops, ImageOps


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


# The 16 colours a truecolour cell is matched against when the terminal has only 16 (Rich's
# STANDARD_PALETTE, the VGA set): a picture made of exactly these is shown as it was dithered.
ANSI16 = (
    (0, 0, 0), (170, 0, 0), (0, 170, 0), (170, 85, 0),
    (0, 0, 170), (170, 0, 170), (0, 170, 170), (170, 170, 170),
    (85, 85, 85), (255, 85, 85), (85, 255, 85), (255, 255, 85),
    (85, 85, 255), (255, 85, 255), (85, 255, 255), (255, 255, 255),
)
_BAYER4 = (0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5)
DITHER_STRENGTH = 64  # how far (of 255) the ordered pattern moves a colour before matching


CELL_COLOUR_BITS = 5


def coarse_colours(image: Image.Image, bits: int = CELL_COLOUR_BITS) -> Image.Image:
    """The picture with `bits` per channel, rounded to the nearest level, as RGB.

    For pictures drawn with coloured cells (half-cell): each cell that differs from its
    neighbour by a shade nobody sees at that size still costs a colour change on the wire;
    with 5 bits per channel neighbours share colours far more often, and a frame costs
    about half (bench/README.md)."""
    rgb = image.convert("RGB")
    step = 1 << (8 - bits)
    # posterize drops the low bits (always rounding down, a darker picture): add half a
    # step first so that it rounds to the nearest level.
    lifted = rgb.point(lambda value: min(255, value + step // 2))
    return ImageOps.posterize(lifted, bits)


def dither_ansi16(image: Image.Image, strength: int = DITHER_STRENGTH) -> Image.Image:
    """The picture in the 16 ANSI colours, ordered-dithered (4x4 Bayer), as RGB.

    Chosen by looking at renders of the demo grid and a photo: matching each cell to the
    nearest of 16 colours turns skies, gradients and faces into flat blocks; Floyd-Steinberg
    keeps the tones but speckles false colours at two pixels per cell; a regular pattern
    keeps them, calmly.
    """
    rgb = image.convert("RGB")
    width, height = rgb.size
    row_patterns = [bytes(_BAYER4[(y % 4) * 4 + x % 4] * strength // 16 for x in range(width))
                    for y in range(4)]
    pattern = Image.frombytes("L", rgb.size, b"".join(row_patterns[y % 4] for y in range(height)))
    shifted = ImageChops.add(rgb, Image.merge("RGB", (pattern,) * 3), 1.0, -strength // 2)
    return shifted.quantize(palette=_ansi16_palette(), dither=Image.Dither.NONE).convert("RGB")


def _ansi16_palette() -> Image.Image:
    palette = Image.new("P", (1, 1))
    flat = [channel for colour in ANSI16 for channel in colour]
    palette.putpalette(flat + flat[-3:] * (256 - len(ANSI16)))
    return palette
