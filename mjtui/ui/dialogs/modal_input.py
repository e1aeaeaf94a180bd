"""Answer a task waiting in MODAL: Vary (Region) takes a prompt and a mask, Custom Zoom a
prompt with `--zoom X`. The task must be answered before its deadline, so the dialog counts
down. Submission goes through the caller's coroutine, once (see `SubmittingDialog`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from mjtui.api.addresses import is_fetchable_url
from mjtui.api.models import Task
from mjtui.images.mask import DEFAULT_SIZE, MaskError, data_url, mask_png
from mjtui.images.mask_draft import MaskDraft
from mjtui.images.mask_picture import picture_size
from mjtui.ui.dialogs.base import help_line, literal, single_line, title_bar
from mjtui.ui.dialogs.imagine import SubmitOutcome, SubmittingDialog, field
from mjtui.ui.dialogs.mask_editor import MaskEditor, MaskPicture

__all__ = ["ModalInputDialog", "ModalKind", "SubmitOutcome", "check_mask_url", "format_left"]

ModalKind = Literal["vary_region", "custom_zoom", "other"]
ModalSubmit = Callable[[str | None, str | None], Awaitable[SubmitOutcome]]

_TITLES: dict[str, str] = {
    "vary_region": "Vary (Region)",
    "custom_zoom": "Custom Zoom",
    "other": "Answer task",
}
_ZOOM = re.compile(r"\s*--zoom\s+(\S+)", re.IGNORECASE)
_DATA_PNG = re.compile(r"^data:image/png;base64,[A-Za-z0-9+/]+=*$")


def check_mask_url(url: str) -> str:
    """Why a mask URL is unusable, or "" when it is fine (http(s), or an inline PNG)."""
    if is_fetchable_url(url) or _DATA_PNG.match(url):
        return ""
    return "an http(s) URL, or data:image/png;base64,…"


def format_left(seconds: float) -> str:
    """Remaining time as m:ss (h:mm:ss past an hour)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def split_zoom(prompt: str) -> tuple[str, str | None]:
    """The prompt without its `--zoom X`, and X if it had one."""
    match = _ZOOM.search(prompt)
    if not match:
        return prompt, None
    return (prompt[: match.start()] + prompt[match.end() :]).strip(), match.group(1)


def check_zoom(text: str) -> tuple[str | None, str]:
    """The zoom factor (1.0-2.0) as it goes into `--zoom`, or why not."""
    try:
        value = float(text.strip())
    except ValueError:
        return None, "a number from 1.0 to 2.0"
    if not 1.0 <= value <= 2.0:
        return None, "must be 1.0-2.0"
    return f"{value:g}", ""


