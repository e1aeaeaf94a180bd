"""The imagine form: a prompt plus Midjourney's common parameters, submitted once.

`SubmitOutcome` and `SubmittingDialog` are shared with the MODAL input dialog: the caller's
coroutine does the HTTP call and answers with an outcome; the dialog only shows it. A press
while a submission is in flight is ignored, so a double enter bills once; on error the
dialog stays open with every field as typed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from mjtui.api.client import ImagineRequest
from mjtui.text import printable
from mjtui.ui.dialogs.base import Dialog, help_line, title_bar
from mjtui.ui.dialogs.imagine_form import (
    Form,
    compose_fields,
    field,
    final_line,
    read_fields,
    show_errors,
    show_final,
    version_text,
)
from mjtui.ui.key_hold import typed_ahead

__all__ = ["ImagineDialog", "PromptArea", "SubmitOutcome", "SubmittingDialog", "field",
           "prompt_text", "version_text"]

TYPED_AHEAD = "enter was typed before the form was on screen: check it, then press enter"


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What a submission came to: the new task's ID, or an error message to show."""

    task_id: str | None = None
    error: str | None = None


class SubmittingDialog(Dialog[str | None]):
    """Base for forms that submit once through a caller's coroutine and close on success."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("ctrl+s", "submit", "Submit", show=False, priority=True),
    ]

    submitting: bool = False

    def build_submission(self) -> Callable[[], Awaitable[SubmitOutcome]] | None:
        """Validate the form; return the call to make, or None (after showing why)."""
        raise NotImplementedError

    def on_key(self, event: Key) -> None:
        # An enter typed ahead (in the same read as the key that opened the form, see
        # KeyHold) would start a billed job from text nobody saw: it only explains.
        if event.key == "enter" and typed_ahead(self.app, event):
            event.stop()
            event.prevent_default()
            self.show_status(TYPED_AHEAD)

    def success_result(self, outcome: SubmitOutcome) -> str | None:
        """What the dialog dismisses with after a successful submission."""
        return outcome.task_id

    def action_submit(self) -> None:
        if self.submitting:
            return  # one submission at a time: a second enter must not bill twice
        call = self.build_submission()
        if call is None:
            return
        self._set_busy(True)
        self.run_worker(self._run(call), group="submit", exit_on_error=False)

    async def _run(self, call: Callable[[], Awaitable[SubmitOutcome]]) -> None:
        try:
            outcome = await call()
        except Exception as exc:  # noqa: BLE001 - the caller should answer with an outcome;
            # a raise must still leave the dialog usable, not kill the app.
            outcome = SubmitOutcome(error=str(exc) or type(exc).__name__)
        result = self.success_result(outcome) if not outcome.error else None
        if outcome.error or result is None:
            self._set_busy(False)
            self.show_status(outcome.error or "the API sent no task ID", error=True)
            return
        self.dismiss(result)

    def _set_busy(self, busy: bool) -> None:
        self.submitting = busy
        self.query_one("#submit", Button).disabled = busy
        self.query_one("#cancel", Button).disabled = busy
        if busy:
            self.show_status("submitting…")

    def show_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(Content(printable(text, limit=500)))
        status.set_class(error, "-error")
        status.set_class(bool(text), "-shown")

    def action_cancel(self) -> None:
        if self.submitting:
            # Closing now would cancel a billed request mid-flight and lose its task ID.
            self.show_status("submitting… wait for the answer")
            return
        self.dismiss(None)

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def set_error(self, field: str, message: str) -> None:
        """Show (or with "" clear) the inline message under one field."""
        error = self.query_one(f"#{field}-error", Static)
        error.update(Content(message))
        error.set_class(bool(message), "-shown")

    def compose_buttons(self, submit_label: str) -> ComposeResult:
        # Hidden (tcss `.-hideable`) until there is "submitting…" or an error to show.
        yield Static(id="status", classes="dialog-status -hideable")
        with Horizontal(classes="dialog-buttons"):
            yield Button(submit_label, variant="primary", id="submit", compact=True)
            yield Button("Cancel", id="cancel", compact=True)


class PromptArea(TextArea):
    """A soft-wrapping prompt editor where enter submits the form (prompts are one line)."""

    class Submitted(Message):
        """Enter was pressed in the prompt."""

    async def _on_key(self, event: Key) -> None:
        if event.key == "enter":
            event.prevent_default()  # no new line in a one-line prompt either way
            if typed_ahead(self.app, event):
                return  # bubbles on: the dialog's on_key explains instead of submitting
            event.stop()
            self.post_message(self.Submitted())
            return
        await super()._on_key(event)


def prompt_text(text: str) -> str:
    """The prompt as sent: pasted line breaks become spaces."""
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


class ImagineDialog(SubmittingDialog):
    """Start a new imagine job. Dismisses with the new task ID, or None when cancelled.

    `initial` prefills the form (e.g. "edit and resubmit"); its fields the form has no
    widget for are sent unchanged.
    """

    def __init__(
        self,
        submit: Callable[[ImagineRequest], Awaitable[SubmitOutcome]],
        initial: ImagineRequest | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.submit = submit
        self.initial = initial or ImagineRequest(prompt="")

    TITLE = "Imagine"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog imagine-dialog"):
            yield title_bar(self.TITLE)
            yield from self.compose_form()
            yield final_line()
            yield from self.compose_buttons("Imagine")
            yield help_line("enter / ctrl+s submit · tab next field · → completes a path · esc cancel")

    def compose_form(self) -> ComposeResult:
        """The prompt and every field, in a scrolling form."""
        with Form(classes="dialog-form", id="imagine-form"):
            yield from self.compose_prompt()
            yield from compose_fields(self.initial)

    def compose_prompt(self) -> ComposeResult:
        yield Static("Prompt", classes="field-label")
        yield PromptArea(
            printable(self.initial.prompt),
            id="prompt",
            soft_wrap=True,
            compact=True,
            highlight_cursor_line=False,
            placeholder="a lighthouse at dusk, oil painting",
        )
        yield Static(id="prompt-error", classes="field-error -hideable")

    def on_mount(self) -> None:
        self.query_one("#prompt", PromptArea).focus()
        self.update_final()

    @on(PromptArea.Submitted)
    def _prompt_submitted(self, event: PromptArea.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _form_changed(self) -> None:
        self.update_final()

    def prompt_value(self) -> str:
        return prompt_text(self.query_one("#prompt", PromptArea).text)

    def update_final(self) -> None:
        """The "Sent as" line follows every key typed."""
        request, _ = read_fields(self, self.initial, self.prompt_value(), strict=False)
        show_final(self, request)

    def read_request(self) -> ImagineRequest | None:
        """The form as a request, or None after marking every invalid field."""
        prompt = self.prompt_value()
        request, errors = read_fields(self, self.initial, prompt)
        if not prompt:
            errors["prompt"] = "a prompt is required"
        self.set_error("prompt", errors.get("prompt", ""))
        show_errors(self, errors)
        if errors:
            self.show_status("fix the marked fields", error=True)
            return None
        return request

    def build_submission(self) -> Callable[[], Awaitable[SubmitOutcome]] | None:
        request = self.read_request()
        if request is None:
            return None
        return lambda: self.submit(request)
