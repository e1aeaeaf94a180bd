"""Pilot tests for the new-job dialog (issue 13): `n` offers every kind, each sends the
exact body to the fake, local files are uploaded once first, the imagine form shows the
final prompt and has every structured field; the billing guards hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image
from textual.widgets import Checkbox, Input, Select, Tabs
from ui_fixtures import SIZE, make_app, make_env, row_ids, screen_text, settle, track

from mjtui.api.client import ImagineRequest
from mjtui.fake import Fault
from mjtui.prompt_flags import final_prompt, parse_prompt
from mjtui.ui.dialogs.imagine import PromptArea
from mjtui.ui.dialogs.new_job import NewJobDialog
from mjtui.ui.path_suggester import complete_path

GEN = "/v1/midjourney/generations"
UPLOADS = "/v1/uploads/images"
URL = "https://example.com/a.png"
URL2 = "https://example.com/b.png"


def picture(folder: Path, name: str = "a.png") -> Path:
    path = folder / name
    Image.new("RGB", (8, 8), (0, 90, 200)).save(path, "PNG")
    return path


async def open_kind(pilot: Any, kind: str) -> NewJobDialog:
    await pilot.press("n")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, NewJobDialog)
    dialog.query_one("#kinds", Tabs).active = f"kind-{kind}"
    await pilot.pause()
    assert dialog.kind == kind
    return dialog


def fill(dialog: NewJobDialog, **values: str) -> None:
    for name, value in values.items():
        widget = dialog.query_one(f"#{name.replace('_', '-')}")
        if isinstance(widget, Select):
            widget.value = value
        else:
            assert isinstance(widget, Input)
            widget.value = value


def status_of(dialog: NewJobDialog) -> str:
    """The dialog's status line (long messages wrap on screen)."""
    return " ".join(str(dialog.query_one("#status").content).split())


async def submit(pilot: Any) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_kinds_are_picked_with_the_keyboard(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewJobDialog) and app.focused is dialog.query_one("#prompt")
        text = screen_text(app)
        for title in ("Imagine", "Describe", "Blend", "Edits", "Video"):
            assert title in text
        await pilot.press("shift+tab", "right")
        await pilot.pause()
        assert dialog.kind == "describe" and "Image to describe" in screen_text(app)
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert dialog.kind == "video" and "First frame" in screen_text(app)


