"""The home screen: live task table, detail pane, preview, status line and footer.

It composes the widgets and routes: keys to the part that owns them (`TaskList`,
`FollowUps`, `NewJobs`, `PreviewKeys`, `PollingKeys`, `ArchiveKeys`), the poller's messages to the rows, the news and the status
line. Each component keeps its own state and gets only the calls it needs.
"""

from __future__ import annotations

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
from mjtui.buttons import ButtonKind
from mjtui.session import TrackedTask
from mjtui.text import printable
from mjtui.ui.bindings import DASHBOARD_BINDINGS
from mjtui.ui.messages import DownloadProgress, HealthChanged, PrefixChanged, TaskChanged
from mjtui.ui.screens.dashboard_parts import DashboardParts
from mjtui.ui.screens.quiet_background import QuietBackground
from mjtui.ui.widgets.detail import DetailPane
from mjtui.ui.widgets.image_preview import ImagePreview
from mjtui.ui.widgets.quiet_footer import QuietFooter
from mjtui.ui.widgets.status_line import StatusLine
from mjtui.ui.widgets.task_table import TaskTable

if TYPE_CHECKING:
    from mjtui.ui.app import MjtuiApp

AGE_REFRESH = 10.0  # seconds between re-renders of the relative-time columns
RESORT_DELAY = 0.5  # seconds: updates that change the sort key move rows this often

_ACTIONS = [parse_action(b.action)[1:] for b in DASHBOARD_BINDINGS]  # (name, arguments)


