"""Dashboard actions that start billed jobs: U/V, reroll, the actions menu, MODAL, imagine.

The billing guards live in `mjtui.jobs` (shared with the CLI); here a used button asks for
confirmation before `again`, and read-only mode greys the keys out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from mjtui import buttons
from mjtui.api.errors import ApimartError
from mjtui.api.models import Status, Task
from mjtui.buttons import ButtonKind, ButtonSpec
from mjtui.jobs import JobRefused
from mjtui.keys import BILLED
from mjtui.session import MODAL_WINDOW, TrackedTask
from mjtui.text import printable
from mjtui.ui.widgets.task_columns import RowState

if TYPE_CHECKING:
    from mjtui.ui.dialogs.imagine import SubmitOutcome
    from mjtui.ui.screens.dashboard import DashboardScreen

JOB_ACTIONS = BILLED  # the keys that start billed jobs
PREFIX_KINDS = {"u": ButtonKind.UPSCALE, "v": ButtonKind.VARIATION}


def find_spec(tracked: TrackedTask, kind: ButtonKind, index: int | None = None) -> ButtonSpec | None:
    for spec in buttons.describe_all(tracked.task.buttons):
        if spec.kind is kind and (index is None or spec.index == index):
            return spec
    return None


class FollowUpActions:
    """Mixin for DashboardScreen: keys that press a task's buttons or start new jobs."""

    def check_action(self: DashboardScreen, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out (None) keys that do not apply to the selected task; hide digit keys
        unless a U/V prefix is pending."""
        if action == "tile":  # after u/v; on a describe, its suggestions
            return bool(self.pending_prefix) or (
                not self.mjtui.settings.read_only and self.selected is not None
                and len(self.selected.task.prompts) >= int(str(parameters[0])))
        if action not in JOB_ACTIONS:
            return True
        if self.mjtui.settings.read_only:
            return None
        if action == "new_imagine":
            return True
        if action == "use_prompt":
            tracked = self.selected
            return True if tracked and tracked.task.prompt.strip() else None
        targets = self.action_targets()
        if action == "modal":
            tracked = self.selected
            return True if tracked and tracked.task.status is Status.MODAL else None
        if action == "prefix":
            kind = PREFIX_KINDS.get(str(parameters[0]) if parameters else "")
            return True if kind and any(find_spec(t, kind) for t in targets) else None
        if action == "reroll":
            return True if any(find_spec(t, ButtonKind.REROLL) for t in targets) else None
        if action == "actions_menu":
            tracked = self.selected
            return True if tracked and tracked.task.status is Status.SUCCESS and tracked.task.buttons else None
        return True

    def action_targets(self: DashboardScreen) -> list[TrackedTask]:
        """The marked tasks (bulk), else the selected one; only SUCCESS ones can be acted on."""
        session = self.mjtui.session
        ids = [i for i in session.tasks if i in self.marked] if self.marked else (
            [self.table.selected_id] if self.table.selected_id else [])
        found = [session.get(i) for i in ids]
        return [t for t in found if t is not None and t.task.status is Status.SUCCESS]

    def action_prefix(self: DashboardScreen, letter: str) -> None:
        self.pending_prefix = letter
        self._status_dirty = True
        self.refresh_bindings()

    def action_tile(self: DashboardScreen, index: int) -> None:
        if not self.pending_prefix:
            self.use_suggestion(index)  # a describe's prompt `index`
            return
        kind = PREFIX_KINDS.get(self.pending_prefix)
        self.pending_prefix = ""
        self._status_dirty = True
        self.refresh_bindings()
        if kind is not None:
            self.press_on_targets(kind, index)

    def action_reroll(self: DashboardScreen) -> None:
        self.press_on_targets(ButtonKind.REROLL, None)

    @work(group="submit")
    async def press_on_targets(self: DashboardScreen, kind: ButtonKind, index: int | None) -> None:
        pairs = [(t, s) for t in self.action_targets() if (s := find_spec(t, kind, index))]
        if not pairs:
            self.notify("no selected task offers that button", severity="warning", markup=False)
            return
        if len(pairs) > 1 or self.marked:
            from mjtui.ui.dialogs.confirm import ConfirmDialog

            title = pairs[0][1].title
            body = f"{title} on {len(pairs)} marked task{'s' * (len(pairs) != 1)}: this starts {len(pairs)} billed job{'s' * (len(pairs) != 1)}."
            if not await self.app.push_screen_wait(ConfirmDialog("Start jobs", body, f"Start {len(pairs)}")):
                return
            for tracked, spec in pairs:
                await self.press(tracked, spec, confirm_used=False)
            return
        await self.press(*pairs[0])

    @work(group="dialogs")
    async def action_actions_menu(self: DashboardScreen) -> None:
        from mjtui.ui.dialogs.actions_menu import ActionsMenu, assign_hotkeys

        tracked = self.selected
        if tracked is None or tracked.task.status is not Status.SUCCESS:
            return
        specs, hotkeys = self.menu_of(buttons.describe_all(tracked.task.buttons), assign_hotkeys)
        chosen = await self.app.push_screen_wait(
            ActionsMenu(tracked.task, specs, set(tracked.used_buttons), hotkeys)
        )
        if chosen is not None and not self.menu_choice_handled(chosen):
            await self.press(tracked, chosen)

    async def press(self: DashboardScreen, tracked: TrackedTask, spec: ButtonSpec, *,
                    confirm_used: bool = True, extra: dict[str, object] | None = None
                    ) -> str | None:
        """Press one button on one task through the job service (its guards, one POST).
        A button used before asks first (unless `confirm_used` is off: a confirmed bulk
        press). Returns the new task ID."""
        app = self.mjtui
        again = not confirm_used
        try:
            app.jobs.check_press(tracked.id, spec.custom_id, spec.title, again=again)
        except JobRefused as refused:
            if refused.reason == "used":
                from mjtui.ui.dialogs.confirm import ConfirmDialog

                body = f"{spec.title} was already used on this task. Press it again and start another billed job?"
                if not await app.push_screen_wait(ConfirmDialog("Already used", body, "Press again")):
                    return None
                again = True
            elif refused.reason == "not_ready":
                self.notify(refused.message, severity="warning", markup=False)
                return None
            else:  # read-only (keys greyed), gone, or this very press still in flight
                return None
        try:
            result = await app.jobs.press(tracked.id, spec.submission(tracked.id, **(extra or {})),
                                          spec.title, again=again)
        except JobRefused:
            return None  # the task changed (or another press started) while the dialog was up
        except ApimartError as exc:
            self.report_failure(tracked.id, f"{spec.title} failed: {exc.message}")
            return None
        finally:
            self.submitted()
        self.track_new(Task(id=result.task_id, status=result.status), parent=tracked.id,
                       origin=spec.name if len(spec.name) <= 20 else spec.title)
        parent = app.session.get(tracked.id)
        if parent is not None:
            self.upsert_row(parent)
        self.show_selected()
        self.notify(f"{printable(spec.title, limit=60)} started {printable(result.task_id)}",
                    title="Submitted", markup=False)
        return result.task_id

    def report_failure(self: DashboardScreen, task_id: str, message: str) -> None:
        """A failed submission: a toast, and the message in the task's detail."""
        self.notify(printable(message, limit=300), title="Not submitted", severity="error",
                    timeout=10, markup=False)
        old = self.row_states.get(task_id, RowState())
        self.row_states[task_id] = RowState(old.stalled, message, old.marked)
        tracked = self.mjtui.session.get(task_id)
        if tracked is not None:
            self.upsert_row(tracked)
            self.show_selected()

    @work(group="dialogs")
    async def action_modal(self: DashboardScreen) -> None:
        from mjtui.images.mask_picture import picture_url
        from mjtui.ui.dialogs.imagine import SubmitOutcome
        from mjtui.ui.dialogs.mask_editor import MaskPicture
        from mjtui.ui.dialogs.modal_input import ModalInputDialog

        tracked = self.selected
        if tracked is None or tracked.task.status is not Status.MODAL:
            return
        app = self.mjtui
        origin = tracked.origin.lower()
        kind = "custom_zoom" if "zoom" in origin else "vary_region" if "region" in origin or "inpaint" in origin else "other"
        deadline = tracked.modal_since + MODAL_WINDOW if tracked.modal_since else None

        async def submit(prompt: str | None, mask_url: str | None) -> SubmitOutcome:
            try:
                result = await app.jobs.answer_modal(tracked.id, prompt=prompt, mask_url=mask_url)
            except JobRefused as refused:
                return SubmitOutcome(None, refused.message)
            except ApimartError as exc:
                return SubmitOutcome(None, exc.message)
            app.tracker.refresh([tracked.id])
            return SubmitOutcome(result.task_id, None)

        picture = MaskPicture(picture_url(app.session, tracked.id), app.image_loader,
                              app.image_protocol)
        task_id = await app.push_screen_wait(ModalInputDialog(
            tracked.task, kind, deadline, submit, clock=app.clock, picture=picture))
        if task_id:
            self.notify(f"answered {printable(task_id)}; it runs on under the same ID",
                        markup=False)