async def test_describe_blend_and_video_send_their_bodies(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_kind(pilot, "describe")
        fill(dialog, describe_image=URL, describe_speed="fast")
        await submit(pilot)
        assert app.screen is app.dashboard
        dialog = await open_kind(pilot, "blend")
        fill(dialog, blend_images=URL)
        await submit(pilot)  # one image: refused by the form, nothing sent
        assert app.screen is dialog and "2 to 4 images, not 1" in screen_text(app)
        fill(dialog, blend_images=f"{URL} {URL2}", blend_dimensions="portrait")
        await submit(pilot)
        dialog = await open_kind(pilot, "video")
        fill(dialog, video_image=URL, video_motion="high", video_batch="2",
             video_prompt="waves roll in")
        await submit(pilot)
        posts = env.posts()
        assert [(p.path, p.json_body) for p in posts] == [
            (f"{GEN}/describe", {"image_urls": [URL], "speed": "fast"}),
            (f"{GEN}/blend", {"image_urls": [URL, URL2], "dimensions": "PORTRAIT"}),
            (f"{GEN}/video", {"image_urls": [URL], "prompt": "waves roll in",
                              "motion": "high", "batch_size": 2}),
        ]
        origins = [app.session.tasks[t].origin for t in row_ids(app)]
        assert origins == ["describe", "blend", "video"]


async def test_edits_uploads_a_local_file_once_then_sends_its_url(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    image = picture(tmp_path)
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        for prompt in ("make it night", "make it snow"):
            dialog = await open_kind(pilot, "edits")
            fill(dialog, edit_image=str(image))
            dialog.query_one("#prompt", PromptArea).text = prompt
            await submit(pilot)
            assert app.screen is app.dashboard
        uploads = env.fake.requests_for(UPLOADS, "POST")
        assert len(uploads) == 1  # the same content is uploaded once
        edits = env.posts("edits")
        assert len(edits) == 2
        (url,) = {p.json_body["image_urls"][0] for p in edits}
        assert url.startswith("http") and str(image) not in url
        assert [p.json_body["prompt"] for p in edits] == ["make it night", "make it snow"]


async def test_a_file_that_is_no_image_is_refused_before_anything_is_sent(
        tmp_path: Path) -> None:
    env = make_env(tmp_path)
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_kind(pilot, "describe")
        fill(dialog, describe_image=str(text))
        await submit(pilot)
        assert app.screen is dialog
        assert "not a JPEG, PNG, WebP or GIF" in status_of(dialog)
        assert env.fake.requests_for(UPLOADS) == [] and env.posts() == []


async def test_imagine_form_has_every_field_and_shows_the_final_prompt(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    sref = picture(tmp_path, "style.png")
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_kind(pilot, "imagine")
        dialog.query_one("#prompt", PromptArea).text = "a koi pond"
        fill(dialog, size="16:9", version="niji 6", stylize="250", style="raw", repeat="2",
             images=URL, iw="1.5", sref=str(sref), sw="300", cw="50", cref=URL2,
             negative="text")
        dialog.query_one("#tile", Checkbox).value = True
        await pilot.pause()
        final = str(dialog.query_one("#final-prompt").content).removeprefix("Sent as: ")
        assert final == (f"{URL} a koi pond --ar 16:9 --s 250 --style raw --iw 1.5 "
                         f"--sref {sref} --sw 300 --cref {URL2} --cw 50 --repeat 2 "
                         "--niji 6 --tile --no text")
        fill(dialog, stylize="5000")
        await submit(pilot)  # refused: the field says why
        assert app.screen is dialog and "at most 1000" in screen_text(app)
        fill(dialog, stylize="250")
        await submit(pilot)
        assert app.screen is app.dashboard
        (post,) = env.posts("imagine")
        uploaded = env.fake.requests_for(UPLOADS, "POST")
        assert len(uploaded) == 1
        body = post.json_body
        assert body["sref"].startswith("http") and body["sref"] != str(sref)
        assert {k: v for k, v in body.items() if k != "sref"} == {
            "prompt": "a koi pond", "size": "16:9", "version": "6", "niji": True,
            "stylize": 250, "style": "raw", "tile": True, "negative_prompt": "text",
            "image_urls": [URL], "iw": 1.5, "sw": 300, "cw": 50, "repeat": 2, "cref": URL2}


async def test_read_only_opens_no_dialog_and_a_refused_post_keeps_the_form(
        tmp_path: Path) -> None:
    env = make_env(tmp_path, read_only=True)
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is app.dashboard and env.posts() == []
    env = make_env(tmp_path / "2")
    env.fake.faults.add(Fault("status", status=400, path_prefix=f"{GEN}/describe", times=1,
                              body={"code": 4, "description": "image not reachable"}))
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_kind(pilot, "describe")
        fill(dialog, describe_image=URL)
        await submit(pilot)
        assert app.screen is dialog and "image not reachable" in status_of(dialog)
        await submit(pilot)
        assert app.screen is app.dashboard and len(env.posts("describe")) == 2


def test_final_prompt_and_parse_prompt_agree() -> None:
    request = ImagineRequest(prompt="a fox", size="3:2", version="7", chaos=10, quality="2",
                             seed=7, weird=20, raw=True, draft=True, speed="fast",
                             image_urls=(URL,), negative_prompt="snow, trees")
    text = final_prompt(request)
    assert text == (f"{URL} a fox --ar 3:2 --v 7 --c 10 --q 2 --w 20 --seed 7 --raw --draft "
                    "--no snow, trees --fast")
    assert parse_prompt(text) == request
    odd = parse_prompt("a fox --ar wide --unknown 3 --v 7 more --tile")
    assert odd.prompt == "a fox --ar wide --unknown 3 --v 7 more" and odd.tile is True
    assert odd.size is None and odd.version is None
    assert parse_prompt("<https://x.test/a.png> cat --niji 6 --sref https://x.test/s.png") == \
        ImagineRequest(prompt="cat", image_urls=("https://x.test/a.png",), niji=True,
                       version="6", sref="https://x.test/s.png")


def test_paths_complete_to_folders_and_images_only(tmp_path: Path) -> None:
    picture(tmp_path, "sunset.png")
    (tmp_path / "sunrise.txt").write_text("x")
    (tmp_path / "summer").mkdir()
    (tmp_path / ".sun.png").write_bytes(b"")
    assert complete_path(f"{tmp_path}/sunr") is None  # a text file is no image
    assert complete_path(f"{tmp_path}/suns") == f"{tmp_path}/sunset.png"
    assert complete_path(f"{tmp_path}/summ") == f"{tmp_path}/summer/"
    assert complete_path(f"{tmp_path}/su") is None  # sunset.png and summer/ share only su
    assert complete_path("https://example.com/a") is None


async def test_an_unanswered_post_is_never_sent_again_by_the_form(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    env.fake.faults.add(Fault("status", status=502, path_prefix=f"{GEN}/describe", times=1,
                              body="<html>bad gateway</html>"))
    app = make_app(env, track(env))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_kind(pilot, "describe")
        fill(dialog, describe_image=URL)
        await submit(pilot)
        assert app.screen is dialog and "outcome unknown" in status_of(dialog)
        await submit(pilot)  # the same job again: refused before anything is sent
        assert app.screen is dialog and "got no answer" in status_of(dialog)
        assert len(env.posts("describe")) == 1
        assert app.session.tasks == {}
