"""Pilot tests of the dashboard for every job kind (issue 13), against the demo fake: a
describe's suggestions (numbered, 1-4, Imagine all), a video (its picture ▶, clips listed,
o and d), Animate, blend and edits grids, `e` (use prompt), and the guards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, RadioSet, Tabs
from ui_fixtures import (
    SIZE,
    Env,
    demo_session,
    detail_text,
    make_app,
    make_env,
    poll,
    screen_text,
    select,
    settle,
    toasts,
)

from mjtui.fake.demo import DESCRIBE_TEXT
from mjtui.ui.app import MjtuiApp
from mjtui.ui.dialogs.actions_menu import ActionsMenu
from mjtui.ui.dialogs.animate import AnimateDialog
from mjtui.ui.dialogs.confirm import ConfirmDialog
from mjtui.ui.dialogs.imagine import PromptArea
from mjtui.ui.dialogs.new_job import NewJobDialog
from mjtui.ui.widgets.image_preview import ImagePreview

GEN = "/v1/midjourney/generations"
SUGGESTIONS = [
    "a lone lighthouse on a rocky cliff at dusk, golden volumetric light --ar 3:2",
    "coastal landscape painting, lighthouse beam over a stormy sea, moody --ar 3:2",
    "cinematic still of a white lighthouse, warm sunset haze, matte painting --ar 3:2",
    "a lighthouse keeper's view at twilight, soft rim light, oil on canvas --ar 3:2",
]


def demo(tmp_path: Path, **settings: Any) -> tuple[Env, MjtuiApp]:
    env = make_env(tmp_path, demo=True, **settings)
    return env, make_app(env, demo_session(env))


async def on_job(app: MjtuiApp, pilot: Any, env: Env, label: str) -> str:
    await poll(app, pilot)
    task_id = env.job(label)
    select(app, task_id)
    await settle(pilot)
    return task_id


async def test_a_describe_lists_its_prompts_and_1_to_4_fill_the_imagine_form(
        tmp_path: Path) -> None:
    assert "1️⃣" in DESCRIBE_TEXT
    env, app = demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        describe = await on_job(app, pilot, env, "describe of the lighthouse")
        text = detail_text(app)
        assert "Suggested prompts" in text and "1️⃣" not in text
        for number, prompt in enumerate(SUGGESTIONS, start=1):
            assert f"{number}. {prompt}" in text
        await pilot.press("2")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewJobDialog) and dialog.kind == "imagine"
        assert dialog.query_one("#prompt", PromptArea).text == SUGGESTIONS[1][:-len(" --ar 3:2")]
        assert dialog.query_one("#size", Input).value == "3:2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.dashboard
        (post,) = env.posts("imagine")
        assert post.json_body == {"prompt": SUGGESTIONS[1][:-len(" --ar 3:2")], "size": "3:2"}
        (child,) = app.session.children_of(describe)
        assert child.origin == "imagine"


async def test_imagine_all_asks_once_then_starts_four_jobs(tmp_path: Path) -> None:
    env, app = demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        describe = await on_job(app, pilot, env, "describe of the lighthouse")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ActionsMenu)
        rows = str(app.screen.query_one("#actions").get_option_at_index(4).prompt)
        assert "Imagine all" in rows
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert env.posts() == []
        await pilot.press("x", "a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert [p.json_body for p in env.posts()] == [{"prompt": p} for p in SUGGESTIONS]
        assert len(app.session.children_of(describe)) == 4
        assert toasts(app)[-1][:2] == ("Submitted", "Imagine all started 4 jobs")


async def test_a_describe_reads_as_words_in_the_detail_and_the_menu(tmp_path: Path) -> None:
    """Its prompts on one line (the first suggestion, no keycaps, no `\\n`), its 🔄 named."""
    env, app = demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await on_job(app, pilot, env, "describe of the lighthouse")
        buttons = next(line for line in detail_text(app).splitlines() if "Buttons" in line)
        assert buttons.rstrip().endswith("Imagine all · describe-again (not sent)")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ActionsMenu)
        text = screen_text(app)
        subtitle = str(app.screen.query_one(".dialog-subtitle").content)
        assert subtitle == SUGGESTIONS[0]
        assert SUGGESTIONS[0].removesuffix(" --ar 3:2") in text  # wrapped, not cut
        assert "\\n" not in text and "1️⃣" not in subtitle
        assert "r  Describe again  (🔄)" in text and "Button (" not in text
        assert "Picread" not in text + detail_text(app)


async def test_describe_again_says_why_it_is_not_sent_and_sends_nothing(
        tmp_path: Path) -> None:
    """A describe's 🔄 has no apimart endpoint: its menu row stays, dimmed as not sent, and
    its key r says why (as a greyed key does) instead of guessing a billed request; the
    dashboard's own r (Reroll, greyed on a describe) says the same."""
    reason = "a describe's 🔄 has no apimart endpoint, so mjtui does not send it"
    env, app = demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        describe = await on_job(app, pilot, env, "describe of the lighthouse")
        env.fake.requests.clear()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ActionsMenu)
        assert "r  Describe again  (🔄)  not sent: no endpoint" in screen_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert not isinstance(app.screen, ActionsMenu)
        title, message, severity = toasts(app)[-1]
        assert (title, severity) == ("Not sent", "warning")
        assert message.startswith(f"Describe again is off: {reason}")
        assert "`mjtui describe IMAGE` (or n → Describe in the dashboard)" in message
        await pilot.press("r")
        await settle(pilot)
        assert toasts(app)[-1][:2] == ("Not now", f"Reroll is off: {message.split(': ', 1)[1]}")
        assert env.posts() == [] and app.session.children_of(describe) == []


