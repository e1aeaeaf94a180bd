"""The home screen: live task table, detail pane, preview, status line and footer."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, cast

from textual import events, on
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from mjtui.api.addresses import find_task_ids
from mjtui.api.models import Status
from mjtui.session import TrackedTask
from mjtui.tracker import Health
from mjtui.ui.bindings import DASHBOARD_BINDINGS
from mjtui.ui.catch_up import CatchUp
from mjtui.ui.format import row_matches
from mjtui.ui.screens.dashboard_archive import ArchiveActions
from mjtui.ui.screens.dashboard_followups import JOB_ACTIONS, FollowUpActions
from mjtui.ui.screens.dashboard_images import ImageActions
from mjtui.ui.screens.dashboard_newjob import NewJobActions
from mjtui.ui.screens.dashboard_news import TaskNews
from mjtui.ui.screens.dashboard_tasks import TaskActions
from mjtui.ui.screens.quiet_background import QuietBackground
from mjtui.ui.widgets.detail import DetailPane
from mjtui.ui.widgets.quiet_footer import QuietFooter
from mjtui.ui.widgets.status_line import StatusLine
from mjtui.ui.widgets.task_columns import RowState
from mjtui.ui.widgets.task_table import TaskTable
from mjtui.vocabulary import status_label

if TYPE_CHECKING:
    from mjtui.ui.app import HealthChanged, MjtuiApp, TaskChanged

AGE_REFRESH = 10.0  # seconds between re-renders of the relative-time columns
STATUS_REFRESH = 0.5  # the status line redraws at most this often
RESORT_DELAY = 0.5  # seconds: updates that change the sort key move rows this often


_ACTIONS = [parse_action(b.action)[1:] for b in DASHBOARD_BINDINGS]  # (name, arguments)


class DashboardScreen(TaskActions, FollowUpActions, NewJobActions, ImageActions, TaskNews,
                      ArchiveActions, QuietBackground, Screen[None]):
    """The live table of tracked tasks and everything about the selected one."""

    BINDINGS = DASHBOARD_BINDINGS
    BINDING_GROUP_TITLE = "Dashboard"

    def __init__(self) -> None:
        super().__init__()
        self.row_states: dict[str, RowState] = {}
        self.marked: set[str] = set()
        self.counts: Counter[Status] = Counter()
        self.catch_up = CatchUp(())  # filled on mount
        self.health = Health()
        self.pending_prefix = ""
        self._status_dirty = True
        self._resort_timer: Timer | None = None
        self._bindings_for: str | None = None  # the task the footer's keys were checked for
        self._bindings_state: tuple[object, ...] | None = None  # check_action answers shown
        self._status_shown: tuple[object, ...] | None = None  # what the status line shows
        self._detail_for: str | None = ""  # the task the detail pane shows ("": not filled)

    @property
    def mjtui(self) -> MjtuiApp:
        return cast("MjtuiApp", self.app)

    def compose(self) -> ComposeResult:
        app = self.mjtui
        yield StatusLine(id="status-line", clock=app.tracker.clock)
        yield Static("⏸  Polling paused: nothing is fetched until you press p", id="paused-banner")
        banner = Static("", id="archive-banner", markup=False)
        banner.display = False  # shown while a big move to the archive runs
        yield banner
        yield Input(placeholder="filter: text in prompt, ID, label or status (!text inverts)",
                    id="filter")
        with Vertical(id="main"):
            yield TaskTable(id="tasks", clock=app.clock)
            with Horizontal(id="bottom"):
                yield DetailPane(id="detail", clock=app.clock)
                yield from self.compose_preview()
        yield QuietFooter()

    def on_mount(self) -> None:
        app = self.mjtui
        view = app.session.view
        table = self.table
        for tracked in app.session:
            self.counts[tracked.task.status] += 1
        filter_input = self.query_one("#filter", Input)
        filter_input.value = view.filter
        filter_input.display = bool(view.filter)
        self.sort = view.sort
        self.rebuild(keep=view.selected)
        table.sort_by(self.sort)
        table.select(view.selected)
        table.focus()
        self.watch(table, "cursor_coordinate", self._follow_cursor, init=False)
        self.set_interval(AGE_REFRESH, self._refresh_ages)
        self.set_interval(STATUS_REFRESH, self._refresh_status_line)
        self.watch_balance()
        self.show_selected()
        # Tasks open when the session was saved answer in a burst: one summary, not a toast each.
        self.gather_first_answers([t.id for t in app.session if not t.task.status.is_final])
        if app.archive_moves:
            self.start_archiving()

    # -- helpers -------------------------------------------------------------------------

    @property
    def table(self) -> TaskTable:
        return self.query_one("#tasks", TaskTable)

    @property
    def selected(self) -> TrackedTask | None:
        task_id = self.table.selected_id
        return self.mjtui.session.get(task_id) if task_id else None

    def state_of(self, task_id: str) -> RowState:
        state = self.row_states.get(task_id, RowState())
        marked = task_id in self.marked
        return state if state.marked == marked else RowState(state.stalled, state.error, marked)

    def visible(self, tracked: TrackedTask) -> bool:
        return row_matches(tracked, self.query_one("#filter", Input).value)

    def rebuild(self, keep: str | None = None) -> None:
        """Re-fill the table (after a filter change): the only full rebuild there is."""
        rows = [(t, self.state_of(t.id)) for t in self.mjtui.session if self.visible(t)]
        self.table.replace_all(rows, keep or self.table.selected_id)
        self.table.sort_by(self.sort)
        self.show_selected()

    def upsert_row(self, tracked: TrackedTask) -> None:
        if self.visible(tracked):
            self.table.upsert(tracked, self.state_of(tracked.id))
        else:
            self.table.remove(tracked.id)

    def show_selected(self) -> None:
        detail = self.query_one("#detail", DetailPane)
        tracked = self.selected
        self._detail_for = tracked.id if tracked else None
        if tracked is None:
            if len(self.mjtui.session):
                detail.show_empty("No task matches the filter. Press esc to clear it.")
            else:
                detail.show_empty("No tasks yet. Press a to add task IDs, n to start a new job.")
            self.show_preview(None)
            return
        session = self.mjtui.session
        parent = session.get(tracked.parent_id) if tracked.parent_id else None
        detail.show(tracked, self.state_of(tracked.id), parent, session.children_of(tracked.id))
        self.show_preview(tracked)

    def count_change(self, old: Status | None, new: Status | None) -> None:
        if old is not None:
            self.counts[old] -= 1
        if new is not None:
            self.counts[new] += 1
        self._status_dirty = True

    def _refresh_status_line(self) -> None:
        if not self._status_dirty:
            return
        self._status_dirty = False
        app = self.mjtui
        args = (
            app.session.name, +self.counts, app.tracker.poll_interval, self.health,
            app.tracker.health.state == "paused" or self.has_class("paused"),
            self.pending_prefix,
            self.download_status,
        )
        # Updating the line lays the whole screen out again. Under load it is marked dirty
        # twice a second with nothing new to say; the line only counts time when not ok.
        stalled = sum(1 for state in self.row_states.values() if state.stalled)
        balance, today = self.balance_and_today()
        # A new stall alone is news for the line too.
        shown = (*args, stalled, app.theme, balance, today)
        if shown == self._status_shown and self.health.state == "ok":
            return
        self._status_shown = shown
        self.query_one("#status-line", StatusLine).show(*args, stalled=stalled, balance=balance,
                                                        today=today)

    def _refresh_ages(self) -> None:
        self.table.refresh_ages(self.state_of)
        self._status_dirty = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        try:
            if action == "label" and self.table.selected_id is None:
                return None  # nothing to label: and keys typed behind `l` wait for no dialog
            return super().check_action(action, parameters)
        except NoMatches:  # a key before the table is composed: nothing to act on yet
            return None

    # -- events --------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A dialog's worker that ends lets keys held behind its key go (see KeyHold).
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.mjtui.key_hold.worker_ended(event.worker)

    def on_key(self, event: events.Key) -> None:
        """A key that would start a job but is greyed out in the footer (read-only, or the
        selected task has no such button), pressed anyway, says why instead of nothing."""
        # The chain's copy has the user's [keymap] applied; `self._bindings` has not.
        mine = next((b for node, b in self._binding_chain if node is self), self._bindings)
        for binding in mine.key_to_bindings.get(event.key, ()):
            _, name, params = parse_action(binding.action)
            if name not in JOB_ACTIONS or name == "tile":
                continue
            if self.mjtui.settings.read_only:
                why = "this session is read-only (--read-only), nothing here starts a job"
                title = "Read-only"
            elif self.check_action(name, params) is None:
                why, title = self._why_off(name), "Not now"
            else:
                return
            event.stop()
            event.prevent_default()
            self.notify(f"{binding.description} is off: {why}", title=title, severity="warning",
                        timeout=4, markup=False)
            return

    def _why_off(self, action: str) -> str:
        """Why a follow-up key does not apply to the selected task, in its own words."""
        tracked = self.selected
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
        return "the selected task has no such button (x lists the ones it has)"

    def on_paste(self, event: events.Paste) -> None:
        """A paste the table got (not the filter box) never runs a binding: a paste holding
        task IDs opens the Add dialog with it (which lists what it ignores); anything else
        is ignored, saying so."""
        event.stop()
        if find_task_ids(event.text):
            self.action_add_tasks(event.text)
            return
        self.notify("paste ignored: it holds no task ID (press / to filter, a to add IDs)",
                    timeout=4, markup=False)

    def _follow_cursor(self) -> None:
        """The detail pane, preview and greyed keys follow the task under the cursor.

        Watched on the table's cursor, so they change before the next frame is drawn:
        waiting for the RowHighlighted message let a frame with the cursor on the new row
        and the old task's details go out first, and the details a frame (>= 1/60 s) later."""
        selected = self.table.selected_id
        if selected != self._detail_for:
            self.show_selected()
        if selected != self._bindings_for:
            self._bindings_for = selected
            self._refresh_bindings_if_changed()

    @on(DataTable.RowHighlighted, "#tasks")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Usually a no-op: the cursor watcher got there first. Not when the highlight came
        # without a cursor move (the first row added to an empty table).
        self._follow_cursor()
        # An empty (or fully filtered) table highlights "no row": row_key is None then.
        task_id = event.row_key.value if event.row_key is not None else None
        if task_id and self.mjtui.session.set_view(selected=str(task_id)):
            self.mjtui.schedule_save()

    def on_task_changed(self, message: TaskChanged) -> None:
        update = message.update
        app = self.mjtui
        old = app.session.get(update.task_id)
        if old is None:
            return  # removed while the answer was on its way
        error = ""
        if update.error is not None:
            error = update.error.message
            if update.retry_in is not None:
                error += f" · retrying in {update.retry_in:.0f}s"
        self.row_states[update.task_id] = RowState(update.stalled, error)
        gathered = self.catch_up.takes(update.task_id)
        if update.task is not None and app.session.update_task(update.task, app.clock()):
            app.schedule_save()
            self.count_change(old.task.status, update.task.status)
            self._announce(old, update.task.status, gathered=gathered)
        if self.catch_up.complete:
            self.say_catch_up()
        tracked = app.session.get(update.task_id)
        if tracked is not None:
            self.upsert_row(tracked)
            if self.sort != "added" and self._resort_timer is None:
                # Batch re-sorts: a burst of updates moves rows once, cursor kept on its task.
                self._resort_timer = self.set_timer(RESORT_DELAY, self._resort)
            selected = self.table.selected_id
            if selected == tracked.id and old.task.status is not tracked.task.status:
                self._refresh_bindings_if_changed()  # which keys apply depends on the status
            if selected in (tracked.id, tracked.parent_id) or (
                selected and selected in self.mjtui.session and
                self.mjtui.session.tasks[selected].parent_id == tracked.id):
                self.show_selected()

    def _refresh_bindings_if_changed(self) -> None:
        """`refresh_bindings()` only when a key of ours became enabled, greyed or hidden.

        It makes the footer recompose (a new widget per key): on a slow machine that cost
        more than the rest of a cursor move, and most moves change nothing (running task to
        running task). Other places that change what `check_action` answers (marks, U/V
        prefix) keep calling `refresh_bindings()` themselves."""
        state = tuple(self.check_action(name, args) for name, args in _ACTIONS)
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    def _resort(self) -> None:
        self._resort_timer = None
        self.table.sort_by(self.sort)

    def on_health_changed(self, message: HealthChanged) -> None:
        self.health = message.health
        self._status_dirty = True

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self.mjtui.session.set_view(filter=event.value):
            self.mjtui.schedule_save()
        self.rebuild()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value)  # an empty filter puts the box away
        self.table.focus()
