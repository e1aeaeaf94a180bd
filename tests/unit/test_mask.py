"""mjtui.mask: parsing regions, checking them, building the Vary (Region) mask PNG."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from mjtui.errors import EXIT_USAGE, exit_code_of
from mjtui.images.mask import (
    DEFAULT_SIZE,
    MaskError,
    Region,
    build_mask,
    cell_region,
    check_region,
    data_url,
    mask_png,
    parse_region,
    parse_regions,
    region_box,
)


def white_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The bounding box of the opaque white pixels."""
    return image.getchannel("A").getbbox()


def white_pixels(image: Image.Image) -> int:
    return image.width * image.height - image.getchannel("A").histogram()[0]


# -- parsing ------------------------------------------------------------------------------


def test_parse_fractions_and_pixels() -> None:
    assert parse_region("0.25,0.5,0.5,0.25") == Region(0.25, 0.5, 0.5, 0.25)
    assert parse_region(" .1 , 0 ,1e-1, 1 ") == Region(0.1, 0, 0.1, 1)
    assert parse_region("100,200,300,150px") == Region(100, 200, 300, 150, unit="px")
    assert parse_region("100,200,300,150PX").unit == "px"
    assert str(parse_region("100,200,300,150px")) == "100,200,300,150px"
    assert str(parse_region("0.25,0.5,0.5,0.25")) == "0.25,0.5,0.5,0.25"


@pytest.mark.parametrize("text", ["", "1,2,3", "1,2,3,4,5", "a,b,c,d", "0.1,0.1,0.1,0.1 px x",
                                  "nan,0,1,1", "inf,0,0.5,0.5", "0.1;0.1;0.2;0.2",
                                  "1.5,2,3,4px"])
def test_malformed_regions_are_refused(text: str) -> None:
    with pytest.raises(MaskError) as refused:
        parse_region(text)
    assert refused.value.message


@pytest.mark.parametrize(("text", "why"), [
    ("0.1,0.1,0,0.2", "empty"), ("0.1,0.1,0.2,-0.2", "empty"),
    ("-0.1,0,0.5,0.5", "outside"), ("0.6,0,0.5,0.5", "outside"), ("0,0.9,0.5,0.2", "outside"),
    ("0,0,0px", "not X,Y,W,H"), ("900,0,200,100px", "outside"), ("0,0,0,10px", "empty"),
])
def test_empty_or_outside_regions_say_which(text: str, why: str) -> None:
    with pytest.raises(MaskError) as refused:
        parse_regions([text], (1024, 1024))
    assert why in refused.value.message


def test_edges_that_reach_exactly_one_or_the_size_are_fine() -> None:
    check_region(parse_region("0.1,0.7,0.9,0.3"), (1024, 1024))  # 0.1 + 0.9 in floats
    check_region(parse_region("0,0,1,1"), (7, 5))
    check_region(parse_region("24,0,1000,1024px"), (1024, 1024))
    with pytest.raises(MaskError):
        check_region(parse_region("24,0,1001,1024px"), (1024, 1024))


# -- building -----------------------------------------------------------------------------


def test_fractions_map_to_pixels() -> None:
    mask = build_mask([parse_region("0.25,0.5,0.5,0.25")], (1024, 1024))
    assert mask.size == (1024, 1024) and mask.mode == "RGBA"
    assert white_box(mask) == (256, 512, 768, 768)
    assert white_pixels(mask) == 512 * 256
    assert mask.getpixel((300, 600)) == (255, 255, 255, 255)
    assert mask.getpixel((10, 10)) == (0, 0, 0, 0)


def test_pixels_map_exactly() -> None:
    mask = build_mask([parse_region("100,200,300,150px")], (1024, 1024))
    assert white_box(mask) == (100, 200, 400, 350)
    assert white_pixels(mask) == 300 * 150


def test_several_regions_union() -> None:
    regions = [parse_region("0,0,0.5,0.5"), parse_region("0.25,0.25,0.5,0.5"),
               parse_region("900,900,100,100px")]
    mask = build_mask(regions, (1000, 1000))
    # Two overlapping squares of 500: 2 * 250000 - 250*250 overlap, plus 100x100.
    assert white_pixels(mask) == 2 * 250_000 - 62_500 + 10_000
    assert mask.getpixel((950, 950))[3] == 255 and mask.getpixel((800, 100))[3] == 0


def test_inversion_marks_everything_but_the_regions() -> None:
    mask = build_mask([parse_region("0.25,0.25,0.5,0.5")], (100, 100), invert=True)
    assert white_pixels(mask) == 100 * 100 - 50 * 50
    assert mask.getpixel((50, 50)) == (0, 0, 0, 0)
    assert mask.getpixel((0, 0)) == (255, 255, 255, 255)
    with pytest.raises(MaskError, match="nothing to repaint"):
        build_mask([parse_region("0,0,1,1")], (100, 100), invert=True)


def test_odd_image_sizes_round_to_whole_pixels() -> None:
    mask = build_mask([parse_region("0.5,0.5,0.5,0.5")], (1023, 771))
    assert mask.size == (1023, 771)
    assert white_box(mask) == (512, 386, 1023, 771)  # reaches the far edges exactly
    # A sliver thinner than a pixel still marks one pixel rather than none.
    assert region_box(parse_region("0.5,0.5,0.0001,0.0001"), (7, 5)) == (4, 2, 5, 3)
    tiny = build_mask([parse_region("0,0,1,1")], (1, 1))
    assert white_pixels(tiny) == 1


def test_no_region_or_unusable_size_is_an_error() -> None:
    with pytest.raises(MaskError, match="no region"):
        build_mask([], (64, 64))
    with pytest.raises(MaskError, match="not usable"):
        build_mask([parse_region("0,0,1,1")], (0, 64))
    assert exit_code_of(MaskError("x")) == EXIT_USAGE  # a bad region is a usage error


def test_png_and_data_url_round_trip() -> None:
    png = mask_png([parse_region("0,0,0.5,1")], (64, 32))
    assert png.startswith(b"\x89PNG")
    url = data_url(png)
    assert url.startswith("data:image/png;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert decoded.size == (64, 32) and white_box(decoded.convert("RGBA")) == (0, 0, 32, 32)
    assert DEFAULT_SIZE == (1024, 1024)


def test_cells_become_fractions() -> None:
    region = cell_region(10, 5, 20, 10, (40, 20))
    assert region == Region(0.25, 0.25, 0.5, 0.5)
    # A rectangle reaching the last cell of an odd grid stays within the image.
    check_region(cell_region(1, 2, 2, 1, (3, 3)), (1024, 1024))
    with pytest.raises(MaskError):
        cell_region(0, 0, 1, 1, (0, 10))