async def test_the_menu_suggestion_opens_the_form_and_sends_no_button(tmp_path: Path) -> None:
    env, app = demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await on_job(app, pilot, env, "describe of the lighthouse")
        await pilot.press("x", "3")
        await pilot.pause()
        assert isinstance(app.screen, NewJobDialog)
        assert app.screen.query_one("#prompt", PromptArea).text.startswith("cinematic still")
        await pilot.press("escape")
        await settle(pilot)
        assert env.posts() == []


async def test_a_video_shows_its_picture_marked_and_its_clips(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env, app = demo(tmp_path, download_dir=str(tmp_path / "saved"))
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        monkeypatch.delenv(name, raising=False)
    async with app.run_test(size=SIZE) as pilot:
        video = await on_job(app, pilot, env, "video of U2 (2 clips)")
        clips = app.session.tasks[video].task.video_urls
        assert len(clips) == 2
        text = detail_text(app)
        assert "▶ 2 clips" in text and clips[0] in text and clips[1] in text
        preview = app.dashboard.query_one("#preview", ImagePreview)
        assert preview.caption == "▶ 2 clips"
        await pilot.press("o")
        await settle(pilot)
        assert opened == [clips[0]]
        monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 22 10.0.0.2 22")
        await pilot.press("o")
        await settle(pilot)
        assert opened == [clips[0]] and app.clipboard == clips[0]
        await pilot.press("d")
        await settle(pilot)
        saved = sorted(p.name for p in (tmp_path / "saved").iterdir())
        assert saved == [f"{video}_clip1.mp4", f"{video}_clip2.mp4"]


async def test_animate_asks_for_motion_and_clips_then_presses_once(tmp_path: Path) -> None:
    env, app = demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        single = await on_job(app, pilot, env, "U2 of the lighthouse grid")
        await pilot.press("x", "a")  # Animate (Low motion)
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AnimateDialog) and env.posts() == []
        # The arrows choose (the help says "↑↓ choose"): what is highlighted is what is sent.
        await pilot.press("down", "tab", "down")
        await pilot.pause()
        for name, chosen in (("motion", "motion-high"), ("batch", "batch-2")):
            radio_set = dialog.query_one(f"#{name}", RadioSet)
            assert radio_set.pressed_button.id == chosen
            assert [b.id for b in radio_set.query(".-selected")] == [chosen]
        await pilot.press("ctrl+s", "ctrl+s")
        await settle(pilot)
        (post,) = env.posts("video")
        assert post.json_body == {"task_id": single, "index": 0, "motion": "high",
                                  "batch_size": 2}
        (child,) = [c for c in app.session.children_of(single) if c.id != env.job(
            "Vary (Region): awaiting input") and c.id != env.job("video of U2 (2 clips)")]
        assert child.parent_id == single


async def test_blend_and_edits_grids_take_u_v_and_reroll(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, env.session())
    url = "https://example.com/a.png"
    async with app.run_test(size=SIZE) as pilot:
        for kind in ("blend", "edits"):
            await pilot.press("n")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, NewJobDialog)
            dialog.query_one("#kinds", Tabs).active = f"kind-{kind}"
            await pilot.pause()
            if kind == "blend":
                dialog.query_one("#blend-images", Input).value = f"{url} {url}"
            else:
                dialog.query_one("#edit-image", Input).value = url
                dialog.query_one("#prompt", PromptArea).text = "at night"
            await pilot.press("ctrl+s")
            await settle(pilot)
        jobs = list(app.session.tasks)
        assert len(jobs) == 2
        await poll(app, pilot, advance=30, times=2)
        for task_id in jobs:
            select(app, task_id)
            await settle(pilot)
            await pilot.press("u", "1")
            await settle(pilot)
            await pilot.press("v", "2")
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
        paths = [p.path.removeprefix(f"{GEN}/") for p in env.posts()]
        assert paths == ["blend", "edits", *["upscale", "variation", "reroll"] * 2]
        for task_id in jobs:
            assert len(app.session.children_of(task_id)) == 3


async def test_e_uses_a_prompt_with_its_parameters_in_their_fields(tmp_path: Path) -> None:
    env, app = demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await on_job(app, pilot, env, "finished grid")
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewJobDialog)
        assert dialog.query_one("#prompt", PromptArea).text == \
            "a lighthouse on a cliff at dusk, volumetric light"
        assert dialog.query_one("#size", Input).value == "3:2"
        assert dialog.query_one("#version", Input).value == "7"
        await pilot.press("escape")
        await settle(pilot)
        assert env.posts() == []


async def test_read_only_refuses_every_new_kind(tmp_path: Path) -> None:
    env, app = demo(tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await on_job(app, pilot, env, "describe of the lighthouse")
        for key in ("1", "e", "n"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is app.dashboard, key
        select(app, env.job("U2 of the lighthouse grid"))
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert app.screen is app.dashboard
        assert env.posts() == []


def test_a_describe_is_named_by_its_first_suggestion() -> None:
    from mjtui.api.models import Status, Task
    from mjtui.session import TrackedTask
    from mjtui.vocabulary import display_name

    task = Task(id="task_01KDESCRIBE000000000", status=Status.SUCCESS, action="DESCRIBE",
                prompt=DESCRIBE_TEXT)
    assert display_name(TrackedTask(task=task, origin="describe")) == SUGGESTIONS[0]
