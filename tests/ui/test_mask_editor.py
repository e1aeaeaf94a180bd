"""The Vary (Region) mask editor in the dashboard: rectangles drawn with keys reach the fake
as the mask it decodes; the dialog keeps everything when the POST fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ui_fixtures as ui
from textual.app import App
from textual.widgets import Input

from mjtui.api.models import Status, Task
from mjtui.fake import Fault
from mjtui.fake.masks import read_mask
from mjtui.images.mask_draft import CellRect
from mjtui.ui.app import STYLES
from mjtui.ui.dialogs.mask_editor import ADDED_BOX, MaskEdge, MaskEditor, outline
from mjtui.ui.dialogs.modal_input import ModalInputDialog, SubmitOutcome
from mjtui.ui.widgets.preview_slot import PreviewSlot

MODAL = "Vary (Region): awaiting input"


async def open_editor(app: Any, pilot: Any, modal: str) -> tuple[ModalInputDialog, MaskEditor]:
    await ui.poll(app, pilot)
    ui.select(app, modal)
    await pilot.pause()
    await pilot.press("m")
    await ui.settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, ModalInputDialog) and dialog.kind == "vary_region"
    assert "ctrl+r draw mask" in ui.screen_text(app)
    await pilot.press("ctrl+r")
    await ui.settle(pilot)
    editor = app.screen
    assert isinstance(editor, MaskEditor)
    if editor.picture.protocol != "none":  # the grid follows the picture once it shows
        for _ in range(200):
            slot = editor.query_one("#preview-main", PreviewSlot)
            if slot.has_class("-ready") and editor.grid_area() == slot.image_widget.region:
                break
            await pilot.pause()
        assert editor.grid_area() == slot.image_widget.region, "the picture never showed"
    return dialog, editor


def edges_shown(editor: MaskEditor) -> int:
    """Edges that take cells on screen (the unused ones are shrunk to none)."""
    return sum(1 for edge in editor.query(MaskEdge) if edge.region.area)


def edges_drawn(editor: MaskEditor) -> int:
    """How many outline pieces the rectangles and the cursor take."""
    model = editor.model
    rects = [model.cells(region) for region in model.draft.regions] + [model.cursor]
    return sum(len(outline(rect)) for rect in rects)


async def draw_two(pilot: Any, editor: MaskEditor) -> tuple[CellRect, CellRect]:
    """The first rectangle at the top left (moved, resized), the second lower right."""
    await pilot.press("l", "l", "j", "shift+right", "shift+down", "space")
    first = editor.model.cursor
    # Clear of the first (past its right and bottom edges), one column narrower.
    await pilot.press(*["right"] * (first.w + 3), *["down"] * (first.h + 2), "H", "enter")
    return first, editor.model.cursor


def expected_box(rect: CellRect, grid: tuple[int, int], size: tuple[int, int]) -> tuple[int, ...]:
    columns, rows = grid
    width, height = size
    return (round(rect.x / columns * width), round(rect.y / rows * height),
            round((rect.x + rect.w) / columns * width), round((rect.y + rect.h) / rows * height))


async def test_two_rectangles_drawn_with_keys_reach_the_fake(tmp_path: Path) -> None:
    env = ui.make_env(tmp_path, demo=True)
    app = ui.make_app(env, ui.demo_session(env), image_protocol="halfcell")
    modal = env.job(MODAL)
    async with app.run_test(size=ui.SIZE) as pilot:
        dialog, editor = await open_editor(app, pilot, modal)
        side = env.fake.image_size // 2  # the parent's upscaled picture: a tile of the grid
        assert editor.model.draft.size == (side, side)
        assert "arrows/hjkl move" in ui.screen_text(app)
        first, second = await draw_two(pilot, editor)
        grid = editor.model.grid
        assert len(editor.model.draft.regions) == 2 and edges_shown(editor) == edges_drawn(editor)
        assert "2 rectangles" in ui.screen_text(app)
        # The cursor's outline is on screen where the grid says, over the picture.
        area = editor.grid_area()
        top_row = ui.screen_text(app).splitlines()[area.y + second.y]
        assert top_row[area.x + second.x] == "┌"

        env.fake.faults.add(Fault("status", status=500, path_prefix=f"{ui.GEN}/modal", times=1))
        await pilot.press("escape")
        await ui.settle(pilot)
        assert app.screen is dialog and "2 rectangles" in ui.screen_text(app)
        # The whole line about the drawn mask is on screen (wrapped, not cut), at 120x40.
        label = dialog.query_one("#mask-drawn").region
        lines = ui.screen_text(app).splitlines()[label.y:label.bottom]
        shown = " ".join(line[label.x:label.right].strip() for line in lines)
        assert shown == f"Drawn mask: {dialog.draft.describe()} (ctrl+r to draw over the picture)"
        dialog.query_one("#prompt", Input).value = "a red lighthouse"
        await pilot.press("ctrl+s")  # the POST fails: everything stays
        await ui.settle(pilot)
        assert app.screen is dialog and len(dialog.draft.regions) == 2
        assert dialog.query_one("#prompt", Input).value == "a red lighthouse"

        await pilot.press("ctrl+s")
        await ui.settle(pilot)
        assert app.screen is app.dashboard
        posts = env.posts("modal")
        assert len(posts) == 2 and posts[0].json_body == posts[1].json_body
        assert posts[1].json_body["prompt"] == "a red lighthouse"
        seen = env.fake.job(modal).mask
        assert (seen.width, seen.height) == (side, side)
        assert set(seen.boxes) == {expected_box(first, grid, (side, side)),
                                   expected_box(second, grid, (side, side))}


async def test_editor_keys_remove_invert_and_keep_regions(tmp_path: Path) -> None:
    env = ui.make_env(tmp_path, demo=True)
    app = ui.make_app(env, ui.demo_session(env))  # --images none: the grid of cells only
    modal = env.job(MODAL)
    async with app.run_test(size=ui.SIZE) as pilot:
        dialog, editor = await open_editor(app, pilot, modal)
        assert edges_shown(editor) == 4  # the cursor alone
        await draw_two(pilot, editor)
        await pilot.press("x")  # the second, under the cursor
        assert len(editor.model.draft.regions) == 1
        await pilot.press("x")  # nothing under the cursor now: said, nothing removed
        assert "no rectangle under the cursor" in ui.screen_text(app)
        await pilot.press("i")
        assert editor.model.draft.invert and "inverted" in ui.screen_text(app)
        await pilot.press("escape")
        await ui.settle(pilot)
        assert dialog.draft.invert and len(dialog.draft.regions) == 1
        await pilot.press("ctrl+r")  # back in: the rectangle is still there
        await ui.settle(pilot)
        assert len(app.screen.model.draft.regions) == 1
        assert edges_shown(app.screen) == edges_drawn(app.screen)
        await pilot.press("escape")
        await ui.settle(pilot)
        dialog.query_one("#mask", Input).value = "https://masks.example/m.png"
        await pilot.press("ctrl+s")  # a drawn mask and a URL: refused, nothing posted
        await ui.settle(pilot)
        assert app.screen is dialog and "a mask is drawn too" in ui.screen_text(app)
        assert env.posts("modal") == []
        dialog.query_one("#mask", Input).value = ""
        await pilot.press("ctrl+s")
        await ui.settle(pilot)
        seen = env.fake.job(modal).mask
        assert seen is not None and 0.5 < seen.white_fraction < 1  # inverted: most of it


def test_outline_pieces() -> None:
    assert [text for _, text in outline(CellRect(2, 3, 1, 1))] == ["▣"]
    assert [text for _, text in outline(CellRect(0, 0, 3, 2), ADDED_BOX)] == ["╔═╗", "╚═╝"]
    pieces = outline(CellRect(0, 0, 4, 3))
    assert [text for _, text in pieces] == ["┌──┐", "└──┘", "│", "│"]
    assert [text for _, text in outline(CellRect(0, 0, 3, 1))] == ["├─┤"]
    assert [text for _, text in outline(CellRect(0, 0, 1, 3))] == ["┬\n│\n┴"]


async def test_the_editor_is_quiet_when_idle_and_a_key_redraws_little(tmp_path: Path) -> None:
    """Over a slow link: nothing is sent while the editor waits (the dialog's countdown
    and polls tick underneath), and a key (move, add, remove, invert) sends the outlines'
    cells, not the picture."""
    from test_quiet_under_dialogs import Frames, idle_messages

    env = ui.make_env(tmp_path, demo=True)
    app = ui.make_app(env, ui.demo_session(env), image_protocol="halfcell")
    frames = Frames(app)
    async with app.run_test(size=ui.SIZE) as pilot:
        _dialog, editor = await open_editor(app, pilot, env.job(MODAL))
        await pilot.press("space")
        await ui.settle(pilot)
        app.clear_notifications()
        frames.reset()
        await idle_messages(app, pilot, 1.5)  # past a countdown tick of the dialog beneath
        await ui.poll(app, pilot, advance=6.0)  # a task changes on the dashboard beneath
        await pilot.pause(0.2)
        assert frames.full == 0 and sum(frames.sizes) == 0, frames.sizes
        picture = editor.grid_area()
        # A full half-cell picture is ~20 bytes a cell; a key sends a fraction of that.
        budget = picture.width * picture.height * 20 / 3
        for keys in (["right"], ["down", "down", "space"], ["x"], ["i"]):  # move, add, remove
            frames.reset()
            await pilot.press(*keys)
            await ui.settle(pilot)
            assert frames.full == 0 and 0 < sum(frames.sizes) < budget, (keys, frames.sizes)


async def finished(pilot: Any) -> None:
    """Every worker done (the mask's size read, the submission), then a refresh."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


class DialogOnly(App[None]):
    """The MODAL dialog alone (no dashboard), with the app's stylesheets."""

    CSS_PATH = sorted(STYLES.glob("*.tcss"))

    def __init__(self, dialog: ModalInputDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


async def test_without_a_known_picture_the_mask_is_1024_square(tmp_path: Path) -> None:
    sent: list[tuple[str | None, str | None]] = []

    async def submit(prompt: str | None, mask_url: str | None) -> SubmitOutcome:
        sent.append((prompt, mask_url))
        return SubmitOutcome(task_id="task_01KKJB9SJAF9J0DBXNTMRGPSGJ")

    task = Task(id="task_01KKJB9SJAF9J0DBXNTMRGPSGJ", status=Status.MODAL, prompt="a boat")
    app = DialogOnly(ModalInputDialog(task, "vary_region", None, submit))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+r")
        await finished(pilot)
        editor = app.screen
        assert isinstance(editor, MaskEditor)
        text = ui.screen_text(app)
        assert "size unknown: 1024x1024" in text and "·····" in text  # the grid of cells
        await pilot.press("j", "shift+right", "enter", "escape")
        await finished(pilot)
        cursor, grid = editor.model.cursor, editor.model.grid
        await pilot.press("enter")  # the prompt field has focus: enter submits
        await finished(pilot)
    assert len(sent) == 1 and sent[0][0] == "a boat"
    seen = read_mask(sent[0][1])
    assert (seen.width, seen.height) == (1024, 1024)
    assert seen.boxes == (expected_box(cursor, grid, (1024, 1024)),)
    assert app.results == ["task_01KKJB9SJAF9J0DBXNTMRGPSGJ"]
