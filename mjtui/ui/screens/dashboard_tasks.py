"""Dashboard actions on the task list itself: add, label, remove, mark, filter, sort,
pause, refresh, interval, bell, help, diagnostics, lineage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.widgets import Input

from mjtui.api.models import Task
from mjtui.session import TrackedTask
from mjtui.text import printable
from mjtui.ui.format import display_name
from mjtui.ui.widgets.task_columns import SORT_ORDER

if TYPE_CHECKING:
    from mjtui.ui.screens.dashboard import DashboardScreen

INTERVAL_STEPS = (1.0, 2.0, 3.0, 4.0, 5.0, 8.0, 10.0, 15.0, 30.0, 60.0)


class TaskActions:
    """Mixin for DashboardScreen: keys that manage the list of tracked tasks."""

    sort: str = "added"
    _resort_timer: object = None

    def track_new(self: DashboardScreen, task: Task, *, parent: str = "", origin: str = "",
                  label: str = "") -> bool:
        """Add a task to the session, the poller and the table. False if already tracked."""
        app = self.mjtui
        tracked = TrackedTask(task=task, parent_id=parent, origin=origin, label=label,
                              added_at=app.clock())
        if not app.session.add(tracked):
            return False
        app.tracker.track(task.id, None if not task.status.is_final else task)
        self.count_change(None, task.status)
        self.upsert_row(tracked)
        app.schedule_save()
        return True

    def sync_with_session(self: DashboardScreen) -> None:
        """Show tasks another mjtui added to this session, and drop ones it removed."""
        app = self.mjtui
        tracked_ids = set(app.tracker.tracked_ids)
        for tracked in app.session:
            if tracked.id not in tracked_ids:
                app.tracker.track(tracked.id, tracked.task)
                self.upsert_row(tracked)
        for task_id in tracked_ids - set(app.session.tasks):
            app.tracker.untrack(task_id)
            self.catch_up.forget(task_id)
            self.table.remove(task_id)
            self.marked.discard(task_id)
            self.row_states.pop(task_id, None)
        self.counts.clear()  # recounted once rather than adjusted per task above
        for tracked in app.session:
            self.counts[tracked.task.status] += 1
        self._status_dirty = True

    @work(group="dialogs")
    async def action_add_tasks(self: DashboardScreen, text: str = "") -> None:
        """Open the Add dialog, with `text` in it (the IDs found in a paste)."""
        from mjtui.ui.dialogs.add_tasks import AddTasksDialog

        app = self.mjtui
        dialog = AddTasksDialog(already_tracked=set(app.session.tasks), text=text)
        ids = await app.push_screen_wait(dialog)
        if not ids:
            return
        added = [task_id for task_id in ids if self.track_new(Task(id=task_id), origin="added")]
        if len(added) > 1:
            self.gather_first_answers(added, "The tasks just added")
        skipped = len(ids) - len(added)
        message = f"tracking {len(added)} new task{'s' * (len(added) != 1)}"
        if skipped:
            message += f"; {skipped} already tracked"
        self.notify(message, markup=False)
        if added:
            self.table.select(added[-1])

    @work(group="dialogs")
    async def action_label(self: DashboardScreen) -> None:
        from mjtui.ui.dialogs.label import LabelDialog

        tracked = self.selected
        if tracked is None:
            return
        label = await self.mjtui.push_screen_wait(LabelDialog(tracked.id, tracked.label))
        if label is None:
            return
        if self.mjtui.session.set_label(tracked.id, label.strip()):
            self.mjtui.schedule_save()
            self.upsert_row(self.mjtui.session.tasks[tracked.id])
            self.show_selected()

    @work(group="dialogs")
    async def action_remove(self: DashboardScreen) -> None:
        from mjtui.ui.dialogs.confirm import ConfirmDialog

        tracked = self.selected
        if tracked is None:
            return
        name = printable(display_name(tracked), limit=80)
        body = f"Stop tracking {tracked.id}?\n{name}\n\nThe task stays on the API; only this session forgets it."
        if not await self.mjtui.push_screen_wait(ConfirmDialog("Remove task", body, "Remove", danger=True)):
            return
        app = self.mjtui
        if app.session.remove(tracked.id):
            app.tracker.untrack(tracked.id)
            self.count_change(tracked.task.status, None)
            self.marked.discard(tracked.id)
            self.row_states.pop(tracked.id, None)
            self.table.remove(tracked.id)
            app.schedule_save()
            self.show_selected()
            self.notify(f"removed {printable(tracked.id)}", markup=False)

    def action_toggle_mark(self: DashboardScreen) -> None:
        task_id = self.table.selected_id
        if task_id is None:
            return
        self.marked.symmetric_difference_update({task_id})
        self.refresh_bindings()
        tracked = self.mjtui.session.get(task_id)
        if tracked:
            self.upsert_row(tracked)
        row = self.table.cursor_row
        if row + 1 < self.table.row_count:
            self.table.move_cursor(row=row + 1)

    def action_clear_marks(self: DashboardScreen) -> None:
        marked, self.marked = self.marked, set()
        self.refresh_bindings()
        for task_id in marked:
            tracked = self.mjtui.session.get(task_id)
            if tracked:
                self.upsert_row(tracked)

    def action_filter(self: DashboardScreen) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        self.set_focus(box)  # now, not after the keys already queued (box.focus() defers)

    def action_escape(self: DashboardScreen) -> None:
        """Esc: cancel a pending U/V prefix, else clear the filter."""
        if self.pending_prefix:
            self.pending_prefix = ""
            self._status_dirty = True
            self.refresh_bindings()
            return
        box = self.query_one("#filter", Input)
        if box.value or box.display:
            box.value = ""
            box.display = False
            self.table.focus()

    def action_cycle_sort(self: DashboardScreen) -> None:
        self.sort = SORT_ORDER[(SORT_ORDER.index(self.sort) + 1) % len(SORT_ORDER)] \
            if self.sort in SORT_ORDER else SORT_ORDER[0]
        self.table.sort_by(self.sort)
        if self.mjtui.session.set_view(sort=self.sort):
            self.mjtui.schedule_save()
        self.notify(f"sorted by {self.sort}", timeout=2, markup=False)

    def action_toggle_pause(self: DashboardScreen) -> None:
        tracker = self.mjtui.tracker
        if self.has_class("paused"):
            tracker.resume()
            self.remove_class("paused")
        else:
            tracker.pause()
            self.add_class("paused")
        self._status_dirty = True

    def action_refresh(self: DashboardScreen) -> None:
        """Poll every tracked task now (finished ones too), and retry a rejected key."""
        self.mjtui.tracker.refresh()
        self.notify(f"refreshing {len(self.mjtui.session)} tasks", timeout=2, markup=False)

    def action_interval(self: DashboardScreen, direction: int) -> None:
        tracker = self.mjtui.tracker
        current = tracker.poll_interval
        if direction > 0:
            new = next((s for s in INTERVAL_STEPS if s > current), INTERVAL_STEPS[-1])
        else:
            new = next((s for s in reversed(INTERVAL_STEPS) if s < current), INTERVAL_STEPS[0])
        tracker.poll_interval = new
        self._status_dirty = True
        self.notify(f"polling every {new:g}s", timeout=2, markup=False)

    def action_toggle_bell(self: DashboardScreen) -> None:
        app = self.mjtui
        app.bell_enabled = not app.bell_enabled
        self.notify(f"bell {'on' if app.bell_enabled else 'off'}", timeout=2, markup=False)

    def action_save_now(self: DashboardScreen) -> None:
        if self.mjtui.save() or not self.mjtui.save_error:
            self.notify(f"saved {self.mjtui.session.path}", timeout=3, markup=False)

    def action_copy_id(self: DashboardScreen) -> None:
        tracked = self.selected
        if tracked is not None:
            self.app.copy_to_clipboard(tracked.id)
            self.notify(f"copied {printable(tracked.id)}", timeout=3, markup=False)

    def action_help(self: DashboardScreen) -> None:
        from mjtui.ui.screens.help import HelpScreen, key_rows

        self.app.push_screen(HelpScreen(key_rows(self.app)))

    def action_diagnostics(self: DashboardScreen) -> None:
        from mjtui.ui.diagnostics_facts import diagnostics_facts
        from mjtui.ui.screens.diagnostics import DiagnosticsScreen

        self.app.push_screen(DiagnosticsScreen(diagnostics_facts(self.mjtui)))

    @work(group="dialogs")
    async def action_lineage(self: DashboardScreen) -> None:
        from mjtui.ui.screens.lineage import LineageNode, LineageScreen

        session = self.mjtui.session
        nodes = [
            LineageNode(t.id, t.parent_id, display_name(t), t.task.status) for t in session
        ]
        chosen = await self.mjtui.push_screen_wait(LineageScreen(nodes, self.table.selected_id))
        if chosen:
            if chosen not in self.table.rows:
                self.query_one("#filter", Input).value = ""
            self.table.select(chosen)

