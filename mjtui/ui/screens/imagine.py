"""The imagine form: a prompt plus Midjourney's common parameters, submitted once.

`SubmitOutcome` and `SubmittingDialog` are shared with the MODAL input dialog: the caller's
coroutine does the HTTP call and answers with an outcome; the dialog only shows it. A press
while a submission is in flight is ignored, so a double enter bills once; on error the
dialog stays open with every field as typed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Key
from textual.message import Message
from textual.widgets import Button, Input, Select, Static, TextArea
from textual.widgets.select import NoSelection

from mjtui.api.client import ImagineRequest
from mjtui.imagine_fields import (
    INT_RANGES,
    QUALITIES,
    SPEEDS,
    check_int,
    check_ratio,
    check_version,
)
from mjtui.text import printable
from mjtui.ui.key_hold import typed_ahead
from mjtui.ui.screens.dialogs import Dialog, help_line, title_bar

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


def field(label: str, widget: Input | Select[str], name: str) -> Vertical:
    """One labelled form field with its (initially hidden) inline error line."""
    error = Static(id=f"{name}-error", classes="field-error -hideable")
    return Vertical(Static(label, classes="field-label"), widget, error, classes="field")


def prompt_text(text: str) -> str:
    """The prompt as sent: pasted line breaks become spaces."""
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def version_text(request: ImagineRequest) -> str | None:
    """The version as the form shows it: `niji 6` for version 6 with niji."""
    if request.niji:
        return f"niji {request.version or ''}".strip()
    return request.version


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

    def compose(self) -> ComposeResult:
        init = self.initial
        with Vertical(classes="dialog imagine-dialog"):
            yield title_bar("Imagine")
            with VerticalScroll(classes="dialog-form"):
                yield Static("Prompt", classes="field-label")
                yield PromptArea(
                    printable(init.prompt),
                    id="prompt",
                    soft_wrap=True,
                    compact=True,
                    highlight_cursor_line=False,
                    placeholder="a lighthouse at dusk, oil painting",
                )
                yield Static(id="prompt-error", classes="field-error -hideable")
                with Horizontal(classes="field-row"):
                    yield self._input("size", "Aspect ratio", init.size, "1:1")
                    yield self._input("version", "Version", version_text(init), "7")
                    yield self._input("stylize", "Stylize 0-1000", init.stylize, "100")
                    yield self._input("chaos", "Chaos 0-100", init.chaos, "0")
                with Horizontal(classes="field-row"):
                    yield self._select("quality", "Quality", QUALITIES, init.quality)
                    yield self._select("speed", "Speed", SPEEDS, init.speed)
                    yield self._input("seed", "Seed", init.seed, "random")
                    yield self._input("weird", "Weird 0-3000", init.weird, "0")
                negative = init.negative_prompt
                yield self._input("negative", "Negative prompt (--no)", negative, "leave out")
            yield from self.compose_buttons("Imagine")
            yield help_line("enter / ctrl+s submit · tab next field · esc cancel")

    @staticmethod
    def _input(name: str, label: str, value: object, placeholder: str) -> Vertical:
        text = "" if value is None else printable(str(value))
        return field(label, Input(text, placeholder=placeholder, id=name, compact=True), name)

    @staticmethod
    def _select(name: str, label: str, options: tuple[str, ...], value: str | None) -> Vertical:
        initial: str | NoSelection = value if value in options else Select.NULL
        select = Select(
            [(o, o) for o in options], value=initial, prompt="default", id=name, compact=True
        )
        return field(label, select, name)

    def on_mount(self) -> None:
        self.query_one("#prompt", PromptArea).focus()

    @on(PromptArea.Submitted)
    def _prompt_submitted(self, event: PromptArea.Submitted) -> None:
        event.stop()
        self.action_submit()

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def _choice(self, name: str) -> str | None:
        value = self.query_one(f"#{name}", Select).value
        return value if isinstance(value, str) else None

    def read_request(self) -> ImagineRequest | None:
        """The form as a request, or None after marking every invalid field."""
        errors: dict[str, str] = {}
        prompt = prompt_text(self.query_one("#prompt", PromptArea).text)
        if not prompt:
            errors["prompt"] = "a prompt is required"
        size, errors["size"] = check_ratio(self._value("size"))
        version, niji, errors["version"] = check_version(self._value("version"))
        numbers: dict[str, int | None] = {}
        for name, (low, high) in INT_RANGES.items():
            numbers[name], errors[name] = check_int(self._value(name), low, high)
        for name in ("prompt", "size", "version", *INT_RANGES):
            self.set_error(name, errors.get(name, ""))
        if any(errors.values()):
            self.show_status("fix the marked fields", error=True)
            return None
        negative = self._value("negative").strip() or None
        # replace(): fields the form does not show (style, image URLs, ...) survive an edit.
        return replace(
            self.initial,
            prompt=prompt,
            size=size,
            version=version,
            niji=niji,
            stylize=numbers["stylize"],
            chaos=numbers["chaos"],
            quality=self._choice("quality"),
            seed=numbers["seed"],
            weird=numbers["weird"],
            negative_prompt=negative,
            speed=self._choice("speed"),
        )

    def build_submission(self) -> Callable[[], Awaitable[SubmitOutcome]] | None:
        request = self.read_request()
        if request is None:
            return None
        return lambda: self.submit(request)
