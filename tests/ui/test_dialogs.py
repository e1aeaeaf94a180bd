"""Pilot and snapshot tests for the dialogs and overlay screens (mjtui/ui/screens)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList, Select, TextArea, Tree

from mjtui.api.client import ImagineRequest
from mjtui.api.models import Button as ApiButton
from mjtui.api.models import Status, Task
from mjtui.buttons import ButtonKind, describe_all
from mjtui.fake.buttons import describe_buttons, grid_buttons, single_buttons
from mjtui.ui.dialogs.actions_menu import ActionsMenu, assign_hotkeys
from mjtui.ui.dialogs.add_tasks import AddTasksDialog
from mjtui.ui.dialogs.animate import AnimateDialog
from mjtui.ui.dialogs.confirm import ConfirmDialog
from mjtui.ui.dialogs.imagine import ImagineDialog, SubmitOutcome
from mjtui.ui.dialogs.label import LabelDialog
from mjtui.ui.dialogs.modal_input import ModalInputDialog, format_left
from mjtui.ui.screens.diagnostics import DiagnosticsScreen, report_text
from mjtui.ui.screens.help import HelpScreen, key_rows
from mjtui.ui.screens.lineage import LineageNode, LineageScreen, build_forest

STYLES = Path(__file__).resolve().parents[2] / "styles" / "dialogs.tcss"
SIZE = (100, 30)
HOSTILE = (
    "[@click=app.quit]x[/] [link=file:///etc/passwd]y[/link] \x1b[31mred"
    " \x1b]52;c;aGk=\x07 \u202eevil"
)
LONG = "w" * 10_000


class Harness(App[None]):
    """Pushes one screen on mount and records what it is dismissed with."""

    CSS_PATH = STYLES

    def __init__(self, make: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make = make
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.results.append)


def seen(app: App[Any]) -> str:
    """Everything on the terminal, as text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


SHOWN = ("[@click=app.quit]x[/]", "[link=file:///etc/passwd]", "\\x1b[31m", "\\x07", "\\u202e")


def assert_inert(app: App[Any], shown: tuple[str, ...] = SHOWN) -> None:
    """Hostile text is on screen literally, and nothing it contains acts."""
    text = seen(app)
    for fragment in shown:
        assert fragment in text
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if style is not None:
                assert not style.link and "@click" not in (style.meta or {})


async def wait(pilot: Any, timeout: float = 20.0) -> None:
    """Wait for the app's workers (a dialog's submit, say), failing after `timeout` seconds."""
    try:
        await asyncio.wait_for(pilot.app.workers.wait_for_complete(), timeout)
    except TimeoutError:
        raise AssertionError(f"workers still busy after {timeout}s: "
                             f"{[w.name for w in pilot.app.workers if not w.is_finished]}") from None
    await pilot.pause()


