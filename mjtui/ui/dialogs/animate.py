"""Animate: before a video of a finished image starts, how much motion and how many clips.

Each clip is billed, so the batch size is asked, never assumed; the answer goes back to the
dashboard, which presses the task's Animate button through the jobs service.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, RadioButton, RadioSet

from mjtui.api.requests import BATCH_SIZES, MOTIONS
from mjtui.ui.dialogs.base import Dialog, help_line, title_bar
from mjtui.ui.dialogs.imagine_form import field


class ChoiceSet(RadioSet):
    """A RadioSet whose arrows choose: the button they move to is pressed, so what is
    highlighted is what is sent (a plain RadioSet only moves its highlight, and presses on
    space or enter, which still work)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "choose(1)", "Next option", show=False),
        Binding("up,left", "choose(-1)", "Previous option", show=False),
    ]

    def on_mount(self) -> None:
        # After RadioSet's own mount, which highlights the first button, not the pressed one.
        self.call_later(self._highlight_pressed)

    def _highlight_pressed(self) -> None:
        if self.pressed_index >= 0:
            self._selected = self.pressed_index

    def action_choose(self, step: int) -> None:
        self._highlight_pressed()  # move from what is chosen
        if step > 0:
            self.action_next_button()
        else:
            self.action_previous_button()
        if self._selected is not None:
            button = self._nodes[self._selected]
            if isinstance(button, RadioButton):
                button.value = True


class AnimateDialog(Dialog[tuple[str, int] | None]):
    """Pick motion (low/high) and clips (1, 2, 4). Dismisses with (motion, batch size)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("ctrl+s", "start", "Start", show=False, priority=True),
    ]

    def __init__(self, motion: str = "low") -> None:
        super().__init__(classes="dialog-screen")
        self.motion = motion if motion in MOTIONS else "low"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog animate-dialog"):
            yield title_bar("Animate")
            with Horizontal(classes="field-row"):
                yield field("Motion", ChoiceSet(
                    *(RadioButton(m, value=m == self.motion, id=f"motion-{m}")
                      for m in MOTIONS), id="motion", compact=True), "motion")
                yield field("Clips (each billed)", ChoiceSet(
                    *(RadioButton(str(n), value=n == 1, id=f"batch-{n}") for n in BATCH_SIZES),
                    id="batch", compact=True), "batch")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Animate", variant="primary", id="submit", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
            yield help_line("↑↓ choose · tab next · ctrl+s / Animate start · esc cancel")

    def on_mount(self) -> None:
        self.query_one("#motion", RadioSet).focus()

    def _picked(self, name: str) -> str:
        pressed = self.query_one(f"#{name}", RadioSet).pressed_button
        return str(pressed.label) if pressed is not None else ""

    def action_start(self) -> None:
        self.dismiss((self._picked("motion") or self.motion, int(self._picked("batch") or 1)))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_start()
        else:
            self.action_cancel()
