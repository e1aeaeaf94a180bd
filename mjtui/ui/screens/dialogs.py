"""Small modal dialogs: confirm, label a task, add task IDs.

Every dialog is a `Dialog[T]` (a ModalScreen that closes once) dismissed with a typed result
(None or False on escape), drawn as a centred bordered panel with a title and a muted line of
keys. Text that may come from the API is shown through `literal()`: never parsed as markup,
escapes made visible.
"""

from __future__ import annotations

import re
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, ScreenResultType
from textual.widgets import Button, Input, Static, TextArea

from mjtui.api.addresses import TASK_ID_RULE, split_task_ids
from mjtui.text import printable


class Dialog(ModalScreen[ScreenResultType]):
    """A modal screen that closes once.

    Textual's `dismiss` pops whatever screen is on top. Two messages from one burst of keys
    (enter enter: two Input.Submitted, two Button.Pressed) both reach the dialog before it is
    gone, so the second dismiss popped the screen beneath: the dashboard (a blank screen,
    then ScreenStackError) or a dialog opened in the meantime."""

    def dismiss(self, result: ScreenResultType | None = None) -> AwaitComplete:
        if self not in self.app.screen_stack:
            return AwaitComplete.nothing()  # closed already: the top is not ours to pop
        return super().dismiss(result)


def literal(text: str, *, keep_newlines: bool = False, limit: int | None = None) -> Content:
    """Untrusted text as Content: markup characters stay visible, escapes are shown, not obeyed."""
    return Content(printable(text, keep_newlines=keep_newlines, limit=limit))


def single_line(text: str) -> str:
    """Text for a one-line Input: line breaks and tabs become spaces, escapes made visible."""
    return printable(re.sub(r"[\r\n\t]+", " ", text))


def title_bar(title: str | Content) -> Static:
    """The panel's title line."""
    return Static(title if isinstance(title, Content) else literal(title), classes="dialog-title")


def help_line(text: str) -> Static:
    """The muted line of keys at the bottom of every dialog (our own text, never API text)."""
    return Static(Content(text), classes="dialog-help")


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