async def type_into(pilot: Any, selector: str, text: str) -> None:
    """Focus a field, empty it, and enter `text`: typed when short, else pasted (faster)."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    if isinstance(widget, Input):
        widget.value = ""
    if len(text) <= 3:
        await pilot.press(*text)
    else:
        pilot.app.post_message(events.Paste(text))
        await pilot.pause()


def buttons(raw: list[dict[str, Any]]) -> tuple[ApiButton, ...]:
    return tuple(ApiButton(b["customId"], b["label"], b["emoji"]) for b in raw)


GRID_TASK = Task(
    id="task_01KGRID0000000000",
    status=Status.SUCCESS,
    prompt="a fox",
    buttons=buttons(grid_buttons("abc")),
)
SINGLE_TASK = Task(
    id="task_01KSINGLE00000000",
    status=Status.SUCCESS,
    prompt="a fox, upscaled",
    buttons=buttons(single_buttons("abc")),
)


# -- parse_task_ids / AddTasksDialog ----------------------------------------------------


A = "task_01KAAAAAAAAAAAAAAAAA"
B = "task_01KBBBBBBBBBBBBBBBBB"
C = "task_01KCCCCCCCCCCCCCCCCC"


async def test_add_tasks_takes_every_id_and_lists_what_it_ignored() -> None:
    app = Harness(lambda: AddTasksDialog(already_tracked={B}))
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(events.Paste(f'hello {A}, "{B}"\n{C};{A}\n../etc/passwd task_123\n'))
        await pilot.pause()
        text = seen(app)
        assert "2 new · 3 ignored · 1 duplicate(s) dropped · 1 already tracked" in text
        assert "ignored (no task ID): hello ../etc/passwd task_123" in text
        assert "task_ followed by 16-40 letters and digits" in text
        assert f"duplicates dropped: {A}" in text and f"already tracked: {B}" in text
        await pilot.press("ctrl+s")  # what was ignored is listed, not in the way
        assert app.results == [[A, C]]


async def test_add_tasks_enter_is_a_newline_and_nothing_new_is_refused() -> None:
    app = Harness(lambda: AddTasksDialog(already_tracked={A}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "enter", "x")
        assert app.screen.query_one("#ids", TextArea).text == "x\nx"
        await pilot.press("ctrl+s")
        assert app.results == [] and "nothing new to add" in seen(app)
        app.screen.query_one("#ids", TextArea).text = A
        await pilot.press("ctrl+s")
        assert app.results == [] and "nothing new to add" in seen(app)
        await pilot.press("escape")
        assert app.results == [None]


async def test_add_tasks_button_submits() -> None:
    app = Harness(AddTasksDialog)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#ids", TextArea).text = f"{A} {B}"
        await pilot.press("tab", "enter")  # focus moves to the Add button
        assert app.results == [[A, B]]


# -- ConfirmDialog / LabelDialog ----------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "result"),
    [
        (("y",), True),
        (("enter",), True),
        (("n",), False),
        (("escape",), False),
        (("tab", "enter"), False),  # focus on Cancel, enter presses it
    ],
)
async def test_confirm_keys(keys: tuple[str, ...], result: bool) -> None:
    app = Harness(lambda: ConfirmDialog("Remove task?", "It stays on the server."))
    async with app.run_test(size=SIZE) as pilot:
        assert "Remove task?" in seen(app) and "It stays on the server." in seen(app)
        await pilot.press(*keys)
        assert app.results == [result]


async def test_confirm_shows_hostile_text_literally() -> None:
    app = Harness(lambda: ConfirmDialog(HOSTILE, HOSTILE + "\n" + LONG, "Delete", danger=True))
    async with app.run_test(size=SIZE) as pilot:
        assert_inert(app)
        assert "Delete" in seen(app)
        await pilot.click("#body")  # clicking the text must not run its @click
        assert app.is_running and app.results == []


@pytest.mark.parametrize(("keys", "result"), [
    ((), ("high", 1)),  # opened for high motion: that is highlighted and chosen
    (("up",), ("low", 1)),
    (("down", "tab", "down", "down", "up"), ("low", 2)),  # the arrows wrap round
    (("tab", "up", "space", "enter"), ("high", 4)),  # space and enter keep the choice
])
async def test_animate_arrows_choose_what_is_sent(keys: tuple[str, ...],
                                                  result: tuple[str, int]) -> None:
    app = Harness(lambda: AnimateDialog("high"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys)
        highlighted = [b.id for b in app.screen.query(".-selected")]
        assert highlighted == [f"motion-{result[0]}", f"batch-{result[1]}"]
        await pilot.press("ctrl+s")
        assert app.results == [result]


async def test_label_dialog_edits_and_clears() -> None:
    app = Harness(lambda: LabelDialog("task_1", "old name"))
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.query_one("#label", Input).value == "old name"
        await pilot.press("end", *" 2", "enter")
        assert app.results == ["old name 2"]
    app = Harness(lambda: LabelDialog("task_1", "old name"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"new", "enter")  # the old label is selected: typing replaces it
        assert app.results == ["new"]
    app = Harness(lambda: LabelDialog("task_1", "old"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+u", "enter")
        assert app.results == [""]
    app = Harness(lambda: LabelDialog("task_1", "old"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "escape")
        assert app.results == [None]


# -- ImagineDialog -------------------------------------------------------------------------


class Recorder:
    """A submit callback that records requests and answers with the queued outcomes."""

    def __init__(self, *outcomes: SubmitOutcome, gate: asyncio.Event | None = None) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[Any] = []
        self.gate = gate

    async def __call__(self, *args: Any) -> SubmitOutcome:
        self.calls.append(args[0] if len(args) == 1 else args)
        if self.gate is not None:
            await self.gate.wait()
        return self.outcomes.pop(0)


def errors(app: App[Any]) -> str:
    """Every inline field error, scrolled into view or not."""
    return "\n".join(str(e.render()) for e in app.screen.query(".field-error"))


async def test_imagine_validates_each_field() -> None:
    submit = Recorder()
    app = Harness(lambda: ImagineDialog(submit))
    async with app.run_test(size=SIZE) as pilot:
        for name, value in [
            ("size", "16x9"),
            ("stylize", "2000"),
            ("chaos", "abc"),
            ("seed", "-1"),
            ("version", "9"),
            ("weird", "3001"),
        ]:
            await type_into(pilot, f"#{name}", value)
        await pilot.press("enter")
        await wait(pilot)
        text = seen(app)
        assert submit.calls == [] and app.results == []
        for message in [
            "a prompt is required",
            "W:H, like 16:9",
            "at most 1000",
            "whole number 0-100",
            "at least 0",
            "not 9: 8.1 7 6.1 5.2 5.1 niji 7/6",
            "at most 3000",
            "fix the marked fields",
        ]:
            assert message in text + errors(app)


async def test_imagine_success_sends_the_exact_request() -> None:
    submit = Recorder(SubmitOutcome(task_id="task_new"))
    app = Harness(lambda: ImagineDialog(submit))
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#prompt", "a cat")
        app.screen.query_one("#prompt", TextArea).insert("\non a mat")  # pasted line break
        for name, value in [
            ("size", "16:9"),
            ("version", "6.1"),
            ("stylize", "250"),
            ("chaos", "10"),
            ("seed", "42"),
            ("negative", "dogs"),
        ]:
            await type_into(pilot, f"#{name}", value)
        app.screen.query_one("#quality", Select).value = "2"
        app.screen.query_one("#speed", Select).value = "fast"
        await pilot.press("enter")
        await wait(pilot)
        assert submit.calls == [
            ImagineRequest(
                prompt="a cat on a mat",
                size="16:9",
                version="6.1",
                stylize=250,
                chaos=10,
                quality="2",
                seed=42,
                negative_prompt="dogs",
                speed="fast",
            )
        ]
        assert app.results == ["task_new"]


async def test_imagine_is_keyboard_navigable() -> None:
    app = Harness(lambda: ImagineDialog(Recorder(SubmitOutcome(task_id="t"))))
    async with app.run_test(size=SIZE) as pilot:
        order = []
        for _ in range(23):
            order.append(app.focused.id if app.focused else None)
            await pilot.press("tab")
        assert order == [
            "prompt", "size", "version", "stylize", "chaos", "quality", "speed", "seed",
            "weird", "style", "repeat", "tile", "raw", "draft", "negative", "images", "iw",
            "sref", "sw", "cref", "cw", "submit", "cancel",
        ]


async def test_imagine_failure_keeps_every_field_and_shows_the_error() -> None:
    submit = Recorder(
        SubmitOutcome(error="rate limited [b]slow down[/b]"), SubmitOutcome(task_id="task_2")
    )
    initial = ImagineRequest(
        prompt="old prompt",
        size="2:3",
        stylize=50,
        quality="0.5",
        seed=7,
        speed="relax",
        negative_prompt="blur",
    )
    app = Harness(lambda: ImagineDialog(submit, initial))
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#chaos", "5")
        await pilot.press("enter")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, ImagineDialog) and app.results == []
        assert "rate limited [b]slow down[/b]" in seen(app)
        assert screen.query_one("#prompt", TextArea).text == "old prompt"
        values = {
            n: screen.query_one(f"#{n}", Input).value
            for n in ("size", "version", "stylize", "chaos", "seed", "negative")
        }
        assert values == {
            "size": "2:3",
            "version": "",
            "stylize": "50",
            "chaos": "5",
            "seed": "7",
            "negative": "blur",
        }
        assert screen.query_one("#quality", Select).value == "0.5"
        assert screen.query_one("#speed", Select).value == "relax"
        assert not screen.query_one("#submit", Button).disabled
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert len(submit.calls) == 2 and submit.calls[0] == submit.calls[1]
        assert app.results == ["task_2"]


async def test_imagine_double_submit_calls_once() -> None:
    gate = asyncio.Event()
    submit = Recorder(SubmitOutcome(task_id="task_once"), gate=gate)
    app = Harness(lambda: ImagineDialog(submit, ImagineRequest(prompt="a cat")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "enter", "ctrl+s")
        await pilot.click("#submit")
        await pilot.pause()
        assert len(submit.calls) == 1
        assert "submitting…" in seen(app)
        assert app.screen.query_one("#submit", Button).disabled
        await pilot.press("escape")  # closing now would cancel a billed request: refused
        assert isinstance(app.screen, ImagineDialog) and app.results == []
        assert "wait for the answer" in seen(app)
        gate.set()
        await wait(pilot)
        assert len(submit.calls) == 1 and app.results == ["task_once"]


# -- ModalInputDialog ----------------------------------------------------------------------


def test_format_left() -> None:
    assert [format_left(s) for s in (0, -5, 59.9, 61, 1421, 3600, 3725)] == [
        "0:00",
        "0:00",
        "0:59",
        "1:01",
        "23:41",
        "1:00:00",
        "1:02:05",
    ]


async def test_modal_vary_region_with_mask_and_countdown() -> None:
    now = [1000.0]
    task = Task(id="task_m", status=Status.MODAL, prompt="a cat --ar 16:9")
    submit = Recorder(SubmitOutcome(task_id="task_m"))
    app = Harness(
        lambda: ModalInputDialog(task, "vary_region", 2421.0, submit, clock=lambda: now[0])
    )
    async with app.run_test(size=SIZE) as pilot:
        assert "Vary (Region)" in seen(app) and "needs input · 23:41 left" in seen(app)
        assert app.screen.query_one("#prompt", Input).value == "a cat --ar 16:9"
        now[0] += 61
        await pilot.pause(1.2)  # the countdown ticks every second
        assert "needs input · 22:40 left" in seen(app)
        await type_into(pilot, "#mask", "ftp://example.com/m.png")
        await pilot.press("enter")
        await wait(pilot)
        assert submit.calls == [] and "an http(s) URL" in seen(app)
        await type_into(pilot, "#mask", "https://cdn.example.com/mask.png")
        await pilot.press("enter")
        await wait(pilot)
        assert submit.calls == [("a cat --ar 16:9", "https://cdn.example.com/mask.png")]
        assert app.results == ["task_m"]


async def test_modal_custom_zoom_appends_zoom_factor() -> None:
    task = Task(id="task_z", status=Status.MODAL, prompt="a cat --zoom 2 --ar 1:1")
    submit = Recorder(SubmitOutcome(error="upstream busy"), SubmitOutcome())
    app = Harness(lambda: ModalInputDialog(task, "custom_zoom", None, submit))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert screen.query_one("#prompt", Input).value == "a cat --ar 1:1"
        assert screen.query_one("#zoom", Input).value == "2"
        assert "needs input" in seen(app) and "left" not in seen(app)
        await type_into(pilot, "#zoom", "2.5")
        await pilot.press("enter")
        await wait(pilot)
        assert submit.calls == [] and "must be 1.0-2.0" in seen(app)
        await type_into(pilot, "#zoom", "1.50")
        await pilot.press("enter")
        await wait(pilot)
        assert submit.calls == [("a cat --ar 1:1 --zoom 1.5", None)]
        assert "upstream busy" in seen(app) and app.results == []
        assert screen.query_one("#zoom", Input).value == "1.50"
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.results == ["task_z"]  # no new ID from the API: the MODAL task's own


async def test_modal_shows_hostile_prompt_literally() -> None:
    task = Task(id="task_h", status=Status.MODAL, prompt=HOSTILE)
    app = Harness(lambda: ModalInputDialog(task, "other", None, Recorder()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("home")
        assert_inert(app, SHOWN[:3])  # the one-line input shows the start of the prompt
        value = app.screen.query_one("#prompt", Input).value
        assert "\\x07" in value and "\\u202e" in value and "\x1b" not in value
    task = Task(id="task_h", status=Status.MODAL, prompt=LONG)
    app = Harness(lambda: ModalInputDialog(task, "other", None, Recorder()))
    async with app.run_test(size=SIZE):
        assert app.screen.query_one("#prompt", Input).value == LONG


# -- ActionsMenu / assign_hotkeys ----------------------------------------------------------


BUTTON_SETS = {
    "grid": grid_buttons("h"),
    **{f"single-v{v}": single_buttons("h", v) for v in ("5.2", "6", "6.1", "7", "8", "niji 6")},
    "single-v7-hd": single_buttons("h", "7", hd=True),
    "describe": describe_buttons("h"),
    "everything": grid_buttons("h")
    + single_buttons("h", "5.2")
    + single_buttons("h", "7")
    + describe_buttons("h"),
}


@pytest.mark.parametrize("name", list(BUTTON_SETS))
def test_assign_hotkeys_unique_and_deterministic(name: str) -> None:
    specs = describe_all(buttons(BUTTON_SETS[name]))
    keys = assign_hotkeys(specs)
    assert len(set(keys.values())) == len(keys)
    assert keys == assign_hotkeys(specs)
    if name != "everything":
        assert set(keys) == {s.custom_id for s in specs}  # every button gets a key


def test_assign_hotkeys_scheme() -> None:
    specs = describe_all(buttons(grid_buttons("h") + single_buttons("h", "7")))
    by_name = {spec.name: assign_hotkeys(specs)[spec.custom_id] for spec in specs}
    assert [by_name[f"U{i}"] for i in range(1, 5)] == ["1", "2", "3", "4"]
    assert [by_name[f"V{i}"] for i in range(1, 5)] == ["5", "6", "7", "8"]
    assert by_name["reroll"] == "r"
    assert (by_name["vary-subtle"], by_name["vary-strong"], by_name["vary-region"]) == (
        "s",
        "S",
        "g",
    )
    assert [by_name[f"pan-{d}"] for d in ("left", "down", "up", "right")] == ["h", "j", "k", "l"]
    assert (by_name["zoom-1.5x"], by_name["zoom-2x"], by_name["custom-zoom"]) == ("z", "Z", "c")


async def test_actions_menu_rows_used_and_hotkeys() -> None:
    specs = describe_all(GRID_TASK.buttons)
    used = {specs[0].custom_id}
    app = Harness(lambda: ActionsMenu(GRID_TASK, specs, used, assign_hotkeys(specs)))
    async with app.run_test(size=SIZE) as pilot:
        text = seen(app)
        assert "1  Upscale 1  (U1)  ✓ used" in text
        assert "5  Variation 1  (V1)" in text and "r  Reroll  (🔄)" in text
        assert "✓ used" not in text.split("Upscale 2")[1].split("\n")[0]
        assert app.screen.query_one(OptionList).option_count == len(specs)
        await pilot.press("7")
        assert app.results == [specs[7]] and specs[7].name == "V3"


async def test_actions_menu_enter_shifted_hotkey_and_escape() -> None:
    specs = describe_all(SINGLE_TASK.buttons)
    app = Harness(lambda: ActionsMenu(SINGLE_TASK, specs, set()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "enter")
        assert app.results == [specs[1]]
    app = Harness(lambda: ActionsMenu(SINGLE_TASK, specs, set()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        assert app.results[0].kind is ButtonKind.VARY_STRONG
    app = Harness(lambda: ActionsMenu(SINGLE_TASK, specs, set()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        assert app.results == [None]


async def test_actions_menu_shows_hostile_text_literally() -> None:
    task = Task(
        id="task_x",
        prompt=HOSTILE + " " + LONG,
        buttons=(ApiButton("MJ::JOB::weird::1::h", HOSTILE), *GRID_TASK.buttons[:2]),
    )
    specs = describe_all(task.buttons)
    app = Harness(lambda: ActionsMenu(task, specs, {specs[0].custom_id}))
    async with app.run_test(size=SIZE) as pilot:
        assert_inert(app)
        await pilot.press("enter")
        assert app.results == [specs[0]]


# -- HelpScreen / DiagnosticsScreen ---------------------------------------------------------


class KeysApp(Harness):
    BINDING_GROUP_TITLE = "Everywhere"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+r", "refresh", "Refresh now")]


def test_help_rows_come_from_the_key_registry() -> None:
    rows = key_rows()
    assert rows[:2] == [("App", "ctrl+q", "Quit mjtui"), ("App", "ctrl+p", "Command palette")]
    assert ("Dashboard", "?, F1", "Show every key") in rows
    assert ("Dashboard", "1, 2, 3, 4", "Tile 1-4 (after u or v)") in rows


async def test_help_screen_lists_given_rows() -> None:
    app = KeysApp(lambda: Screen())
    async with app.run_test(size=SIZE) as pilot:
        rows = key_rows(app)
        assert ("App", "^p", "Command palette") in rows  # as the app shows keys
        rows = [*rows[:3], ("Tasks", "a", "Add tasks")]  # short enough to be seen whole
        for key in ("escape", "q", "question_mark"):
            app.push_screen(HelpScreen(rows), app.results.append)
            await pilot.pause()
            text = seen(app)
            assert "Dashboard" in text and "Tasks" in text and "Add tasks" in text
            assert "?, F1" in text and "Refresh now" not in text
            await pilot.press(key)
            assert not isinstance(app.screen, HelpScreen)


async def test_diagnostics_copy_and_close() -> None:
    facts = [
        ("versions", "textual", "8.2.8"),
        ("paths", "config", "/home/u/.config/mjtui"),
        ("API", "base URL", HOSTILE),
    ]
    app = Harness(lambda: DiagnosticsScreen(facts))
    async with app.run_test(size=SIZE) as pilot:
        assert_inert(app)
        assert "versions" in seen(app) and "/home/u/.config/mjtui" in seen(app)
        await pilot.press("c")
        assert app.clipboard == report_text(facts)
        assert "[versions]\ntextual: 8.2.8\n" in app.clipboard and "\x1b" not in app.clipboard
        assert "Copied the diagnostics report" in list(app._notifications)[-1].message
        await pilot.press("escape")
        assert app.results == [None]


# -- LineageScreen --------------------------------------------------------------------------


NODES = [
    LineageNode("task_01KROOT0001", None, "a fox in snow", Status.SUCCESS),
    LineageNode("task_01KCHILD001", "task_01KROOT0001", "Upscale 2", Status.SUCCESS),
    LineageNode("task_01KGRAND001", "task_01KCHILD001", "Vary (Region)", Status.MODAL),
    LineageNode("task_01KCHILD002", "task_01KROOT0001", "Variation 1", Status.IN_PROGRESS),
    LineageNode("task_01KORPHAN01", "task_gone", "orphan of an untracked task", Status.FAILURE),
]


def test_build_forest_handles_orphans_and_cycles() -> None:
    roots, children = build_forest(NODES)
    assert roots == ["task_01KROOT0001", "task_01KORPHAN01"]
    assert children["task_01KROOT0001"] == ["task_01KCHILD001", "task_01KCHILD002"]
    cycle = [
        LineageNode("a", "b", "A", Status.SUCCESS),
        LineageNode("b", "a", "B", Status.SUCCESS),
        LineageNode("c", "c", "C", Status.SUCCESS),
    ]
    roots, children = build_forest(cycle)
    assert sorted(roots) == ["a", "c"] and children == {"a": ["b"], "b": []}


async def test_lineage_structure_and_select() -> None:
    app = Harness(lambda: LineageScreen(NODES, selected="task_01KCHILD001"))
    async with app.run_test(size=SIZE) as pilot:
        tree = app.screen.query_one(Tree)
        root, orphan = tree.root.children
        assert [c.data for c in root.children] == ["task_01KCHILD001", "task_01KCHILD002"]
        assert root.children[0].children[0].data == "task_01KGRAND001"
        assert orphan.data == "task_01KORPHAN01" and all(
            n.is_expanded for n in (root, root.children[0])
        )
        text = seen(app)
        assert "DONE" in text and "NEEDS INPUT" in text and "a fox in snow" in text
        await pilot.press("down", "enter")
        assert app.results == ["task_01KGRAND001"]


async def test_lineage_escape_and_hostile_titles() -> None:
    markup, escapes = HOSTILE.split(" \x1b[31m")
    nodes = [
        LineageNode("t1", None, markup, Status.SUCCESS),
        LineageNode("t2", "t1", "\x1b[31m" + escapes, Status.FAILURE),
        LineageNode("t3", "t1", LONG, Status.FAILURE),
    ]
    app = Harness(lambda: LineageScreen(nodes, None))
    async with app.run_test(size=SIZE) as pilot:
        assert_inert(app)
        await pilot.press("escape")
        assert app.results == [None]


# -- snapshots ------------------------------------------------------------------------------


async def no_blink(pilot: Any) -> None:
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


def test_snapshot_add_tasks(snap_compare: Any) -> None:
    async def paste(pilot: Any) -> None:
        pilot.app.post_message(
            events.Paste(f"{A} {B}, {A}\nbad/id task_01KOLD task_01KOLD0000000000000")
        )
        await no_blink(pilot)

    app = Harness(lambda: AddTasksDialog(already_tracked={"task_01KOLD0000000000000"}))
    assert snap_compare(app, terminal_size=SIZE, run_before=paste)


def test_snapshot_actions_menu(snap_compare: Any) -> None:
    specs = describe_all(SINGLE_TASK.buttons)
    app = Harness(lambda: ActionsMenu(SINGLE_TASK, specs, {specs[2].custom_id}))
    assert snap_compare(app, terminal_size=SIZE, run_before=no_blink)


def test_snapshot_modal_input(snap_compare: Any) -> None:
    task = Task(id="task_01KMODAL0000", status=Status.MODAL, prompt="a lighthouse --ar 3:2")
    app = Harness(
        lambda: ModalInputDialog(task, "vary_region", 2421.0, Recorder(), clock=lambda: 1000.0)
    )
    assert snap_compare(app, terminal_size=SIZE, run_before=no_blink)


def test_snapshot_lineage(snap_compare: Any) -> None:
    app = Harness(lambda: LineageScreen(NODES, selected="task_01KGRAND001"))
    assert snap_compare(app, terminal_size=SIZE, run_before=no_blink)