class DashboardScreen(QuietBackground, Screen[None]):
    """The live table of tracked tasks and everything about the selected one."""

    BINDINGS = DASHBOARD_BINDINGS
    BINDING_GROUP_TITLE = "Dashboard"

    def __init__(self, app: MjtuiApp) -> None:
        super().__init__()
        self._resort_timer: Timer | None = None
        self._bindings_for: str | None = None  # the task the footer's keys were checked for
        self._bindings_state: tuple[object, ...] | None = None  # check_action answers shown
        self._detail_for: str | None = ""  # the task the detail pane shows ("": not filled)
        parts = DashboardParts(self, app)
        self.news, self.tasks, self.follow_ups = parts.news, parts.tasks, parts.follow_ups
        self.images, self.polling, self.archive = parts.images, parts.polling, parts.archive
        self.new_jobs = parts.new_jobs

    @property
    def mjtui(self) -> MjtuiApp:
        return cast("MjtuiApp", self.app)

    def compose(self) -> ComposeResult:
        app = self.mjtui
        yield StatusLine(id="status-line", clock=app.tracker.clock,
                         session_name=app.session.name, interval=app.tracker.poll_interval)
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
                yield ImagePreview(protocol=app.image_protocol, loader=app.image_loader,
                                   max_width=app.settings.preview_width, id="preview")
        yield QuietFooter()

    def on_mount(self) -> None:
        app = self.mjtui
        view = app.session.view
        table = self.table
        self.status_line.recount(t.task.status for t in app.session)
        self.tasks.rows.on_stalled = lambda count: setattr(self.status_line, "stalled", count)
        self.status_line.account = self.new_jobs.balance_and_today
        filter_input = self.query_one("#filter", Input)
        filter_input.value = view.filter
        filter_input.display = bool(view.filter)
        table.filter_text = view.filter
        table.sort_by(view.sort)
        self.tasks.rebuild(keep=view.selected)
        table.select(view.selected)
        table.focus()
        self.watch(table, "cursor_coordinate", self._follow_cursor, init=False)
        self.set_interval(AGE_REFRESH, self._refresh_ages)
        self.new_jobs.watch_balance()
        self.show_selected()
        # Tasks open when the session was saved answer in a burst: one summary, not a toast each.
        self.news.gather_first_answers([t.id for t in app.session if not t.task.status.is_final])
        if app.archive_moves:
            self.archive.start_archiving()

    # -- what the screen shows -------------------------------------------------------------

    @property
    def table(self) -> TaskTable:
        return self.query_one("#tasks", TaskTable)

    @property
    def status_line(self) -> StatusLine:
        return self.query_one("#status-line", StatusLine)

    def show_selected(self) -> None:
        detail = self.query_one("#detail", DetailPane)
        tracked = self.tasks.selected
        self._detail_for = tracked.id if tracked else None
        if tracked is None:
            if len(self.mjtui.session):
                detail.show_empty("No task matches the filter. Press esc to clear it.")
            else:
                detail.show_empty("No tasks yet. Press a to add task IDs, n to start a new job.")
            self.images.show(None)
            return
        session = self.mjtui.session
        parent = session.get(tracked.parent_id) if tracked.parent_id else None
        detail.show(tracked, self.tasks.rows.of(tracked.id), parent,
                    session.children_of(tracked.id))
        self.images.show(tracked)

    def sync_with_session(self) -> None:
        """Another mjtui changed this session (merged on save): rows and counts follow."""
        self.tasks.sync_with_session()
        self.status_line.recount(t.task.status for t in self.mjtui.session)

    def _refresh_ages(self) -> None:
        self.table.refresh_ages(self.tasks.rows.of)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        try:
            if action == "label" and self.table.selected_id is None:
                return None  # nothing to label: and keys typed behind `l` wait for no dialog
            return self.follow_ups.enabled(action, parameters)
        except NoMatches:  # a key before the table is composed: nothing to act on yet
            return None

    def _refresh_bindings_if_changed(self) -> None:
        """`refresh_bindings()` only when a key of ours became enabled, greyed or hidden: it
        makes the footer recompose, which on a slow machine cost more than the rest of a
        cursor move, and most moves change nothing. (Marks and the U/V prefix call it.)"""
        state = tuple(self.check_action(name, args) for name, args in _ACTIONS)
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    # -- keys: each goes to the component that owns it -------------------------------------

    def action_add_tasks(self, text: str = "") -> None:
        self.tasks.add_tasks(text)

    def action_label(self) -> None:
        self.tasks.label()

    def action_remove(self) -> None:
        self.tasks.remove()

    def action_lineage(self) -> None:
        self.tasks.lineage()

    def action_archive(self) -> None:
        self.archive.archive()

    def action_gallery(self) -> None:
        self.archive.gallery()

    def action_toggle_mark(self) -> None:
        self.tasks.toggle_mark()
        self.refresh_bindings()  # bulk keys apply to the marked tasks

    def action_clear_marks(self) -> None:
        self.tasks.clear_marks()
        self.refresh_bindings()

    def action_cycle_sort(self) -> None:
        self.tasks.cycle_sort()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        self.set_focus(box)  # now, not after the keys already queued (box.focus() defers)

    def action_escape(self) -> None:
        """Esc: cancel a pending U/V prefix, else clear the filter."""
        if self.follow_ups.pending_prefix:
            self.follow_ups.set_prefix("")
            self.refresh_bindings()
            return
        box = self.query_one("#filter", Input)
        if box.value or box.display:
            box.value = ""
            box.display = False
            self.table.focus()

    def action_prefix(self, letter: str) -> None:
        self.follow_ups.set_prefix(letter)
        self.refresh_bindings()  # the digit keys show while a prefix waits

    def action_tile(self, index: int) -> None:
        self.follow_ups.tile(index)
        self.refresh_bindings()

    def action_reroll(self) -> None:
        self.follow_ups.press_on_targets(ButtonKind.REROLL, None)

    def action_actions_menu(self) -> None:
        self.follow_ups.actions_menu()

    def action_modal(self) -> None:
        self.follow_ups.modal()

    def action_new_imagine(self) -> None:
        self.new_jobs.open_new_job()

    def action_use_prompt(self) -> None:
        self.new_jobs.use_prompt()

    def action_toggle_tiles(self) -> None:
        self.images.toggle_tiles()

    def action_fullscreen(self) -> None:
        self.images.fullscreen()

    def action_copy_url(self) -> None:
        self.images.copy_url()

    def action_open_url(self) -> None:
        self.images.open()

    def action_download(self) -> None:
        self.images.download()

    def action_toggle_pause(self) -> None:
        self.polling.toggle_pause()

    def action_refresh(self) -> None:
        self.polling.refresh()

    def action_interval(self, direction: int) -> None:
        self.polling.interval(direction)

    def action_toggle_bell(self) -> None:
        self.polling.toggle_bell()

    def action_save_now(self) -> None:
        if self.mjtui.save() or not self.mjtui.save_error:
            self.notify(f"saved {self.mjtui.session.path}", timeout=3, markup=False)

    def action_copy_id(self) -> None:
        if tracked := self.tasks.selected:
            self.app.copy_to_clipboard(tracked.id)
            self.notify(f"copied {printable(tracked.id)}", timeout=3, markup=False)

    def action_help(self) -> None:
        from mjtui.ui.screens.help import HelpScreen, key_rows

        self.app.push_screen(HelpScreen(key_rows(self.app)))

    def action_diagnostics(self) -> None:
        from mjtui.ui.diagnostics_facts import diagnostics_facts
        from mjtui.ui.screens.diagnostics import DiagnosticsScreen

        self.app.push_screen(DiagnosticsScreen(diagnostics_facts(self.mjtui)))

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
            off = self.follow_ups.why_greyed(name, self.check_action(name, params))
            if off is None:
                continue
            event.stop()
            event.prevent_default()
            self.follow_ups.say_off(binding.description, *off)
            return

    def on_paste(self, event: events.Paste) -> None:
        """A paste the table got (not the filter box) never runs a binding: a paste holding
        task IDs opens the Add dialog with it (which lists what it ignores); anything else
        is ignored, saying so."""
        event.stop()
        if find_task_ids(event.text):
            self.tasks.add_tasks(event.text)
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
        self.tasks.rows.set(update.task_id, update.stalled, error)
        gathered = self.news.catch_up.takes(update.task_id)
        if update.task is not None and app.session.update_task(update.task, app.clock()):
            app.schedule_save()
            self.status_line.count_change(old.task.status, update.task.status)
            self.news.announce(old, update.task.status, gathered=gathered)
        if self.news.catch_up.complete:
            self.news.say_catch_up()
        tracked = app.session.get(update.task_id)
        if tracked is not None:
            self._show_changed(old, tracked)

    def _show_changed(self, old: TrackedTask, tracked: TrackedTask) -> None:
        """A task's row, and what depends on it: the order, the footer's keys, the detail."""
        self.tasks.upsert_row(tracked)
        if self.table.current_sort != "added" and self._resort_timer is None:
            # Batch re-sorts: a burst of updates moves rows once, cursor kept on its task.
            self._resort_timer = self.set_timer(RESORT_DELAY, self._resort)
        selected = self.table.selected_id
        if selected == tracked.id and old.task.status is not tracked.task.status:
            self._refresh_bindings_if_changed()  # which keys apply depends on the status
        session = self.mjtui.session
        if selected in (tracked.id, tracked.parent_id) or (
                selected and selected in session and
                session.tasks[selected].parent_id == tracked.id):
            self.show_selected()

    def _resort(self) -> None:
        self._resort_timer = None
        self.table.sort_by(self.table.current_sort)

    def on_health_changed(self, message: HealthChanged) -> None:
        self.status_line.health = message.health

    def on_download_progress(self, message: DownloadProgress) -> None:
        self.status_line.notice = message.text

    def on_prefix_changed(self, message: PrefixChanged) -> None:
        self.status_line.pending_prefix = message.letter

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.filter_text = event.value
        if self.mjtui.session.set_view(filter=event.value):
            self.mjtui.schedule_save()
        self.tasks.rebuild()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value)  # an empty filter puts the box away
        self.table.focus()
