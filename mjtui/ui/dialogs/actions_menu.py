"""Every follow-up button a task offers, in one menu, each with a one-key hotkey.

Hotkey scheme (`assign_hotkeys`), unique within a menu and the same for the same buttons:

    U1-U4  1 2 3 4          V1-V4  5 6 7 8         Reroll (a describe: Describe again)  r
    lower case = milder, upper case = stronger:
    Vary (Subtle) s / (Strong) S     Upscale (Subtle|2x) u / (Creative|4x) U
    Zoom Out 1.5x z / 2x Z           Animate (Low motion) a / (High motion) A
    Pan h j k l (left down up right, as in vi)
    Vary (Region) g   Custom Zoom c   Make Square m   Make Variations v   Bookmark b

A button whose key is taken (a duplicate) or that has none (unknown buttons) gets the next
free key of `FALLBACK_KEYS`; past those it has no hotkey, only enter.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mjtui.api.models import Task
from mjtui.buttons import ButtonKind, ButtonSpec
from mjtui.text import printable
from mjtui.ui.dialogs.base import help_line, literal, title_bar
from mjtui.vocabulary import prompt_line

PREFERRED_KEYS: dict[ButtonKind, str] = {
    ButtonKind.REROLL: "r",
    ButtonKind.DESCRIBE_AGAIN: "r",
    ButtonKind.VARY_SUBTLE: "s",
    ButtonKind.VARY_STRONG: "S",
    ButtonKind.VARY_REGION: "g",
    ButtonKind.MAKE_VARIATIONS: "v",
    ButtonKind.UPSCALE_SUBTLE: "u",
    ButtonKind.UPSCALE_2X: "u",
    ButtonKind.UPSCALE_CREATIVE: "U",
    ButtonKind.UPSCALE_4X: "U",
    ButtonKind.ZOOM_OUT_1_5X: "z",
    ButtonKind.ZOOM_OUT_2X: "Z",
    ButtonKind.CUSTOM_ZOOM: "c",
    ButtonKind.MAKE_SQUARE: "m",
    ButtonKind.PAN_LEFT: "h",
    ButtonKind.PAN_DOWN: "j",
    ButtonKind.PAN_UP: "k",
    ButtonKind.PAN_RIGHT: "l",
    ButtonKind.ANIMATE_LOW: "a",
    ButtonKind.ANIMATE_HIGH: "A",
    ButtonKind.BOOKMARK: "b",
}
FALLBACK_KEYS = ["9", "0", "d", "f", "i", "n", "o", "p", "t", "w", "x", "y", "e"]


def preferred_key(spec: ButtonSpec) -> str | None:
    """The key a button asks for under the scheme above, if any."""
    if spec.kind is ButtonKind.UPSCALE and spec.index and 1 <= spec.index <= 4:
        return str(spec.index)
    if spec.kind is ButtonKind.VARIATION and spec.index and 1 <= spec.index <= 4:
        return str(spec.index + 4)
    return PREFERRED_KEYS.get(spec.kind)


def assign_hotkeys(specs: list[ButtonSpec]) -> dict[str, str]:
    """custom_id -> key for a menu of `specs`: unique keys, deterministic for a given list."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    # First pass: everyone gets their own key unless an earlier twin took it.
    for spec in specs:
        key = preferred_key(spec)
        if key and key not in taken and spec.custom_id not in keys:
            keys[spec.custom_id] = key
            taken.add(key)
    spare = [k for k in FALLBACK_KEYS if k not in taken]
    for spec in specs:
        if spec.custom_id not in keys and spare:
            keys[spec.custom_id] = spare.pop(0)
    return keys


def menu_row(spec: ButtonSpec, key: str, used: bool) -> Content:
    """`<key>  <title>  (<label>)` plus `✓ used`, or dimmed with `not sent` for a button
    mjtui has no endpoint for (chosen, the dashboard says why); API text is shown literally."""
    title = printable(spec.title, limit=80)
    label = printable(spec.label, limit=40)
    parts: list[str | Content | tuple[str, str]] = [(f"{key or '·':<3}", "bold $accent"), title]
    if label and label != title:
        parts.append(("  (", "dim"))
        parts.append(Content(label))
        parts.append((")", "dim"))
    row = Content.assemble(*parts)
    if spec.refusal:
        return Content.assemble(row.stylize("dim"), ("  not sent: no endpoint", "dim"))
    if used:
        row = Content.assemble(row.stylize("dim"), ("  ✓ used", "dim $text-success"))
    return row


class ActionsMenu(ModalScreen[ButtonSpec | None]):
    """Pick one of a task's buttons: its hotkey, or enter on a row. Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Close", show=False)]

    def __init__(
        self,
        task: Task,
        specs: list[ButtonSpec],
        used: set[str] | None = None,
        hotkeys: dict[str, str] | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.task_data = task
        self.specs = list(specs)
        self.used = set(used or ())
        self.hotkeys = assign_hotkeys(self.specs) if hotkeys is None else dict(hotkeys)
        self._by_key = {key: cid for cid, key in self.hotkeys.items()}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog actions-menu"):
            yield title_bar(Content.assemble("Actions · ", literal(self.task_data.id, limit=60)))
            yield Static(
                literal(prompt_line(self.task_data) or "(no prompt)", limit=300),
                classes="dialog-subtitle",
            )
            rows = [
                Option(menu_row(s, self.hotkeys.get(s.custom_id, ""), s.custom_id in self.used))
                for s in self.specs
            ]
            if not rows:
                rows = [Option(Content("this task offers no buttons"), disabled=True)]
            yield OptionList(*rows, id="actions")
            yield help_line("key or ↑↓ enter run · esc close")

    def on_mount(self) -> None:
        self.query_one("#actions", OptionList).focus()

    def on_key(self, event: Key) -> None:
        """A row's hotkey runs it. Matched on the character so shifted letters work everywhere."""
        custom_id = self._by_key.get(event.character or "") or self._by_key.get(event.key)
        if custom_id is None:
            return
        for spec in self.specs:
            if spec.custom_id == custom_id:
                event.stop()
                event.prevent_default()
                self.dismiss(spec)
                return

    @on(OptionList.OptionSelected, "#actions")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.specs):
            self.dismiss(self.specs[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
