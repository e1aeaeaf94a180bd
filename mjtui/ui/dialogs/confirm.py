"""Ask yes or no before something that cannot be taken back (or is billed)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from mjtui.ui.dialogs.base import Dialog, help_line, literal, title_bar


class ConfirmDialog(Dialog[bool]):
    """Ask yes or no. `y`/`enter` confirm, `n`/`escape` cancel; the body is shown literally."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # enter on a focused button presses that button; elsewhere it confirms.
        Binding("y,enter", "answer(True)", "Confirm", show=False),
        Binding("n,escape", "answer(False)", "Cancel", show=False),
    ]

    def __init__(
        self, title: str, body: str, confirm_label: str = "Confirm", danger: bool = False
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm-dialog" + (" -danger" if self.danger else "")):
            yield title_bar(self.title_text)
            with VerticalScroll(classes="dialog-body-scroll"):
                yield Static(
                    literal(self.body, keep_newlines=True), id="body", classes="dialog-body"
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    Content(self.confirm_label),
                    variant="error" if self.danger else "primary",
                    id="confirm",
                    compact=True,
                )
                yield Button("Cancel", id="cancel", compact=True)
            yield help_line("y/enter confirm · n/esc cancel · tab switch button")

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")
