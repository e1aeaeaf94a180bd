"""The dashboard's follow-ups: U/V then a tile, reroll, the actions menu and MODAL answers,
all started through the job service.

The billing guards live in `mjtui.jobs` (shared with the CLI); here a used button asks for
confirmation before `again`, read-only mode greys the keys out, and a greyed key pressed
anyway says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mjtui import buttons
from mjtui.api.errors import ApimartError
from mjtui.api.models import Status, Task
from mjtui.buttons import ButtonKind, ButtonSpec
from mjtui.jobs import JobRefused, Jobs
from mjtui.keys import BILLED
from mjtui.session import MODAL_WINDOW, Session, TrackedTask
from mjtui.text import printable
from mjtui.ui.messages import PrefixChanged
from mjtui.ui.screens.task_buttons import find_spec, menu_of
from mjtui.vocabulary import status_label

if TYPE_CHECKING:
    from mjtui.ui.dialogs.imagine import SubmitOutcome
    from mjtui.ui.screens.dashboard_newjob import NewJobs

PREFIX_KINDS = {"u": ButtonKind.UPSCALE, "v": ButtonKind.VARIATION}
Notify = Callable[..., None]  # Textual's notify


class FollowUps:
    """Keys that press a task's buttons or start new jobs. It owns the pending U/V prefix.

    It gets what it needs: the session and the job service, the selected and marked tasks,
    the app's notify / dialog / worker calls, and the dashboard's calls to track a new task,
    redraw one, say a task's error and select a task. A prefix change goes out as a
    `PrefixChanged` message (`post`)."""

    def __init__(self, session: Session, jobs: Jobs, *, read_only: bool,
                 refresh: Callable[[list[str]], None], clock: Callable[[], float],
                 selected: Callable[[], TrackedTask | None], marked: Callable[[], set[str]],
                 notify: Notify, push_screen_wait: Callable[[Any], Any],
                 run_worker: Callable[..., Any], post: Callable[[Any], Any],
                 track_new: Callable[..., bool], task_changed: Callable[[str], None],
                 note_error: Callable[[str, str], None], select: Callable[[str], None],
                 mask_picture: Callable[[str], Any], new_jobs: NewJobs) -> None:
        self.session, self.jobs, self.read_only = session, jobs, read_only
        self.refresh, self.clock = refresh, clock
        self.selected, self.marked = selected, marked
        self.notify, self.push_screen_wait = notify, push_screen_wait
        self.run_worker, self.post = run_worker, post
        self.track_new, self.task_changed = track_new, task_changed
        self.note_error, self.select = note_error, select
        self.mask_picture = mask_picture  # the picture a MODAL answer's mask is drawn on
        self.new_jobs = new_jobs  # suggestions, Animate, the balance after a submission
        self.pending_prefix = ""

    # -- which keys apply --------------------------------------------------------------

    def enabled(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """None (greyed) for a key that does not apply to the selected task; digit keys only
        while a U/V prefix is pending; True for every key that is not a follow-up."""
        if action == "tile":  # after u/v; on a describe, its suggestions
            selected = self.selected()
            return bool(self.pending_prefix) or (
                not self.read_only and selected is not None
                and len(selected.task.prompts) >= int(str(parameters[0])))
        if action not in BILLED:
            return True
        if self.read_only:
            return None
        if action == "new_imagine":
            return True
        if action == "use_prompt":
            tracked = self.selected()
            return True if tracked and tracked.task.prompt.strip() else None
        targets = self.targets()
        if action == "modal":
            tracked = self.selected()
            return True if tracked and tracked.task.status is Status.MODAL else None
        if action == "prefix":
            kind = PREFIX_KINDS.get(str(parameters[0]) if parameters else "")
            return True if kind and any(find_spec(t, kind) for t in targets) else None
        if action == "reroll":
            return True if any(find_spec(t, ButtonKind.REROLL) for t in targets) else None
        if action == "actions_menu":
            tracked = self.selected()
            return True if tracked and tracked.task.status is Status.SUCCESS and tracked.task.buttons else None
        return True

    def why_greyed(self, action: str, enabled: bool | None) -> tuple[str, str] | None:
        """(why, title) for a key that would start a job but is greyed out (read-only, or
        the selected task has no such button); None for every other key."""
        if action not in BILLED or action == "tile":
            return None
        if self.read_only:
            return "this session is read-only (--read-only), nothing here starts a job", \
                "Read-only"
        return None if enabled is not None else (self.why_off(action), "Not now")

    def why_off(self, action: str) -> str:
        """Why a follow-up key does not apply to the selected task, in its own words."""
        tracked = self.selected()
        if tracked is None:
            return "no task is selected"
        status = tracked.task.status
        if action == "modal":
            return f"the selected task is {status_label(status)}, it does not need input"
        if action == "use_prompt":
            return "the selected task has no prompt"
        said = f"the selected task is {status_label(status)}"
        if status.is_running or status is Status.UNKNOWN:
            return f"{said}, its buttons come when it is done"
        if status is Status.MODAL:
            return f"{said}: answer it first (m)"
        if status is not Status.SUCCESS:
            return f"{said}, it has no buttons to press"
        if action == "reroll" and find_spec(tracked, ButtonKind.DESCRIBE_AGAIN):
            return buttons.NOT_SENT[ButtonKind.DESCRIBE_AGAIN]  # a describe's 🔄 is no reroll
        return "the selected task has no such button (x lists the ones it has)"

    def say_off(self, what: str, why: str, title: str = "Not now") -> None:
        """`<what> is off: <why>`: a key or button that starts no job, pressed anyway."""
        self.notify(f"{what} is off: {why}", title=title, severity="warning", timeout=4,
                    markup=False)

    def targets(self) -> list[TrackedTask]:
        """The marked tasks (bulk), else the selected one; only SUCCESS ones can be acted on."""
        marked = self.marked()
        selected = self.selected()
        ids = [i for i in self.session.tasks if i in marked] if marked else (
            [selected.id] if selected else [])
        found = [self.session.get(i) for i in ids]
        return [t for t in found if t is not None and t.task.status is Status.SUCCESS]

    # -- keys --------------------------------------------------------------------------

    def set_prefix(self, letter: str) -> None:
        self.pending_prefix = letter
        self.post(PrefixChanged(letter))

    def tile(self, index: int) -> None:
        if not self.pending_prefix:
            self.new_jobs.use_suggestion(index)  # a describe's prompt `index`
            return
        kind = PREFIX_KINDS.get(self.pending_prefix)
        self.set_prefix("")
        if kind is not None:
            self.press_on_targets(kind, index)

    def press_on_targets(self, kind: ButtonKind, index: int | None) -> None:
        self.run_worker(self._press_on_targets(kind, index), group="submit")

    async def _press_on_targets(self, kind: ButtonKind, index: int | None) -> None:
        pairs = [(t, s) for t in self.targets() if (s := find_spec(t, kind, index))]
        if not pairs:
            self.notify("no selected task offers that button", severity="warning", markup=False)
            return
        if len(pairs) > 1 or self.marked():
            from mjtui.ui.dialogs.confirm import ConfirmDialog

            title = pairs[0][1].title
            body = f"{title} on {len(pairs)} marked task{'s' * (len(pairs) != 1)}: this starts {len(pairs)} billed job{'s' * (len(pairs) != 1)}."
            if not await self.push_screen_wait(ConfirmDialog("Start jobs", body, f"Start {len(pairs)}")):
                return
            for tracked, spec in pairs:
                await self.press(tracked, spec, confirm_used=False)
            return
        await self.press(*pairs[0])

    def actions_menu(self) -> None:
        self.run_worker(self._actions_menu(), group="dialogs")

    async def _actions_menu(self) -> None:
        from mjtui.ui.dialogs.actions_menu import ActionsMenu, assign_hotkeys

        tracked = self.selected()
        if tracked is None or tracked.task.status is not Status.SUCCESS:
            return
        specs, hotkeys = menu_of(buttons.describe_all(tracked.task.buttons), assign_hotkeys)
        chosen = await self.push_screen_wait(
            ActionsMenu(tracked.task, specs, set(tracked.used_buttons), hotkeys)
        )
        if chosen is not None and not self.new_jobs.menu_choice_handled(chosen):
            await self.press(tracked, chosen)

    async def press(self, tracked: TrackedTask, spec: ButtonSpec, *,
                    confirm_used: bool = True, extra: dict[str, object] | None = None
                    ) -> str | None:
        """Press one button on one task through the job service (its guards, one POST).
        A button used before asks first (unless `confirm_used` is off: a confirmed bulk
        press). A button mjtui does not send (no endpoint) says why instead. Returns the new
        task ID."""
        if spec.refusal:
            self.say_off(printable(spec.title, limit=60), spec.refusal, "Not sent")
            return None
        again = not confirm_used
        try:
            self.jobs.check_press(tracked.id, spec.custom_id, spec.title, again=again)
        except JobRefused as refused:
            if refused.reason == "used":
                from mjtui.ui.dialogs.confirm import ConfirmDialog

                body = f"{spec.title} was already used on this task. Press it again and start another billed job?"
                if not await self.push_screen_wait(ConfirmDialog("Already used", body, "Press again")):
                    return None
                again = True
            elif refused.reason == "not_ready":
                self.notify(refused.message, severity="warning", markup=False)
                return None
            else:  # read-only (keys greyed), gone, or this very press still in flight
                return None
        try:
            result = await self.jobs.press(
                tracked.id, spec.submission(tracked.id, **(extra or {})), spec.title, again=again)
        except JobRefused:
            return None  # the task changed (or another press started) while the dialog was up
        except ApimartError as exc:
            self.report_failure(tracked.id, f"{spec.title} failed: {exc.message}")
            return None
        finally:
            self.new_jobs.submitted()
        self.track_new(Task(id=result.task_id, status=result.status), parent=tracked.id,
                       origin=spec.name if len(spec.name) <= 20 else spec.title)
        self.task_changed(tracked.id)
        self.notify(f"{printable(spec.title, limit=60)} started {printable(result.task_id)}",
                    title="Submitted", markup=False)
        return result.task_id

    def report_failure(self, task_id: str, message: str) -> None:
        """A failed submission: a toast, and the message in the task's detail."""
        self.notify(printable(message, limit=300), title="Not submitted", severity="error",
                    timeout=10, markup=False)
        self.note_error(task_id, message)

    def modal(self) -> None:
        self.run_worker(self._modal(), group="dialogs")

    async def _modal(self) -> None:
        from mjtui.ui.dialogs.imagine import SubmitOutcome
        from mjtui.ui.dialogs.modal_input import ModalInputDialog

        tracked = self.selected()
        if tracked is None or tracked.task.status is not Status.MODAL:
            return
        origin = tracked.origin.lower()
        kind = "custom_zoom" if "zoom" in origin else "vary_region" if "region" in origin or "inpaint" in origin else "other"
        deadline = tracked.modal_since + MODAL_WINDOW if tracked.modal_since else None

        async def submit(prompt: str | None, mask_url: str | None) -> SubmitOutcome:
            try:
                result = await self.jobs.answer_modal(tracked.id, prompt=prompt, mask_url=mask_url)
            except JobRefused as refused:
                return SubmitOutcome(None, refused.message)
            except ApimartError as exc:
                return SubmitOutcome(None, exc.message)
            self.refresh([tracked.id])
            return SubmitOutcome(result.task_id, None)

        task_id = await self.push_screen_wait(ModalInputDialog(
            tracked.task, kind, deadline, submit, clock=self.clock,
            picture=self.mask_picture(tracked.id)))
        if task_id:
            self.notify(f"answered {printable(task_id)}; it runs on under the same ID",
                        markup=False)