class ModalInputDialog(SubmittingDialog):
    """Send the prompt (and mask) a MODAL task waits for. Dismisses with the task ID.

    Vary (Region): `ctrl+r` opens the mask editor over `picture`; the rectangles drawn there
    come back here (kept across visits) and are sent as an inline PNG with the prompt."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "draw_mask", "Draw the mask", show=False),
    ]

    def __init__(
        self,
        task: Task,
        kind: ModalKind,
        deadline: float | None,
        submit: ModalSubmit,
        *,
        clock: Callable[[], float] = time.time,
        picture: MaskPicture | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.task_data = task
        self.kind = kind
        self.deadline = deadline
        self.submit = submit
        self.clock = clock
        self.picture = picture or MaskPicture("", None, "none")
        self.draft = MaskDraft()

    def compose(self) -> ComposeResult:
        prompt, zoom = split_zoom(self.task_data.prompt)
        with Vertical(classes="dialog modal-input-dialog"):
            yield title_bar(
                Content.assemble(_TITLES[self.kind], " · ", literal(self.task_data.id, limit=60))
            )
            yield Static(self._countdown(), id="countdown", classes="dialog-countdown")
            prompt_input = Input(
                single_line(prompt),
                placeholder="prompt",
                id="prompt",
                compact=True,
                select_on_focus=False,  # the prefilled prompt is edited, not replaced
            )
            yield field("Prompt", prompt_input, "prompt")
            if self.kind == "vary_region":
                mask = Input(
                    placeholder="https://… or data:image/png;base64,…", id="mask", compact=True
                )
                yield field("Mask URL (optional)", mask, "mask")
                yield Static(self._drawn_text(), id="mask-drawn", classes="field-label")
            if self.kind == "custom_zoom":
                zoom_input = Input(
                    single_line(zoom or "2"), placeholder="1.0-2.0", id="zoom", compact=True
                )
                yield field("Zoom factor 1.0-2.0 (adds --zoom)", zoom_input, "zoom")
            yield from self.compose_buttons("Submit")
            if self.kind == "vary_region":
                yield help_line("ctrl+r draw mask · enter/ctrl+s submit · tab next · esc cancel")
            else:
                yield help_line("enter / ctrl+s submit · tab next field · esc cancel")

    def on_mount(self) -> None:
        self.query_one("#prompt", Input).focus()
        if self.deadline is not None:
            self.set_interval(1.0, self._tick)

    def _countdown(self) -> Content:
        if self.deadline is None:
            return Content("needs input")
        left = self.deadline - self.clock()
        if left <= 0:
            return Content.assemble("needs input · ", ("time is up", "$text-error"))
        return Content(f"needs input · {format_left(left)} left")

    def _tick(self) -> None:
        self.query_one("#countdown", Static).update(self._countdown())

    # -- the drawn mask ------------------------------------------------------------------

    def _drawn_text(self) -> str:
        return f"Drawn mask: {self.draft.describe()} (ctrl+r to draw over the picture)"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "draw_mask":
            return self.kind == "vary_region" and not self.submitting
        return super().check_action(action, parameters)

    def action_draw_mask(self) -> None:
        editor = MaskEditor(self.picture, self.draft, title=self.task_data.id)
        self.app.push_screen(editor, self._mask_drawn)

    def _mask_drawn(self, draft: MaskDraft | None) -> None:
        if draft is not None:
            self.draft = draft
            self.query_one("#mask-drawn", Static).update(Content(self._drawn_text()))

    async def _send_drawn(self, prompt: str | None) -> SubmitOutcome:
        """Build the drawn mask at the picture's pixel size (read now if the editor could
        not), off the UI thread, and send it inline with the prompt."""
        draft, size = self.draft, self.draft.size
        if size is None and self.picture.loader is not None:
            size, _ = await picture_size(self.picture.loader, self.picture.url)
        try:
            png = await asyncio.to_thread(mask_png, draft.regions, size or DEFAULT_SIZE,
                                          invert=draft.invert)
        except MaskError as exc:
            return SubmitOutcome(None, exc.message)
        return await self.submit(prompt, data_url(png))

    def build_submission(self) -> Callable[[], Awaitable[SubmitOutcome]] | None:
        prompt = self.query_one("#prompt", Input).value.strip()
        mask: str | None = None
        ok = True
        if self.kind == "vary_region":
            mask = self.query_one("#mask", Input).value.strip() or None
            problem = check_mask_url(mask) if mask else ""
            if mask and self.draft.regions:
                problem = "a mask is drawn too: clear this URL, or the drawn mask (ctrl+r, x)"
            self.set_error("mask", problem)
            ok = not problem
        if self.kind == "custom_zoom":
            zoom, problem = check_zoom(self.query_one("#zoom", Input).value)
            self.set_error("zoom", problem)
            ok = not problem
            prompt = f"{split_zoom(prompt)[0]} --zoom {zoom}".strip()
        if not ok:
            self.show_status("fix the marked fields", error=True)
            return None
        final_prompt = prompt or None
        if self.kind == "vary_region" and self.draft.regions:
            return lambda: self._send_drawn(final_prompt)
        return lambda: self.submit(final_prompt, mask)

    def success_result(self, outcome: SubmitOutcome) -> str | None:
        # Answering a MODAL task keeps its ID: fall back to it if the API echoes none.
        return outcome.task_id or self.task_data.id
