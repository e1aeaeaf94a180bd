"""Track task IDs: any text pasted or typed, every task ID in it taken, the rest listed."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from mjtui.api.addresses import TASK_ID_RULE, split_task_ids
from mjtui.ui.dialogs.base import Dialog, help_line, literal, title_bar


class AddTasksDialog(Dialog[list[str] | None]):
    """Paste or type text holding task IDs (a list, a log line, JSON, URLs) to track them.

    Every task ID in the text is taken (`split_task_ids`, the one rule); the summary under
    the text updates as you type and lists every piece that was ignored, so nothing is
    dropped unseen. Duplicates and already tracked IDs are only noted. The result is the
    new IDs in order.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Add", show=False, priority=True),
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    def __init__(self, already_tracked: set[str] | None = None, text: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.already_tracked = set(already_tracked or ())
        self.initial_text = text  # e.g. the IDs found in a paste on the dashboard

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog add-tasks-dialog"):
            yield title_bar("Add tasks")
            yield Static(
                "Paste text holding task IDs: every task_… in it is taken.",
                classes="dialog-hint"
            )
            yield TextArea(
                self.initial_text,
                id="ids",
                soft_wrap=True,
                compact=True,
                highlight_cursor_line=False,
                placeholder="task_01K…  task_01K…",
            )
            yield Static(id="summary", classes="dialog-summary")
            with VerticalScroll(id="problems", classes="dialog-problems -hideable"):
                yield Static(id="problem-list")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
            yield help_line("ctrl+s add · enter new line · tab to buttons · esc cancel")

    def on_mount(self) -> None:
        ids = self.query_one("#ids", TextArea)
        ids.move_cursor(ids.document.end)  # more IDs typed or pasted go after a prefill
        ids.focus()
        self._refresh_summary()

    def _split(self) -> tuple[list[str], list[str], list[str], list[str]]:
        """(new IDs, already tracked IDs, ignored pieces, duplicates) of the current text."""
        found, ignored, duplicates = split_task_ids(self.query_one("#ids", TextArea).text)
        new = [i for i in found if i not in self.already_tracked]
        tracked = [i for i in found if i in self.already_tracked]
        return new, tracked, ignored, duplicates

    @on(TextArea.Changed, "#ids")
    def _refresh_summary(self) -> None:
        new, tracked, ignored, duplicates = self._split()
        parts: list[str | tuple[str, str]] = [(f"{len(new)} new", "bold")]
        if ignored:
            parts.append((f" · {len(ignored)} ignored", "$text-warning"))
        if duplicates:
            parts.append(f" · {len(duplicates)} duplicate(s) dropped")
        if tracked:
            parts.append(f" · {len(tracked)} already tracked")
        self.query_one("#summary", Static).update(Content.assemble(*parts))
        lines: list[Content] = []
        if ignored:
            lines.append(Content.assemble(
                ("ignored (no task ID): ", "$text-warning"), literal(" ".join(ignored), limit=300)))
            if any(piece.startswith("task_") for piece in ignored):
                lines.append(Content.styled(TASK_ID_RULE, "dim"))
        if duplicates:
            lines.append(
                Content.assemble(
                    ("duplicates dropped: ", "dim"), literal(" ".join(duplicates), limit=300)
                )
            )
        if tracked:
            lines.append(
                Content.assemble(
                    ("already tracked: ", "dim"), literal(" ".join(tracked), limit=300)
                )
            )
        self.query_one("#problem-list", Static).update(Content("\n").join(lines))
        self.query_one("#problems").set_class(bool(lines), "-shown")

    def action_submit(self) -> None:
        new, _tracked, _ignored, _dups = self._split()
        if not new:
            self.query_one("#summary", Static).update(
                Content.styled("nothing new to add: no new task ID in the text", "$text-warning"))
        else:
            self.dismiss(new)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "add":
            self.action_submit()
        else:
            self.dismiss(None)
