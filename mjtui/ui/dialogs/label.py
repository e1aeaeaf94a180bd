"""Name a task: its label, shown in the table instead of the prompt."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input

from mjtui.ui.dialogs.base import Dialog, help_line, literal, single_line, title_bar


class LabelDialog(Dialog[str | None]):
    """Edit a task's label. Returns the new label ("" clears it) or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, task_id: str, current_label: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.task_id = task_id
        self.current_label = current_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog label-dialog"):
            yield title_bar(Content.assemble("Label · ", literal(self.task_id, limit=60)))
            yield Input(
                single_line(self.current_label),
                placeholder="a short name for this task",
                id="label",
                compact=True,
            )
            yield help_line("enter save · empty clears the label · esc cancel")

    def on_mount(self) -> None:
        self.query_one("#label", Input).focus()

    @on(Input.Submitted, "#label")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
