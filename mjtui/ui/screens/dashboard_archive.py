"""Dashboard side of the archive: the move rules in the background (with progress, the table
usable all along), `H` to open the archive screen, and coming back from it with a task."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from mjtui.text import printable

if TYPE_CHECKING:
    from mjtui.ui.screens.dashboard import DashboardScreen

BANNER_AT_LEAST = 200  # a move this big shows a progress banner (smaller ones are instant)


class ArchiveActions:
    """Mixin for DashboardScreen."""

    archiving: bool = False

    @work(thread=True, group="archive-moves", exclusive=True, exit_on_error=False)
    def start_archiving(self: DashboardScreen) -> None:
        """Apply the move rules (a first migration may move tens of thousands of tasks):
        SQLite and the disk in this thread, progress and the table's update on the UI's."""
        from mjtui.archive import ArchiveError
        from mjtui.archive.moves import auto_move
        from mjtui.session import SessionError

        app = self.mjtui
        settings = app.settings

        def progress(done: int, total: int) -> None:
            if total >= BANNER_AT_LEAST:
                app.call_from_thread(self.show_archive_progress, done, total)

        self.archiving = True
        try:
            moved = auto_move(app.session, None, after_days=settings.archive_after_days,
                              max_tasks=settings.session_max_tasks, progress=progress,
                              now=app.clock())
        except (ArchiveError, SessionError, OSError) as exc:
            app.call_from_thread(self.archive_failed, str(exc))
            return
        finally:
            self.archiving = False
        app.call_from_thread(self.archive_done, moved)

    def show_archive_progress(self: DashboardScreen, done: int, total: int) -> None:
        banner = self.query_one("#archive-banner")
        banner.update(f"Moving finished tasks to the archive: {done:,} of {total:,} "
                      "(the dashboard stays usable)")
        banner.display = done < total

    def archive_done(self: DashboardScreen, moved: int) -> None:
        self.query_one("#archive-banner").display = False
        if moved:
            self.rebuild()  # the rows left, at once: removing thousands one by one is slow
            self.sync_with_session()  # the poller and the marks forget the rest
            self.show_selected()
            self.notify(f"moved {moved:,} finished task{'s' * (moved != 1)} to the archive "
                        "(H opens it)", markup=False)

    def archive_failed(self: DashboardScreen, message: str) -> None:
        self.query_one("#archive-banner").display = False
        self.notify(f"tasks not archived: {printable(message, limit=300)}",
                    title="Archive", severity="warning", timeout=10, markup=False)

    @work(group="dialogs")
    async def action_gallery(self: DashboardScreen) -> None:
        """The table's finished pictures as thumbnails, in the table's order."""
        from mjtui.ui.screens.gallery import GalleryScreen

        table = self.table
        order = [str(table.coordinate_to_cell_key((n, 0)).row_key.value)
                 for n in range(table.row_count)]
        session = self.mjtui.session
        tasks = [t for t in (session.get(task_id) for task_id in order)
                 if t is not None and t.task.status.is_final]
        chosen = await self.mjtui.push_screen_wait(GalleryScreen(tasks, table.selected_id))
        if chosen:
            table.select(chosen)
            self.show_selected()

    @work(group="dialogs")
    async def action_archive(self: DashboardScreen) -> None:
        """Open the archive: search, detail, preview; it answers with what to do next."""
        from mjtui.ui.screens.archive import ArchiveScreen

        choice = await self.mjtui.push_screen_wait(ArchiveScreen())
        if choice is None:
            return
        task_id, then = choice
        if not await self.mjtui.jobs.bring_back(task_id):
            self.notify(f"{printable(task_id)} is not in the archive any more", markup=False)
            return
        self.sync_with_session()
        self.table.select(task_id)
        self.show_selected()
        if then:
            await self.run_action(then)
