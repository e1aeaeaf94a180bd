"""The new-job dialog (`n`): one form for every kind apimart runs, picked by a row of tabs.

Imagine and Edits share the imagine form (Edits adds the image to rewrite); Describe, Blend
and Video have their own short forms. Image fields take an http(s) URL or a local path,
completed as typed; the caller's coroutine uploads local files and starts the job (in the
dialog's worker, never on the UI thread), and answers with an outcome the dialog shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, ContentSwitcher, Input, Select, Tab, Tabs

from mjtui.api.client import ImagineRequest
from mjtui.api.requests import DIMENSIONS, MOTIONS, BlendRequest, DescribeRequest, VideoRequest
from mjtui.imagine_fields import SPEEDS
from mjtui.new_jobs import KINDS, JobRequest, Kind
from mjtui.prompt_flags import quoted_paths
from mjtui.ui.dialogs.base import help_line, title_bar
from mjtui.ui.dialogs.imagine import ImagineDialog, SubmitOutcome
from mjtui.ui.dialogs.imagine_form import Form, choice, compose_fields, final_line, text_input

SubmitJob = Callable[[Kind, JobRequest], Awaitable[SubmitOutcome]]
TITLES: dict[Kind, str] = {"imagine": "Imagine", "describe": "Describe", "blend": "Blend",
                           "edits": "Edits", "video": "Video"}
SUBMIT_LABELS: dict[Kind, str] = {"imagine": "Imagine", "describe": "Describe",
                                  "blend": "Blend", "edits": "Edit", "video": "Animate"}
# The form each kind shows, and the field that takes the focus when it is picked.
FORMS: dict[Kind, tuple[str, str]] = {
    "imagine": ("imagine-form", "prompt"), "edits": ("imagine-form", "edit-image"),
    "describe": ("describe-form", "describe-image"), "blend": ("blend-form", "blend-images"),
    "video": ("video-form", "video-image"),
}
BATCH_SIZES = ("1", "2", "4")
CHROME_ROWS = 13  # the dialog's rows around its form: border, title, tabs, final line, buttons
MIN_FORM_ROWS = 4
HELP = "ctrl+s start · tab next field · shift+tab ←→ kind · → completes a path · esc cancel"


class NewJobDialog(ImagineDialog):
    """Start a job of any kind. Dismisses with the new task ID, or None when cancelled.

    `initial` prefills the imagine form (use prompt, a describe's suggestion); `kind` is the
    kind shown first."""

    TITLE = "New job"

    def __init__(self, submit_job: SubmitJob, initial: ImagineRequest | None = None,
                 kind: Kind = "imagine") -> None:
        super().__init__(lambda request: submit_job(self.kind, request), initial)
        self.submit_job = submit_job
        self.kind: Kind = kind

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog imagine-dialog new-job-dialog"):
            yield title_bar(self.TITLE)
            yield Tabs(*(Tab(TITLES[k], id=f"kind-{k}") for k in KINDS), active=f"kind-{self.kind}",
                       id="kinds")
            with ContentSwitcher(initial=FORMS[self.kind][0], id="kind-forms"):
                with Form(classes="dialog-form", id="imagine-form"):
                    yield text_input("edit-image", "Image to edit (URL or file)", None,
                                     "https://… or ~/pictures/a.png", paths=True)
                    yield from self.compose_prompt()
                    yield from compose_fields(self.initial)
                with Form(classes="dialog-form", id="describe-form"):
                    yield text_input("describe-image", "Image to describe (URL or file)", None,
                                     "https://… or ~/pictures/a.png", paths=True)
                    yield choice("describe-speed", "Speed", SPEEDS, None)
                with Form(classes="dialog-form", id="blend-form"):
                    yield text_input("blend-images", "Images to blend: 2-4 URLs or files",
                                     None, "a.png b.png (quote a path with spaces)", paths=True)
                    with Horizontal(classes="field-row"):
                        yield choice("blend-dimensions", "Dimensions", DIMENSIONS, None)
                        yield choice("blend-speed", "Speed", SPEEDS, None)
                with Form(classes="dialog-form", id="video-form"):
                    yield text_input("video-image", "First frame (URL or file)", None,
                                     "https://… or ~/pictures/a.png", paths=True)
                    yield text_input("video-end", "Last frame (optional)", None, "URL or file",
                                     paths=True)
                    yield text_input("video-prompt", "Prompt (optional)", None,
                                     "the waves roll in slowly")
                    with Horizontal(classes="field-row"):
                        yield choice("video-motion", "Motion", MOTIONS, None)
                        yield choice("video-batch", "Clips (each billed)", BATCH_SIZES, None)
                        yield choice("video-speed", "Speed", SPEEDS, None)
            yield final_line()
            yield from self.compose_buttons(SUBMIT_LABELS[self.kind])
            yield help_line(HELP)

    def on_mount(self) -> None:
        self._show_kind(self.kind)
        self.update_final()
        self._fit_forms()

    def on_resize(self) -> None:
        self._fit_forms()

    def _fit_forms(self) -> None:
        """The forms scroll in what the dialog leaves them, so the buttons stay on screen in
        80x24 too (a `vh` maximum left a blank band under a clamped form)."""
        room = max(MIN_FORM_ROWS, int(self.app.size.height * 0.9) - CHROME_ROWS)
        for form in self.query(Form):
            form.styles.max_height = room

    @on(Tabs.TabActivated, "#kinds")
    def _kind_picked(self, event: Tabs.TabActivated) -> None:
        event.stop()
        kind = str(event.tab.id or "").removeprefix("kind-")
        if kind in FORMS and kind != self.kind:
            self.kind = kind  # type: ignore[assignment]
            self._show_kind(self.kind, focus=False)

    def _show_kind(self, kind: Kind, *, focus: bool = True) -> None:
        form, first = FORMS[kind]
        self.query_one("#kind-forms", ContentSwitcher).current = form
        self.query_one("#edit-image", Input).parent.display = kind == "edits"  # type: ignore[union-attr]
        self.query_one("#submit", Button).label = SUBMIT_LABELS[kind]
        self.query_one("#final-prompt").display = kind in ("imagine", "edits")
        self.show_status("")
        if focus:
            self.query_one(f"#{first}").focus()

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def _picked(self, name: str) -> str | None:
        value = self.query_one(f"#{name}", Select).value
        return value if isinstance(value, str) else None

    def _required(self, name: str, what: str) -> str | None:
        value = self._text(name)
        self.set_error(name, "" if value else f"{what} is required")
        return value or None

    def read_job(self) -> JobRequest | None:
        """The form of the current kind as a request, or None after marking what is wrong."""
        kind = self.kind
        request: JobRequest | None = None
        if kind in ("imagine", "edits"):
            image = self._required("edit-image", "the image to edit") if kind == "edits" else ""
            request = self.read_request()
            if request is None or image is None:
                request = None
            elif kind == "edits":
                request = replace(request, image_urls=(image, *request.image_urls))
        elif kind == "describe":
            image = self._required("describe-image", "an image")
            request = DescribeRequest(image, self._picked("describe-speed")) if image else None
        elif kind == "blend":
            images = quoted_paths(self._text("blend-images"))
            ok = 2 <= len(images) <= 4
            self.set_error("blend-images", "" if ok else f"2 to 4 images, not {len(images)}")
            request = BlendRequest(tuple(images), self._picked("blend-dimensions"),
                                   self._picked("blend-speed")) if ok else None
        else:
            image = self._required("video-image", "the first frame")
            batch = self._picked("video-batch")
            request = VideoRequest(
                image_url=image, prompt=self._text("video-prompt") or None,
                motion=self._picked("video-motion"), batch_size=int(batch) if batch else None,
                end_url=self._text("video-end") or None, speed=self._picked("video-speed"),
            ) if image else None
        if request is None:
            self.show_status("fix the marked fields", error=True)
        return request

    def build_submission(self) -> Callable[[], Awaitable[SubmitOutcome]] | None:
        kind, request = self.kind, self.read_job()
        if request is None:
            return None
        return lambda: self.submit_job(kind, request)
