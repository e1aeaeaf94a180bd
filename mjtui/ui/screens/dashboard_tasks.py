"""The dashboard's list of tracked tasks: which rows the table shows (the filter), their
states and marks, and the keys that manage the list (add, label, remove, mark, lineage)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Input

from mjtui.api.models import Status, Task
from mjtui.session import Session, TrackedTask
from mjtui.text import printable
from mjtui.tracker import Tracker
from mjtui.ui.format import display_name
from mjtui.ui.widgets.row_states import RowStates
from mjtui.ui.widgets.task_columns import SORT_ORDER
from mjtui.ui.widgets.task_table import TaskTable

Notify = Callable[..., None]  # Textual's notify


class TaskList:
    """The tracked tasks as the table shows them. It owns the row states and marks; the
    table owns its rows, its filter and its sort.

    It gets what it needs: the table and the filter box, the session and the tracker, the
    app's save / notify / dialog / worker calls, and callables for what the dashboard does
    around it: count a status change, forget a task's pending news, show the selected task,
    gather a batch's first answers."""

    def __init__(self, table: Callable[[], TaskTable], filter_box: Callable[[], Input],
                 session: Session, tracker: Callable[[], Tracker], *, clock: Callable[[], float],
                 schedule_save: Callable[[], None], notify: Notify,
                 push_screen_wait: Callable[[Any], Any], run_worker: Callable[..., Any],
                 count_change: Callable[[Status | None, Status | None], None],
                 forget_news: Callable[[str], None], show_selected: Callable[[], None],
                 gather: Callable[[list[str], str], None]) -> None:
        self.table, self.filter_box = table, filter_box
        self.session, self.tracker, self.clock = session, tracker, clock
        self.schedule_save, self.notify = schedule_save, notify
        self.push_screen_wait, self.run_worker = push_screen_wait, run_worker
        self.count_change, self.forget_news = count_change, forget_news
        self.show_selected, self.gather = show_selected, gather
        self.rows = RowStates()

    @property
    def selected(self) -> TrackedTask | None:
        task_id = self.table().selected_id
        return self.session.get(task_id) if task_id else None

    def visible(self, tracked: TrackedTask) -> bool:
        return self.table().shows(tracked)

    def rebuild(self, keep: str | None = None) -> None:
        """Re-fill the table (after a filter change): the only full rebuild there is."""
        table = self.table()
        rows = [(t, self.rows.of(t.id)) for t in self.session if self.visible(t)]
        table.replace_all(rows, keep or table.selected_id)
        table.sort_by(table.current_sort)
        self.show_selected()

    def upsert_row(self, tracked: TrackedTask) -> None:
        if self.visible(tracked):
            self.table().upsert(tracked, self.rows.of(tracked.id))
        else:
            self.table().remove(tracked.id)

    def redraw(self, task_id: str) -> None:
        """The task's row (and the detail pane, if it is selected) again."""
        tracked = self.session.get(task_id)
        if tracked is not None:
            self.upsert_row(tracked)
            self.show_selected()

    def note_error(self, task_id: str, message: str) -> None:
        self.rows.note_error(task_id, message)
        self.redraw(task_id)

    def track_new(self, task: Task, *, parent: str = "", origin: str = "",
                  label: str = "") -> bool:
        """Add a task to the session, the poller and the table. False if already tracked."""
        tracked = TrackedTask(task=task, parent_id=parent, origin=origin, label=label,
                              added_at=self.clock())
        if not self.session.add(tracked):
            return False
        self.tracker().track(task.id, None if not task.status.is_final else task)
        self.count_change(None, task.status)
        self.upsert_row(tracked)
        self.schedule_save()
        return True

    def forget(self, task_id: str) -> None:
        """A task left the session: out of the poller, the table and the row states."""
        self.tracker().untrack(task_id)
        self.forget_news(task_id)
        self.table().remove(task_id)
        self.rows.forget(task_id)

    def sync_with_session(self) -> None:
        """Show tasks another mjtui added to this session, and drop ones it removed."""
        tracked_ids = set(self.tracker().tracked_ids)
        for tracked in self.session:
            if tracked.id not in tracked_ids:
                self.tracker().track(tracked.id, tracked.task)
                self.upsert_row(tracked)
        for task_id in tracked_ids - set(self.session.tasks):
            self.forget(task_id)

    def cycle_sort(self) -> None:
        table = self.table()
        sort = table.current_sort
        sort = SORT_ORDER[(SORT_ORDER.index(sort) + 1) % len(SORT_ORDER)] \
            if sort in SORT_ORDER else SORT_ORDER[0]
        table.sort_by(sort)
        if self.session.set_view(sort=sort):
            self.schedule_save()
        self.notify(f"sorted by {sort}", timeout=2, markup=False)

    def toggle_mark(self) -> None:
        table = self.table()
        task_id = table.selected_id
        if task_id is None:
            return
        self.rows.toggle_mark(task_id)
        tracked = self.session.get(task_id)
        if tracked:
            self.upsert_row(tracked)
        row = table.cursor_row
        if row + 1 < table.row_count:
            table.move_cursor(row=row + 1)

    def clear_marks(self) -> None:
        for task_id in self.rows.clear_marks():
            tracked = self.session.get(task_id)
            if tracked:
                self.upsert_row(tracked)

    # -- dialogs -------------------------------------------------------------------------

    def add_tasks(self, text: str = "") -> None:
        """Open the Add dialog, with `text` in it (the IDs found in a paste)."""
        self.run_worker(self._add_tasks(text), group="dialogs")

    async def _add_tasks(self, text: str) -> None:
        from mjtui.ui.dialogs.add_tasks import AddTasksDialog

        dialog = AddTasksDialog(already_tracked=set(self.session.tasks), text=text)
        ids = await self.push_screen_wait(dialog)
        if not ids:
            return
        added = [task_id for task_id in ids if self.track_new(Task(id=task_id), origin="added")]
        if len(added) > 1:
            self.gather(added, "The tasks just added")
        skipped = len(ids) - len(added)
        message = f"tracking {len(added)} new task{'s' * (len(added) != 1)}"
        if skipped:
            message += f"; {skipped} already tracked"
        self.notify(message, markup=False)
        if added:
            self.table().select(added[-1])

    def label(self) -> None:
        self.run_worker(self._label(), group="dialogs")

    async def _label(self) -> None:
        from mjtui.ui.dialogs.label import LabelDialog

        tracked = self.selected
        if tracked is None:
            return
        label = await self.push_screen_wait(LabelDialog(tracked.id, tracked.label))
        if label is None:
            return
        if self.session.set_label(tracked.id, label.strip()):
            self.schedule_save()
            self.redraw(tracked.id)

    def remove(self) -> None:
        self.run_worker(self._remove(), group="dialogs")

    async def _remove(self) -> None:
        from mjtui.ui.dialogs.confirm import ConfirmDialog

        tracked = self.selected
        if tracked is None:
            return
        name = printable(display_name(tracked), limit=80)
        body = f"Stop tracking {tracked.id}?\n{name}\n\nThe task stays on the API; only this session forgets it."
        if not await self.push_screen_wait(ConfirmDialog("Remove task", body, "Remove", danger=True)):
            return
        if self.session.remove(tracked.id):
            self.tracker().untrack(tracked.id)
            self.count_change(tracked.task.status, None)
            self.rows.forget(tracked.id)
            self.table().remove(tracked.id)
            self.schedule_save()
            self.show_selected()
            self.notify(f"removed {printable(tracked.id)}", markup=False)

    def lineage(self) -> None:
        self.run_worker(self._lineage(), group="dialogs")

    async def _lineage(self) -> None:
        from mjtui.ui.screens.lineage import LineageNode, LineageScreen

        nodes = [
            LineageNode(t.id, t.parent_id, display_name(t), t.task.status) for t in self.session
        ]
        table = self.table()
        chosen = await self.push_screen_wait(LineageScreen(nodes, table.selected_id))
        if chosen:
            if chosen not in table.rows:
                self.filter_box().value = ""
            table.select(chosen)
