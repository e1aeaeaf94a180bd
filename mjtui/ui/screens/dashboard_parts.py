"""The dashboard's parts, wired: each gets only the calls it needs from the screen and the
app, and nothing reaches into another part's state. The app's calls and its tracker and
notifier are looked up when used: tests put in their own after the app is made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Input, Static

from mjtui.ui.screens.dashboard_archive import ArchiveKeys
from mjtui.ui.screens.dashboard_followups import FollowUps
from mjtui.ui.screens.dashboard_newjob import NewJobs
from mjtui.ui.screens.dashboard_news import TaskNews
from mjtui.ui.screens.dashboard_polling import PollingKeys
from mjtui.ui.screens.dashboard_tasks import TaskList
from mjtui.ui.widgets.image_preview import ImagePreview
from mjtui.ui.widgets.preview_keys import PreviewKeys

if TYPE_CHECKING:
    from mjtui.ui.app import MjtuiApp
    from mjtui.ui.screens.dashboard import DashboardScreen


class DashboardParts:
    """The news, the task list, new jobs, follow-ups, the preview side, the polling keys
    and the archive."""

    def __init__(self, screen: DashboardScreen, app: MjtuiApp) -> None:
        session = app.session

        def wait_for(dialog: Any) -> Any:  # a dialog's answer (in a worker)
            return app.push_screen_wait(dialog)

        def mask_picture(task_id: str) -> Any:  # imported when a MODAL dialog opens
            from mjtui.images.mask_picture import picture_url
            from mjtui.ui.dialogs.mask_editor import MaskPicture

            return MaskPicture(picture_url(session, task_id), app.image_loader,
                               app.image_protocol)

        self.news = TaskNews(
            session, notify=screen.notify, ring_bell=lambda: app.ring_bell(), clock=app.clock,
            desktop_event=lambda event: app.desktop_notifier.job_event(event),
            set_timer=screen.set_timer)
        self.tasks = TaskList(
            lambda: screen.table, lambda: screen.query_one("#filter", Input), session,
            lambda: app.tracker, clock=app.clock, schedule_save=lambda: app.schedule_save(),
            notify=screen.notify, push_screen_wait=wait_for,
            run_worker=screen.run_worker,
            count_change=lambda old, new: screen.status_line.count_change(old, new),
            forget_news=lambda task_id: self.news.catch_up.forget(task_id),
            show_selected=screen.show_selected, gather=self.news.gather_first_answers)
        self.new_jobs = NewJobs(
            session, app.jobs, lambda: app.backend.client, read_only=app.settings.read_only,
            balance_watch=lambda: app.balance_watch, clock=app.clock,
            selected=lambda: self.tasks.selected, notify=screen.notify,
            push_screen_wait=wait_for, run_worker=screen.run_worker,
            set_interval=screen.set_interval, set_timer=screen.set_timer,
            track_new=self.tasks.track_new, select=lambda task_id: screen.table.select(task_id),
            show_selected=screen.show_selected,
            report_failure=lambda task_id, message: self.follow_ups.report_failure(
                task_id, message),
            press=lambda *args, **kwargs: self.follow_ups.press(*args, **kwargs))
        self.follow_ups = FollowUps(
            session, app.jobs, read_only=app.settings.read_only,
            refresh=lambda ids: app.tracker.refresh(ids), clock=app.clock,
            selected=lambda: self.tasks.selected, marked=lambda: self.tasks.rows.marked,
            notify=screen.notify, push_screen_wait=wait_for,
            run_worker=screen.run_worker, post=screen.post_message,
            track_new=self.tasks.track_new, task_changed=self.tasks.redraw,
            note_error=self.tasks.note_error, select=lambda task_id: screen.table.select(task_id),
            mask_picture=mask_picture, new_jobs=self.new_jobs)
        self.images = PreviewKeys(
            lambda: screen.query_one("#preview", ImagePreview), app.image_loader,
            app.image_protocol, app.settings.download_dir,
            selected=lambda: self.tasks.selected,
            parent_of=lambda t: session.get(t.parent_id) if t.parent_id else None,
            notify=screen.notify, copy=lambda text: app.copy_to_clipboard(text),
            open_url=lambda url: app.open_url(url),
            push_screen=lambda pushed: app.push_screen(pushed),
            run_worker=screen.run_worker, post=screen.post_message)
        self.polling = PollingKeys(
            lambda: app.tracker, lambda: screen.status_line, notify=screen.notify,
            show_paused=lambda paused: screen.set_class(paused, "paused"),
            count=lambda: len(session), bell=app)
        self.archive = ArchiveKeys(
            session, app.jobs, app.settings, clock=app.clock,
            banner=lambda: screen.query_one("#archive-banner", Static),
            table=lambda: screen.table, notify=screen.notify, push_screen_wait=wait_for,
            run_worker=screen.run_worker, call_from_thread=app.call_from_thread,
            sync=screen.sync_with_session, rebuild=lambda: self.tasks.rebuild(),
            show_selected=screen.show_selected,
            run_action=screen.run_action)
