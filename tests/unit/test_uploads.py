"""Local image files: checked, uploaded once while the URL is valid, cache crash-safe."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest
from PIL import Image

from mjtui.api.client import ApimartClient
from mjtui.fake import FakeApimart, FakeClock
from mjtui.images.uploads import (
    MAX_BYTES,
    ImageInputs,
    ImageRejected,
    UploadCache,
    check_local_image,
)

TOKEN = "sk-fake-token"


def write_image(folder: Path, name: str, fmt: str, colour: tuple[int, int, int] = (9, 9, 9)) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format=fmt)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(("fmt", "kind"), [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                           ("WEBP", "image/webp"), ("GIF", "image/gif")])
def test_the_four_formats_pass_whatever_their_name(tmp_path: Path, fmt: str, kind: str) -> None:
    image = check_local_image(str(write_image(tmp_path, "picture.dat", fmt)))
    assert image.content_type == kind and len(image.digest) == 64


def test_refusals_say_why(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    bmp = write_image(tmp_path, "a.bmp", "BMP")
    huge = tmp_path / "huge.png"
    with huge.open("wb") as handle:  # sparse: the size is checked before reading
        handle.truncate(MAX_BYTES + 1)
    cases = {str(text): "not a JPEG, PNG, WebP or GIF", str(bmp): "not a JPEG",
             str(huge): "over the 20 MB upload limit", str(tmp_path / "missing.png"): "does not exist",
             str(tmp_path): "is a folder"}
    for argument, why in cases.items():
        with pytest.raises(ImageRejected, match=why):
            check_local_image(argument)


async def test_the_same_content_is_uploaded_once_while_valid(tmp_path: Path) -> None:
    clock = FakeClock()
    fake = FakeApimart(tokens={TOKEN}, clock=clock)
    first = write_image(tmp_path, "a.png", "PNG")
    copy = tmp_path / "copy-of-a.png"
    copy.write_bytes(first.read_bytes())
    other = write_image(tmp_path, "b.png", "PNG", (200, 0, 0))
    cache_path = tmp_path / "data" / "uploads.json"
    async with ApimartClient(TOKEN, "http://fake.test",
                             transport=httpx.ASGITransport(app=fake)) as client:
        inputs = ImageInputs(client, UploadCache(cache_path, clock))
        urls = await inputs.urls([str(first), "https://example.com/x.png", str(copy), str(other)])
        assert urls[1] == "https://example.com/x.png" and urls[0] == urls[2] != urls[3]
        assert len(fake.requests_for("/v1/uploads/images")) == 2
        # Another command later (a new ImageInputs reading the same cache file): no upload.
        again = ImageInputs(client, UploadCache(cache_path, clock))
        assert await again.urls([str(copy)]) == [urls[0]] and again.uploaded == []
        assert len(fake.requests_for("/v1/uploads/images")) == 2
        # Close to the end of its 72 hours, the URL is not trusted any more.
        clock.advance(71.5 * 3600)
        late = ImageInputs(client, UploadCache(cache_path, clock))
        assert len(await late.urls([str(first)])) == 1 and len(late.uploaded) == 1
        assert len(fake.requests_for("/v1/uploads/images")) == 3
    saved = json.loads(cache_path.read_text())
    assert saved["version"] == 1 and len(saved["uploads"]) == 2  # the expired entry pruned
    assert str(tmp_path) not in cache_path.read_text()  # content hashes, not file names


async def urls_once(fake: FakeApimart, cache_path: Path, arguments: list[str]) -> list[str]:
    """`arguments` as URLs, through a new client and the cache at `cache_path`."""
    async with ApimartClient(TOKEN, "http://fake.test",
                             transport=httpx.ASGITransport(app=fake)) as client:
        return await ImageInputs(client, UploadCache(cache_path)).urls(arguments)


async def test_a_damaged_cache_is_no_obstacle(tmp_path: Path) -> None:
    image = write_image(tmp_path, "a.png", "PNG")
    cache_path = tmp_path / "uploads.json"
    cache_path.write_text("{ not json")
    [url] = await urls_once(FakeApimart(tokens={TOKEN}), cache_path, [str(image)])
    assert url.startswith("http://fake.test/fake-cdn/uploads/")
    assert json.loads(cache_path.read_text())["uploads"]  # rewritten whole
    assert not list(tmp_path.glob(".uploads.json.*.tmp"))  # no temp file left behind


async def test_every_argument_is_checked_before_any_upload(tmp_path: Path) -> None:
    fake = FakeApimart(tokens={TOKEN})
    good = write_image(tmp_path, "a.png", "PNG")
    bad = tmp_path / "b.txt"
    bad.write_text("text")
    with pytest.raises(ImageRejected):
        await urls_once(fake, tmp_path / "u.json", [str(good), str(bad)])
    assert fake.requests == []
